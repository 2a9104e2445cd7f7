"""Rules that read every value of a list-valued field (DB09).

A record's birth dates are the values of its list-valued ``birth_date`` (nested JSON, XML: see
``load/records.py``), or its one cell; a value holding several dates ("April 18, 1948, April 15,
1950", "(a) 3.3.1965, (b) 1.1.1965") counts as those dates. Each distinct value is parsed once
into the interval of days it allows, by the same parser as the birth_date column (a full date: one
day; a year: that year; "1951 to 1953": those years; "Approximately 1963": a year either side). The dates conflict when no single day fits them all:
the largest start is after the smallest end.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import textops
from ..engine import CheckResult, Context, implements
from ..normalise import parse_dates

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
# one date inside a longer text: day-month-year with separators, ISO, "April 18, 1948", "18 Apr 1948"
DATE_TOKEN = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b"
    r"|\b\d{1,2}[./-]\d{1,2}[./-]\d{4}\b"
    rf"|\b{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b",
    re.IGNORECASE)
_YEARS = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# two dates joined as a range ("01 Jan 1961 to 31 Dec 1962", "from 1.1.1960 until 31.12.1961"): one
# interval, not two dates that contradict each other
_RANGE_JOIN = re.compile(r"^\s*(?:to|till|until|through|thru|-|–|—|and|hasta|a|al|y|au|et|ate|até|e)\s*$", re.IGNORECASE)


def birth_date_lists(ctx: Context) -> pa.ListArray:
    """Every record's birth-date values as written (blank values dropped)."""
    if "birth_date" in ctx.multi:
        return ctx.multi["birth_date"]
    values = pa.array(ctx.frame["birth_date"].array, type=pa.string())
    if isinstance(values, pa.ChunkedArray):  # a large file's column comes in several chunks
        values = values.combine_chunks()
    valid = pc.is_valid(values).to_numpy(zero_copy_only=False)
    offsets = np.concatenate(([0], np.cumsum(valid))).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values.drop_null())


def _split_distinct(distinct: list[str]) -> list[list[str]]:
    """The dates inside each distinct value: several when it lists several, else the value."""
    out = []
    for text in distinct:
        found = list(DATE_TOKEN.finditer(text))
        if len(found) == 2 and _RANGE_JOIN.match(text[found[0].end():found[1].start()]):
            out.append([text])  # a range: the years it spans (see _intervals)
            continue
        out.append([m.group(0) for m in found] if len(found) > 1 else [text])
    return out


def _pieces(distinct: pa.Array) -> list[list[str]]:
    """``_split_distinct`` of every distinct value. Every form DATE_TOKEN knows holds a four-digit
    year, so a value with fewer than two runs of four digits names at most one date and is its own
    piece; only the others (a handful in most lists) go through the Python regex."""
    values = distinct.to_pylist()
    out = [[v] for v in values]
    several = np.flatnonzero(np.asarray(pc.fill_null(pc.count_substring_regex(distinct, r"\d{4}"), 0)) >= 2)
    for i, split in zip(several, _split_distinct([values[i] for i in several])):
        out[i] = split
    return out


