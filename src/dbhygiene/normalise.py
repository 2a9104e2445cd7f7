"""Stage 3: turn mapped text columns into comparable values, keeping the originals.

* Dates: every distinct string is parsed once (vectorised regexes over the distinct values, see
  ``dateforms``: partial dates, circa, ranges, alternatives, month names, Excel serials); the result
  is broadcast back with the factorize codes. Each cell gets a status (ok, blank, partial, invalid
  or ambiguous), the interval of days it allows (``__lo``/``__hi``) and its form (``__form``).
  The day/month order of a column comes from ``--date-format``, else from the values themselves
  (a first part > 12 proves day-first), else from the profile; the evidence is kept for the report.
* IDs: dots, spaces, dashes and slashes removed, upper-cased.
* Names: casefolded, accents and punctuation removed (``__clean``), and tokens sorted (``__key``).

The output frame keeps each mapped field's original text under its canonical name and adds
derived columns named ``<field>__<what>``.
"""

from __future__ import annotations

import datetime as dt
import queue
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import dateforms, textops
from .errors import ConfigError
from .mapping import Mapping

DATE_FIELDS = ("birth_date", "entry_date", "review_date", "photo_date", "expiry_date")
STATUSES = ("ok", "blank", "partial", "invalid", "ambiguous")
ID_SEPARATORS = " \t\n\r\f.-_/"
ORDERS = {"DMY": "dmy", "MDY": "mdy", "YMD": "ymd"}


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
    # ``pd.factorize`` of derived columns, already known from their distinct values (Context.factorized)
    factorized: dict[str, tuple] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.frame.columns


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
                field_name: str = "date", no_data_tokens: tuple[str, ...] = (),
                month_names: dict | None = None) -> tuple[pd.DataFrame, DateColumnNote]:
    """Parse a text column of dates (each distinct value once, see ``dateforms``).

    Returns columns ``date`` (full dates only), ``status``, ``year`` (when the value fixes it),
    ``lo``/``hi`` (the interval of days the value allows), ``form`` (what the value was, for
    messages) and ``two_digit`` (a two-digit year, read with the pivot for now; birth dates are
    re-read with the entry date by ``resolve_two_digit_births``), and the column note.
    """
    # factorize as written, strip the distinct values, and fold values that differ only by padding
    # together: no stripped copy of the whole column is made
    raw_codes, raw_uniques = pd.factorize(raw, use_na_sentinel=True)
    stripped_u = pd.Series(raw_uniques, dtype="str").str.strip()
    to_u, uniques = pd.factorize(stripped_u, use_na_sentinel=True)
    codes = np.append(to_u, -1)[raw_codes] if len(to_u) else raw_codes  # NA (-1) stays -1
    u = pd.Series(uniques, dtype="str")
    ua = textops.series_arrow(u)
    n = len(u)
    blank = (u == "").to_numpy(dtype=bool, na_value=True)
    tokens = [t.casefold() for t in no_data_tokens]
    no_data = u.str.casefold().isin(tokens).to_numpy(dtype=bool, na_value=False) & ~blank
    low = dateforms.lower_plain(ua)
    hit_dmy, proves_dmy, proves_mdy, undecided = dateforms.day_month_evidence(low)
    weights = np.bincount(codes[codes >= 0], minlength=n)
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
    months = dateforms.month_regexes(month_names if month_names is not None else {})
    pub = dateforms.parse_published(ua, blank, no_data, chosen=chosen, settled=settled, pivot=as_of.year % 100,
                                    months=months)
    status = pub.status
    ambiguous = pub.ambiguous & (status == "ok")
    status = np.where(ambiguous, "ambiguous", status)
    full = (status == "ok") | (status == "ambiguous")
    same_year = ~np.isnat(pub.lo) & (pub.lo.astype("datetime64[Y]") == pub.hi.astype("datetime64[Y]"))
    known_year = np.where(same_year, pub.lo.astype("datetime64[Y]").astype(np.int64) + 1970, 0)
    two_digit = (pub.flags & dateforms.F_TWO_DIGIT) > 0

    # broadcast from distinct values to rows: one gather per output from per-distinct arrays that
    # end with the value of a blank cell, so code -1 (NA) picks that last entry
    code_of = {name: i for i, name in enumerate(STATUSES)}
    u_status = np.fromiter((code_of[x] for x in status), dtype=np.int8, count=n) if n else np.zeros(0, np.int8)
    if n:
        forms_u, form_codes = np.unique(pub.form.astype(str), return_inverse=True)
        forms = list(forms_u)
        if "" not in forms:
            forms, form_codes = ["", *forms], form_codes + 1
    else:
        forms, form_codes = [""], np.zeros(0, np.int64)
    nat = np.datetime64("NaT", "s")
    lo_s, hi_s = pub.lo.astype("datetime64[s]"), pub.hi.astype("datetime64[s]")
    per_value = {
        "status": np.append(u_status, np.int8(code_of["blank"])),
        "date": np.append(np.where(full, lo_s, nat), nat),
        "lo": np.append(lo_s, nat),
        "hi": np.append(hi_s, nat),
        "year": np.append(known_year.astype(np.int64), np.int64(0)),
        "form": np.append(form_codes.astype(np.int32), np.int32(forms.index(""))),
        "two_digit": np.append(two_digit, False),
    }
    row = {name: values[codes] for name, values in per_value.items()}
    out = pd.DataFrame(
        {
            "date": pd.Series(row["date"], index=raw.index),
            "status": pd.Categorical.from_codes(row["status"], categories=list(STATUSES)),
            "year": pd.arrays.IntegerArray(row["year"], row["year"] <= 0),
            "lo": pd.Series(row["lo"], index=raw.index),
            "hi": pd.Series(row["hi"], index=raw.index),
            "form": pd.Categorical.from_codes(row["form"], categories=forms),
            "two_digit": row["two_digit"],
        },
        index=raw.index,
    )
    note = DateColumnNote(
        field=field_name, order=chosen, settled_by=settled, day_first_evidence=ev_dmy,
        month_first_evidence=ev_mdy, ambiguous_rows=int(weights[ambiguous].sum()),
        two_digit_years=int(weights[two_digit].sum()),
    )
    return out, note


