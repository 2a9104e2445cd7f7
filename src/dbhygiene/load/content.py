"""A headerless file's columns mapped by what they hold (when no known layout fits).

Only the first ``SAMPLE`` non-blank values of each column are looked at, with vectorised regular
expressions: a column where at least ``SHARE`` of them are dates is the birth date (the first such
column), the column where the most are names (two or more words of letters) is the full name. The
guesses go to the mapping as method ``content``, with the reason; ``--map`` overrides them.
"""

from __future__ import annotations

import pandas as pd

SAMPLE = 500
SHARE = 0.8
_DATE = r"\s*(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{2}|\d{4})|\d{4}-\d{1,2}-\d{1,2})\s*"
_NAME = r"\s*[^\W\d_]+\.?(?:[\s,'’.-]+[^\W\d_]+\.?)+\s*"


def _share(values: pd.Series, pattern: str) -> float:
    return float(values.str.fullmatch(pattern).mean()) if len(values) else 0.0


def guess_by_content(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """{field: (column, why)} for birth_date and full_name."""
    out: dict[str, tuple[str, str]] = {}
    names: list[tuple[float, str]] = []
    for column in frame.columns:
        values = frame[column].dropna().head(SAMPLE).astype("str")
        if values.empty:
            continue
        dates = _share(values, _DATE)
        if dates >= SHARE and "birth_date" not in out:
            out["birth_date"] = (column, f"no header: {column} read as birth_date by content "
                                         f"({dates:.0%} of its first values are dates)")
            continue
        share = _share(values, _NAME)
        if share >= SHARE:
            names.append((share, column))
    if names:
        share, column = max(names, key=lambda t: t[0])  # the first of equals
        out["full_name"] = (column, f"no header: {column} read as full_name by content "
                                    f"({share:.0%} of its first values are names of two or more words)")
    return out
