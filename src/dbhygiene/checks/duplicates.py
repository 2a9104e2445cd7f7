"""Duplicate records. Cross-record rules declare their grouping key in their YAML (group_by)."""

from __future__ import annotations

import numpy as np
import pandas as pd

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


@implements("DU01")
def exact_duplicate_record(ctx: Context, options: dict) -> pd.DataFrame:
    ignore = set(options["ignore_fields"])
    ignored_columns = {m.column for f, m in ctx.mapping.matches.items() if f in ignore}
    columns = [c for c in ctx.raw.columns if c not in ignored_columns]
    if not columns or len(ctx.raw) < 2:
        return pd.DataFrame({"pos": pd.Series([], dtype=np.int64)})
    values = ctx.raw[columns]
    if options["trim_whitespace"]:
        values = values.apply(lambda col: col.str.strip())
    keys = pd.util.hash_pandas_object(values, index=False).to_numpy()
    order, starts, sizes = group_positions(keys)
    dup = sizes > 1
    if not dup.any():
        return pd.DataFrame({"pos": pd.Series([], dtype=np.int64)})
    groups = related_lists(order, starts, sizes, dup)
    pos, first, related = [], [], []
    for members in groups:
        for p in members[1:]:
            pos.append(p)
            first.append(members[0] + 1)
            related.append(members)
    return pd.DataFrame({"pos": pos, "first_row": first, "copies": [len(g) for g in related], "related": related})
