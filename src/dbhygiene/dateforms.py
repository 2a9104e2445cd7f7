"""Dates as published: every form a real list uses for a date, parsed into an interval of days.

A value becomes ``[lo, hi]`` (the earliest and latest day it allows), a precision and a *form*
that says what it was: a full date, "year only", "month and year only", "00/00/1980" (day and
month unknown), "circa 1951" (approximate: widened by one year each way), "1951 to 1953" (a
range), "(a) 3.3.1965, (b) 1.1.1965" or "18.1.1970 or 29.3.1965" (alternatives: the interval
spans them all), "12 Feb 1961" and "14 de marzo de 1980" (month names from the profile's
``month_names``), Excel serial numbers (days since 1899-12-30), ISO date-times with a time-zone
offset (the date as written is kept), two-digit years. Anything else is invalid, and the form says
why: an impossible day or month, a no-data mark, or not a date at all ("[]").

Everything runs over the *distinct* values with pyarrow compute (RE2 regexes) and numpy; no Python
loop touches a value. Values that the fast numeric shapes read never reach the slower pipeline for
words, ranges and alternatives.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import textops

# precision of one piece
P_NONE, P_YEAR, P_MONTH, P_DAY = 0, 1, 2, 3
# flags of one piece
F_TZ, F_EXCEL, F_WORDS, F_ZERO, F_TWO_DIGIT = 1, 2, 4, 8, 16

_CLOCK = r"(?:[t ]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[ap]\.?m\.?)?)?"
RE_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})" + _CLOCK + r"(\s?(?:z|utc|[+-]\d{2}(?::?\d{2})?))?$")
RE_COMPACT = re.compile(r"^((?:1[89]|20)\d{2})(\d{2})(\d{2})$")
RE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})" + _CLOCK + "$")
RE_YEAR = re.compile(r"^(\d{4})$")
RE_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
RE_YEAR_MONTH = re.compile(r"^(\d{4})[/.\-](\d{1,2})$")
RE_EXCEL = re.compile(r"^(\d{5})(?:\.\d+)?$")
EXCEL_RANGE = (10000, 73050)  # 1927-05-18 .. 2099-12-31: four-digit numbers are years, not serials
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
# words, once month names are replaced by " /MM/ "
RE_W_DMY = re.compile(r"^(\d{1,2}) /(\d{2})/ (\d{4}|\d{2})$")
RE_W_MDY = re.compile(r"^/(\d{2})/ (\d{1,2}) (\d{4})$")
RE_W_YMD = re.compile(r"^(\d{4}) /(\d{2})/ (\d{1,2})$")
RE_W_MY = re.compile(r"^/(\d{2})/ (\d{4})$")

APPROX = (r"^(?:approximately|aproximadamente|approx|aprox|circa|ca|c|about|around|alrededor de|cerca de|cerca|"
          r"environ|vers)(?:\.\s*|\s+)")
ALTERNATIVE_SEP = r"\(\s*[a-z0-9]{1,2}\s*\)|\s+(?:or|o|ou)\s+|\s*;\s*|\s*\|\s*|\s*/\s+|\s+/\s*"
RE_RANGE = re.compile(r"^(?:between |entre |from |desde |de )?(.+?)(?: to | and | y | a | al | hasta | et | e | - |\s*[–—]\s*)(.+)$")
RE_YEAR_RANGE = re.compile(r"^(\d{4})\s*[-/]\s*(\d{4})$")

# the forms a value can have (the message says which one it was)
FORM_FULL = ""
FORMS = {
    "tz": "an ISO date-time with a time-zone offset (the date as written is used)",
    "excel": "an Excel serial number (days since 1899-12-30)",
    "two_digit": "a two-digit year",
    "month": "month and year only",
    "year": "year only",
    "zero_day": "day written as 00 (month and year only)",
    "zero_both": "day and month written as 00 (year only)",
    "approx": "an approximate date (circa; one year either side allowed)",
    "range": "a range of dates",
    "approx_range": "an approximate range of dates",
    "alternatives": "a list of alternative dates",
    "impossible": "an impossible day or month",
    "zeros": "all zeros (a no-data mark)",
    "no_data": "a no-data mark",
    "not_a_date": "not a date",
    "bad_alternatives": "a list of alternatives, not all of them dates",
    "bad_range": "a range whose ends are not both dates",
}


def _named(pattern: re.Pattern) -> tuple[str, int]:
    counter = iter(range(pattern.groups))
    return re.sub(r"\((?!\?)", lambda _: f"(?P<g{next(counter)}>", pattern.pattern), pattern.groups


def extract(values: pa.Array, pattern: re.Pattern) -> list[pa.Array]:
    """Capture groups of a regex over an arrow string array (RE2, vectorised); nulls where no match."""
    named, groups = _named(pattern)
    struct = pc.extract_regex(values, named)
    valid = pc.is_valid(struct)
    return [pc.if_else(valid, struct.field(i), pa.scalar(None, struct.field(i).type)) for i in range(groups)]


def ints(groups: list[pa.Array], col: int) -> np.ndarray:
    return pc.fill_null(pc.cast(groups[col], pa.int64()), -1).to_numpy(zero_copy_only=False)


def hit(groups: list[pa.Array]) -> np.ndarray:
    return pc.is_valid(groups[0]).to_numpy(zero_copy_only=False)


def days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    table = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    days = table[np.clip(month, 0, 12)]
    return np.where((month == 2) & leap, 29, days)


def to_days(year: np.ndarray, month: np.ndarray, day: np.ndarray, ok: np.ndarray) -> np.ndarray:
    out = np.full(len(year), np.datetime64("NaT"), dtype="datetime64[D]")
    if ok.any():
        y, m, d = year[ok], month[ok], day[ok]
        base = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)
        out[ok] = base.astype("datetime64[D]") + (d - 1)
    return out


def civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of datetime64[D] values (NaT gives 1970-01-01; mask it yourself)."""
    d = np.where(np.isnat(days), np.datetime64("1970-01-01", "D"), days)
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    return (y.astype(np.int64) + 1970, (m - y.astype("datetime64[M]")).astype(np.int64) + 1,
            (d - m.astype("datetime64[D]")).astype(np.int64) + 1)


