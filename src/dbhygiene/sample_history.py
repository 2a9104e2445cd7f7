"""Synthetic dated versions of one CONARC-like list, and a key of what changed between them.

People enter (on their entry date), leave, and some come back; a few are listed as minors (16 or
17 at their entry date); a few have two warrants (two records, one person). Versions differ the way
real published series do: DNIs written with dots in one version and plain in the next, another
version with other headers in UTF-8, one as an ``.xlsx`` workbook. The key holds the true
per-version counts (records, people, added, new, returned, removed, minors present and added) and
the minors first listed after a cut-off date, computed from the generator's own people, not from
dbhygiene's reading of the files. Everyone is invented (see ``sample.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .output import write_private
from .sample import HEADERS, People, day_number, format_dates, format_dni, render

ALT_HEADERS = ["NOMBRE COMPLETO", "TIPO DE DOCUMENTO", "NUMERO DE DOCUMENTO", "FECHA DE NACIMIENTO", "SEXO",
               "DELITO", "JUZGADO", "CAUSA", "FECHA DE ALTA", "PROVINCIA"]
DEFAULT_DATES = (dt.date(2017, 6, 1), dt.date(2018, 6, 1), dt.date(2019, 6, 1), dt.date(2020, 6, 1))


def _calendar_age(birth_days: np.ndarray, when_days: np.ndarray) -> np.ndarray:
    b = birth_days.astype("datetime64[D]")
    w = when_days.astype("datetime64[D]")
    by, wy = b.astype("datetime64[Y]").astype(int), w.astype("datetime64[Y]").astype(int)
    bm = b.astype("datetime64[M]").astype(int) % 12
    wm = w.astype("datetime64[M]").astype(int) % 12
    bd = (b - b.astype("datetime64[M]").astype("datetime64[D]")).astype(int)
    wd = (w - w.astype("datetime64[M]").astype("datetime64[D]")).astype(int)
    return (wy - by) - ((wm * 100 + wd) < (bm * 100 + bd))


def generate_versions(rows: int = 2000, seed: int = 11, dates: tuple[dt.date, ...] = DEFAULT_DATES,
                      cutoff: dt.date | None = None):
    """Per-version column lists and the key. ``rows`` is roughly the size of one version."""
    rng = np.random.default_rng(seed)
    k = len(dates)
    n = int(rows * 1.5)
    people = People(n, rng, dates[-1])
    vdays = np.array([day_number(d) for d in dates])
    # a few children: 16 or 17 at their entry date (the truth is recomputed from the final dates)
    chosen = rng.random(n) < 0.03
    age = rng.integers(16, 18, n)
    back = ((age + rng.uniform(0.05, 0.95, n)) * 365.2425).astype(np.int64)
    candidate = people.entry - back
    fits = chosen & (_calendar_age(candidate, people.entry) == age)
    people.birth = np.where(fits, candidate, people.birth)
    people._dedupe(rng)
    minor = _calendar_age(people.birth, people.entry) < 18
    first = np.searchsorted(vdays, people.entry, side="left")  # first version dated on/after entry
    leaves = rng.random(n) < 0.25
    leave = np.where(leaves, first + 1 + rng.integers(0, max(k, 1), n), k)
    leave = np.minimum(leave, k)
    returns = (leave < k - 1) & (rng.random(n) < 0.4)
    back_at = np.where(returns, leave + 1 + rng.integers(0, max(k, 1), n) % np.maximum(k - leave - 1, 1), k)
    vi = np.arange(k)[None, :]
    present = ((vi >= first[:, None]) & (vi < leave[:, None])) | (vi >= back_at[:, None])
    present &= first[:, None] < k
    two_warrants = rng.random(n) < 0.02
    base = people.columns()
    per_version, outputs = [], []
    for i in range(k):
        idx = np.flatnonzero(present[:, i])
        dup = idx[two_warrants[idx]]
        take = np.sort(np.concatenate([idx, dup]))
        cols = [c.take(pa.array(take)) for c in base]
        dotted = np.full(len(take), i % 2 == 0)
        cols[2] = format_dni(people.dni[take], dotted)
        # the second warrant of a person names another offence
        if len(dup):
            is_second = np.zeros(len(take), dtype=bool)
            is_second[np.searchsorted(take, dup, side="right") - 1] = True
            cols[5] = pc.if_else(pa.array(is_second), pa.scalar("ROBO EN GRADO DE TENTATIVA"), cols[5])
        outputs.append(cols)
        now = present[:, i]
        prev = present[:, i - 1] if i else np.zeros(n, dtype=bool)
        earlier = present[:, : i - 1].any(axis=1) if i > 1 else np.zeros(n, dtype=bool)
        added = now & ~prev
        returned = added & earlier
        per_version.append({
            "version": i + 1, "date": dates[i].isoformat(), "records": int(len(take)), "people": int(now.sum()),
            "added": int(added.sum()), "new": int((added & ~returned).sum()), "returned": int(returned.sum()),
            "removed": int((prev & ~now).sum()), "minors_present": int((now & minor).sum()),
            "minors_added": int((added & minor).sum()),
        })
    cutoff = cutoff or dates[min(1, k - 1)]
    first_date = np.where(first < k, vdays[np.minimum(first, k - 1)], np.iinfo(np.int64).max)
    after = (first < k) & (first_date > day_number(cutoff))
    key = {
        "versions": per_version, "cutoff": cutoff.isoformat(),
        "minors_first_listed_after_cutoff": int((after & minor).sum()),
        "people_first_listed_after_cutoff": int(after.sum()),
        "people_total": int(present.any(axis=1).sum()),
        "left_and_returned": int((present.any(axis=1) & returns & (back_at < k)).sum()),
    }
    return outputs, key


def _xlsx_bytes(columns: list[pa.Array], headers: list[str]) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Rebeldias")
    ws.append(headers)
    for row in zip(*(c.to_pylist() for c in columns)):
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_versions(output_dir: str | Path, *, rows: int = 2000, seed: int = 11, versions: int = 4,
                   cutoff: dt.date | None = None) -> tuple[list[Path], Path]:
    """Write the versions into ``output_dir`` (mode 0600) and ``history.key.json``; return their paths."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    dates = tuple(dt.date(2017 + i, 6, 1) for i in range(versions))
    columns, key = generate_versions(rows, seed, dates, cutoff)
    paths = []
    for i, cols in enumerate(columns):
        stamp = dates[i].isoformat()
        if i == 2:
            path = out / f"rebeldias_{stamp}.xlsx"
            data = _xlsx_bytes(cols, HEADERS)
            key["versions"][i].update(format="xlsx")
        elif i == 1:
            path = out / f"rebeldias_{stamp}.csv"
            data = render(cols, "utf-8")
            header_end = data.index(b"\r\n")
            data = ";".join(ALT_HEADERS).encode("utf-8") + data[header_end:]
            key["versions"][i].update(format="csv", encoding="utf-8", headers="alternative")
        else:
            path = out / f"rebeldias_{stamp}.csv"
            data = render(cols, "cp1252")
            key["versions"][i].update(format="csv", encoding="cp1252")
        key["versions"][i]["file"] = path.name
        write_private(path, data)
        paths.append(path)
    key_path = out / "history.key.json"
    write_private(key_path, (json.dumps(key, indent=1) + "\n").encode("utf-8"))
    return paths, key_path
