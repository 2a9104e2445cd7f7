"""How much `dbhygiene history` costs on top of reading the versions.

Generates N dated versions with the same generator as `dbhygiene sample --versions` (cached under
/tmp), then times, in one process and per repeat:

* ``prepare``: load + map + normalise of every version (what any command pays to read them);
* ``link``: build_history on the prepared versions (linking people, added/removed/returned,
  minors per version): the history's own work;
* ``render``: the JSON and text timelines.

Printed: medians over --repeat runs and the ratio link / prepare (the history's overhead on
reading the files), with the peak RSS. Run by hand:

    python benchmarks/bench_history.py --rows 20000
    python benchmarks/bench_history.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import resource
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--versions", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    from dbhygiene.api import Settings, prepare
    from dbhygiene.history import Version, build_history, resolve_dates
    from dbhygiene.history_report import render_json, render_text
    from dbhygiene.sample_history import write_versions

    folder = Path(f"/tmp/dbhygiene_bench_history_{args.rows}_{args.versions}_{args.seed}")
    if not (folder / "history.key.json").is_file():
        t = time.perf_counter()
        write_versions(folder, rows=args.rows, seed=args.seed, versions=args.versions)
        print(f"generated {args.versions} versions of ~{args.rows} rows in {time.perf_counter() - t:.1f} s: {folder}")
    paths = sorted(p for p in folder.iterdir() if p.name.startswith("rebeldias_"))
    settings = Settings(profile="ar", as_of=dt.date(2026, 11, 22))

    times: dict[str, list[float]] = {"prepare": [], "link": [], "render": []}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        contexts = [prepare(p, settings) for p in paths]
        t1 = time.perf_counter()
        stamped = resolve_dates(paths, None, contexts)
        versions = [Version(path=p, date=d, date_source=s, ctx=c) for p, (d, s), c in zip(paths, stamped, contexts)]
        history = build_history(versions, majority=18)
        t2 = time.perf_counter()
        for render in (render_json, render_text):
            render(history, io.StringIO(), show_pii=False)
        t3 = time.perf_counter()
        times["prepare"].append(t1 - t0)
        times["link"].append(t2 - t1)
        times["render"].append(t3 - t2)
    rows = sum(len(c.frame) for c in contexts)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{len(paths)} versions, {rows} records in all, {args.repeat} repeats (median s; min-max)")
    for k, v in times.items():
        print(f"  {k:8s} {med[k]:7.2f}  ({min(v):.2f}-{max(v):.2f})")
    print(f"  link / prepare = {med['link'] / med['prepare']:.2f}; (link + render) / prepare = "
          f"{(med['link'] + med['render']) / med['prepare']:.2f}")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
