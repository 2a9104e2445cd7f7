"""Duplicate records. Cross-record rules declare their grouping key in their YAML (group_by)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..engine import CheckResult, Context, implements


def group_positions(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For an integer key per record: sort order, group start offsets and group sizes."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    return order, starts, sizes


def related_lists(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, keep: np.ndarray) -> list[list[int]]:
    """Position lists of the groups selected by ``keep`` (a mask over groups)."""
    return [order[s:s + n].tolist() for s, n in zip(starts[keep], sizes[keep])]


SAMPLE = 50_000  # records whose distinct values order the columns


def duplicate_record_keys(frame: pd.DataFrame, trim: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Positions of records that have an exact copy, and a key per position (equal keys = copies).

    Columns are dictionary-encoded (pyarrow) and folded into one integer key, one column at a
    time; records whose key is already unique drop out, so after the first, most distinct column
    only the few candidate copies are looked at. Exact: no hashing, no collisions, no per-row Python.
    """
    positions = np.arange(len(frame), dtype=np.int64)
    key = np.zeros(len(frame), dtype=np.int64)
    # the most distinct column first, judged on records spread over the whole file: in the first
    # thousand a case number and an ID look alike, over 50,000 the case numbers repeat
    step = max(1, len(frame) // SAMPLE)
    order = sorted(frame.columns, key=lambda c: -frame[c].iloc[::step].nunique(dropna=True))
    for column in order:
        arr = pa.array(frame[column].array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if len(positions) < len(frame):
            arr = arr.take(pa.array(positions))
        if trim:
            arr = pc.utf8_trim_whitespace(arr)
        codes = pc.fill_null(pc.dictionary_encode(arr).indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        key = pd.factorize(key * (int(codes.max()) + 2 if len(codes) else 1) + codes + 1)[0].astype(np.int64)
        repeated = pd.Series(key).duplicated(keep=False).to_numpy()
        positions, key = positions[repeated], key[repeated]
        if not len(positions):
            break
    return positions, key


@implements("DU01")
def exact_duplicate_record(ctx: Context, options: dict):
    """One finding per group of copies, on its second row: the first row, the number of copies and
    at most ``max_related_rows`` of them, so output grows with the number of groups, never with
    the square of a group's size."""
    ignore = set(options["ignore_fields"])
    ignored = {f: m.column for f, m in ctx.mapping.matches.items() if f in ignore and not m.parts}
    columns = [c for c in ctx.raw.columns if c not in set(ignored.values())]
    empty = pd.DataFrame({"pos": pd.Series([], dtype=np.int64)})
    if not columns or len(ctx.raw) < 2:
        return empty
    positions, keys = duplicate_record_keys(ctx.raw[columns], trim=options["trim_whitespace"])
    if not len(positions):
        return CheckResult(empty, {"groups": 0, "duplicate_rows": 0})
    order, starts, sizes = group_positions(keys)
    members = positions[order]  # positions ascend within each group (stable sort)
    first, second = members[starts], members[starts + 1]
    limit = max(2, int(options["max_related_rows"]))
    related = [members[s:s + min(n, limit)].tolist() for s, n in zip(starts, sizes)]
    shown = np.minimum(sizes, limit)
    rows = [", ".join(str(p + 1) for p in r) + (f" and {n - k} more" if n > k else "")
            for r, n, k in zip(related, sizes, shown)]
    # say what was left out of the comparison, and whether the copies differ there
    what = np.full(len(starts), "Exact copy", dtype=object)
    if ignored:
        group_of = np.repeat(np.arange(len(starts)), sizes)
        differ = np.zeros(len(starts), dtype=bool)
        for column in ignored.values():
            values = ctx.raw[column].iloc[members].astype("str").str.strip()
            codes = pd.factorize(values, use_na_sentinel=False)[0]
            differ |= pd.Series(codes).groupby(group_of).nunique().to_numpy() > 1
        label = ", ".join(f"{f} (column '{c}')" for f, c in ignored.items())
        what = np.where(differ, f"Copy, apart from the ignored field(s) {label},", what)
    hits = pd.DataFrame({"pos": second, "first_row": first + 1, "copies": sizes, "related": related,
                         "rows": rows, "what": what})
    stats = {"groups": int(len(starts)), "duplicate_rows": int((sizes - 1).sum()),
             "rows_in_groups": int(sizes.sum()), "largest_group": int(sizes.max()),
             "lines": [f"{int((sizes - 1).sum())} records repeat another record ({len(starts)} groups of copies; "
                       f"largest: {int(sizes.max())} copies)"]}
    return CheckResult(hits, stats)
