"""Time the dbhygiene pipeline stage by stage on a large synthetic CONARC-like export.

Run by hand (not a unit test):

    .venv/bin/python benchmarks/bench_pipeline.py                 # 1M rows, 3 repeats
    .venv/bin/python benchmarks/bench_pipeline.py --rows 200000 --repeat 5 --cprofile --per-rule

The file is generated once with ``dbhygiene.sample`` and cached (default
/tmp/dbhygiene_bench_<rows>_<seed>.csv). Stages, all in one process: load → map → normalise →
check (every catalogue rule, engine.run) → report (JSON into a buffer). Each repeat runs every stage;
times are medians over repeats. Memory: the process's peak RSS (high-water mark, getrusage) after
each stage of the first repeat and the growth it caused, plus the current RSS (/proc/self/statm).
The bare ``pandas.read_csv(path, sep=..., encoding=...)`` of the same file, with the delimiter and
encoding the loader detected, is timed the same way, and the ratio (load + normalise) / bare read is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from dbhygiene import __version__, checks  # noqa: F401  (registers the rules)
from dbhygiene.catalogue import load_catalogue, load_profile
from dbhygiene.engine import Context, run, select_rules
from dbhygiene.load import load
from dbhygiene.mapping import map_columns
from dbhygiene.normalise import normalise
from dbhygiene.report import Report, SourceReport
from dbhygiene.report import json_report

STAGES = ("load", "map", "normalise", "check", "report")
AS_OF = dt.date(2026, 11, 22)
PROFILE = "ar"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def current_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6 * (1e6 / 2**20)


def ensure_file(path: Path | None, rows: int, seed: int) -> Path:
    path = path or Path(f"/tmp/dbhygiene_bench_{rows}_{seed}.csv")
    if not path.exists():  # in a child process, so that its memory does not count below
        t = time.perf_counter()
        code = (f"import datetime; from dbhygiene.sample import write_sample; "
                f"write_sample({str(path)!r}, rows={rows}, seed={seed}, as_of=datetime.date.fromisoformat('{AS_OF}'))")
        subprocess.run([sys.executable, "-c", code], check=True)
        print(f"generated {path} ({rows:,} rows, {path.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - t:.2f} s")
    else:
        print(f"using cached {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return path


def pipeline(path: Path, specs, timings: dict, memory: dict | None):
    def mark(stage, t0):
        timings.setdefault(stage, []).append(time.perf_counter() - t0)
        if memory is not None:
            memory[stage] = (peak_mb(), current_mb())

    t = time.perf_counter()
    loaded = load(path)
    mark("load", t)
    t = time.perf_counter()
    profile = load_profile(PROFILE)
    mapping = map_columns(list(loaded.frame.columns))
    mark("map", t)
    t = time.perf_counter()
    norm = normalise(loaded.frame, mapping, profile=profile, as_of=AS_OF)
    mark("normalise", t)
    ctx = Context(frame=norm.frame, raw=loaded.frame, facts=loaded.facts, mapping=mapping, profile=profile,
                  as_of=AS_OF, lines=loaded.lines, date_notes=norm.date_notes,
                  malformed_rows=loaded.malformed_rows, load_notes=loaded.notes)
    t = time.perf_counter()
    result = run(ctx, specs)
    mark("check", t)
    t = time.perf_counter()
    report = Report(tool={"name": "dbhygiene", "version": __version__}, as_of=AS_OF.isoformat(), profile=PROFILE,
                    sources=[SourceReport(ctx, result)], selected_rules=[s.code for s in specs])
    buffer = io.StringIO()
    json_report.render(report, buffer)
    mark("report", t)
    return ctx, result, len(buffer.getvalue())


def bare_read(path: Path, sep: str, encoding: str) -> float:
    t = time.perf_counter()
    pd.read_csv(path, sep=sep, encoding=encoding)
    return time.perf_counter() - t


def recoded(path: Path, encoding: str) -> Path:
    """The cached sample written in another encoding (once), e.g. to time the UTF-8 path."""
    if encoding == "cp1252":
        return path
    out = path.with_name(f"{path.stem}_{encoding}{path.suffix}")
    if not out.exists():
        out.write_bytes(path.read_bytes().decode("cp1252").encode(encoding))
        out.chmod(0o600)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=43)
    ap.add_argument("--path", type=Path, help="Use (or create) this file instead of the /tmp cache.")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--encoding", default="cp1252", help="Time the sample re-encoded, e.g. utf-8 (default cp1252).")
    ap.add_argument("--cprofile", action="store_true", help="Profile load+normalise once; print the top 15.")
    ap.add_argument("--per-rule", action="store_true", help="Time each rule alone once; print the slowest.")
    args = ap.parse_args(argv)

    path = recoded(ensure_file(args.path, args.rows, args.seed), args.encoding)
    specs = select_rules(load_catalogue(), ["ALL"], [])
    print(f"python {sys.version.split()[0]}, pandas {pd.__version__}, {os.cpu_count()} CPU(s), "
          f"{len(specs)} rules; baseline RSS {current_mb():.0f} MB (imports)")

    timings: dict[str, list[float]] = {}
    memory: dict[str, tuple[float, float]] = {}
    bare: list[float] = []
    for i in range(args.repeat):
        gc.collect()
        before = peak_mb()
        ctx, result, report_chars = pipeline(path, specs, timings, memory if i == 0 else None)
        if i == 0:
            rows = len(ctx.frame)
            sep, encoding = ctx.facts.delimiter, ctx.facts.encoding
            findings = len(result.findings)
            crashed = result.crashed
            start_peak = before
        del ctx, result
        gc.collect()
        bare.append(bare_read(path, sep, encoding))

    print(f"\n{rows:,} rows, {path.stat().st_size / 1e6:.1f} MB; {findings:,} findings; "
          f"JSON report {report_chars / 1e6:.1f} MB; medians of {args.repeat} runs")
    if crashed:
        print("crashed rules:", "; ".join(f"{c['rule']}: {c['error']}" for c in crashed))
    print(f"{'stage':<10} {'median s':>9} {'min s':>7} {'max s':>7} {'rows/s':>12} {'peak RSS MB':>12} "
          f"{'peak +MB':>9} {'RSS now MB':>11}")
    prev = start_peak
    total = 0.0
    for stage in STAGES:
        ts = timings[stage]
        med = statistics.median(ts)
        total += med
        peak, now = memory[stage]
        print(f"{stage:<10} {med:9.3f} {min(ts):7.3f} {max(ts):7.3f} {rows / med:12,.0f} {peak:12.0f} "
              f"{peak - prev:9.0f} {now:11.0f}")
        prev = peak
    print(f"{'total':<10} {total:9.3f} {'':>7} {'':>7} {rows / total:12,.0f}")
    bare_med = statistics.median(bare)
    ln = statistics.median(timings["load"]) + statistics.median(timings["normalise"])
    print(f"\nbare pandas.read_csv(sep={sep!r}, encoding={encoding!r}): {bare_med:.3f} s median "
          f"(runs {', '.join(f'{b:.3f}' for b in bare)}), {rows / bare_med:,.0f} rows/s")
    print(f"(load + normalise) / bare read = {ln:.3f} / {bare_med:.3f} = {ln / bare_med:.1f}x")

    if args.per_rule:
        loaded = load(path)
        profile = load_profile(PROFILE)
        mapping = map_columns(list(loaded.frame.columns))
        norm = normalise(loaded.frame, mapping, profile=profile, as_of=AS_OF)
        ctx = Context(frame=norm.frame, raw=loaded.frame, facts=loaded.facts, mapping=mapping, profile=profile,
                      as_of=AS_OF, lines=loaded.lines, date_notes=norm.date_notes)
        per = []
        for spec in specs:
            t = time.perf_counter()
            res = run(ctx, [spec])
            per.append((time.perf_counter() - t, spec.code, len(res.findings), bool(res.crashed)))
        print("\nper rule (one run each, slowest first): code  s  findings")
        for secs, code, n, crash in sorted(per, reverse=True):
            print(f"  {code}  {secs:7.3f}  {n:>8,}{'  CRASHED' if crash else ''}")

    if args.cprofile:
        prof = cProfile.Profile()
        prof.enable()
        loaded = load(path)
        normalise(loaded.frame, map_columns(list(loaded.frame.columns)), profile=load_profile(PROFILE), as_of=AS_OF)
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(15)
        print("\ncProfile of load + normalise (top 15 by own time, then cumulative):")
        print("\n".join(ln for ln in out.getvalue().splitlines() if ln.strip() and not ln.startswith("   Ordered")))


if __name__ == "__main__":
    main()
