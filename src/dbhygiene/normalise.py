"""Stage 3: turn mapped text columns into comparable values, keeping the originals.

* Dates: every distinct string is parsed once (vectorised regexes over the distinct values, then
  python-dateutil for the few left, e.g. "12 de marzo de 1985"); the result is broadcast back
  with the factorize codes. Each cell gets a status: ok, blank, partial, invalid or ambiguous.
  The day/month order of a column comes from ``--date-format``, else from the values themselves
  (a first part > 12 proves day-first), else from the profile; the evidence is kept for the report.
* IDs: dots, spaces, dashes and slashes removed, upper-cased.
* Names: casefolded, accents and punctuation removed (``__clean``), and tokens sorted (``__key``).

The output frame keeps each mapped field's original text under its canonical name and adds
derived columns named ``<field>__<what>``.
"""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import textops
from .errors import ConfigError
from .mapping import Mapping

DATE_FIELDS = ("birth_date", "entry_date", "review_date", "photo_date", "expiry_date")
STATUSES = ("ok", "blank", "partial", "invalid", "ambiguous")
ID_SEPARATORS = " \t\n\r\f.-_/"
ORDERS = {"DMY": "dmy", "MDY": "mdy", "YMD": "ymd"}

_TIME = r"(?:[T ]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
RE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})" + _TIME + "$")
RE_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})" + _TIME + "$")
RE_COMPACT = re.compile(r"^((?:1[89]|20)\d{2})(\d{2})(\d{2})$")
RE_YEAR = re.compile(r"^(\d{4})$")
RE_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
RE_YEAR_MONTH = re.compile(r"^(\d{4})[/.\-](\d{1,2})$")

MONTHS = {
    # es
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    # pt
    "janeiro": 1, "fevereiro": 2, "marco": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9,
    "outubro": 10, "novembro": 11, "dezembro": 12,
    # fr
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "octobre": 10, "novembre": 11, "decembre": 12,
}


@dataclass
class DateColumnNote:
    field: str
    order: str  # dmy | mdy | ymd (order used for d/m/y-shaped values)
    settled_by: str  # date-format | values | profile | contradictory
    day_first_evidence: int  # rows whose first part > 12
    month_first_evidence: int  # rows whose second part > 12
    ambiguous_rows: int
    two_digit_years: int = 0

    def describe(self) -> str:
        label = {"dmy": "day-first", "mdy": "month-first", "ymd": "year-first"}[self.order]
        if self.settled_by == "date-format":
            return f"{self.field}: read {label} as --date-format says"
        if self.settled_by == "values":
            return (f"{self.field}: values prove {label} ({max(self.day_first_evidence, self.month_first_evidence)} "
                    f"rows cannot be read the other way)")
        if self.settled_by == "contradictory":
            return (f"{self.field}: values contradict each other ({self.day_first_evidence} rows only valid "
                    f"day-first, {self.month_first_evidence} only month-first); {self.ambiguous_rows} "
                    f"ambiguous rows read {label}")
        return (f"{self.field}: no value settles day/month order; {self.ambiguous_rows} ambiguous rows read "
                f"{label} as the profile says")


@dataclass
class Normalised:
    frame: pd.DataFrame
    mapping: Mapping
    date_notes: dict[str, DateColumnNote] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.frame.columns


def _days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    table = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    days = table[np.clip(month, 0, 12)]
    return np.where((month == 2) & leap, 29, days)


def _to_datetime64(year: np.ndarray, month: np.ndarray, day: np.ndarray, ok: np.ndarray) -> np.ndarray:
    out = np.full(len(year), np.datetime64("NaT"), dtype="datetime64[D]")
    if ok.any():
        y, m, d = year[ok], month[ok], day[ok]
        base = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)
        out[ok] = base.astype("datetime64[D]") + (d - 1)
    return out