def strip_accents_casefold(values: pd.Series) -> pd.Series:
    """Lowercase, strip accents (NFKD minus combining marks), turn every run of characters that are
    not letters or digits into one space, trim (vectorised; see ``textops.clean_names``)."""
    return textops.series_from_arrow(textops.clean_names(textops.series_arrow(values)), values.index)


def sort_tokens(clean: pd.Series) -> pd.Series:
    """'gonzalez juan carlos' and 'juan carlos gonzalez' give the same key (vectorised)."""
    arr = textops.series_arrow(clean)
    lists = pc.split_pattern(arr, " ")
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists)
    order = pc.sort_indices(pa.table({"p": parents, "t": flat}), sort_keys=[("p", "ascending"), ("t", "ascending")])
    sorted_flat = pc.take(flat, order)
    rebuilt = pa.LargeListArray.from_arrays(lists.offsets, sorted_flat, mask=pc.is_null(lists))
    joined = pc.binary_join(rebuilt, pa.scalar(" ", pa.large_string()))
    return textops.series_from_arrow(joined, clean.index)


HELP_MIN_DISTINCT = 50_000  # distinct names worth sharing with the main thread (below: one thread is quicker)
HELP_PIECES = 4  # the distinct names in pieces: whichever thread is free takes the next


class Helper:
    """Work the names thread offers the main thread once the main thread's own part (dates, IDs) is
    done (``help``). Whoever claims a job first runs it: the names thread runs what the main thread has
    not started by the time it needs the result, so it never waits for a busy main thread."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()

    def offer(self, fn, *args) -> Job:
        job = Job(fn, args)
        self._jobs.put(job)
        return job

    def share(self, work: list[tuple]) -> list:
        """The results of ``fn(*args)`` for each ``(fn, *args)`` of ``work``, in order: all but the
        first offered, the first run here, then every one not yet claimed, then the others awaited."""
        jobs = [self.offer(fn, *args) for fn, *args in work[1:]]
        fn, *args = work[0]
        first = fn(*args)
        for job in jobs:
            job.claim_and_run()
        return [first, *(job.result() for job in jobs)]

    def close(self) -> None:
        """No more offers: ``help`` returns."""
        self._jobs.put(None)

    def help(self) -> None:
        """Run the offered jobs nobody has claimed, until ``close``."""
        while (job := self._jobs.get()) is not None:
            job.claim_and_run()


class Job:
    def __init__(self, fn, args: tuple) -> None:
        self._fn, self._args = fn, args
        self._lock = threading.Lock()
        self._claimed = False
        self._done = threading.Event()
        self._result = self._error = None

    def claim_and_run(self) -> None:
        with self._lock:
            if self._claimed:
                return
            self._claimed = True
        try:
            self._result = self._fn(*self._args)
        except BaseException as exc:  # handed to whoever takes the result
            self._error = exc
        finally:
            self._done.set()

    def result(self):
        """The job's result: run here if nobody has claimed it, else once the other thread is done."""
        self.claim_and_run()
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._result


