"""Duplicate records. Cross-record rules declare their grouping key in their YAML (group_by)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import textops
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


SAMPLE = 50_000
KEY_LIMIT = 1 << 62


def _column_codes(values: pd.Series, positions: np.ndarray | None, trim: bool) -> tuple[np.ndarray, int]:
    """Codes of a text column at ``positions`` (all records: None), equal for equal values (NA: -1,
    with ``trim`` equal once stripped of surrounding whitespace), and how many distinct values."""
    arr = textops.series_arrow(values)
    if positions is not None:
        arr = arr.take(pa.array(positions))
    encoded = pc.dictionary_encode(arr)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    dictionary = encoded.dictionary
    if trim and len(dictionary):
        # trim the distinct values, not the column; values equal once trimmed share a code
        trimmed = pc.utf8_trim_whitespace(dictionary)
        if not pc.all(pc.equal(trimmed, dictionary)).as_py():
            again = pc.dictionary_encode(trimmed)
            remap = np.append(again.indices.to_numpy(zero_copy_only=False).astype(np.int64), -1)
            return remap[codes], len(again.dictionary)
    return codes, len(dictionary)


def duplicate_record_keys(frame: pd.DataFrame, trim: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Positions of records that have an exact copy, and a key per position (equal keys = copies).

    Columns are dictionary-encoded (pyarrow) and folded into one integer key; records whose key is
    already unique drop out, so the dear columns are only read at the few candidate copies. Exact:
    no hashing, no collisions, no per-row Python.
    """
    n = len(frame)
    positions = np.arange(n, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    # judged on the first SAMPLE records (a slice, no copy): over 50,000 records case numbers
    # repeat where IDs do not, and a date or an offence repeats however the file is sorted
    sampled = min(n, SAMPLE)
    distinct = {c: frame[c].iloc[:sampled].nunique(dropna=True) for c in frame.columns}
    order = sorted(frame.columns, key=lambda c: -distinct[c])
    # Columns that repeat (a distinct value per two sampled records or fewer: dates, offences,
    # courts) are cheap to encode, near-unique ones (IDs, names, references) dear. The repeating
    # ones are folded into one key first, until it could tell every pair of records apart; only the
    # records still sharing a key are then looked at in the other columns, one at a time.
    repeating = [c for c in order if 2 * distinct[c] <= sampled]
    bound = 1
    folded = []
    for column in repeating:
        if bound >= n * n:
            break
        codes, size = _column_codes(frame[column], None, trim)
        if bound * (size + 1) >= KEY_LIMIT:  # renumber the keys so far: exact, never wrapping round
            key = pd.factorize(key)[0].astype(np.int64)
            bound = int(key.max()) + 1
        key = key * (size + 1) + codes + 1
        bound *= size + 1
        folded.append(column)
    stages = ([folded] if folded else []) + [[c] for c in order if c not in folded]
    for stage in stages:
        if stage is not folded:
            codes, size = _column_codes(frame[stage[0]], positions if len(positions) < n else None, trim)
            key = key * (size + 1) + codes + 1
        repeated = pd.Series(key).duplicated(keep=False).to_numpy()
        positions = positions[repeated]
        key = pd.factorize(key[repeated])[0].astype(np.int64)
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