def month_regexes(month_names: dict) -> list[tuple[int, str]]:
    """One RE2 alternation per month number from the profile's ``month_names`` (name -> number)."""
    return list(_month_regexes(tuple((str(name), int(number)) for name, number in (month_names or {}).items())))


@functools.lru_cache(maxsize=16)
def _month_regexes(items: tuple[tuple[str, int], ...]) -> tuple[tuple[int, str], ...]:
    """``month_regexes`` once per profile: every name cleaned in one pass (a profile has about a
    hundred; each date column asked for them again, 30 ms of a ten-row check)."""
    if not items:
        return ()
    plain = textops.clean_names(pa.array([name for name, _ in items], type=pa.large_string())).to_pylist()
    by_number: dict[int, list[str]] = {}
    for (_, number), text in zip(items, plain):
        if text:
            by_number.setdefault(number, []).append(re.escape(text))
    out = []
    for number, names in sorted(by_number.items()):
        names.sort(key=len, reverse=True)
        out.append((number, r"\b(?:" + "|".join(names) + r")\b\.?"))
    return tuple(out)


def lower_plain(values: pa.Array) -> pa.Array:
    """Lower case, accents stripped, outer whitespace trimmed (punctuation kept)."""
    arr = textops.strip_combining_latin(textops.fold_two_byte(pc.utf8_normalize(values, "NFC").cast(pa.large_string())))
    return pc.utf8_trim_whitespace(pc.utf8_lower(arr))