def _chain(values: pd.Series, fns) -> list[pd.Series]:
    """fns[0](values), fns[1](fns[0](values)), ..., each result's empty strings as missing."""
    out = []
    for fn in fns:
        values = fn(values)
        values = values.where(values != "", pd.NA)
        out.append(values)
    return out


def _gather(step: pd.Series, indices: pa.Array, index) -> pd.Series:
    return textops.series_from_arrow(pc.take(textops.series_arrow(step), indices), index)


def _distinct_apply(values: pd.Series, *fns, factorize_last: bool = False, helper: Helper | None = None) -> list:
    """Apply vectorised string functions, chained, to the distinct values only; broadcast back.

    Returns one series per function: fns[0](uniques), fns[1](fns[0](uniques)), ... With
    ``factorize_last``, also ``pd.factorize`` of the last series (NA as -1), found from the distinct
    values: the values' codes are in order of first appearance, so factorizing the distinct results
    in that order gives the codes and uniques a factorization of the whole column would. With a
    ``helper`` (and at least HELP_MIN_DISTINCT distinct values) the work after the first factorize
    is shared (``Helper.share``): the chain over HELP_PIECES pieces of the distinct values, then the
    broadcasts and the key codes. pyarrow releases the GIL, so the main thread, done with the dates
    and IDs, takes what this thread has not started. On the 1M-row benchmark the names took 1.0 s
    on this thread while the main thread sat idle for the last 0.5 of it; whole check, medians of 8
    interleaved, 4.07 -> 3.89 s with the prefetch of the file (5M rows: 28.4 -> 26.1 s, two runs).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        out = [pd.Series(pd.array([pd.NA] * len(values), dtype="str"), index=values.index) for _ in fns]
        return [*out, pd.factorize(out[-1], use_na_sentinel=True)] if factorize_last else out
    indices = pa.array(codes, mask=codes < 0)
    distinct = pd.Series(uniques, dtype="str")
    if helper is None or len(distinct) < HELP_MIN_DISTINCT:
        steps = _chain(distinct, fns)
        out = [_gather(step, indices, values.index) for step in steps]
        if factorize_last:
            out.append(_codes_of(steps[-1], codes))
        return out
    # the functions work value by value: pieces of the distinct values, joined in order
    cuts = np.linspace(0, len(distinct), HELP_PIECES + 1).astype(np.int64).tolist()
    pieces = [distinct.iloc[a:b].reset_index(drop=True) for a, b in zip(cuts[:-1], cuts[1:])]
    done = helper.share([(_chain, piece, fns) for piece in pieces])
    steps = [pd.Series(pd.array(pa.chunked_array([textops.series_arrow(p[k]) for p in done]), dtype="str"))
             for k in range(len(fns))]
    jobs = [(_gather, step, indices, values.index) for step in steps]
    if factorize_last:
        jobs.append((_codes_of, steps[-1], codes))
    return helper.share(jobs)


def _codes_of(distinct_results: pd.Series, codes: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize`` of the broadcast results, from the results of the distinct values (see
    ``_distinct_apply``); a blank value (code -1) stays -1."""
    of_distinct, last_uniques = pd.factorize(distinct_results, use_na_sentinel=True)
    return np.append(of_distinct, -1)[codes], last_uniques


def normalise_id(values: pd.Series) -> pd.Series:
    """Upper-cased, with whitespace, dots, dashes, underscores and slashes removed."""
    out = textops.series_from_arrow(textops.drop_ascii(pc.utf8_upper(textops.series_arrow(values)), ID_SEPARATORS), values.index)
    return out.where(out != "", pd.NA)


