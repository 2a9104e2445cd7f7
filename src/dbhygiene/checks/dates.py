"""Birth dates (DB) and entry dates (DE), plus the calendar-age helpers the minors rules share.

Ages are calendar ages computed with integer arithmetic on year/month/day arrays:
``age = y2 - y1 - ((m2*100 + d2) < (m1*100 + d1))``. A person is 18 on the 18th birthday and 17
the day before. A 29 February birthday falls on 1 March in common years (on 28 February the person
has not had the birthday yet; on 1 March they have), which is exactly what the formula gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engine import CheckResult, Context, implements

FULL = ("ok", "ambiguous")  # statuses that carry a full date


# ---------------------------------------------------------------- shared helpers (also used by minors.py)

def ymd(dates) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day int64 arrays of a datetime64 array/Series, and a mask of non-NaT values.

    Integer arithmetic on days since 1970 (H. Hinnant's civil_from_days), several times faster
    than numpy's datetime64[Y]/[M] casts on a million values.
    """
    d = np.asarray(dates, dtype="datetime64[D]")
    valid = ~np.isnat(d)
    z = np.where(valid, d.astype(np.int64), 0) + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day, valid


def calendar_age(by, bm, bd, ry, rm, rd) -> np.ndarray:
    """Completed years between a birth date and a reference date (vectorised, exact)."""
    return ry - by - ((rm * 100 + rd) < (bm * 100 + bd)).astype(np.int64)


@dataclass
class Ages:
    """Age bounds per record at some reference date; ``lo == hi`` for full birth dates.

    For a partial birth date (birth year known, e.g. "1985" or "12/1979") ``hi`` is the age of
    someone born on 1 January of that year and ``lo`` of someone born on 31 December.
    """

    lo: np.ndarray
    hi: np.ndarray
    known: np.ndarray  # an age (or a one-year bracket) is known
    exact: np.ndarray  # full birth date

    def text(self, pos: np.ndarray) -> np.ndarray:
        """Ages of the records at ``pos`` as text: "17", or "16-17 (birth year only)"."""
        lo, hi = self.lo[pos].astype(str), self.hi[pos].astype(str)
        span = np.where(self.lo[pos] == self.hi[pos], lo, np.char.add(np.char.add(lo, "-"), hi))
        bracket = np.char.add(span.astype(str), " (birth year only)")
        return np.where(self.exact[pos], lo, bracket).astype(object)


def _cache(ctx: Context) -> dict:
    """Per-run memo of the date arrays several rules share."""
    return ctx.memo("dates")


def birth_parts(ctx: Context):
    cache = _cache(ctx)
    if "birth" not in cache:
        by, bm, bd, full = ymd(ctx.frame["birth_date__date"])
        year = ctx.frame["birth_date__year"].to_numpy(dtype=np.int64, na_value=-1)
        partial = (ctx.frame["birth_date__status"] == "partial").to_numpy() & (year > 0)
        cache["birth"] = (by, bm, bd, full, np.where(year > 0, year, 0), partial)
    return cache["birth"]


def ages_at(ctx: Context, ry, rm, rd) -> Ages:
    by, bm, bd, full, year, partial = birth_parts(ctx)
    exact_age = calendar_age(by, bm, bd, ry, rm, rd)
    hi = np.where(full, exact_age, ry - year)  # born 1 January
    lo = np.where(full, exact_age, ry - year - ((rm * 100 + rd) < 1231).astype(np.int64))  # born 31 December
    return Ages(lo=lo, hi=hi, known=full | partial, exact=full)


def as_of_parts(ctx: Context, n: int):
    a = ctx.as_of
    return np.full(n, a.year, np.int64), np.full(n, a.month, np.int64), np.full(n, a.day, np.int64)


def ages_now(ctx: Context) -> Ages:
    cache = _cache(ctx)
    if "now" not in cache:
        cache["now"] = ages_at(ctx, *as_of_parts(ctx, len(ctx.frame)))
    return cache["now"]


@dataclass
class ListingReference:
    year: np.ndarray
    month: np.ndarray
    day: np.ndarray
    at_listing: np.ndarray  # True: the entry date was used; False: fell back to ctx.as_of

    def date_text(self, pos: np.ndarray) -> np.ndarray:
        """ISO date used for the records at ``pos`` (a listing date is not personal data)."""
        y, m, d = self.year[pos], self.month[pos], self.day[pos]
        return np.array([f"{a:04d}-{b:02d}-{c:02d}" for a, b, c in zip(y, m, d)], dtype=object)


