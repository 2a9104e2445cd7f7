"""Time the report renderers on a big run (issue 8: 60k findings in JSON, SARIF, HTML under 1 s each).

Run by hand (not a unit test):

    .venv/bin/python benchmarks/bench_render.py                    # 1M-row sample, 5 repeats
    .venv/bin/python benchmarks/bench_render.py --rows 200000 --formats json,sarif,html,csv

The export is the synthetic CONARC-like sample of ``dbhygiene.sample`` (cached as
/tmp/dbhygiene_bench_<rows>_<seed>.csv, shared with bench_pipeline.py). The pipeline runs once; then
each format renders the same Report into a StringIO ``--repeat`` times and the median, min and max
are printed with the number of findings, as wall-clock seconds and as the process's CPU seconds
(the renderers use one thread; on a shared machine the CPU time is the fairer figure). The verdict is computed once per Report (a cached
property) and timed on its own first, since every renderer shows it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

from dbhygiene import __version__
from dbhygiene.api import Settings, check_path
from dbhygiene.catalogue import load_catalogue
from dbhygiene.engine import select_rules
from dbhygiene.report import RenderOptions, Report, SourceReport, renderers

AS_OF = "2026-11-22"


def ensure_file(rows: int, seed: int) -> Path:
    path = Path(f"/tmp/dbhygiene_bench_{rows}_{seed}.csv")
    if not path.exists():
        code = (f"import datetime; from dbhygiene.sample import write_sample; "
                f"write_sample({str(path)!r}, rows={rows}, seed={seed}, as_of=datetime.date.fromisoformat('{AS_OF}'))")
        subprocess.run([sys.executable, "-c", code], check=True)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--formats", default="json,sarif,html")
    args = parser.parse_args()
    path = ensure_file(args.rows, args.seed)
    settings = Settings(profile="ar", as_of=dt.date.fromisoformat(AS_OF))
    t0 = time.perf_counter()
    ctx, result = check_path(path, settings)
    print(f"dbhygiene {__version__}: {args.rows} rows, pipeline {time.perf_counter() - t0:.1f} s, "
          f"{len(result.findings)} findings")
    specs = select_rules(load_catalogue(), settings.select, settings.ignore)

    def new_report() -> Report:
        return Report(tool={"name": "dbhygiene", "version": __version__}, as_of=AS_OF, profile="ar",
                      sources=[SourceReport(ctx, result)], selected_rules=[s.code for s in specs])

    times = []
    for _ in range(args.repeat):
        report = new_report()
        t = time.perf_counter()
        report.verdict
        times.append(time.perf_counter() - t)
    print(f"{'verdict':<9} median {statistics.median(times):.3f} s  min {min(times):.3f}  max {max(times):.3f}")
    for fmt in args.formats.split(","):
        renderer = renderers()[fmt]
        times, cpu, size = [], [], 0
        for _ in range(args.repeat):
            report = new_report()
            report.verdict  # computed once per report whatever the format; timed above
            buf = io.StringIO()
            t, c = time.perf_counter(), time.process_time()
            renderer.render(report, buf, RenderOptions())
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            size = len(buf.getvalue())
        print(f"{fmt:<9} median {statistics.median(times):.3f} s  min {min(times):.3f}  max {max(times):.3f}  "
              f"cpu median {statistics.median(cpu):.3f} s  ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
