"""Duplicate records. Cross-record rules declare their grouping key in their YAML (group_by)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..engine import Context, implements


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


def duplicate_record_keys(frame: pd.DataFrame, trim: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Positions of records that have an exact copy, and a key per position (equal keys = copies).

    Columns are dictionary-encoded (pyarrow) and folded into one integer key, one column at a
    time; records whose key is already unique drop out, so after the first, most distinct column
    only the few candidate copies are looked at. Exact: no hashing, no collisions, no per-row Python.
    """
    positions = np.arange(len(frame), dtype=np.int64)
    key = np.zeros(len(frame), dtype=np.int64)
    order = sorted(frame.columns, key=lambda c: -frame[c].nunique(dropna=True)) if len(frame) <= 1000 else \
        sorted(frame.columns, key=lambda c: -frame[c].iloc[:1000].nunique(dropna=True))
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
def exact_duplicate_record(ctx: Context, options: dict) -> pd.DataFrame:
    ignore = set(options["ignore_fields"])
    ignored_columns = {m.column for f, m in ctx.mapping.matches.items() if f in ignore}
    columns = [c for c in ctx.raw.columns if c not in ignored_columns]
    if not columns or len(ctx.raw) < 2:
        return pd.DataFrame({"pos": pd.Series([], dtype=np.int64)})
    positions, keys = duplicate_record_keys(ctx.raw[columns], trim=options["trim_whitespace"])
    if not len(positions):
        return pd.DataFrame({"pos": pd.Series([], dtype=np.int64)})
    order, starts, sizes = group_positions(keys)
    groups = [positions[members].tolist() for members in related_lists(order, starts, sizes, sizes > 1)]
    pos, first, related = [], [], []
    for members in groups:
        for p in members[1:]:
            pos.append(p)
            first.append(members[0] + 1)
            related.append(members)
    return pd.DataFrame({"pos": pos, "first_row": first, "copies": [len(g) for g in related], "related": related})