def _intervals(values: pd.Series, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] day numbers each value allows; NaT-like (lo > hi) when it fixes no date."""
    note = ctx.date_notes.get("birth_date")
    parsed, _ = parse_dates(values, dayfirst=bool(ctx.profile.get("dayfirst", True)),
                            order=note.order if note is not None else None, as_of=ctx.as_of,
                            field_name="birth_date", no_data_tokens=tuple(ctx.profile.get("no_data_tokens", ())),
                            month_names=ctx.profile.get("month_names") or {})
    n = len(values)
    lo = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    if "lo" in parsed.columns and "hi" in parsed.columns:  # the date parser states intervals itself
        a = parsed["lo"].to_numpy(dtype="datetime64[D]")
        b = parsed["hi"].to_numpy(dtype="datetime64[D]")
        known = ~np.isnat(a) & ~np.isnat(b)
        lo[known], hi[known] = a[known].astype(np.int64), b[known].astype(np.int64)
    else:
        full = parsed["status"].isin(["ok", "ambiguous"]).to_numpy()
        day = parsed["date"].to_numpy(dtype="datetime64[D]")
        lo[full] = hi[full] = day[full].astype(np.int64)
        known = full
    # what the parser leaves (approximate years, ranges of years): the years it names
    for i in np.flatnonzero(~known):
        years = [int(y) for y in _YEARS.findall(values.iat[i])]
        if years and len(years) <= 2:
            lo[i] = np.datetime64(f"{min(years):04d}-01-01", "D").astype(np.int64)
            hi[i] = np.datetime64(f"{max(years):04d}-12-31", "D").astype(np.int64)
    return lo, hi


@implements("DB09")
def several_birth_dates(ctx: Context, options: dict):
    if len(ctx.frame) == 0:  # no records (LD02 says so)
        return None
    if "birth_date" in ctx.multi:
        lists = ctx.multi["birth_date"]
        flat = lists.flatten()
        if len(flat) == 0:
            return None
        parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
        several_values = (pc.list_value_length(lists).to_numpy(zero_copy_only=False) > 1)[parent]
    else:  # one value per record at most: the column itself, no list built around it
        flat = textops.series_arrow(ctx.frame["birth_date"])
        if flat.null_count == len(flat):
            return None
        parent = several_values = None
    encoded = pc.dictionary_encode(flat)  # each distinct value is split and parsed once
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    pieces = _pieces(encoded.dictionary)
    # expand: one entry per (record, date written), each distinct date parsed once
    piece_counts = np.append(np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces)), 0)
    # only a record with several values, or with a value naming several dates, can hold two dates:
    # the rest (nearly every record of a flat file) are left out before anything is expanded
    keep = piece_counts[codes] > 1  # a blank (code -1) names none
    if parent is None:
        parent = np.arange(len(flat), dtype=np.int64)
    else:
        keep |= several_values
    if not keep.any():
        return CheckResult(pd.DataFrame({"pos": pd.Series([], dtype=np.int64)}),
                           {"records_with_several_birth_dates": 0, "conflicting": 0})
    parent, codes = parent[keep], codes[keep]
    piece_start = np.concatenate(([0], np.cumsum(piece_counts)[:-1]))
    piece_code, text_distinct = pd.factorize(pd.Series([t.strip() for p in pieces for t in p], dtype=object))
    reps = piece_counts[codes]
    rec = np.repeat(parent, reps)
    idx = np.repeat(piece_start[codes], reps) + (np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps))
    text_codes = piece_code[idx]
    lo_d, hi_d = _intervals(pd.Series(text_distinct, dtype="str"), ctx)
    lo, hi = lo_d[text_codes], hi_d[text_codes]
    dated = lo <= hi
    frame = pd.DataFrame({"rec": rec[dated], "lo": lo[dated], "hi": hi[dated], "text": text_codes[dated]})
    frame = frame.drop_duplicates(["rec", "text"])
    if frame.empty:
        return None
    grouped = frame.groupby("rec", sort=True)
    spans = grouped.agg(max_lo=("lo", "max"), min_hi=("hi", "min"), count=("text", "size"))
    several = spans[spans["count"] > 1]
    conflict = several[several["max_lo"] > several["min_hi"]]
    stats = {"records_with_several_birth_dates": int(len(several)), "conflicting": int(len(conflict))}
    if conflict.empty:
        return CheckResult(pd.DataFrame({"pos": pd.Series([], dtype=np.int64)}), stats)
    chosen = frame[frame["rec"].isin(conflict.index)]
    values = chosen.groupby("rec", sort=True)["text"].agg(lambda c: tuple(text_distinct[c]))
    hits = pd.DataFrame({
        "pos": conflict.index.to_numpy(dtype=np.int64),
        "count": conflict["count"].to_numpy(),
        "birth_date": values.reindex(conflict.index).to_numpy(),
        "field": "birth_date",
    })
    return CheckResult(hits, stats)


# ------------------------------------------------------------------ rules over every value of a field

def explode(ctx: Context, field: str) -> tuple[Context, np.ndarray] | None:
    """A context with one row per (record, value) of a list-valued field, and each row's record
    position; None when the field is not list-valued or no record holds two values. A value
    repeated within one record is one row; records with no value are left out."""
    import dataclasses

    from ..normalise import normalise_id

    lists = ctx.multi.get(field)
    if lists is None or len(lists) != len(ctx.frame):
        return None
    offsets = np.asarray(lists.offsets)
    if not (np.diff(offsets) > 1).any():
        return None
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    values = pd.Series(lists.flatten().to_numpy(zero_copy_only=False), dtype="str")
    norm = normalise_id(values)
    keep = ~pd.DataFrame({"p": parent, "v": norm.fillna("")}).duplicated().to_numpy()
    parent, values, norm = parent[keep], values[keep].reset_index(drop=True), norm[keep].reset_index(drop=True)
    frame = ctx.frame.iloc[parent].reset_index(drop=True)
    frame[field] = values
    frame[f"{field}__norm"] = norm
    sub = dataclasses.replace(ctx, frame=frame, raw=ctx.raw.iloc[parent].reset_index(drop=True),
                              lines=ctx.lines[parent] if ctx.lines is not None else None,
                              malformed_rows=[], multi={}, _memo={})
    return sub, parent


def on_every_value(ctx: Context, field: str, check):
    """Run ``check`` (a function of a context) on every value of ``field``: on the exploded context
    when the field is list-valued, its hits mapped back to records (one per record and value), the
    value shown in the message being the one the hit is about (redacted like the field)."""
    exploded = explode(ctx, field)
    if exploded is None:
        return check(ctx)
    sub, parent = exploded
    result = check(sub)
    hits, stats = (result.hits, result.stats) if isinstance(result, CheckResult) else (result, None)
    if hits is None:
        return result
    if not isinstance(hits, pd.DataFrame):  # a mask over the exploded rows
        mask = np.zeros(len(ctx.frame), dtype=bool)
        mask[parent[np.asarray(hits, dtype=bool)]] = True
        return CheckResult(mask, stats)
    hits = hits.copy()
    pos = hits["pos"].to_numpy(dtype=np.int64)
    listwide = pos < 0
    if field not in hits.columns:
        hits[field] = [None if lw else (sub.frame[field].iat[p],) for p, lw in zip(pos, listwide)]
    hits["pos"] = np.where(listwide, -1, parent[np.where(listwide, 0, pos)])
    if "related" in hits.columns:
        hits["related"] = [None if r is None else sorted({int(parent[int(x)]) for x in r}) for r in hits["related"]]
    for column in hits.columns:
        if column.endswith("_row") and len(hits):
            hits[column] = parent[hits[column].to_numpy(dtype=np.int64) - 1] + 1
    key = hits[field].map(lambda v: v[0] if isinstance(v, tuple) else v)
    hits = hits[~pd.DataFrame({"pos": hits["pos"], "v": key}).duplicated().to_numpy() | listwide]
    return CheckResult(hits.reset_index(drop=True), stats)