def listing_reference(ctx: Context) -> ListingReference:
    """Per record, the entry date when usable, else the reference date (--as-of).

    An entry date is unusable when missing, unparseable, after --as-of, or before a full birth date.
    """
    cache = _cache(ctx)
    if "ref" in cache:
        return cache["ref"]
    n = len(ctx.frame)
    ry, rm, rd = as_of_parts(ctx, n)
    at_listing = np.zeros(n, dtype=bool)
    if "entry_date__date" in ctx.frame.columns:
        entry = ctx.frame["entry_date__date"].to_numpy(dtype="datetime64[D]")
        birth = ctx.frame["birth_date__date"].to_numpy(dtype="datetime64[D]") if "birth_date__date" in ctx.frame \
            else np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        usable = ~np.isnat(entry) & (entry <= np.datetime64(ctx.as_of, "D"))
        usable &= np.isnat(birth) | (entry >= np.where(np.isnat(birth), entry, birth))
        ey, em, ed, _ = ymd(entry)
        ry, rm, rd = np.where(usable, ey, ry), np.where(usable, em, rm), np.where(usable, ed, rd)
        at_listing = usable
    cache["ref"] = ListingReference(ry, rm, rd, at_listing)
    return cache["ref"]


def ages_at_listing(ctx: Context) -> tuple[Ages, ListingReference]:
    cache = _cache(ctx)
    ref = listing_reference(ctx)
    if "listing" not in cache:
        cache["listing"] = ages_at(ctx, ref.year, ref.month, ref.day)
    return cache["listing"], ref


def profile_value(ctx: Context, options: dict, option: str, key: str | None = None):
    """A threshold from the rule option when set, else from the profile."""
    value = options.get(option)
    return value if value is not None else ctx.profile[key or option]


def _status(ctx: Context, field: str) -> pd.Series:
    return ctx.frame[f"{field}__status"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"pos": pd.Series([], dtype=np.int64)})


# ---------------------------------------------------------------- birth dates

@implements("DB01")
def birth_date_missing(ctx: Context, options: dict):
    return (_status(ctx, "birth_date") == "blank").to_numpy()


@implements("DB02")
def birth_date_unparseable(ctx: Context, options: dict):
    return (_status(ctx, "birth_date") == "invalid").to_numpy()


@implements("DB03")
def birth_date_in_future(ctx: Context, options: dict):
    birth = ctx.frame["birth_date__date"].to_numpy(dtype="datetime64[D]")
    _, _, _, full, year, partial = birth_parts(ctx)
    future = (full & (birth > np.datetime64(ctx.as_of, "D"))) | (partial & (year > ctx.as_of.year))
    return pd.DataFrame({"pos": np.flatnonzero(future), "as_of": ctx.as_of.isoformat()})


@implements("DB04")
def birth_date_after_entry_date(ctx: Context, options: dict):
    birth = ctx.frame["birth_date__date"].to_numpy(dtype="datetime64[D]")
    entry = ctx.frame["entry_date__date"].to_numpy(dtype="datetime64[D]")
    _, _, _, _, year, partial = birth_parts(ctx)
    ey, _, _, has_entry = ymd(entry)
    full_after = ~np.isnat(birth) & has_entry & (birth > np.where(has_entry, entry, birth))
    partial_after = partial & has_entry & (year > ey)
    pos = np.flatnonzero(full_after | partial_after)
    return pd.DataFrame({"pos": pos, "listed": np.datetime_as_string(entry[pos], unit="D")})


@implements("DB05")
def birth_date_implausibly_old(ctx: Context, options: dict):
    limit = int(profile_value(ctx, options, "implausibly_old_age"))
    ages, ref = ages_at_listing(ctx)
    pos = np.flatnonzero(ages.known & (ages.lo > limit))
    when = np.where(ref.at_listing[pos], "at listing", "on the reference date")
    return pd.DataFrame({"pos": pos, "age": ages.text(pos), "when": when, "limit": limit})


def _placeholder_values(profile: dict) -> np.ndarray:
    values = [np.datetime64(str(v), "D") for v in profile.get("placeholder_dates") or []]
    return np.array(values, dtype="datetime64[D]")


LAMBDA_FLOOR = 0.05  # expected people per day assumed at least this, so an empty year is not "infinitely" odd


