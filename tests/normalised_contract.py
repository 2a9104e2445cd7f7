"""The contract between normalise and the checks, stated as a pandera schema (pandera is a test
dependency: the contract guards the code, not the data, so it is checked where the code is tested).

Checks rely on these derived columns and dtypes. ``conftest.py`` checks every frame that
``normalise`` hands to the checks anywhere in the test suite against the cheap part (columns and
dtypes, lazily: all problems at once); ``tests/test_normalise.py`` also checks the values.
"""

from __future__ import annotations

import pandera.pandas as pa

from dbhygiene.normalise import DATE_FIELDS, STATUSES


def _columns(with_values: bool) -> dict[str, pa.Column]:
    def checks(*found):
        return list(found) if with_values else None

    columns = {
        "national_id__norm": pa.Column("str", checks(pa.Check.str_matches(r"^[^\s.\-_/]+$")), nullable=True,
                                       required=False),
        "full_name__clean": pa.Column("str", checks(pa.Check.str_matches(r"^\S(.*\S)?$")), nullable=True,
                                      required=False),
        "full_name__key": pa.Column("str", nullable=True, required=False),
    }
    for name in DATE_FIELDS:
        columns[f"{name}__date"] = pa.Column("datetime64[s]", nullable=True, required=False)
        columns[f"{name}__status"] = pa.Column(pa.dtypes.Category(categories=list(STATUSES)),
                                               checks(pa.Check.isin(STATUSES)), nullable=False, required=False)
        columns[f"{name}__year"] = pa.Column("Int64", checks(pa.Check.in_range(1, 9999)), nullable=True,
                                             required=False)
        # a partial date is an interval (dateforms.py): its first and last possible day, and its form
        columns[f"{name}__lo"] = pa.Column("datetime64[s]", nullable=True, required=False)
        columns[f"{name}__hi"] = pa.Column("datetime64[s]", nullable=True, required=False)
        columns[f"{name}__form"] = pa.Column("category", nullable=False, required=False)
    return columns


def normalised_schema() -> pa.DataFrameSchema:
    """Columns, dtypes and values (row checks): for tests of normalise itself."""
    checks = [pa.Check(lambda df: _dates_match_status(df), name="date-iff-status-ok-or-ambiguous")]
    return pa.DataFrameSchema(_columns(True), checks=checks, strict=False)


def boundary_schema() -> pa.DataFrameSchema:
    """Columns and dtypes only: cheap enough to check every normalised frame the suite produces."""
    return pa.DataFrameSchema(_columns(False), strict=False)


def _dates_match_status(df):
    import pandas as pd

    result = pd.Series(True, index=df.index)
    for name in DATE_FIELDS:
        if f"{name}__date" in df:
            has_date = df[f"{name}__date"].notna()
            usable = df[f"{name}__status"].isin(["ok", "ambiguous"])
            result &= has_date == usable
    return result


_BOUNDARY = None


def check_at_boundary(frame) -> None:
    """The frame normalise hands to the checks has the contract's dtypes: the schema's dtype checks
    alone, all columns at once (lazy), without pandera's per-call validation overhead (~50 ms)."""
    from pandera.engines import pandas_engine

    global _BOUNDARY
    if _BOUNDARY is None:
        _BOUNDARY = boundary_schema()
    problems = []
    for name, column in _BOUNDARY.columns.items():
        if name in frame.columns and not column.dtype.check(pandas_engine.Engine.dtype(frame[name].dtype)):
            problems.append(f"{name}: {frame[name].dtype}, the contract says {column.dtype}")
    if problems:
        raise AssertionError("normalised frame breaks the contract with the checks: " + "; ".join(problems))
