"""The contract between normalise and the checks, stated as a pandera schema.

Checks rely on these derived columns and dtypes; tests validate normalised frames against it so a
change in normalise that would silently break a rule fails loudly instead.
"""

from __future__ import annotations

import pandera.pandas as pa

from .normalise import DATE_FIELDS, STATUSES


def normalised_schema() -> pa.DataFrameSchema:
    columns = {
        "national_id__norm": pa.Column("str", pa.Check.str_matches(r"^[^\s.\-_/]+$"), nullable=True, required=False),
        "full_name__clean": pa.Column("str", pa.Check.str_matches(r"^\S(.*\S)?$"), nullable=True, required=False),
        "full_name__key": pa.Column("str", nullable=True, required=False),
    }
    for name in DATE_FIELDS:
        columns[f"{name}__date"] = pa.Column("datetime64[s]", nullable=True, required=False)
        columns[f"{name}__status"] = pa.Column(
            pa.dtypes.Category(categories=list(STATUSES)), pa.Check.isin(STATUSES), nullable=False, required=False)
        columns[f"{name}__year"] = pa.Column("Int64", pa.Check.in_range(1, 9999), nullable=True, required=False)
    checks = [pa.Check(lambda df: _dates_match_status(df), name="date-iff-status-ok-or-ambiguous")]
    return pa.DataFrameSchema(columns, checks=checks, strict=False)


def _dates_match_status(df):
    import pandas as pd

    result = pd.Series(True, index=df.index)
    for name in DATE_FIELDS:
        if f"{name}__date" in df:
            has_date = df[f"{name}__date"].notna()
            usable = df[f"{name}__status"].isin(["ok", "ambiguous"])
            result &= has_date == usable
    return result