class Pieces:
    """Parsed pieces: precision, year/month/day (-1 unknown), flags, ambiguity."""

    def __init__(self, n: int):
        self.y = np.full(n, -1, np.int64)
        self.m = np.full(n, -1, np.int64)
        self.d = np.full(n, -1, np.int64)
        self.prec = np.zeros(n, np.int8)
        self.flags = np.zeros(n, np.int16)
        self.ambiguous = np.zeros(n, bool)
        self.shaped = np.zeros(n, bool)  # matched a date shape (possibly impossible)
        self.lo = np.full(n, np.datetime64("NaT"), "datetime64[D]")
        self.hi = np.full(n, np.datetime64("NaT"), "datetime64[D]")

    def set(self, mask, y, m, d, prec, flags=0):
        self.y[mask], self.m[mask], self.d[mask] = y[mask], m[mask], d[mask]
        self.prec[mask] = prec[mask] if isinstance(prec, np.ndarray) else prec
        self.flags[mask] |= flags[mask] if isinstance(flags, np.ndarray) else flags
        self.shaped |= mask

    def bounds(self) -> np.ndarray:
        """Fill lo/hi from the parts; returns the mask of valid pieces."""
        y, m, d, p = self.y, self.m, self.d, self.prec
        day_ok = (p == P_DAY) & (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1)
        day_ok &= d <= days_in_month(np.where(y > 0, y, 2000), np.clip(m, 0, 12))
        month_ok = (p == P_MONTH) & (y >= 1000) & (m >= 1) & (m <= 12)
        year_ok = (p == P_YEAR) & (y >= 1000)
        first_m = np.where(year_ok, 1, m)
        last_m = np.where(year_ok, 12, m)
        lo_ok = day_ok | month_ok | year_ok
        self.lo = to_days(np.where(lo_ok, y, 1970), np.where(lo_ok, first_m, 1),
                          np.where(day_ok, d, 1), lo_ok)
        last_d = days_in_month(np.where(lo_ok, y, 2000), np.where(lo_ok, last_m, 1))
        self.hi = to_days(np.where(lo_ok, y, 1970), np.where(lo_ok, last_m, 1),
                          np.where(day_ok, d, last_d), lo_ok)
        return lo_ok


