"""MN07: a person who may have been a minor at listing, when the dates cannot settle it.

A birth year alone ("1999") or a listing year alone (a year-only entry date, or the year a record
key embeds: INTERPOL ``2017/…``) gives an age *interval* at listing, not an age. MN01 reports only
certain minors; MN07 reports the rest of the risk: an interval that straddles the age of majority
(possible minor, confidence low), and an interval wholly below it that MN01 could not see because
the listing date is only a year (confidence medium). Everything is vectorised over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Context, implements
from .dates import ages_now, birth_parts, calendar_age, listing_reference, profile_value


def listing_interval(ctx: Context) -> tuple[np.ndarray, ...]:
    """Per record: earliest and latest possible listing date (y, m, d arrays), how it is known
    ("date", "year", "key year" or ""), and a mask of records with any listing information."""
    n = len(ctx.frame)
    ref = listing_reference(ctx)
    basis = np.full(n, "", dtype=object)
    y0, y1 = np.zeros(n, np.int64), np.zeros(n, np.int64)
    m0, m1, d0, d1 = np.ones(n, np.int64), np.full(n, 12, np.int64), np.ones(n, np.int64), np.full(n, 31, np.int64)
    full = ref.at_listing
    y0[full], y1[full] = ref.year[full], ref.year[full]
    m0[full], m1[full], d0[full], d1[full] = ref.month[full], ref.month[full], ref.day[full], ref.day[full]
    basis[full] = "date"
    f = ctx.frame
    if "entry_date__status" in f.columns:
        year = f["entry_date__year"].to_numpy(dtype=np.int64, na_value=0)
        part = ~full & (f["entry_date__status"] == "partial").to_numpy() & (year > 0) & (year <= ctx.as_of.year)
        y0[part], y1[part] = year[part], year[part]
        basis[part] = "year"
    if "entry_date__key_year" in f.columns:
        year = f["entry_date__key_year"].to_numpy(dtype=np.int64, na_value=0)
        key = (basis == "") & (year > 0)
        y0[key], y1[key] = year[key], year[key]
        basis[key] = "key year"
    return y0, m0, d0, y1, m1, d1, basis, basis != ""


@implements("MN07")
def possible_minor_at_listing(ctx: Context, options: dict):
    majority = int(profile_value(ctx, options, "age_of_majority"))
    by, bm, bd, full, year, partial = birth_parts(ctx)
    # birth interval: a full date, or 1 January .. 31 December of a birth year
    b0y, b0m, b0d = np.where(full, by, year), np.where(full, bm, 1), np.where(full, bd, 1)
    b1y, b1m, b1d = np.where(full, by, year), np.where(full, bm, 12), np.where(full, bd, 31)
    y0, m0, d0, y1, m1, d1, basis, known = listing_interval(ctx)
    known &= full | partial
    lo = calendar_age(b1y, b1m, b1d, y0, m0, d0)  # born as late, listed as early, as possible
    hi = calendar_age(b0y, b0m, b0d, y1, m1, d1)
    known &= hi >= 0  # not listed before birth
    lo = np.maximum(lo, 0)
    possible = known & (lo < majority) & (hi >= majority)
    # certainly a minor, but only a listing year says so: MN01 sees only full entry dates
    certain = known & (hi < majority) & (basis != "date")
    certain &= ~(ages_now(ctx).known & (ages_now(ctx).hi < majority))  # still a minor now: MN01/MN02 report it
    pos = np.flatnonzero(possible | certain)
    if not len(pos):
        return pd.DataFrame({"pos": pd.Series([], dtype=np.int64)})
    ages = np.where(lo[pos] == hi[pos], lo[pos].astype(str),
                    np.char.add(np.char.add(lo[pos].astype(str), "-"), hi[pos].astype(str))).astype(object)
    listed = np.where(basis[pos] == "date", "on the entry date",
                      np.where(basis[pos] == "year", "in entry year " + y0[pos].astype(str),
                               "in " + y0[pos].astype(str) + ", the year the record id embeds"))
    birth = np.where(full[pos], "a full birth date", "a birth year only")
    verdict = np.where(possible[pos], "possibly a minor", "a minor")
    return pd.DataFrame({
        "pos": pos, "field": "birth_date", "age": ages, "verdict": verdict, "listed": listed.astype(object),
        "birth": birth.astype(object), "majority": majority,
        "confidence": np.where(possible[pos], "low", "medium"),
    })
