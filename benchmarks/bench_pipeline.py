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
import tempfile
import time
from pathlib import Path

import pandas as pd

from dbhygiene import __version__, checks  # noqa: F401  (registers the rules)
from dbhygiene.catalogue import load_catalogue, load_profile
from dbhygiene.engine import Context, run, select_rules
from dbhygiene.load import load
from dbhygiene.verdict import person_key_columns
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


def pipeline(path: Path, specs, timings: dict, memory: dict | None, jobs: int | None = None):
    def mark(stage, t0):
        timings.setdefault(stage, []).append(time.perf_counter() - t0)
        timings.setdefault(stage + ":cpu", []).append(time.process_time() - cpu[stage])
        if memory is not None:
            memory[stage] = (peak_mb(), current_mb())

    cpu = {}
    cpu["load"] = time.process_time()
    t = time.perf_counter()
    loaded = load(path)
    mark("load", t)
    cpu["map"] = time.process_time()
    t = time.perf_counter()
    profile = load_profile(PROFILE)
    mapping = map_columns(list(loaded.frame.columns))
    mark("map", t)
    cpu["normalise"] = time.process_time()
    t = time.perf_counter()
    norm = normalise(loaded.frame, mapping, profile=profile, as_of=AS_OF)
    mark("normalise", t)
    ctx = Context(frame=norm.frame, raw=loaded.frame, facts=loaded.facts, mapping=mapping, profile=profile,
                  as_of=AS_OF, lines=loaded.lines, date_notes=norm.date_notes,
                  malformed_rows=loaded.malformed_rows, load_notes=loaded.notes)
    ctx.memo("factorized").update(norm.factorized)  # as api.prepare does
    cpu["check"] = time.process_time()
    t = time.perf_counter()
    result = run(ctx, specs, jobs=jobs, prefetch=person_key_columns(ctx.frame.columns))  # as api.check_path
    mark("check", t)
    cpu["report"] = time.process_time()
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


# ------------------------------------------------------------------ --write-readme: the figures table

README = Path(__file__).with_name("README.md")
BEGIN, END = "<!-- figures:begin (bench_pipeline.py --write-readme) -->", "<!-- figures:end -->"


def _med(values) -> float:
    return statistics.median(values) if values else float("nan")