def frequency_outliers(dates: np.ndarray, person: np.ndarray | None, *, min_count: int, min_ratio: float,
                       max_p: float, exclude: np.ndarray | None = None) -> pd.DataFrame:
    """Dates shared by far more people than the rest of their birth year allows.

    ``dates``: datetime64[D] with NaT for unknown; ``person``: an integer key per record (so the
    same person listed many times counts once) or None. For each distinct date with ``c`` people,
    the baseline ``b`` is the mean per day over the *other* days of the same year, so an outlier
    does not inflate its own baseline. A date is an outlier when ``c >= min_count``,
    ``c >= min_ratio * b`` (a mild excess such as 1 January being somewhat more common never
    fires, however large the file) and the chance of ``c`` or more under a Poisson law with mean
    ``max(b, 0.05)``, multiplied by the number of distinct dates tested (Bonferroni), is below
    ``max_p``. The Poisson tail is bounded above by Chernoff's ``exp(-l) (e l / c)^c``, so the test
    errs towards silence. Returns one row per outlier date: date, count, baseline, ratio.
    """
    ok = ~np.isnat(dates)
    if exclude is not None:
        ok &= ~np.isin(dates, exclude)
    if not ok.any():
        return pd.DataFrame({"date": np.array([], dtype="datetime64[D]"), "count": [], "baseline": [], "ratio": []})
    day = dates[ok].astype(np.int64)
    if person is not None:
        day = pd.unique(day.astype(np.int64) * (1 << 32) + (person[ok].astype(np.int64) & 0xFFFFFFFF)) >> 32
    uniq, counts = np.unique(day, return_counts=True)
    years, _, _, _ = ymd(uniq.astype("datetime64[D]"))
    _, yinv = np.unique(years, return_inverse=True)
    totals = np.bincount(yinv, weights=counts)[yinv]
    leap = ((years % 4 == 0) & (years % 100 != 0)) | (years % 400 == 0)
    baseline = (totals - counts) / np.where(leap, 365, 364)
    lam = np.maximum(baseline, LAMBDA_FLOOR)
    log_tail = np.where(counts > lam, -lam + counts * (1 + np.log(lam) - np.log(counts)), 0.0)
    hit = (counts >= min_count) & (counts >= min_ratio * baseline) & (log_tail + np.log(len(uniq)) < np.log(max_p))
    ratio = np.divide(counts, baseline, out=np.full(len(counts), np.inf), where=baseline > 0)
    return pd.DataFrame({"date": uniq[hit].astype("datetime64[D]"), "count": counts[hit],
                         "baseline": baseline[hit], "ratio": ratio[hit]})


def _person_key(ctx: Context) -> np.ndarray | None:
    for col in ("group_id__key", "national_id__norm", "full_name__key"):
        if col in ctx.frame.columns:
            codes, _ = pd.factorize(ctx.frame[col], use_na_sentinel=True)
            # records without the key count as distinct people
            return np.where(codes >= 0, codes, -1 - np.arange(len(codes)))
    return None


@implements("DB06")
def birth_date_placeholder(ctx: Context, options: dict):
    birth = ctx.frame["birth_date__date"].to_numpy(dtype="datetime64[D]")
    known = _placeholder_values(ctx.profile)
    listed = np.isin(birth, known) & ~np.isnat(birth)
    outliers = frequency_outliers(birth, _person_key(ctx), min_count=options["min_count"],
                                  min_ratio=float(options["min_ratio"]), max_p=float(options["max_p"]),
                                  exclude=known)
    frequent = np.isin(birth, outliers["date"].to_numpy(dtype="datetime64[D]")) & ~np.isnat(birth) & ~listed
    reason = np.full(len(birth), "", dtype=object)
    reason[listed] = "a known placeholder date (profile list)"
    if len(outliers):
        idx = np.searchsorted(outliers["date"].to_numpy(dtype="datetime64[D]"), birth[frequent])
        counts = outliers["count"].to_numpy()[idx]
        base = outliers["baseline"].to_numpy()[idx]
        reason[frequent] = [f"{c} people share this exact date, against about {b:.1f} per day in the rest "
                            f"of that year" for c, b in zip(counts, base)]
    pos = np.flatnonzero(listed | frequent)
    lines = []
    if listed.any():
        lines.append(f"{int(listed.sum())} records carry a known placeholder birth date")
    for row in outliers.itertuples():
        lines.append(f"{pd.Timestamp(row.date).date()}: {row.count} people, about {row.baseline:.1f} expected per day of that "
                     f"year (data-derived placeholder)")
    stats = {"lines": lines, "profile_placeholder_records": int(listed.sum()),
             "frequency_outliers": [{"date": str(pd.Timestamp(r.date).date()), "people": int(r.count), "baseline": round(float(r.baseline), 2)}
                                    for r in outliers.itertuples()]}
    return CheckResult(pd.DataFrame({"pos": pos, "reason": reason[pos]}), stats=stats if lines else None)