def compose_parts(frame: pd.DataFrame, parts: tuple[str, ...]) -> pd.Series:
    """Join name-part columns with one space, skipping blank parts (vectorised, arrow)."""
    arrays = [pc.cast(pc.utf8_trim_whitespace(textops.series_arrow(frame[c].astype("str"))), pa.large_string()) for c in parts]
    # blanks become "" and the separators they leave are squeezed out afterwards (pyarrow's
    # null_handling="skip" drops rows whose parts are all null)
    arrays = [pc.fill_null(a, "") for a in arrays]
    joined = pc.binary_join_element_wise(*arrays, pa.scalar("\x1f", pa.large_string()))
    joined = pc.utf8_trim(pc.replace_substring_regex(joined, "\x1f+", "\x1f"), "\x1f")
    out = textops.series_from_arrow(pc.replace_substring(joined, "\x1f", " "), frame.index)
    return out.where(out != "", pd.NA)


def compose_date_parts(frame: pd.DataFrame, parts: tuple[str, str, str]) -> pd.Series:
    """(year, month, day) columns (month and day may be "": absent) as one date the date parser reads:
    ISO ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` when the parts are numbers (a blank or zero month or
    day leaves a partial date), else the parts joined by spaces ("5 Feb 1980": month names)."""
    def col(name: str) -> pd.Series:
        if not name:
            return pd.Series(pd.NA, index=frame.index, dtype="string")
        return frame[name].astype("string").str.strip().replace("", pd.NA)

    year, month, day = col(parts[0]), col(parts[1]), col(parts[2])
    numeric_month = month.str.fullmatch(r"\d{1,2}").fillna(False)
    numeric_day = day.str.fullmatch(r"\d{1,2}").fillna(False)
    month_n = pd.to_numeric(month.where(numeric_month), errors="coerce")
    day_n = pd.to_numeric(day.where(numeric_day), errors="coerce")
    has_month = numeric_month & (month_n > 0)
    has_day = has_month & numeric_day & (day_n > 0)
    iso = year.copy()
    iso = iso.where(~has_month, year + "-" + month.str.zfill(2))
    iso = iso.where(~has_day, iso + "-" + day.str.zfill(2))
    words = (day.fillna("") + " " + month.fillna("") + " " + year.fillna("")).str.strip().str.replace(r"\s+", " ", regex=True)
    textual = month.notna() & ~numeric_month
    out = iso.where(~textual, words).astype("str")
    return out.where(year.notna() | textual, pd.NA)


def normalise(frame: pd.DataFrame, mapping: Mapping, *, profile: dict, as_of: dt.date,
              date_format: str | None = None) -> Normalised:
    out = pd.DataFrame(index=frame.index)
    for name, match in mapping.matches.items():
        if match.parts and name == "birth_date":
            out[name] = compose_date_parts(frame, match.parts)
        elif match.parts:
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
    # this one parses dates and IDs, then this one takes a share of what is left of them
    factorized = {}
    helper = Helper()

    def names_job() -> list:
        try:
            return _distinct_apply(out["full_name"], strip_accents_casefold, sort_tokens, factorize_last=True,
                                   helper=helper)
        finally:
            helper.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        names = pool.submit(names_job) if "full_name" in out else None
        _normalise_dates_and_ids(out, notes, profile, order, as_of, tokens, factorized)
        if names is not None:
            helper.help()  # then what the names thread offers
            out["full_name__clean"], out["full_name__key"], factorized["full_name__key"] = names.result()
    from .record_key import derive_entry_year

    key_note = derive_entry_year(out, profile, as_of)
    if key_note:
        mapping.notes.append(key_note)
    return Normalised(frame=out, mapping=mapping, date_notes=notes, factorized=factorized)


def _normalise_dates_and_ids(out: pd.DataFrame, notes: dict, profile: dict, order: str | None, as_of: dt.date,
                             tokens: tuple, factorized: dict) -> None:
    two_digit = {}
    for name in DATE_FIELDS:
        if name not in out:
            continue
        parsed, note = parse_dates(out[name], dayfirst=bool(profile.get("dayfirst", True)), order=order,
                                   as_of=as_of, field_name=name, no_data_tokens=tokens,
                                   month_names=profile.get("month_names") or {})
        for part in ("date", "status", "year", "lo", "hi", "form"):
            out[f"{name}__{part}"] = parsed[part]
        two_digit[name] = parsed["two_digit"].to_numpy()
        notes[name] = note
    if "birth_date" in two_digit and two_digit["birth_date"].any():
        resolve_two_digit_births(out, two_digit["birth_date"], profile, as_of)
    elif "birth_date" in out:
        out["birth_date__cap"] = np.full(len(out), CAP_HIGH, dtype=np.int8)
    if "national_id" in out:
        out["national_id__norm"] = normalise_id(out["national_id"])
        # the identity rules, DB06 and the verdict all group by it: factorized here, on this thread,
        # which finishes before the names thread, rather than once in each process of the check
        factorized["national_id__norm"] = pd.factorize(out["national_id__norm"], use_na_sentinel=True)
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
    return textops.series_from_arrow(pc.take(arr, pa.array(codes, mask=codes < 0)), values.index)


