"""Small numpy helpers for hot paths.

``np.unique`` without ``return_index``/``return_inverse``/``return_counts`` takes numpy's hash-table
path (numpy >= 2.3), which on the project's 2-vCPU machine runs 10-20x slower than sorting: 12.9 s
against 0.65 s for 3.5M int64 values. ``unique`` sorts instead.
"""

from __future__ import annotations

import numpy as np


def unique(values) -> np.ndarray:
    """Sorted distinct values of a 1-D array (what ``np.unique(values)`` returns), by sorting."""
    out = np.sort(np.asarray(values).ravel())
    if len(out) < 2:
        return out
    keep = np.empty(len(out), dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    if out.dtype.kind in "fcmM":  # NaN/NaT: one, last (np.unique's equal_nan)
        nan = np.isnan(out)
        if nan.any():
            keep &= ~nan
            keep[np.argmax(nan)] = True
    return out[keep]
