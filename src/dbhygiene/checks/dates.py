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

def _civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of int64 days since 1970 (H. Hinnant's civil_from_days)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


TABLE_SPAN = 1 << 22  # days (about 11,500 years): beyond this the arithmetic runs on every value


def ymd(dates) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day integer arrays of a datetime64 array/Series, and a mask of non-NaT values
    (NaT reads as 1970-01-01 with the mask False). Year int32, month and day int16 (int64 for
    values spread over more than ``TABLE_SPAN`` days).

    The calendar arithmetic runs once per day of the span the values cover (a few tens of
    thousands of days for birth and entry dates) and every value looks its parts up by index:
    one gather per part instead of a dozen million-element temporaries.
    """
    d = np.asarray(dates, dtype="datetime64[D]")
    valid = ~np.isnat(d)
    days = np.where(valid, d.astype(np.int64), 0)
    if not days.size:
        return days, days.copy(), days.copy(), valid
    first, last = min(int(days.min()), 0), max(int(days.max()), 0)
    if last - first >= TABLE_SPAN:
        return (*_civil_from_days(days), valid)
    # within the table's span a year fits int32 and a month or day int16: a third of the memory
    # (several rules keep these parts for the run: 48 MB less at 1M rows). Every use stays in range
    # (the largest, ``month * 100 + day``, is 1231)
    year, month, day = _civil_from_days(np.arange(first, last + 1, dtype=np.int64))
    index = days - first if first else days
    return (year.astype(np.int32)[index], month.astype(np.int16)[index], day.astype(np.int16)[index], valid)


def calendar_age(by, bm, bd, ry, rm, rd) -> np.ndarray:
    """Completed years between a birth date and a reference date (vectorised, exact)."""
    return ry - by - ((rm * 100 + rd) < (bm * 100 + bd)).astype(np.int64)


@dataclass
class Ages:
    """Age bounds per record at some reference date; ``lo == hi`` when the age is certain.

    A birth date is an interval of days (a full date is one day; "1985" is a year, "12/1979" a
    month, "circa 1951" or "1951 to 1953" several years): ``lo`` is the age of someone born on its
    last day at the earliest reference date, ``hi`` the age of someone born on its first day at
    the latest. "12/2002" listed on 2020-06-30 gives 17-17: certainly 17.
    """

    lo: np.ndarray
    hi: np.ndarray
    known: np.ndarray  # an age (or an age bracket) is known
    exact: np.ndarray  # full birth date
    form: ColumnAt | None = None  # how the birth date was written (for messages)

    def text(self, pos: np.ndarray) -> np.ndarray:
        """Ages of the records at ``pos`` as text: "17", "16-17 (birth date: year only)"."""
        lo, hi = self.lo[pos].astype(str), self.hi[pos].astype(str)
        span = np.where(self.lo[pos] == self.hi[pos], lo, np.char.add(np.char.add(lo, "-"), hi)).astype(object)
        if self.form is None:
            return np.where(self.exact[pos], lo, span).astype(object)
        form = self.form[pos]
        shown = (form != "") & (~self.exact[pos] | np.char.startswith(form.astype(str), "a two-digit"))
        return np.where(shown, span + " (birth date: " + form + ")", span).astype(object)


def _cache(ctx: Context) -> dict:
    """Per-run memo of the date arrays several rules share."""
    return ctx.memo("dates")


def birth_bounds(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest possible birth day per record (datetime64[D], NaT when unknown)."""
    cache = _cache(ctx)
    if "birth_bounds" not in cache:
        f = ctx.frame
        cache["birth_bounds"] = (f["birth_date__lo"].to_numpy(dtype="datetime64[D]"),
                                 f["birth_date__hi"].to_numpy(dtype="datetime64[D]"))
    return cache["birth_bounds"]


class ColumnAt:
    """A frame column read at given positions only (``column[pos]``): a message needs a few
    thousand values, not an object array of every record."""

    def __init__(self, values: pd.Series):
        self.values = values

    def __getitem__(self, pos: np.ndarray) -> np.ndarray:
        return self.values.iloc[pos].astype(object).to_numpy(dtype=object)


def birth_form(ctx: Context) -> ColumnAt:
    return ColumnAt(ctx.frame["birth_date__form"])


def confidence_cap(ctx: Context, pos: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Lower ``confidence`` to the cap the birth date's writing allows (two-digit years)."""
    if "birth_date__cap" not in ctx.frame.columns:
        return confidence
    cap = ctx.frame["birth_date__cap"].to_numpy()[pos]
    rank = np.select([confidence == "high", confidence == "medium"], [2, 1], 0)
    rank = np.minimum(rank, cap)
    return np.array(["low", "medium", "high"], dtype=object)[rank]


def _birth_parts(ctx: Context):
    """Known birth date per record, and year/month/day of its earliest and latest day, once per run."""
    cache = _cache(ctx)
    if "birth_parts" not in cache:
        lo_b, hi_b = birth_bounds(ctx)
        cache["birth_parts"] = (~np.isnat(lo_b), ymd(lo_b)[:3], ymd(hi_b)[:3])
    return cache["birth_parts"]


def ages_at(ctx: Context, ry, rm, rd, latest=None) -> Ages:
    """Ages at a reference date per record; ``latest`` (y, m, d) when the reference is an interval."""
    known, (ly, lm, ld), (hy, hm, hd) = _birth_parts(ctx)
    ry2, rm2, rd2 = latest if latest is not None else (ry, rm, rd)
    young = calendar_age(hy, hm, hd, ry, rm, rd)  # born on the last possible day, earliest reference
    old = calendar_age(ly, lm, ld, ry2, rm2, rd2)  # born on the first possible day, latest reference
    exact = ctx.frame["birth_date__status"].isin(["ok", "ambiguous"]).to_numpy()
    return Ages(lo=np.where(known, young, 0), hi=np.where(known, old, 0), known=known, exact=exact,
                form=birth_form(ctx))


def as_of_parts(ctx: Context, n: int):
    a = ctx.as_of
    return np.full(n, a.year, np.int64), np.full(n, a.month, np.int64), np.full(n, a.day, np.int64)


def ages_now(ctx: Context) -> Ages:
    cache = _cache(ctx)
    if "now" not in cache:
        a = ctx.as_of
        cache["now"] = ages_at(ctx, a.year, a.month, a.day)
    return cache["now"]


@dataclass
class ListingReference:
    year: np.ndarray
    month: np.ndarray
    day: np.ndarray
    at_listing: np.ndarray  # True: the entry date was used; False: fell back to ctx.as_of
    latest: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # last day of a partial entry date

    def date_text(self, pos: np.ndarray) -> np.ndarray:
        """The listing date (or interval) used for the records at ``pos`` (not personal data)."""
        first = _iso_dates(self.year[pos], self.month[pos], self.day[pos])
        if self.latest is None:
            return first
        last = _iso_dates(*(part[pos] for part in self.latest))
        return np.where(first == last, first, "between " + first + " and " + last).astype(object)


def _iso_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """"YYYY-MM-DD" per (y, m, d), formatted once per distinct date (hits share a few thousand)."""
    codes, uniques = pd.factorize((y.astype(np.int64) * 100 + m) * 100 + d)
    text = [f"{v // 10000:04d}-{v // 100 % 100:02d}-{v % 100:02d}" for v in uniques.tolist()]
    return np.array(text, dtype=object)[codes] if len(codes) else np.zeros(0, dtype=object)


def listing_reference(ctx: Context) -> ListingReference:
    """Per record, the entry date (an interval when partial) when usable, else the reference date.

    An entry date is unusable when missing, unparseable, after --as-of, or wholly before the
    earliest possible birth date. A partial entry date is clipped to --as-of.
    """
    cache = _cache(ctx)
    if "ref" in cache:
        return cache["ref"]
    n = len(ctx.frame)
    a = ctx.as_of  # a scalar where the entry date is unusable: numpy broadcasts it
    ry, rm, rd = a.year, a.month, a.day
    at_listing = np.zeros(n, dtype=bool)
    latest = None
    if "entry_date__lo" not in ctx.frame.columns:
        ry, rm, rd = as_of_parts(ctx, n)
    else:
        as_of = np.datetime64(ctx.as_of, "D")
        e_lo = ctx.frame["entry_date__lo"].to_numpy(dtype="datetime64[D]")
        e_hi = ctx.frame["entry_date__hi"].to_numpy(dtype="datetime64[D]")
        b_lo = birth_bounds(ctx)[0] if "birth_date__lo" in ctx.frame else np.full(n, np.datetime64("NaT"), "datetime64[D]")
        usable = ~np.isnat(e_lo) & (e_lo <= as_of)
        usable &= np.isnat(b_lo) | (e_hi >= np.where(np.isnat(b_lo), e_hi, b_lo))
        e_hi = np.where(e_hi > as_of, as_of, e_hi)
        ey, em, ed, _ = ymd(e_lo)
        ry, rm, rd = np.where(usable, ey, ry), np.where(usable, em, rm), np.where(usable, ed, rd)
        # the last day differs from the first only for a partial entry date: read it there alone
        y2, m2, d2 = ry.copy(), rm.copy(), rd.copy()
        later = np.flatnonzero(usable & (e_hi != e_lo))
        if len(later):
            y2[later], m2[later], d2[later], _ = ymd(e_hi[later])
        at_listing = usable
        latest = (y2, m2, d2)
    cache["ref"] = ListingReference(ry, rm, rd, at_listing, latest)
    return cache["ref"]


def ages_at_listing(ctx: Context) -> tuple[Ages, ListingReference]:
    cache = _cache(ctx)
    ref = listing_reference(ctx)
    if "listing" not in cache:
        cache["listing"] = ages_at(ctx, ref.year, ref.month, ref.day, ref.latest)
    return cache["listing"], ref


def majority(ctx: Context, options: dict) -> int:
    """The age of majority: this rule's option, else MN01's configured option, else the profile."""
    value = options.get("age_of_majority")
    if value is None:
        config = ctx.memo("rule_config")
        for layer in (config.get("MN01"), config.get("minor-at-listing"),
                      (ctx.profile.get("rule_options") or {}).get("MN01")):
            if layer and layer.get("age_of_majority") is not None:
                value = layer["age_of_majority"]
                break
    return int(value if value is not None else ctx.profile["age_of_majority"])


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
    return _with_form(ctx, "birth_date", "invalid")


def _with_form(ctx: Context, field: str, status: str) -> pd.DataFrame:
    """Records of a status, with what their value was (the message says which form)."""
    pos = np.flatnonzero((_status(ctx, field) == status).to_numpy())
    return pd.DataFrame({"pos": pos, "form": ctx.frame[f"{field}__form"].astype(object).to_numpy()[pos]})


@implements("DB03")
def birth_date_in_future(ctx: Context, options: dict):
    lo, _ = birth_bounds(ctx)
    future = ~np.isnat(lo) & (lo > np.datetime64(ctx.as_of, "D"))
    return pd.DataFrame({"pos": np.flatnonzero(future), "as_of": ctx.as_of.isoformat()})


@implements("DB04")
def birth_date_after_entry_date(ctx: Context, options: dict):
    lo, _ = birth_bounds(ctx)
    entry_hi = ctx.frame["entry_date__hi"].to_numpy(dtype="datetime64[D]")
    entry = ctx.frame["entry_date__date"].to_numpy(dtype="datetime64[D]")
    known = ~np.isnat(lo) & ~np.isnat(entry_hi)
    pos = np.flatnonzero(known & (lo > np.where(known, entry_hi, lo)))
    listed = np.where(np.isnat(entry[pos]), ctx.frame["entry_date"].iloc[pos].to_numpy(dtype=object),
                      np.datetime_as_string(entry[pos], unit="D"))
    return pd.DataFrame({"pos": pos, "listed": listed})


@implements("DB05")
def birth_date_implausibly_old(ctx: Context, options: dict):
    """Too old at listing, or too old on the reference date while still on the list."""
    limit = int(profile_value(ctx, options, "implausibly_old_age"))
    limit_now = int(profile_value(ctx, options, "implausibly_old_age_now"))
    ages, ref = ages_at_listing(ctx)
    now = ages_now(ctx)
    at_listing = ages.known & ref.at_listing & (ages.lo > limit)
    still = now.known & (now.lo > limit_now) & ~at_listing
    pos = np.flatnonzero(at_listing | still)
    listing = at_listing[pos]
    when = np.where(listing, "at listing", "on the reference date " + ctx.as_of.isoformat() + " (still listed)")
    age = np.where(listing, ages.text(pos), now.text(pos))
    return pd.DataFrame({"pos": pos, "age": age, "when": when, "limit": np.where(listing, limit, limit_now)})


def _placeholder_values(profile: dict) -> np.ndarray:
    values = [np.datetime64(str(v), "D") for v in profile.get("placeholder_dates") or []]
    return np.array(values, dtype="datetime64[D]")


LAMBDA_FLOOR = 0.05  # expected people per day assumed at least this, so an empty year is not "infinitely" odd


def _pairs_once(day: np.ndarray, person: np.ndarray) -> np.ndarray:
    """The day of each distinct (day, person) pair, in no particular order."""
    return pd.unique(day * (1 << 32) + (person & 0xFFFFFFFF)) >> 32


def _day_per_person(day: np.ndarray, person: np.ndarray) -> np.ndarray:
    """The day of each distinct (day, person) pair. A person key held by one record is one pair as
    it stands; only the records of keys held several times (few: one per listing of a person) are
    deduplicated. Keys are counted with a bincount when they are small integers (record codes,
    negative for records without a key), as ``_person_key`` gives; otherwise all pairs are."""
    n = len(person)
    if n == 0 or n >= 1 << 28 or person.min() < -4 * n or person.max() >= 4 * n:
        return _pairs_once(day, person)  # (keys this close never meet modulo 2**32 either)
    after = max(int(person.max()) + 1, 0)
    index = np.where(person >= 0, person, after - 1 - person)  # negative keys after the largest
    repeated = np.bincount(index)[index] > 1
    return np.r_[day[~repeated], _pairs_once(day[repeated], person[repeated])]


def _count_values(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_counts=True)`` of integers, by a bincount when their range is no
    wider than a few times their number (birth days: some 50 000 days for a million records)."""
    if len(values) == 0:
        return np.unique(values, return_counts=True)
    low, high = int(values.min()), int(values.max())
    if high - low >= 4 * len(values) + (1 << 16):
        return np.unique(values, return_counts=True)
    counts = np.bincount(values - low)
    present = np.flatnonzero(counts)
    return present.astype(values.dtype) + low, counts[present]


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
        day = _day_per_person(day, person[ok].astype(np.int64))
    uniq, counts = _count_values(day)
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
            codes, _ = ctx.factorized(col)  # shared with the identity rules (same process, same key)
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
    return _with_form(ctx, "birth_date", "partial")


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
    majority_age = majority(ctx, options)
    flips = (ages.lo[pos] < majority_age) != (other_age < majority_age)
    when = np.where(ref.at_listing[pos], "at listing", "on the reference date")
    verdict = np.where(flips, np.where(ages.lo[pos] < majority_age, "; minor one way, adult the other",
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
    return _with_form(ctx, "entry_date", "invalid")


@implements("DE03")
def entry_date_in_future(ctx: Context, options: dict):
    entry = ctx.frame["entry_date__date"].to_numpy(dtype="datetime64[D]")
    pos = np.flatnonzero(~np.isnat(entry) & (entry > np.datetime64(ctx.as_of, "D")))
    return pd.DataFrame({"pos": pos, "listed": np.datetime_as_string(entry[pos], unit="D"),
                         "as_of": ctx.as_of.isoformat()})
