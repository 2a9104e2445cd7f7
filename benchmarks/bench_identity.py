"""Benchmark of the identity rules (ID01-ID05, plus NM01-NM06) on ~1M synthetic records.

Not a unit test. Run:  .venv/bin/python benchmarks/bench_identity.py [--rows 1000000] [--seed 1]

Generates a CONARC-like CSV with numpy (planted defects: one person under several IDs with typos,
accents and token-order changes, one ID shared by different people, twins, placeholder IDs and
birth dates, spreadsheet-damaged IDs, out-of-sequence DNIs), prepares a Context once through
dbhygiene.api.prepare, then times each rule through dbhygiene.engine.run. Prints the candidate
pairs compared, pairs/s, per-rule seconds, peak RSS, and a plain pandas groupby on the ID as the floor.
Target (2-core machine): all identity rules < 8 s and < 4 GB on 1M rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from dbhygiene.api import Settings, prepare
from dbhygiene.catalogue import load_catalogue
from dbhygiene.engine import run

SYLLABLES = ["GON", "ZA", "LEZ", "RO", "DRI", "GUEZ", "FER", "NAN", "DEZ", "LO", "PEZ", "MAR", "TI", "NEZ", "SO",
             "SA", "DI", "AZ", "ME", "RA", "VE", "LU", "NA", "CAS", "TRO", "BEL", "TRAN", "QUI", "RO", "GA"]
GIVEN = ["JUAN", "CARLOS", "MARIA", "ANA", "LUCAS", "SOFIA", "PEDRO", "CARLA", "LUIS", "EVA", "TOMAS", "LAURA",
         "JOSE", "MARTA", "DIEGO", "PAULA", "MATEO", "LUCIA", "JORGE", "ELENA", "RAUL", "NORA", "IVAN", "ROCIO",
         "PABLO", "JULIA", "MIGUEL", "ANDREA", "SERGIO", "VALERIA", "OSCAR", "SILVIA", "HUGO", "INES", "ALBERTO"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def typo(name: str, rng: np.random.Generator) -> str:
    idx = [i for i, c in enumerate(name) if c.isalpha()]
    i = int(rng.choice(idx))
    op = int(rng.integers(3))
    letter = chr(int(rng.integers(65, 91)))
    if op == 0:
        return name[:i] + letter + name[i + 1:]
    if op == 1:
        return name[:i] + name[i + 1:]
    return name[:i] + letter + name[i:]


def generate(n: int, seed: int) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    syl = np.array(SYLLABLES)
    surnames = np.unique(syl[rng.integers(0, len(syl), 4000)].astype(object) + syl[rng.integers(0, len(syl), 4000)]
                         + syl[rng.integers(0, len(syl), 4000)])
    given = np.array(GIVEN, dtype=object)
    s1 = surnames[rng.integers(0, len(surnames), n)]
    g1 = given[rng.integers(0, len(given), n)]
    g2 = given[rng.integers(0, len(given), n)]
    two_given = rng.random(n) < 0.6
    names = s1 + ", " + g1 + np.where(two_given, " " + g2, "")
    birth = np.datetime64("1940-01-01") + rng.integers(0, 68 * 365, n).astype("timedelta64[D]")
    year = birth.astype("datetime64[Y]").astype(int) + 1970
    dni = (2_000_000 + (year - 1930) * 550_000 + rng.integers(-250_000, 250_000, n)).astype(np.int64)
    dni = dni + np.arange(n) % 997  # spread duplicates
    ids = dni.astype(str).astype(object)
    offence = np.array(["ROBO", "HURTO", "AMENAZAS", "ESTAFA", "LESIONES"], dtype=object)[rng.integers(0, 5, n)]
    court = np.array([f"JUZGADO {i}" for i in range(1, 60)], dtype=object)[rng.integers(0, 59, n)]
    planted: dict[str, int] = {}
    free = rng.permutation(n)
    take = iter(np.split(free[:30_000], np.cumsum([3000, 3000, 1000, 5000, 4000, 2000, 1000, 500, 3000]))[:-1])

    # one person, several IDs: copy a record with a variant name under a new ID
    src, dst = next(take), next(take)
    for k, (a, b) in enumerate(zip(src, dst)):
        name = names[a]
        kind = k % 3
        if kind == 0:
            variant = typo(name, rng)
        elif kind == 1:
            surname, _, rest = name.partition(", ")
            variant = f"{rest} {surname}"
        else:
            variant = name.title().replace("a", "á", 1)
        names[b], birth[b], ids[b] = variant, birth[a], str(90_000_000 - k)
    planted["one_person_several_ids"] = len(src)
    planted["_several_ids_rows"] = dst
    # twins: same surname and birth date, other given name, consecutive ID
    tw = next(take)
    for a, b in zip(free[40_000:40_000 + len(tw)], tw):  # a: a record no other plant touches
        other = given[(list(given).index(g1[a]) + 1) % len(given)]
        names[a], names[b] = f"{s1[a]}, {g1[a]} {g2[a]}", f"{s1[a]}, {other} {g2[a]}"
        birth[b], ids[b] = birth[a], str(int(ids[a]) + 1) if ids[a].isdigit() else ids[a]
    planted["twins"] = len(tw)
    placeholder_date = next(take)
    birth[placeholder_date] = np.datetime64("1900-01-01")
    planted["placeholder_birth_date"] = len(placeholder_date)
    missing_date = next(take)
    planted["missing_birth_date"] = len(missing_date)
    ph = next(take)
    ids[ph] = np.array(["S/D", "0", "00000000", "N/A"], dtype=object)[rng.integers(0, 4, len(ph))]
    planted["placeholder_ids"] = len(ph)
    sci = next(take)
    ids[sci] = [f"{int(v[0])}.{v[1:]}E{len(v) - 1}" if v.isdigit() else v for v in ids[sci]]
    planted["scientific_notation_ids"] = len(sci)
    seq = next(take)
    ids[seq] = (dni[seq] + 25_000_000).astype(str)
    planted["out_of_sequence"] = len(seq)
    conflict = next(take)
    donors = rng.integers(0, n, len(conflict))
    ids[conflict] = ids[donors]
    planted["one_id_different_people (attempted)"] = len(conflict)

    birth_text = pd.Series(birth).dt.strftime("%d/%m/%Y").to_numpy(dtype=object)
    birth_text[missing_date] = ""
    frame = pd.DataFrame({"nombre": names, "dni": ids, "fecha nacimiento": birth_text, "delito": offence,
                          "juzgado": court})
    return frame, planted


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", default="ar")
    args = parser.parse_args()

    t0 = time.perf_counter()
    frame, planted = generate(args.rows, args.seed)
    t_gen = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_identity.csv"
        frame.to_csv(path, sep=";", index=False)
        del frame
        t0 = time.perf_counter()
        ctx = prepare(path, Settings(profile=args.profile, as_of=dt.date(2026, 11, 22)))
        t_prep = time.perf_counter() - t0
    print(f"rows {len(ctx.frame):,}  generate {t_gen:.2f} s  prepare (load+map+normalise) {t_prep:.2f} s  "
          f"RSS after prepare {rss_mb():,.0f} MB")
    several_rows = set((planted.pop("_several_ids_rows") + 1).tolist())
    print("planted:", ", ".join(f"{k} {v:,}" for k, v in planted.items()))

    t0 = time.perf_counter()
    floor = ctx.frame.groupby("national_id__norm", sort=False)["full_name__key"].nunique()
    t_floor = time.perf_counter() - t0
    print(f"floor: pandas groupby(national_id__norm).nunique() {t_floor:.2f} s ({int((floor > 1).sum()):,} IDs with >1 name)")

    catalogue = load_catalogue()
    codes = [c for c in sorted(catalogue) if c.startswith(("ID", "NM"))]
    total_id = 0.0
    print(f"{'rule':6} {'seconds':>8} {'findings':>9}  figures")
    for code in codes:
        t0 = time.perf_counter()
        result = run(ctx, [catalogue[code]])
        elapsed = time.perf_counter() - t0
        if code.startswith("ID"):
            total_id += elapsed
        if result.crashed:
            print(f"{code:6} CRASHED {result.crashed}")
            continue
        stats = {k: v for k, v in (result.stats.get(code) or {}).items() if k != "lines"}
        extra = ""
        if code == "ID04" and stats:
            pairs = stats.get("pairs_compared", 0)
            extra = f"  {pairs:,} candidate pairs compared, {pairs / elapsed / 1e6:.1f} M pairs/s"
            by_conf = pd.Series([f.confidence for f in result.findings]).value_counts().to_dict()
            twins = sum("twins" in f.message for f in result.findings)
            extra += f"; by confidence {by_conf}; possible twins {twins:,}"
            hit_rows = {f.row for f in result.findings} | {r for f in result.findings for r in f.related_rows}
            recall = len(several_rows & hit_rows) / len(several_rows)
            extra += f"; recall of planted one-person-several-IDs {recall:.1%}"
        print(f"{code:6} {elapsed:8.2f} {len(result.findings):9,}  {stats}{extra}")
    print(f"identity rules ID01-ID05 total {total_id:.2f} s; peak RSS {rss_mb():,.0f} MB "
          f"(target < 8 s, < 4,096 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