def day_month_evidence(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For d/m/y-shaped values: (hit, proves day-first, proves month-first, undecided)."""
    g = extract(values, RE_DMY)
    h = hit(g)
    p1, p2 = ints(g, 0), ints(g, 1)
    proves_dmy = h & (p1 > 12) & (p1 <= 31) & (p2 >= 1) & (p2 <= 12)
    proves_mdy = h & (p2 > 12) & (p2 <= 31) & (p1 >= 1) & (p1 <= 12)
    undecided = h & (p1 <= 12) & (p2 <= 12) & (p1 != p2) & (p1 >= 1) & (p2 >= 1)
    return h, proves_dmy, proves_mdy, undecided


def parse_pieces(low: pa.Array, *, chosen: str, settled: str, pivot: int,
                 months: list[tuple[int, str]]) -> Pieces:
    """Parse single date pieces (lower-cased, accents stripped) with the column's day/month order."""
    n = len(low)
    out = Pieces(n)
    done = np.zeros(n, bool)

    g = extract(low, RE_YMD)
    h = hit(g)
    tz = h & (pc.fill_null(pc.utf8_length(g[3]), 0).to_numpy(zero_copy_only=False) > 0)
    out.set(h, ints(g, 0), ints(g, 1), ints(g, 2), P_DAY, np.where(tz, F_TZ, 0))
    done |= h

    g = extract(low, RE_COMPACT)
    h = hit(g) & ~done
    out.set(h, ints(g, 0), ints(g, 1), ints(g, 2), P_DAY)
    done |= h

    g = extract(low, RE_DMY)
    h = hit(g) & ~done
    if h.any():
        p1, p2, py = ints(g, 0), ints(g, 1), ints(g, 2)
        two = h & (pc.fill_null(pc.utf8_length(g[2]), 0).to_numpy(zero_copy_only=False) == 2)
        py = np.where(two, np.where(py <= pivot, 2000 + py, 1900 + py), py)
        proves_dmy = (p1 > 12) & (p1 <= 31) & (p2 >= 1) & (p2 <= 12)
        proves_mdy = (p2 > 12) & (p2 <= 31) & (p1 >= 1) & (p1 <= 12)
        undecided = (p1 <= 12) & (p2 <= 12) & (p1 != p2) & (p1 >= 1) & (p2 >= 1)
        d_, m_ = (p1, p2) if chosen == "dmy" else (p2, p1)
        if settled == "contradictory":
            flip = proves_mdy if chosen == "dmy" else proves_dmy
            d_, m_ = np.where(flip, m_, d_), np.where(flip, d_, m_)
        zero_day = (d_ == 0) & (m_ >= 1) & (m_ <= 12)
        zero_both = (d_ == 0) & (m_ == 0)
        prec = np.where(zero_both, P_YEAR, np.where(zero_day, P_MONTH, P_DAY)).astype(np.int8)
        flags = np.where(zero_day | zero_both, F_ZERO, 0) | np.where(two, F_TWO_DIGIT, 0)
        out.set(h, py, m_, d_, prec, flags)
        out.ambiguous |= h & undecided & (settled in ("profile", "contradictory"))
        done |= h

    g = extract(low, RE_YEAR)
    h = hit(g) & ~done
    out.set(h, ints(g, 0), out.m, out.d, P_YEAR)
    done |= h

    g = extract(low, RE_EXCEL)
    h = hit(g) & ~done
    if h.any():
        serial = ints(g, 0)
        h &= (serial >= EXCEL_RANGE[0]) & (serial <= EXCEL_RANGE[1])
        y, m, d = civil(EXCEL_EPOCH + np.where(h, serial, 0).astype("timedelta64[D]"))
        out.set(h, y, m, d, P_DAY, F_EXCEL)
        done |= h

    g = extract(low, RE_MONTH_YEAR)
    h = hit(g) & ~done
    out.set(h, ints(g, 1), ints(g, 0), out.d, P_MONTH)
    done |= h
    g = extract(low, RE_YEAR_MONTH)
    h = hit(g) & ~done
    out.set(h, ints(g, 0), ints(g, 1), out.d, P_MONTH)
    done |= h

    rest = np.flatnonzero(~done & pc.fill_null(pc.match_substring_regex(low, r"[a-z]"), False)
                          .to_numpy(zero_copy_only=False))
    if len(rest) and months:
        _parse_words(out, low.take(pa.array(rest)), rest, pivot, months)
    return out


def _parse_words(out: Pieces, words: pa.Array, where: np.ndarray, pivot: int, months) -> None:
    t = pc.replace_substring_regex(words, r"(\d)(?:st|nd|rd|th|er|o|\x{ba}|\x{b0})\b", r"\1")
    for number, alternation in months:
        t = pc.replace_substring_regex(t, alternation, f" /{number:02d}/ ")
    t = pc.replace_substring_regex(t, r"\b(?:de|del|of|the|le|el|do|da)\b", " ")
    t = pc.replace_substring_regex(t, r"[\s,.\-]+", " ")
    t = pc.replace_substring_regex(t, r"(/\d\d/)", r" \1 ")
    t = pc.utf8_trim_whitespace(pc.replace_substring_regex(t, r"\s+", " "))
    n = len(where)
    y = np.full(n, -1, np.int64)
    m = np.full(n, -1, np.int64)
    d = np.full(n, -1, np.int64)
    prec = np.zeros(n, np.int8)
    two = np.zeros(n, bool)
    done = np.zeros(n, bool)
    for pattern, (iy, im, iday) in ((RE_W_DMY, (2, 1, 0)), (RE_W_MDY, (2, 0, 1)), (RE_W_YMD, (0, 1, 2))):
        g = extract(t, pattern)
        h = hit(g) & ~done
        yy = ints(g, iy)
        short = h & (pc.fill_null(pc.utf8_length(g[iy]), 0).to_numpy(zero_copy_only=False) == 2)
        yy = np.where(short, np.where(yy <= pivot, 2000 + yy, 1900 + yy), yy)
        y[h], m[h], d[h], prec[h] = yy[h], ints(g, im)[h], ints(g, iday)[h], P_DAY
        two |= short
        done |= h
    g = extract(t, RE_W_MY)
    h = hit(g) & ~done
    y[h], m[h], prec[h] = ints(g, 1)[h], ints(g, 0)[h], P_MONTH
    done |= h
    idx = where[done]
    out.y[idx], out.m[idx], out.d[idx], out.prec[idx] = y[done], m[done], d[done], prec[done]
    out.flags[idx] |= F_WORDS | np.where(two[done], F_TWO_DIGIT, 0).astype(np.int16)
    out.shaped[idx] = True


class Published:
    """Per distinct value: lo, hi (datetime64[D]), status, form, flags, year."""

    def __init__(self, n: int):
        self.lo = np.full(n, np.datetime64("NaT"), "datetime64[D]")
        self.hi = np.full(n, np.datetime64("NaT"), "datetime64[D]")
        self.status = np.full(n, "invalid", dtype=object)
        self.form = np.full(n, FORMS["not_a_date"], dtype=object)
        self.flags = np.zeros(n, np.int16)
        self.ambiguous = np.zeros(n, bool)


def _single_forms(p: Pieces, valid: np.ndarray) -> np.ndarray:
    form = np.full(len(p.prec), FORM_FULL, dtype=object)
    form[p.prec == P_MONTH] = FORMS["month"]
    form[p.prec == P_YEAR] = FORMS["year"]
    zero = (p.flags & F_ZERO) > 0
    form[zero & (p.prec == P_MONTH)] = FORMS["zero_day"]
    form[zero & (p.prec == P_YEAR)] = FORMS["zero_both"]
    form[(p.flags & F_TWO_DIGIT) > 0] = FORMS["two_digit"]
    form[(p.flags & F_EXCEL) > 0] = FORMS["excel"]
    form[(p.flags & F_TZ) > 0] = FORMS["tz"]
    form[p.shaped & ~valid] = FORMS["impossible"]
    form[p.shaped & ~valid & zero & (p.y < 1000)] = FORMS["zeros"]
    return form


def parse_published(values: pa.Array, blank: np.ndarray, no_data: np.ndarray, *, chosen: str, settled: str,
                    pivot: int, months: list[tuple[int, str]]) -> Published:
    """Parse distinct values (stripped text); ``blank`` and ``no_data`` masks are decided by the caller."""
    n = len(values)
    out = Published(n)
    out.status[blank] = "blank"
    out.form[blank] = ""
    out.form[no_data] = FORMS["no_data"]
    low = lower_plain(values)
    p = parse_pieces(low, chosen=chosen, settled=settled, pivot=pivot, months=months)
    valid = p.bounds() & ~blank & ~no_data
    single = p.shaped & ~blank & ~no_data
    out.lo[single], out.hi[single] = p.lo[single], p.hi[single]
    out.flags[single] = p.flags[single]
    out.form[single] = _single_forms(p, valid)[single]
    out.status[single & valid] = np.where(p.prec[single & valid] == P_DAY, "ok", "partial")
    out.ambiguous[single & valid] = p.ambiguous[single & valid]
    rest = np.flatnonzero(~p.shaped & ~blank & ~no_data)
    if len(rest):
        _compound(out, low.take(pa.array(rest)), rest, chosen=chosen, settled=settled, pivot=pivot, months=months)
    return out


def _compound(out: Published, low: pa.Array, where: np.ndarray, **kw) -> None:
    """Approximate values, ranges and lists of alternatives, parsed piece by piece (vectorised)."""
    approx = pc.fill_null(pc.match_substring_regex(low, APPROX), False).to_numpy(zero_copy_only=False)
    t = pc.replace_substring_regex(low, APPROX, "")
    t = pc.replace_substring_regex(t, ALTERNATIVE_SEP, "|")
    lists = pc.split_pattern(t, "|")
    flat = pc.utf8_trim(pc.list_flatten(lists), " ,.")
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    keep = np.flatnonzero(pc.not_equal(pc.utf8_length(flat), 0).to_numpy(zero_copy_only=False))
    flat, parent = flat.take(pa.array(keep)), parent[keep]
    m = len(flat)
    if not m:
        return
    # each piece may be a range "a to b": split it into two ends
    g = extract(flat, RE_YEAR_RANGE)
    h_year = hit(g)
    g2 = extract(flat, RE_RANGE)
    h_range = hit(g2) & ~h_year
    start = pc.if_else(pa.array(h_year), g[0], pc.if_else(pa.array(h_range), g2[0], flat))
    end = pc.if_else(pa.array(h_year), g[1], g2[1])
    is_range = h_year | h_range
    ends = pa.concat_arrays([start.cast(pa.large_string()),
                             end.filter(pa.array(is_range)).cast(pa.large_string())])
    end_of = np.concatenate([np.arange(m), np.flatnonzero(is_range)])
    ends = pc.utf8_trim(ends, " ,.")
    p = parse_pieces(ends, **kw)
    ok = p.bounds() & p.shaped
    # a piece is valid when all its ends are; its interval spans its ends
    piece_ok = np.ones(m, bool)
    np.logical_and.at(piece_ok, end_of, ok)
    lo_i = np.where(ok, p.lo.astype(np.int64), np.iinfo(np.int64).max)
    hi_i = np.where(ok, p.hi.astype(np.int64), np.iinfo(np.int64).min)
    piece_lo = np.full(m, np.iinfo(np.int64).max)
    piece_hi = np.full(m, np.iinfo(np.int64).min)
    np.minimum.at(piece_lo, end_of, lo_i)
    np.maximum.at(piece_hi, end_of, hi_i)
    piece_flags = np.zeros(m, np.int16)
    np.bitwise_or.at(piece_flags, end_of, p.flags)
    # values: all pieces valid; the interval spans the pieces
    k = len(where)
    value_ok = np.ones(k, bool)
    np.logical_and.at(value_ok, parent, piece_ok)
    count = np.bincount(parent, minlength=k)
    ranged = np.zeros(k, bool)
    np.logical_or.at(ranged, parent, is_range)
    lo = np.full(k, np.iinfo(np.int64).max)
    hi = np.full(k, np.iinfo(np.int64).min)
    np.minimum.at(lo, parent, piece_lo)
    np.maximum.at(hi, parent, piece_hi)
    flags = np.zeros(k, np.int16)
    np.bitwise_or.at(flags, parent, piece_flags)
    value_ok &= count > 0
    useful = value_ok & (approx | ranged | (count > 1))
    lo_d = np.where(useful, lo, 0).astype("datetime64[D]")
    hi_d = np.where(useful, hi, 0).astype("datetime64[D]")
    if approx.any():
        ly, _, _ = civil(lo_d)
        hy, _, _ = civil(hi_d)
        wid = useful & approx
        lo_d = np.where(wid, to_days(ly - 1, np.ones(k, np.int64), np.ones(k, np.int64), wid), lo_d)
        hi_d = np.where(wid, to_days(hy + 1, np.full(k, 12), np.full(k, 31), wid), hi_d)
    form = np.full(k, FORMS["not_a_date"], dtype=object)
    form[useful & approx] = FORMS["approx"]
    form[useful & ranged] = FORMS["range"]
    form[useful & ranged & approx] = FORMS["approx_range"]
    form[useful & (count > 1)] = FORMS["alternatives"]
    form[~value_ok & (count > 1)] = FORMS["bad_alternatives"]
    form[~value_ok & (count == 1) & ranged] = FORMS["bad_range"]
    idx = where[useful]
    out.lo[idx], out.hi[idx] = lo_d[useful], hi_d[useful]
    out.status[idx] = "partial"
    out.flags[idx] = flags[useful]
    out.form[where] = form