def _arrow(values: pd.Series) -> pa.Array:
    """Zero-copy view of a text column as a pyarrow array."""
    arr = pa.array(values.array) if isinstance(values.array, pd.arrays.ArrowStringArray) else pa.array(
        values.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def _from_arrow(arr: pa.Array, index) -> pd.Series:
    return pd.Series(pd.array(arr, dtype="str"), index=index)


def _extract(values: pa.Array, pattern: re.Pattern) -> list[pa.Array] | None:
    """Capture groups of a regex over an arrow string array (RE2, vectorised); None: no match."""
    counter = iter(range(pattern.groups))
    named = re.sub(r"\((?!\?)", lambda _: f"(?P<g{next(counter)}>", pattern.pattern)
    struct = pc.extract_regex(values, named)
    valid = pc.is_valid(struct)
    return [pc.if_else(valid, struct.field(i), pa.scalar(None, struct.field(i).type))
            for i in range(pattern.groups)]


def _ints(groups: list[pa.Array], col: int) -> np.ndarray:
    return pc.fill_null(pc.cast(groups[col], pa.int64()), -1).to_numpy(zero_copy_only=False)


def _hit(groups: list[pa.Array]) -> np.ndarray:
    return pc.is_valid(groups[0]).to_numpy(zero_copy_only=False)


def parse_order(date_format: str | None) -> str | None:
    if date_format is None:
        return None
    key = date_format.upper().replace("/", "").replace("-", "").replace("%", "")
    if key in ORDERS:
        return ORDERS[key]
    if key in ("DMY", "DMYY") or date_format.startswith("%d"):
        return "dmy"
    if date_format.startswith("%m"):
        return "mdy"
    if date_format.startswith("%Y"):
        return "ymd"
    raise ConfigError(f"--date-format must be DMY, MDY, YMD or a strftime pattern such as %d/%m/%Y, got '{date_format}'")


def parse_dates(raw: pd.Series, *, dayfirst: bool, order: str | None, as_of: dt.date,
                field_name: str = "date", no_data_tokens: tuple[str, ...] = ()) -> tuple[pd.DataFrame, DateColumnNote]:
    """Parse a text column of dates; returns columns date, status, year and the column note."""
    stripped = raw.str.strip()
    codes, uniques = pd.factorize(stripped, use_na_sentinel=True)
    u = pd.Series(uniques, dtype="str")
    ua = _arrow(u)
    n = len(u)
    year = np.full(n, -1, dtype=np.int64)
    month = np.full(n, -1, dtype=np.int64)
    day = np.full(n, -1, dtype=np.int64)
    status = np.full(n, "invalid", dtype=object)
    blank = (u == "").to_numpy(dtype=bool, na_value=True)
    status[blank] = "blank"
    done = blank.copy()

    # year-first: 1979-05-12, 1979/05/12, 1979-05-12T00:00:00
    m = _extract(ua, RE_YMD)
    hit = _hit(m) & ~done
    year[hit], month[hit], day[hit] = _ints(m, 0)[hit], _ints(m, 1)[hit], _ints(m, 2)[hit]
    status[hit] = "ok"
    done |= hit

    m = _extract(ua, RE_COMPACT)
    hit = _hit(m) & ~done
    year[hit], month[hit], day[hit] = _ints(m, 0)[hit], _ints(m, 1)[hit], _ints(m, 2)[hit]
    status[hit] = "ok"
    done |= hit

    # d/m/y or m/d/y: the order is a column-level decision
    m = _extract(ua, RE_DMY)
    hit_dmy = _hit(m) & ~done
    p1, p2, py = _ints(m, 0), _ints(m, 1), _ints(m, 2)
    two_digit = hit_dmy & (pc.fill_null(pc.utf8_length(m[2]), 0).to_numpy(zero_copy_only=False) == 2)
    pivot = as_of.year % 100
    py = np.where(two_digit, np.where(py <= pivot, 2000 + py, 1900 + py), py)
    weights = np.bincount(codes[codes >= 0], minlength=n)
    # a first part of 13..31 proves day-first (45/05/1980 proves nothing: no month has 45 days)
    proves_dmy = hit_dmy & (p1 > 12) & (p1 <= 31) & (p2 >= 1) & (p2 <= 12)
    proves_mdy = hit_dmy & (p2 > 12) & (p2 <= 31) & (p1 >= 1) & (p1 <= 12)
    undecided = hit_dmy & (p1 <= 12) & (p2 <= 12) & (p1 != p2) & (p1 >= 1) & (p2 >= 1)
    ev_dmy, ev_mdy = int(weights[proves_dmy].sum()), int(weights[proves_mdy].sum())
    default = "dmy" if dayfirst else "mdy"
    if order in ("dmy", "mdy"):
        chosen, settled = order, "date-format"
    elif order == "ymd":
        chosen, settled = default, "date-format"
    elif ev_dmy and not ev_mdy:
        chosen, settled = "dmy", "values"
    elif ev_mdy and not ev_dmy:
        chosen, settled = "mdy", "values"
    elif ev_dmy and ev_mdy:
        chosen, settled = ("dmy" if ev_dmy >= ev_mdy else "mdy"), "contradictory"
    else:
        chosen, settled = default, "profile"
    if chosen == "dmy":
        d_, m_ = p1, p2
    else:
        d_, m_ = p2, p1
    if settled == "contradictory":
        # a value that can only be read one way is read that way
        flip = proves_mdy if chosen == "dmy" else proves_dmy
        d_, m_ = np.where(flip, m_, d_), np.where(flip, d_, m_)
    year[hit_dmy], month[hit_dmy], day[hit_dmy] = py[hit_dmy], m_[hit_dmy], d_[hit_dmy]
    status[hit_dmy] = "ok"
    ambiguous = undecided & (settled in ("profile", "contradictory"))
    done |= hit_dmy

    # partial dates: 1985, 12/1979, 1979-12
    partial = np.zeros(n, dtype=bool)
    m = _extract(ua, RE_YEAR)
    hit = _hit(m) & ~done
    year[hit] = _ints(m, 0)[hit]
    partial |= hit
    done |= hit
    m = _extract(ua, RE_MONTH_YEAR)
    hit = _hit(m) & ~done
    year[hit], month[hit] = _ints(m, 1)[hit], _ints(m, 0)[hit]
    partial |= hit
    done |= hit
    m = _extract(ua, RE_YEAR_MONTH)
    hit = _hit(m) & ~done
    year[hit], month[hit] = _ints(m, 0)[hit], _ints(m, 1)[hit]
    partial |= hit
    done |= hit

    # the residue: dates written with month names, parsed one distinct value at a time
    tokens = {t.casefold() for t in no_data_tokens}
    for i in np.flatnonzero(~done):
        text = u.iat[i]
        if text.casefold() in tokens or not any(ch.isalpha() for ch in text):
            continue
        parsed = _parse_words(text, dayfirst=(chosen == "dmy"))
        if parsed is not None:
            year[i], month[i], day[i] = parsed
            if day[i] == -1:
                partial[i] = True
            else:
                status[i] = "ok"

    valid_full = (status == "ok") & (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    valid_full &= day <= _days_in_month(np.where(year > 0, year, 2000), np.clip(month, 0, 12))
    status[(status == "ok") & ~valid_full] = "invalid"
    partial_ok = partial & (year >= 1000) & ((month == -1) | ((month >= 1) & (month <= 12)))
    status[partial_ok] = "partial"
    status[ambiguous & valid_full] = "ambiguous"
    dates = _to_datetime64(np.where(valid_full, year, 1970), np.where(valid_full, month, 1),
                           np.where(valid_full, day, 1), valid_full)
    known_year = np.where(valid_full | partial_ok, year, -1)

    # broadcast from distinct values to rows; NA cells (code -1) are blank
    code_of = {name: i for i, name in enumerate(STATUSES)}
    u_status = np.fromiter((code_of[x] for x in status), dtype=np.int8, count=n) if n else np.zeros(0, np.int8)
    u_dates = dates.astype("datetime64[s]")
    u_year = np.where(known_year > 0, known_year, 0)
    present = codes >= 0
    idx = np.where(present, codes, 0)
    if n:
        row_status = np.where(present, u_status[idx], code_of["blank"])
        row_dates = np.where(present, u_dates[idx], np.datetime64("NaT", "s"))
        row_year = np.where(present, u_year[idx], 0)
    else:
        row_status = np.full(len(codes), code_of["blank"], dtype=np.int8)
        row_dates = np.full(len(codes), np.datetime64("NaT", "s"))
        row_year = np.zeros(len(codes), dtype=np.int64)
    out = pd.DataFrame(
        {
            "date": pd.Series(row_dates, index=raw.index),
            "status": pd.Categorical.from_codes(row_status, categories=list(STATUSES)),
            "year": pd.arrays.IntegerArray(row_year.astype(np.int64), row_year <= 0),
        },
        index=raw.index,
    )
    note = DateColumnNote(
        field=field_name, order=chosen, settled_by=settled, day_first_evidence=ev_dmy,
        month_first_evidence=ev_mdy, ambiguous_rows=int(weights[ambiguous & valid_full].sum()),
        two_digit_years=int(weights[two_digit].sum()),
    )
    return out, note


def _parse_words(text: str, dayfirst: bool) -> tuple[int, int, int] | None:
    """Parse a date written with words; day -1 when only month and year are given."""
    import unicodedata

    from dateutil import parser

    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()
    plain = re.sub(r"\b(de|del|of|le)\b", " ", plain)
    for word, number in MONTHS.items():
        plain = re.sub(rf"\b{word}\b", f" {number:02d}/MONTH ", plain)
    english = plain
    month_token = re.search(r"(\d{2})/MONTH", english)
    if month_token:
        rest = english.replace(month_token.group(0), " ")
        numbers = re.findall(r"\d+", rest)
        month = int(month_token.group(1))
        years = [int(x) for x in numbers if len(x) == 4]
        days = [int(x) for x in numbers if len(x) <= 2]
        if len(years) != 1:
            return None
        return (years[0], month, days[0] if days else -1)
    try:
        first = parser.parse(text, dayfirst=dayfirst, default=dt.datetime(2000, 1, 1))
        second = parser.parse(text, dayfirst=dayfirst, default=dt.datetime(2001, 2, 2))
    except (ValueError, OverflowError, parser.ParserError):
        return None
    if first.year != second.year:
        return None  # no year given
    if first.day != second.day:
        return (first.year, first.month if first.month == second.month else -1, -1)
    return (first.year, first.month, first.day)


def strip_accents_casefold(values: pd.Series) -> pd.Series:
    """Lowercase, strip accents (NFKD minus combining marks), turn every run of characters that are
    not letters or digits into one space, trim (vectorised; see ``textops.clean_names``)."""
    return _from_arrow(textops.clean_names(_arrow(values)), values.index)


def sort_tokens(clean: pd.Series) -> pd.Series:
    """'gonzalez juan carlos' and 'juan carlos gonzalez' give the same key (vectorised)."""
    arr = _arrow(clean)
    lists = pc.split_pattern(arr, " ")
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists)
    order = pc.sort_indices(pa.table({"p": parents, "t": flat}), sort_keys=[("p", "ascending"), ("t", "ascending")])
    sorted_flat = pc.take(flat, order)
    rebuilt = pa.LargeListArray.from_arrays(lists.offsets, sorted_flat, mask=pc.is_null(lists))
    joined = pc.binary_join(rebuilt, pa.scalar(" ", pa.large_string()))
    return _from_arrow(joined, clean.index)


def _distinct_apply(values: pd.Series, *fns) -> list[pd.Series]:
    """Apply vectorised string functions, chained, to the distinct values only; broadcast back.

    Returns one series per function: fns[0](uniques), fns[1](fns[0](uniques)), ...
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return [pd.Series(pd.array([pd.NA] * len(values), dtype="str"), index=values.index) for _ in fns]
    indices = pa.array(codes, mask=codes < 0)
    current = pd.Series(uniques, dtype="str")
    out = []
    for fn in fns:
        current = fn(current)
        current = current.where(current != "", pd.NA)
        out.append(_from_arrow(pc.take(_arrow(current), indices), values.index))
    return out


def normalise_id(values: pd.Series) -> pd.Series:
    """Upper-cased, with whitespace, dots, dashes, underscores and slashes removed."""
    out = _from_arrow(textops.drop_ascii(pc.utf8_upper(_arrow(values)), ID_SEPARATORS), values.index)
    return out.where(out != "", pd.NA)


def compose_parts(frame: pd.DataFrame, parts: tuple[str, ...]) -> pd.Series:
    """Join name-part columns with one space, skipping blank parts (vectorised, arrow)."""
    arrays = [pc.cast(pc.utf8_trim_whitespace(_arrow(frame[c].astype("str"))), pa.large_string()) for c in parts]
    # blanks become "" and the separators they leave are squeezed out afterwards (pyarrow's
    # null_handling="skip" drops rows whose parts are all null)
    arrays = [pc.fill_null(a, "") for a in arrays]
    joined = pc.binary_join_element_wise(*arrays, pa.scalar("\x1f", pa.large_string()))
    joined = pc.utf8_trim(pc.replace_substring_regex(joined, "\x1f+", "\x1f"), "\x1f")
    out = _from_arrow(pc.replace_substring(joined, "\x1f", " "), frame.index)
    return out.where(out != "", pd.NA)


def normalise(frame: pd.DataFrame, mapping: Mapping, *, profile: dict, as_of: dt.date,
              date_format: str | None = None) -> Normalised:
    out = pd.DataFrame(index=frame.index)
    for name, match in mapping.matches.items():
        if match.parts:
            out[name] = compose_parts(frame, match.parts)
        else:
            out[name] = frame[match.column].astype("str")
    if "full_name" not in out and ("surname" in out or "given_names" in out):
        parts = [out[c].fillna("") for c in ("surname", "given_names") if c in out]
        joined = parts[0] if len(parts) == 1 else (parts[0] + ", " + parts[1])
        joined = joined.str.strip(" ,")
        out["full_name"] = joined.where(joined != "", pd.NA)
    order = parse_order(date_format)
    notes: dict[str, DateColumnNote] = {}
    tokens = tuple(profile.get("no_data_tokens", ()))
    # name keys are pyarrow and numpy work that releases the GIL: they run on a second core while
    # this one parses dates and IDs
    with ThreadPoolExecutor(max_workers=1) as pool:
        names = (pool.submit(_distinct_apply, out["full_name"], strip_accents_casefold, sort_tokens)
                 if "full_name" in out else None)
        _normalise_dates_and_ids(out, notes, profile, order, as_of, tokens)
        if names is not None:
            out["full_name__clean"], out["full_name__key"] = names.result()
    from .record_key import derive_entry_year

    key_note = derive_entry_year(out, profile, as_of)
    if key_note:
        mapping.notes.append(key_note)
    return Normalised(frame=out, mapping=mapping, date_notes=notes)


def _normalise_dates_and_ids(out: pd.DataFrame, notes: dict, profile: dict, order: str | None, as_of: dt.date,
                             tokens: tuple) -> None:
    for name in DATE_FIELDS:
        if name not in out:
            continue
        parsed, note = parse_dates(out[name], dayfirst=bool(profile.get("dayfirst", True)), order=order,
                                   as_of=as_of, field_name=name, no_data_tokens=tokens)
        out[f"{name}__date"] = parsed["date"]
        out[f"{name}__status"] = parsed["status"]
        out[f"{name}__year"] = parsed["year"]
        notes[name] = note
    if "national_id" in out:
        out["national_id__norm"] = normalise_id(out["national_id"])
    if "passport" in out:
        out["passport__norm"] = normalise_id(out["passport"])
    if "subject_type" in out:
        out["subject_type__kind"] = subject_kinds(out["subject_type"], profile)
    if "group_id" in out:
        out["group_id__key"] = group_keys(out["group_id"])


SUBJECT_KINDS = ("person", "entity", "vessel", "aircraft", "unknown", "blank")


def subject_kinds(values: pd.Series, profile: dict) -> pd.Categorical:
    """Kind of subject per row from the profile's ``subject_types`` vocabulary, decided once per
    distinct value: "Individual ", "individual" and "INDIVIDUAL" are all person."""
    vocab = {}
    for kind, words in (profile.get("subject_types") or {}).items():
        for word in words:
            vocab[" ".join(_clean_words(str(word)))] = kind
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    kinds = []
    for value in uniques:  # distinct values only (a handful)
        words = " ".join(_clean_words(str(value)))
        kinds.append("blank" if not words else vocab.get(words, "unknown"))
    index = {k: i for i, k in enumerate(SUBJECT_KINDS)}
    u = np.array([index[k] for k in kinds], dtype=np.int8)
    row = np.where(codes >= 0, u[np.where(codes >= 0, codes, 0)] if len(u) else index["blank"], index["blank"])
    return pd.Categorical.from_codes(row.astype(np.int8), categories=list(SUBJECT_KINDS))


def _clean_words(text: str) -> list[str]:
    import unicodedata

    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^0-9a-z]+", " ", plain).split()


_ALIAS_SUFFIX = re.compile(r"^(\d+)[A-Za-z]{1,2}$")


def group_keys(values: pd.Series) -> pd.Series:
    """The subject key of each row. Values are trimmed and upper-cased; where a column writes alias
    sub-rows as a letter suffix of the main key (DFAT: 2, 2a, 2b), the suffix is dropped when the
    bare number is itself a key in the column, so 2a and 2b group with 2."""
    text = values.astype("str").str.strip().str.upper()
    text = text.where(text != "", pd.NA)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    u = pd.Series(uniques, dtype="str")
    base = u.str.extract(_ALIAS_SUFFIX, expand=False)
    known = set(u.tolist())
    has_base = base.notna() & base.isin(known)
    u = u.where(~has_base, base)
    arr = pa.array(u.to_numpy(dtype=object), type=pa.large_string())
    return _from_arrow(pc.take(arr, pa.array(codes, mask=codes < 0)), values.index)
