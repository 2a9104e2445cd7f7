"""Structural problems the loader saw (records with the wrong number of fields)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Context, implements


@implements("LD01")
def malformed_record(ctx: Context, options: dict) -> pd.DataFrame:
    pos = np.asarray(ctx.malformed_rows, dtype=np.int64) - 1
    return pd.DataFrame({"pos": pos})
