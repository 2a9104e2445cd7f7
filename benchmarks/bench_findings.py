"""Time turning rule hits into findings (engine.build_findings) and writing them (JSON, SARIF, CSV).

Run by hand (not a unit test):

    .venv/bin/python benchmarks/bench_findings.py                       # 1M rows, 5 repeats
    .venv/bin/python benchmarks/bench_findings.py --rows 200000 --digest  # also print output digests
    .venv/bin/python benchmarks/bench_findings.py --cprofile sarif        # where a writer's time goes
    .venv/bin/python benchmarks/bench_findings.py --path other.csv       # another export's findings

The sample is the one bench_pipeline.py uses (/tmp/dbhygiene_bench_<rows>_<seed>.csv). One load,
map, normalise and engine.run; every rule's hits are kept as build_findings received them, then
build_findings is timed over all of them (``--repeat`` times), and each writer renders the run's
Report into a StringIO. Printed: median, min and max CPU seconds (the machine is shared: CPU time
is the fairer figure), the median system (kernel: page faults) part of it and the median wall-clock time. ``--digest`` prints a SHA-256 of each output
(set DBHYGIENE_FINGERPRINT_KEY for a SARIF digest stable across runs), to check that a change to a
writer leaves its bytes as they were. The process runs with the command line's own settings
(``runtime.tune_memory``): with Python's full garbage collections on, building the findings of a big
run costs about three times as much, a cost the command line does not pay.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import pstats
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, __file__.rsplit("/", 1)[0])

from dbhygiene.runtime import tune_memory  # noqa: E402

tune_memory()  # the command line's own process settings (allocators, no full garbage collections)

from bench_pipeline import AS_OF, PROFILE, ensure_file, prepared_context  # noqa: E402

from dbhygiene import __version__, engine  # noqa: E402
from dbhygiene.catalogue import load_catalogue  # noqa: E402
from dbhygiene.engine import run, select_rules  # noqa: E402
from dbhygiene.report import RenderOptions, Report, SourceReport, renderers  # noqa: E402


def timed(fn, repeat: int) -> tuple[list[float], list[float], list[float]]:
    wall, cpu, system = [], [], []
    for _ in range(repeat):
        t, c, s = time.perf_counter(), time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_stime
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        system.append(resource.getrusage(resource.RUSAGE_SELF).ru_stime - s)
    return wall, cpu, system


def line(label: str, wall: list[float], cpu: list[float], system: list[float], extra: str = "") -> str:
    return (f"{label:<15} cpu median {statistics.median(cpu):.3f} s  min {min(cpu):.3f}  max {max(cpu):.3f}  "
            f"(system {statistics.median(system):.3f})  wall median {statistics.median(wall):.3f} s  {extra}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=43)
    ap.add_argument("--path", type=Path, help="another export instead of the generated sample")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--formats", default="json,sarif,csv")
    ap.add_argument("--show-pii", action="store_true")
    ap.add_argument("--digest", action="store_true", help="print a SHA-256 of each writer's output")
    ap.add_argument("--cprofile", metavar="WHAT", help="profile one pass of 'build' or a format instead of timing")
    args = ap.parse_args(argv)

    path = ensure_file(args.path, args.rows, args.seed)
    ctx = prepared_context(path)
    specs = select_rules(load_catalogue(), ["ALL"], [])
    captured = []
    original = engine.build_findings

    def capture(spec, hits, c, show_pii):
        captured.append((spec, hits, c))
        return original(spec, hits, c, show_pii)

    engine.build_findings = capture
    try:
        result = run(ctx, specs, show_pii=args.show_pii)
    finally:
        engine.build_findings = original
    print(f"dbhygiene {__version__}: {len(ctx.frame):,} rows, {len(result.findings):,} findings, "
          f"{sum(len(h) for _, h, _ in captured):,} hits from {len(captured)} rules")

    def build():
        for spec, hits, c in captured:
            engine.build_findings(spec, hits, c, args.show_pii)

    def new_report() -> Report:
        report = Report(tool={"name": "dbhygiene", "version": __version__}, as_of=AS_OF.isoformat(),
                        profile=PROFILE, sources=[SourceReport(ctx, result)],
                        selected_rules=[s.code for s in specs], show_pii=args.show_pii)
        report.verdict  # computed once per report, whatever the format
        return report

    def writer(fmt: str):
        report = new_report()

        def go():
            buf = io.StringIO()
            renderers()[fmt].render(report, buf, RenderOptions())
            return buf
        return go

    if args.cprofile:
        fn = build if args.cprofile == "build" else writer(args.cprofile)
        prof = cProfile.Profile()
        prof.enable()
        fn()
        prof.disable()
        stats = pstats.Stats(prof).strip_dirs()
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(20)
        return 0

    print(line("build_findings", *timed(build, args.repeat)))
    for fmt in args.formats.split(","):
        go = writer(fmt)
        out = go().getvalue()
        extra = f"({len(out) / 1e6:.1f} MB)"
        if args.digest:
            extra += f" sha256 {hashlib.sha256(out.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
        print(line(fmt, *timed(go, args.repeat), extra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
