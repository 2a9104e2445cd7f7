"""Structural problems the loader saw (records with the wrong number of fields, no records at all)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Context, implements


@implements("LD01")
def malformed_record(ctx: Context, options: dict) -> pd.DataFrame:
    """Records with more or fewer fields than the header, with their field counts."""
    pos = np.asarray(ctx.malformed_rows, dtype=np.int64) - 1
    fields = np.asarray(ctx.malformed_fields, dtype=np.int64)
    if len(fields) != len(pos):  # a reader that records only the rows
        fields = np.full(len(pos), -1, dtype=np.int64)
    width = len(ctx.raw.columns)
    what = np.where(fields > width, "the fields after the last column were dropped",
                    "the missing last fields were read as blank, so values after a missing field may sit in "
                    "the wrong columns")
    counts = np.where(fields >= 0, fields.astype(str), "a different number of")
    return pd.DataFrame({"pos": pos, "fields": counts, "width": str(width), "what": what})


@implements("LD02")
def no_records(ctx: Context, options: dict) -> pd.DataFrame:
    """One list-level finding (pos -1) when the export holds no record at all."""
    return pd.DataFrame({"pos": np.array([-1] if len(ctx.frame) == 0 else [], dtype=np.int64)})