@implements("DB07")
def birth_date_partial(ctx: Context, options: dict):
    return (_status(ctx, "birth_date") == "partial").to_numpy()


def swapped_day_month(dates: np.ndarray) -> np.ndarray:
    """The other reading of an ambiguous d/m date (both parts <= 12, so it is always valid)."""
    y, m, d, ok = ymd(dates)
    base = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (d - 1)
    out = base.astype("datetime64[D]") + (m - 1)
    return np.where(ok, out, np.datetime64("NaT"))


def other_reading_age(ctx: Context, pos: np.ndarray, ref: ListingReference) -> np.ndarray:
    """Age at listing of the records at ``pos`` under the other day/month reading: an ambiguous
    birth date is swapped, and so is an ambiguous entry date when it was the reference."""
    birth = ctx.frame["birth_date__date"].to_numpy(dtype="datetime64[D]")[pos]
    amb_birth = (_status(ctx, "birth_date") == "ambiguous").to_numpy()[pos]
    by, bm, bd, _ = ymd(np.where(amb_birth, swapped_day_month(birth), birth))
    ry, rm, rd = ref.year[pos], ref.month[pos], ref.day[pos]
    if "entry_date__status" in ctx.frame.columns:
        amb_entry = (_status(ctx, "entry_date") == "ambiguous").to_numpy()[pos] & ref.at_listing[pos]
        entry = ctx.frame["entry_date__date"].to_numpy(dtype="datetime64[D]")[pos]
        ey, em, ed, _ = ymd(swapped_day_month(entry))
        ry, rm, rd = np.where(amb_entry, ey, ry), np.where(amb_entry, em, rm), np.where(amb_entry, ed, rd)
    return calendar_age(by, bm, bd, ry, rm, rd)


@implements("DB08")
def birth_date_ambiguous(ctx: Context, options: dict):
    ambiguous = (_status(ctx, "birth_date") == "ambiguous").to_numpy()
    pos = np.flatnonzero(ambiguous)
    note = ctx.date_notes.get("birth_date")
    order = note.order if note else "dmy"
    read = {"dmy": "day-first", "mdy": "month-first"}.get(order, order)
    other = {"dmy": "month-first", "mdy": "day-first"}.get(order, "the other way")
    ages, ref = ages_at_listing(ctx)
    other_age = other_reading_age(ctx, pos, ref)
    majority = int(ctx.profile["age_of_majority"])
    flips = (ages.lo[pos] < majority) != (other_age < majority)
    when = np.where(ref.at_listing[pos], "at listing", "on the reference date")
    verdict = np.where(flips, np.where(ages.lo[pos] < majority, "; minor one way, adult the other",
                                       "; adult one way, minor the other"), "")
    evidence = note.describe() if note else "no column evidence"
    hits = pd.DataFrame({"pos": pos, "read": read, "other": other, "age": ages.lo[pos], "other_age": other_age,
                         "when": when, "verdict": verdict, "evidence": evidence,
                         "confidence": np.where(flips, "low", "medium")})
    stats = None
    if note is not None and len(pos):
        stats = {"lines": [evidence, f"{int(flips.sum())} of {len(pos)} ambiguous birth dates flip the minor/adult "
                                     f"verdict depending on the reading"],
                 "order": note.order, "settled_by": note.settled_by, "day_first_evidence": note.day_first_evidence,
                 "month_first_evidence": note.month_first_evidence, "ambiguous_rows": note.ambiguous_rows,
                 "verdict_flips": int(flips.sum())}
    return CheckResult(hits, stats=stats)


# ---------------------------------------------------------------- entry dates

@implements("DE01")
def entry_date_missing(ctx: Context, options: dict):
    return (_status(ctx, "entry_date") == "blank").to_numpy()


@implements("DE02")
def entry_date_unparseable(ctx: Context, options: dict):
    return (_status(ctx, "entry_date") == "invalid").to_numpy()


@implements("DE03")
def entry_date_in_future(ctx: Context, options: dict):
    entry = ctx.frame["entry_date__date"].to_numpy(dtype="datetime64[D]")
    pos = np.flatnonzero(~np.isnat(entry) & (entry > np.datetime64(ctx.as_of, "D")))
    return pd.DataFrame({"pos": pos, "listed": np.datetime_as_string(entry[pos], unit="D"),
                         "as_of": ctx.as_of.isoformat()})
