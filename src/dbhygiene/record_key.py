"""Entry year read from a record key that embeds it (INTERPOL notice ids: ``2022/46614``).

When no entry date is mapped and the profile's ``entry_year_from_record_id`` pattern captures a
plausible year from nearly every record id (``min_share``), the year becomes the derived columns
``entry_date__key_year`` and the entry interval ``entry_date__lo``/``entry_date__hi`` (1 January to
31 December of that year) that the minors rules read (MN01 then reports a person whose age
interval at listing straddles the age of majority as a *possible* minor, confidence low). No
``entry_date`` column is invented, so the entry-date rules (DE) stay not assessable.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from .errors import ConfigError


def derive_entry_year(out: pd.DataFrame, profile: dict, as_of: dt.date) -> str | None:
    """Add ``entry_date__key_year`` to ``out`` when the profile option applies; return a note."""
    option = profile.get("entry_year_from_record_id")
    if not option or "record_id" not in out.columns or "entry_date" in out.columns:
        return None
    pattern = option.get("pattern") if isinstance(option, dict) else None
    if not pattern:
        raise ConfigError(f"profile {profile.get('name')}: entry_year_from_record_id needs a pattern")
    try:
        if re.compile(pattern).groups != 1:
            raise ConfigError(f"profile {profile.get('name')}: entry_year_from_record_id pattern needs one group")
    except re.error as exc:
        raise ConfigError(f"profile {profile.get('name')}: bad entry_year_from_record_id pattern ({exc})") from None
    from .textops import series_arrow

    ids = out["record_id"].astype("str").str.strip()
    struct = pc.extract_regex(series_arrow(ids), re.sub(r"\((?!\?)", "(?P<year>", pattern, count=1))
    field = struct.field("year")
    field = pc.if_else(pc.and_(pc.is_valid(struct), pc.match_substring_regex(field, "^[0-9]{1,4}$")), field, "-1")
    year = pc.cast(pc.fill_null(field, "-1"), "int64").to_numpy(zero_copy_only=False)
    present = ids.notna().to_numpy() & (ids != "").to_numpy(dtype=bool, na_value=False)
    plausible = (year >= 1900) & (year <= as_of.year)
    share = plausible.sum() / max(1, present.sum())
    if not present.any() or share < float(option.get("min_share", 0.9)):
        return None
    out["entry_date__key_year"] = pd.array(np.where(plausible, year, 0), dtype="Int64")
    out.loc[~plausible, "entry_date__key_year"] = pd.NA
    first = (np.where(plausible, year, 1970) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    last = (np.where(plausible, year, 1970) - 1969).astype("datetime64[Y]").astype("datetime64[D]") - 1
    nat = np.datetime64("NaT", "D")
    out["entry_date__lo"] = pd.Series(np.where(plausible, first, nat).astype("datetime64[s]"), index=out.index)
    out["entry_date__hi"] = pd.Series(np.where(plausible, last, nat).astype("datetime64[s]"), index=out.index)
    return (f"entry year read from the record id for {int(plausible.sum())} of {int(present.sum())} records "
            f"(profile option entry_year_from_record_id, pattern {pattern}); it is a year, not a date")
