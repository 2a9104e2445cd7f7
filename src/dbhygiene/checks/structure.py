"""Structural problems the loader saw (records with the wrong number of fields, no records at all)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Context, implements


@implements("LD01")
def malformed_record(ctx: Context, options: dict) -> pd.DataFrame:
    pos = np.asarray(ctx.malformed_rows, dtype=np.int64) - 1
    return pd.DataFrame({"pos": pos})


@implements("LD02")
def no_records(ctx: Context, options: dict) -> pd.DataFrame:
    """One list-level finding (pos -1) when the export holds no record at all."""
    return pd.DataFrame({"pos": np.array([-1] if len(ctx.frame) == 0 else [], dtype=np.int64)})