def timed_process(cmd: list[str], env=None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a whole process, by GNU time when present."""
    gnu = Path("/usr/bin/time")
    if gnu.exists():
        out = subprocess.run([str(gnu), "-f", "@@ %e %M", *cmd], capture_output=True, text=True, env=env)
        if "exited with non-zero status 2" in out.stderr or out.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr}")
        line = [ln for ln in out.stderr.splitlines() if ln.startswith("@@ ")][-1].split()
        return float(line[1]), int(line[2]) / 1024
    t = time.perf_counter()
    subprocess.run(cmd, capture_output=True, env=env)
    return time.perf_counter() - t, float("nan")


def figures(path: Path, repeat: int, timings: dict, rows: int, findings: int, sep: str, encoding: str) -> str:
    py = sys.executable
    out = Path(tempfile.gettempdir()) / f"dbhygiene_bench_report_{os.getpid()}.json"
    check = [py, "-m", "dbhygiene", "check", str(path), "--profile", PROFILE, "--as-of", AS_OF.isoformat(),
             "-f", "json", "-o", str(out), "--quiet"]
    bare = [py, "-c", f"import pandas; pandas.read_csv({str(path)!r}, sep={sep!r}, encoding={encoding!r})"]
    whole, peak, bare_t, serial, serial_peak = [], [], [], [], []
    for _ in range(repeat):  # interleaved, so drift on a shared machine hits both alike
        w, m = timed_process(check)
        whole.append(w); peak.append(m)  # noqa: E702
        bare_t.append(timed_process(bare)[0])
        w, m = timed_process([*check, "--jobs", "1"])
        serial.append(w); serial_peak.append(m)  # noqa: E702
    out.unlink(missing_ok=True)
    lines = [f"Measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPU(s), "
             f"{rows:,} rows ({path.stat().st_size / 1e6:.0f} MB, `dbhygiene sample`, {encoding}), profile "
             f"`{PROFILE}`, every rule; medians of {repeat} runs. Regenerate: "
             f"`python benchmarks/bench_pipeline.py --rows {rows} --write-readme`.", "",
             "| whole process | median s | runs | ratio to bare read |", "|---|---|---|---|",
             f"| `dbhygiene check -f json` ({findings:,} findings), peak RSS {_med(peak):.0f} MB | {_med(whole):.2f} | "
             f"{', '.join(f'{w:.2f}' for w in whole)} | {_med(whole) / _med(bare_t):.1f}x |",
             f"| the same with `--jobs 1` (one process), peak RSS {_med(serial_peak):.0f} MB | {_med(serial):.2f} | "
             f"{', '.join(f'{w:.2f}' for w in serial)} | {_med(serial) / _med(bare_t):.1f}x |",
             f"| bare `pandas.read_csv` process (same file, sep, encoding) | {_med(bare_t):.2f} | "
             f"{', '.join(f'{w:.2f}' for w in bare_t)} | 1.0x |", "",
             "| stage (in process) | median s | CPU s |", "|---|---|---|"]
    for stage in STAGES:
        lines.append(f"| {stage} | {_med(timings[stage]):.3f} | {_med(timings[stage + ':cpu']):.3f} |")
    return "\n".join(lines)


def rule_figures(ctx, specs, repeat: int) -> tuple[str, object]:
    rows = []
    result = None
    for spec in specs:
        wall, cpu = [], []
        for _ in range(repeat):
            ctx._memo.clear()  # each rule pays for what it shares with others
            t, c = time.perf_counter(), time.process_time()
            res = run(ctx, [spec])
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        note = ""
        st = res.stats.get(spec.code) or {}
        if spec.code == "ID04" and st:
            note = (f"{st.get('pairs_compared', 0):,} pairs scored, "
                    f"{st.get('pairs_ruled_out_by_character_counts', 0):,} ruled out by character counts")
        if res.crashed:
            note = "CRASHED: " + res.crashed[0]["error"]
        rows.append((_med(wall), _med(cpu), spec.code, len(res.findings), note))
    lines = ["| rule (alone, shared values recomputed) | median s | CPU s | findings | note |", "|---|---|---|---|---|"]
    for wall, cpu, code, n, note in sorted(rows, reverse=True):
        lines.append(f"| {code} | {wall:.3f} | {cpu:.3f} | {n:,} | {note} |")
    return "\n".join(lines), result


def writer_figures(ctx, specs, repeat: int) -> str:
    from dbhygiene.report import RenderOptions, renderers

    result = run(ctx, specs)
    lines = [f"| writer ({len(result.findings):,} findings, into memory) | median s | CPU s | MB |", "|---|---|---|---|"]
    for fmt in ("json", "sarif", "csv"):
        wall, cpu, size = [], [], 0
        for _ in range(repeat):
            report = Report(tool={"name": "dbhygiene", "version": __version__}, as_of=AS_OF.isoformat(),
                            profile=PROFILE, sources=[SourceReport(ctx, result)], selected_rules=[s.code for s in specs])
            report.verdict  # computed once per report, whatever the format
            buf = io.StringIO()
            t, c = time.perf_counter(), time.process_time()
            renderers()[fmt].render(report, buf, RenderOptions())
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            size = len(buf.getvalue())
        lines.append(f"| {fmt} | {_med(wall):.3f} | {_med(cpu):.3f} | {size / 1e6:.1f} |")
    return "\n".join(lines)


def startup_figures(repeat: int) -> str:
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "ten.csv"
        small.write_text("nombre;dni;fecha nacimiento\n" + "".join(
            f"PEREZ{k}, JUAN;{20123450 + k};01/02/198{k}\n" for k in range(10)), encoding="utf-8")
        cases = {"`python -c pass`": [py, "-c", "pass"],
                 "`python -c 'import pandas'` (the floor)": [py, "-c", "import pandas"],
                 "`dbhygiene --version`": [py, "-m", "dbhygiene", "--version"],
                 "imports of a check (`dbhygiene.cli`, `dbhygiene.api`)": [py, "-c", "import dbhygiene.cli, dbhygiene.api"],
                 "`dbhygiene check` (10 rows, json)": [py, "-m", "dbhygiene", "check", str(small), "-f", "json",
                                                       "-o", str(Path(tmp) / "out.json"), "--quiet"]}
        # as installed: compiled modules cached (one run first writes them; an environment that
        # forbids writing them would recompile dbhygiene's 78 modules on every start)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        for cmd in cases.values():
            timed_process(cmd, env)
        got = {name: _med([timed_process(cmd, env)[0] for _ in range(repeat)]) for name, cmd in cases.items()}
    base = got["`python -c pass`"]
    lines = ["| startup | median s | over bare interpreter |", "|---|---|---|"]
    for name, value in got.items():
        lines.append(f"| {name} | {value:.2f} | {value - base:.2f} |")
    return "\n".join(lines)


def write_readme(text: str) -> None:
    old = README.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n## Current figures\n\n" + block + "\n"
    README.write_text(new, encoding="utf-8")
    print(f"wrote the figures into {README}")


def prepared_context(path) -> Context:
    """One load + map + normalise of ``path``, as the rules see it."""
    loaded = load(path)
    profile = load_profile(PROFILE)
    mapping = map_columns(list(loaded.frame.columns))
    norm = normalise(loaded.frame, mapping, profile=profile, as_of=AS_OF)
    ctx = Context(frame=norm.frame, raw=loaded.frame, facts=loaded.facts, mapping=mapping, profile=profile,
                  as_of=AS_OF, lines=loaded.lines, date_notes=norm.date_notes)
    ctx.memo("factorized").update(norm.factorized)  # as api.prepare does
    return ctx


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=43)
    ap.add_argument("--path", type=Path, help="Use (or create) this file instead of the /tmp cache.")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None,
                    help="Processes for the in-process check stage (default: as the command line decides).")
    ap.add_argument("--encoding", default="cp1252", help="Time the sample re-encoded, e.g. utf-8 (default cp1252).")
    ap.add_argument("--cprofile", action="store_true", help="Profile load+normalise once; print the top 15.")
    ap.add_argument("--per-rule", action="store_true", help="Time each rule alone once; print the slowest.")
    ap.add_argument("--write-readme", action="store_true",
                    help="Also time the whole process (against a bare pandas.read_csv process), each rule alone, "
                         "the JSON/SARIF/CSV writers and startup, and write the tables into benchmarks/README.md.")
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
        ctx, result, report_chars = pipeline(path, specs, timings, memory if i == 0 else None, args.jobs)
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
    second = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if second:
        print(f"peak RSS of the largest child process (the check stage's second process): {second:.0f} MB")
    bare_med = statistics.median(bare)
    ln = statistics.median(timings["load"]) + statistics.median(timings["normalise"])
    print(f"\nbare pandas.read_csv(sep={sep!r}, encoding={encoding!r}): {bare_med:.3f} s median "
          f"(runs {', '.join(f'{b:.3f}' for b in bare)}), {rows / bare_med:,.0f} rows/s")
    print(f"(load + normalise) / bare read = {ln:.3f} / {bare_med:.3f} = {ln / bare_med:.1f}x")

    if args.write_readme:
        ctx = prepared_context(path)
        parts = [figures(path, args.repeat, timings, rows, findings, sep, encoding),
                 rule_figures(ctx, specs, args.repeat)[0], writer_figures(ctx, specs, args.repeat),
                 startup_figures(max(args.repeat, 5))]
        del ctx
        text = "\n\n".join(parts)
        print(text)
        write_readme(text)

    if args.per_rule:
        ctx = prepared_context(path)
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