CAP_LOW, CAP_MEDIUM, CAP_HIGH = 0, 1, 2  # the most confidence a finding resting on this date may claim


def resolve_two_digit_births(out: pd.DataFrame, two: np.ndarray, profile: dict, as_of: dt.date) -> None:
    """Choose the century of two-digit birth years with the listing date and plausibility.

    Both readings (19yy and 20yy) are aged on the entry date when it is a usable full date, else on
    ``as_of``. A reading is plausible when it is not after that date and gives an age from the
    profile's ``implausibly_young_age`` to ``implausibly_old_age``: a person listed is unlikely to
    be 1 or 120. One plausible reading is taken; when both are, the later one is taken and the
    confidence cap is low; when neither is, the earlier (not born after listing) is taken. The
    choice never depends on ``as_of`` when an entry date exists, and it is stated in
    ``birth_date__form``. A finding resting on a two-digit year is never above medium confidence
    (``birth_date__cap``).
    """
    n = len(out)
    cap = np.full(n, CAP_HIGH, dtype=np.int8)
    pos = np.flatnonzero(two & out["birth_date__lo"].notna().to_numpy())
    birth = out["birth_date__lo"].to_numpy(dtype="datetime64[D]")[pos]
    y, m, d = dateforms.civil(birth)
    yy = y % 100
    ref = np.full(len(pos), np.datetime64(as_of, "D"))
    if "entry_date__status" in out:
        entry = out["entry_date__date"].to_numpy(dtype="datetime64[D]")[pos]
        ref = np.where(np.isnat(entry), ref, entry)
    ry, rm, rd = dateforms.civil(ref)
    young = int(profile.get("implausibly_young_age", 10))
    old = int(profile.get("implausibly_old_age", 110))
    cands, plaus = [], []
    for century in (1900, 2000):
        cy = century + yy
        ok = (m >= 1) & (d <= dateforms.days_in_month(cy, m))
        c = dateforms.to_days(cy, m, d, ok)
        age = ry - cy - ((rm * 100 + rd) < (m * 100 + d)).astype(np.int64)
        cands.append(c)
        plaus.append(ok & (c <= ref) & (age >= young) & (age <= old))
    p19, p20 = plaus
    take20 = (p20 & ~p19) | (p20 & p19) | (~p20 & ~p19 & ~np.isnat(cands[1]) & (cands[1] <= ref)
                                             & (np.isnat(cands[0]) | (cands[0] > ref)))
    chosen = np.where(take20, cands[1], cands[0])
    low = p19 & p20
    cap[pos] = np.where(low, CAP_LOW, CAP_MEDIUM)
    for col in ("lo", "hi", "date"):
        arr = out[f"birth_date__{col}"].to_numpy(dtype="datetime64[s]").copy()
        if col == "date":
            keep = ~np.isnat(arr[pos])
            arr[pos] = np.where(keep, chosen.astype("datetime64[s]"), arr[pos])
        else:
            arr[pos] = chosen.astype("datetime64[s]")
        out[f"birth_date__{col}"] = arr
    year = out["birth_date__year"].to_numpy(dtype=np.int64, na_value=0).copy()
    year[pos] = np.where(np.isnat(chosen), 0, np.where(take20, 2000, 1900) + yy)
    out["birth_date__year"] = pd.arrays.IntegerArray(year, year <= 0)
    read = np.where(take20, 2000 + yy, 1900 + yy).astype(str)
    other = np.where(take20, 1900 + yy, 2000 + yy).astype(str)
    why = np.where(low, "; " + other + " is also plausible",
                   np.where(p19 | p20, "; " + other + " would give an implausible age at listing", ""))
    text = np.char.add(np.char.add("a two-digit year, read as ", read), why.astype(str)).astype(object)
    form = out["birth_date__form"].astype(object).to_numpy().copy()
    form[pos] = text
    out["birth_date__form"] = pd.Categorical(form)
    out["birth_date__cap"] = cap
