"""ID06: national IDs whose shape differs from the column's own dominant shape.

Without a profile format, a column still says what its IDs look like: when most values share one
shape (13 digits for a Pakistani CNIC), the few that do not ("5", "CJ11021747671") are likely
damaged. A shape is the normalised ID (``national_id__norm``: separators removed, upper-cased)
with every digit written 9 and every letter A. Work is on the distinct values only.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import textops
from ..engine import CheckResult, Context, implements
from .identity import EMPTY, id_codes


_SHAPE_BYTE = np.arange(256, dtype=np.uint8)  # ASCII digits -> '9', ASCII letters -> 'A', the rest kept
_SHAPE_BYTE[ord("0"):ord("9") + 1] = ord("9")
_SHAPE_BYTE[ord("A"):ord("Z") + 1] = ord("A")
_SHAPE_BYTE[ord("a"):ord("z") + 1] = ord("A")


def _shapes_re2(values: pa.Array) -> pa.Array:
    out = pc.replace_substring_regex(values, r"[0-9]", "9")
    return pc.replace_substring_regex(out, r"\pL", "A")


def shapes(values: pa.Array) -> pa.Array:
    """'CJ11021747671' -> 'AA99999999999' (vectorised). ASCII values are translated byte by byte
    (a table lookup; the IDs are nearly all ASCII); values with other characters go through RE2."""
    arr = values if values.type == pa.large_string() else values.cast(pa.large_string())
    offsets, data = textops.parts(arr)
    out = textops.build(offsets, _SHAPE_BYTE[data], arr)
    wide = np.flatnonzero(data >= 0x80)
    if len(wide):
        rows = np.flatnonzero(np.diff(np.searchsorted(wide, offsets)) > 0)  # values holding a non-ASCII byte
        out = textops.scatter(out, rows, _shapes_re2(arr.take(pa.array(rows))))
    return out


def describe_shape(shape: str) -> str:
    """'AA99999999999' -> '2 letters then 11 digits'; other characters are quoted."""
    parts = []
    for run in re.finditer(r"(.)\1*", shape):
        n, ch = len(run.group(0)), run.group(1)
        if ch == "9":
            parts.append(f"{n} digit{'s' if n != 1 else ''}")
        elif ch == "A":
            parts.append(f"{n} letter{'s' if n != 1 else ''}")
        else:
            parts.append(f"{n} × '{ch}'")
    return " then ".join(parts) if parts else "(empty)"


@implements("ID06")
def id_shape_outlier(ctx: Context, options: dict):
    codes, distinct, placeholder = id_codes(ctx)
    usable = (codes >= 0) & ~placeholder
    if usable.sum() < options["min_values"] or not len(distinct):
        return CheckResult(EMPTY, None)
    u_shape = shapes(textops.series_arrow(distinct))  # the distinct IDs as Arrow already: no Python strings
    encoded = pc.dictionary_encode(u_shape)  # distinct shapes: a handful
    s_codes = np.asarray(pc.fill_null(encoded.indices, -1), dtype=np.int64)
    s_uniques = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    row_shape = s_codes[np.where(usable, codes, 0)]
    counts = np.bincount(row_shape[usable], minlength=len(s_uniques))
    total = int(usable.sum())
    top = int(np.argmax(counts))
    share = counts[top] / total
    if share < options["dominant_share"]:
        return CheckResult(EMPTY, {"lines": [f"ID06: no dominant ID shape (the commonest, "
                                             f"{describe_shape(s_uniques[top])}, covers {100 * share:.1f}%)"]})
    tolerated = counts / total >= options["tolerated_share"]  # a second common shape is a format, not damage
    odd = usable & ~tolerated[row_shape]
    pos = np.flatnonzero(odd)
    expected = describe_shape(s_uniques[top])
    described = np.array([describe_shape(s) for s in s_uniques], dtype=object)  # distinct shapes only
    hits = pd.DataFrame({"pos": pos, "field": "national_id", "shape": described[row_shape[pos]],
                         "expected": expected, "share": f"{100 * share:.1f}", "confidence": "medium"})
    stats = {"dominant_shape": expected, "dominant_share": round(float(share), 4), "values": total,
             "outliers": int(len(pos)),
             "lines": [f"ID06: {100 * share:.1f}% of {total} national IDs are {expected}; {len(pos)} are not"]}
    return CheckResult(hits, stats)
