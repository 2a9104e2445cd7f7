"""Offence, authority and legitimacy (OF): what a person is listed for, by whom, until when.

Every rule here works on the distinct values of a column (offences, courts and statuses repeat
thousands of times), compares them after ``strip_accents_casefold`` with vocabularies from the
profile (``rules/profiles/*.yml``), and broadcasts the verdict back to records with the factorize
codes. A check returns ``pos == -1`` for a list-level finding (row None): a column that is absent
or empty in every record is one finding with the count, never one copy per record.

Ages come from the minors rules' shared computation (``checks/dates.py``, memoised on ``ctx``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import textops
from ..engine import CheckResult, Context, implements
from ..normalise import strip_accents_casefold
from .dates import Ages, ages_at, ages_at_listing, calendar_age, profile_value, ymd

FULL_OR_PARTIAL = ("ok", "ambiguous", "partial")
FULL = ("ok", "ambiguous")
LABELS = {"offence": "offence", "listing_reason": "listing reason", "issuing_authority": "issuing authority",
          "warrant_ref": "warrant reference", "full_name": "name", "birth_date": "birth date",
          "national_id": "national ID", "passport": "passport", "review_date": "review date",
          "expiry_date": "expiry date", "status": "status", "subject_category": "subject category"}


# ---------------------------------------------------------------- shared helpers

def _empty() -> pd.DataFrame:
    return pd.DataFrame({"pos": pd.Series([], dtype=np.int64)})


def clean_terms(terms) -> set[str]:
    """Profile vocabulary, cleaned like the values it is compared with."""
    cleaned = strip_accents_casefold(pd.Series([str(t) for t in (terms or [])], dtype="str"))
    return {t for t in cleaned.dropna() if t}


class Distinct:
    """A text column as factorize codes over its distinct stripped values, and those values cleaned.

    The column is factorized once as written; stripping and cleaning run on its distinct values
    (a warrant-reference column has nearly one per record, an offence column a few dozen), and the
    Python object arrays ``raw`` and ``clean`` are built only when a rule asks for them."""

    def __init__(self, values: pd.Series):
        encoded = pc.dictionary_encode(textops.series_arrow(values))
        first = np.asarray(pc.fill_null(encoded.indices, -1), dtype=np.int64)
        stripped = pc.utf8_trim_whitespace(encoded.dictionary)
        if pc.all(pc.equal(stripped, encoded.dictionary)).as_py() is not False:  # nothing to strip (or no values)
            self.codes, self._raw_arrow = first, encoded.dictionary
        else:
            # distinct stripped values, in order of first appearance (as factorizing the stripped column)
            again = pc.dictionary_encode(stripped)
            to_stripped = np.asarray(again.indices, dtype=np.int64)
            self.codes = np.where(first >= 0, to_stripped[np.where(first >= 0, first, 0)], -1) \
                if len(to_stripped) else first
            self._raw_arrow = again.dictionary
        self._clean_arrow = pc.fill_null(textops.clean_names(self._raw_arrow), "")
        self.counts = np.bincount(self.codes[self.codes >= 0], minlength=len(self._raw_arrow))
        self._raw = self._clean = None

    @property
    def raw(self) -> np.ndarray:
        if self._raw is None:
            self._raw = np.asarray(self._raw_arrow.to_pylist(), dtype=object)
        return self._raw

    @property
    def clean(self) -> np.ndarray:
        if self._clean is None:
            self._clean = np.asarray(self._clean_arrow.to_pylist(), dtype=object)
        return self._clean

    def broadcast(self, per_value: np.ndarray, fill) -> np.ndarray:
        """Per-record array from a per-distinct-value array; NA records get ``fill``."""
        if len(per_value) == 0:
            return np.full(len(self.codes), fill, dtype=per_value.dtype)
        return np.where(self.codes >= 0, per_value[np.where(self.codes >= 0, self.codes, 0)], fill)

    def missing(self, no_data: set[str]) -> np.ndarray:
        """Per distinct value: blank, punctuation only, or a no-data mark ("S/D", "NO CONSTA")."""
        marks = pa.array(sorted(no_data | {""}), type=self._clean_arrow.type)
        return np.asarray(pc.is_in(self._clean_arrow, value_set=marks), dtype=bool)

    def value_of(self, pos: np.ndarray) -> np.ndarray:
        codes = self.codes[pos]
        if not len(codes) or not len(self._raw_arrow):
            return np.full(len(codes), "", dtype=object)  # nothing, or NA only
        taken = self._raw_arrow.take(pa.array(np.where(codes >= 0, codes, 0)))
        return np.where(codes >= 0, np.asarray(taken.to_pylist(), dtype=object), "").astype(object)


def distinct(ctx: Context, field: str) -> Distinct:
    memo = ctx.memo("legitimacy")
    if ("distinct", field) not in memo:
        memo[("distinct", field)] = Distinct(ctx.frame[field].astype("str"))
    return memo[("distinct", field)]


def no_data_marks(ctx: Context) -> set[str]:
    memo = ctx.memo("legitimacy")
    if "no_data" not in memo:
        memo["no_data"] = clean_terms(ctx.profile.get("no_data_tokens"))
    return memo["no_data"]


def offence_field(ctx: Context) -> str | None:
    """The offence column, or on lists that give a reason instead of an offence, the reason."""
    for name in ("offence", "listing_reason"):
        if name in ctx.frame.columns:
            return name
    return None


def _column(ctx: Context, field: str) -> str:
    column = ctx.mapping.column(field)
    return f"'{column}'" if column else LABELS.get(field, field)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def list_level(detail: str, field: str | None, **extra) -> pd.DataFrame:
    return pd.DataFrame({"pos": [-1], "field": [field], "detail": [detail], **{k: [v] for k, v in extra.items()}})


def _alien_bytes(marks: set[str]) -> np.ndarray:
    """A 256-entry table of the ASCII letters and digits that no mark contains (either case)."""
    table = np.zeros(256, dtype=bool)
    kept = {c for m in marks for c in m}
    for b in range(0x30, 0x7B):
        ch = chr(b)
        table[b] = ch.isalnum() and ch.lower() not in kept
    return table


def may_be_missing(values: pd.Series, marks: set[str]) -> np.ndarray:
    """Per record: the value might clean (``clean_names``) to blank or a mark; False is certain.

    Cleaning keeps every ASCII letter and digit (lower-cased), so a value holding one that no mark
    holds ("81383/2016" against "s d", "no consta") is neither blank nor a mark. One pass over the
    bytes instead of factorizing a column of near-unique references and cleaning each of them. When
    no mark holds a digit (the usual case), a digit alone rules a value out: a range test per byte,
    much cheaper than a table lookup, and IDs and references all hold one."""
    alien = _alien_bytes(marks)
    digits = bool(alien[0x30:0x3A].all())
    out = []
    for chunk in textops.text_chunks(values):
        offsets, data = textops.parts(chunk)
        nonempty = np.flatnonzero(offsets[1:] > offsets[:-1])
        ruled_out = textops.in_range(data, 0x30, 0x39) if digits else alien[data]
        maybe = ~textops.any_per_string(ruled_out, offsets, nonempty, len(chunk))  # empty strings: maybe
        if chunk.null_count:
            maybe |= chunk.is_null().to_numpy(zero_copy_only=False)
        out.append(maybe)
    return np.concatenate(out) if out else np.zeros(0, dtype=bool)


SAMPLE = 50_000


def _repeats(values: pd.Series) -> bool:
    """At most one distinct value per two records among the first SAMPLE: an offence or court
    column, cheap to factorize (and OF02/OF13 factorize it anyway), not an ID or a reference."""
    head = values.iloc[:SAMPLE]
    return 2 * head.nunique(dropna=True) <= len(head)


def missing_records(ctx: Context, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the records whose ``field`` is blank, NA or a no-data mark, and their stripped
    values ("" when NA), once per run. A column that repeats is judged on its distinct values (the
    ``distinct`` other rules share); in any other only the records ``may_be_missing`` keeps are
    factorized."""
    memo = ctx.memo("legitimacy")
    if ("missing", field) not in memo:
        marks = no_data_marks(ctx)
        column = ctx.frame[field].astype("str")
        if _repeats(column):
            d, cand = distinct(ctx, field), None
        else:
            cand = np.flatnonzero(may_be_missing(column, marks))
            d = Distinct(column.iloc[cand])
        local = np.flatnonzero(d.broadcast(d.missing(marks), True))
        memo[("missing", field)] = (local if cand is None else cand[local], d.value_of(local))
    return memo[("missing", field)]


def _missing_hits(ctx: Context, field: str, what: str, consequence: str) -> pd.DataFrame:
    """Records whose ``field`` is blank or a no-data mark; one list-level hit when that is every record."""
    n = len(ctx.frame)
    pos, values = missing_records(ctx, field)
    if n and len(pos) == n:
        return list_level(f"the {what} column {_column(ctx, field)} is blank or a no-data mark in all "
                          f"{_plural(n, 'record')}: {consequence}", field)
    detail = np.where(values == "", f"the {what} is blank",
                      np.char.add(np.char.add(f"the {what} is a no-data mark '", values.astype(str)), "'"))
    return pd.DataFrame({"pos": pos, "field": field, "detail": detail.astype(object)})


def match_phrases(clean: np.ndarray, terms: set[str]) -> np.ndarray:
    """For each cleaned value, the longest term it contains as whole words (or None)."""
    found = np.full(len(clean), None, dtype=object)
    if not len(clean) or not terms:
        return found
    arr = pa.array(list(clean), type=pa.large_string())
    for term in sorted(terms, key=lambda t: (-len(t), t)):
        pattern = r"(?:^|\s)" + re.escape(term).replace(r"\ ", r"\s+") + r"(?:\s|$)"
        hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(zero_copy_only=False)
        found[hit & pd.isna(found)] = term
    return found


# ---------------------------------------------------------------- OF01-OF04: offence, authority, warrant

@implements("OF01")
def offence_missing(ctx: Context, options: dict):
    n = len(ctx.frame)
    field = offence_field(ctx)
    if field is None:
        return list_level(f"the export has no offence column: none of its {_plural(n, 'record')} says what "
                          "the person is listed for", None)
    hits = _missing_hits(ctx, field, LABELS[field], "no record says what the person is listed for")
    missing = n if (len(hits) and hits["pos"].iat[0] == -1) else len(hits)
    stats = {"records": n, "offence_missing": missing, "share_missing": round(missing / n, 4) if n else 0.0,
             "lines": [f"{missing} of {n} records ({100 * missing / n:.1f}%) give no offence" if n
                       else "no records"]}
    return CheckResult(hits, stats=stats)


def _numbers_only(clean: np.ndarray) -> np.ndarray:
    """Values with digits and no word at all ("2024 03 01", "164")."""
    return np.fromiter((bool(v) and all(t.isdigit() for t in v.split()) for v in clean), dtype=bool,
                       count=len(clean))


def _bare_statute(clean: np.ndarray, words: set[str], fillers: set[str]) -> np.ndarray:
    """Values made only of statute words, fillers and numbers, with at least one statute word and one
    number ("art 164", "ley 23 737", "art 164 inc 2 y 3")."""
    out = np.zeros(len(clean), dtype=bool)
    for i, value in enumerate(clean):  # distinct values only
        tokens = value.split()
        number = [t.isdigit() or re.fullmatch(r"\d+[a-z]{0,3}", t) is not None for t in tokens]
        if any(number) and any(t in words for t in tokens):
            out[i] = all(n or t in words or t in fillers for t, n in zip(tokens, number))
    return out


@implements("OF02")
def offence_unspecified(ctx: Context, options: dict):
    n = len(ctx.frame)
    field = offence_field(ctx)
    if field is None or not n:
        return _empty()
    d = distinct(ctx, field)
    missing = d.missing(no_data_marks(ctx))
    vague_terms = clean_terms(ctx.profile.get("vague_offences")) | clean_terms(options.get("extra_vague_terms"))
    vague = np.isin(d.clean, list(vague_terms)) & ~missing
    bare_on = options.get("bare_statute_is_unspecified")
    if bare_on is None:
        bare_on = bool(ctx.profile.get("bare_statute_is_unspecified", False))
    numbers = _numbers_only(d.clean) & ~vague & ~missing
    bare = (_bare_statute(d.clean, clean_terms(ctx.profile.get("statute_words")),
                          clean_terms(ctx.profile.get("statute_fillers"))) if bare_on
            else np.zeros(len(d.clean), dtype=bool)) & ~vague & ~missing & ~numbers
    reason = np.where(vague, "a vague word, not an offence",
                      np.where(bare, "a bare statute number with no description",
                               np.where(numbers, "only numbers, with no description", "")))
    bare = bare | numbers
    mask = d.broadcast(vague | bare, False)
    label = LABELS[field]
    # figures: records with no specified offence (missing or vague), and the commonest vague values
    unspecified = mask | d.broadcast(missing, True)
    order = np.argsort(-d.counts[vague | bare], kind="stable")
    top = [(str(d.raw[vague | bare][i]), int(d.counts[vague | bare][i])) for i in order[:10]]
    k = int(unspecified.sum())
    stats = {"records": n, "without_specified_offence": k, "share_without_specified_offence": round(k / n, 4),
             "most_common_vague_values": dict(top),
             "lines": [f"{k} of {n} records ({100 * k / n:.1f}%) have no specified offence (blank, no-data mark, "
                       "vague word or bare statute number)"]
             + ([("most common unspecified values: " + ", ".join(f"'{v}': {c}" for v, c in top))] if top else [])}
    if mask.all():
        values = ", ".join(f"'{v}'" for v, _ in top[:5])
        return CheckResult(list_level(f"the {label} column {_column(ctx, field)} specifies no offence in any of its "
                                      f"{_plural(n, 'record')} (only {values})", field), stats=stats)
    pos = np.flatnonzero(mask)
    codes = d.codes[pos]
    detail = np.char.add(np.char.add(np.char.add("'", d.raw[codes].astype(str)), "' is "), reason[codes].astype(str))
    return CheckResult(pd.DataFrame({"pos": pos, "field": field, "detail": detail.astype(object)}), stats=stats)


@implements("OF03")
def issuing_authority_missing(ctx: Context, options: dict):
    if "issuing_authority" not in ctx.frame.columns:
        return list_level(f"the export has no issuing-authority column: none of its {_plural(len(ctx.frame), 'record')} "
                          "says which court or agency ordered the listing", None)
    return _missing_hits(ctx, "issuing_authority", "issuing authority", "no record says who ordered the listing")


@implements("OF04")
def warrant_reference_missing(ctx: Context, options: dict):
    if "warrant_ref" not in ctx.frame.columns:
        return _empty()  # only where the export has such a column
    return _missing_hits(ctx, "warrant_ref", "warrant reference", "no listing can be traced to a warrant")


# ---------------------------------------------------------------- OF05: minimum identifiers

def _present(ctx: Context, field: str, partial_ok: bool) -> np.ndarray:
    """Per record: the field holds a usable value."""
    if f"{field}__status" in ctx.frame.columns:
        return ctx.frame[f"{field}__status"].isin(FULL_OR_PARTIAL if partial_ok else FULL).to_numpy()
    if field == "full_name" and "full_name__clean" in ctx.frame.columns:
        clean = ctx.frame["full_name__clean"]
        nd = no_data_marks(ctx)
        return (clean.notna() & ~clean.isin(list(nd))).to_numpy()
    present = np.ones(len(ctx.frame), dtype=bool)
    present[missing_records(ctx, field)[0]] = False
    return present


@implements("OF05")
def minimum_identifiers_missing(ctx: Context, options: dict):
    n = len(ctx.frame)
    items = ctx.profile.get("minimum_identifiers") or []
    source = ctx.profile.get("minimum_identifiers_source", f"profile {ctx.profile.get('name')}")
    need = ", ".join(item["label"] for item in items)
    list_hits, row_missing = [], []
    for item in items:
        fields = [f for f in item["fields"] if f in ctx.frame.columns]
        label = item["label"]
        if not fields:
            list_hits.append((f"the export has no {label} column ({source} requires {need}): no record can be "
                              "identified as required", item["fields"][0]))
            continue
        present = np.zeros(n, dtype=bool)
        for f in fields:
            present |= _present(ctx, f, bool(item.get("partial_ok")))
        if n and not present.any():
            cols = " or ".join(_column(ctx, f) for f in fields)
            list_hits.append((f"the {label} column {cols} is empty or unusable in all {_plural(n, 'record')} "
                              f"({source} requires {need})", fields[0]))
            continue
        row_missing.append((label, fields[0], ~present))
    parts = [list_level(detail, field) for detail, field in list_hits]
    if row_missing:
        miss = np.vstack([m for _, _, m in row_missing])
        pos = np.flatnonzero(miss.any(axis=0))
        if len(pos):
            labels = np.array([label for label, _, _ in row_missing], dtype=object)
            fields = np.array([f for _, f, _ in row_missing], dtype=object)
            sub = miss[:, pos]
            # one string per distinct pattern of missing items, not per record
            keys = np.packbits(sub, axis=0, bitorder="little")
            key_int = np.zeros(len(pos), dtype=np.int64)
            for b in range(keys.shape[0]):
                key_int |= keys[b].astype(np.int64) << (8 * b)
            uniq, inverse = np.unique(key_int, return_inverse=True)
            text, first = [], []
            for u in uniq:
                which = [(u >> i) & 1 == 1 for i in range(len(labels))]
                text.append(f"no usable {', '.join(labels[which])} ({source} requires {need})")
                first.append(fields[which][0])
            parts.append(pd.DataFrame({"pos": pos, "field": np.array(first, dtype=object)[inverse],
                                       "detail": np.array(text, dtype=object)[inverse]}))
    if not parts:
        return _empty()
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------- OF06: subject categories mixed

def _first_per_record(records: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first value of each record, given (record, value) pairs in record order."""
    unique, first = np.unique(records, return_index=True)
    return unique, values[first]


def entity_marks(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the records whose name carries an entity marker (company, vessel, group), in
    order, and that marker.

    Every record's cleaned name is split into words once (no factorizing: most names are distinct).
    Single-word markers are found by a hash lookup of every word; multi-word markers and end-of-name
    suffixes are searched only in the few names holding one of their words. Suffixes are compared
    with the dots removed, so "S.A." is "sa" while the initials "S. A." are not; a name written
    several ways that clean alike is judged as written in its first record.
    """
    memo = ctx.memo("legitimacy")
    if "entity" in memo:
        return memo["entity"]
    none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object))
    if "full_name__clean" not in ctx.frame.columns or not len(ctx.frame):
        memo["entity"] = none
        return none
    markers = clean_terms(ctx.profile.get("entity_markers"))
    suffixes = clean_terms(ctx.profile.get("entity_suffixes"))
    names = textops.series_arrow(ctx.frame["full_name__clean"])
    lists = pc.split_pattern(names, " ")
    words = pc.list_flatten(lists)
    offsets = np.asarray(lists.offsets, dtype=np.int64)  # a null name has no words

    def holding(terms) -> tuple[np.ndarray, np.ndarray]:
        """(record, word index) of the words in ``terms``, in order."""
        if not terms:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        at = np.flatnonzero(pc.fill_null(pc.is_in(words, pa.array(sorted(terms), words.type)), False)
                            .to_numpy(zero_copy_only=False))
        return np.searchsorted(offsets, at, side="right") - 1, at

    found: dict[int, str] = {}
    records, at = holding({t for t in markers if " " not in t})
    first, at = _first_per_record(records, at)  # the first marker of each name wins
    found.update(zip(first.tolist(), words.take(pa.array(at, type=pa.int64())).to_pylist()))
    multi = sorted((t for t in markers if " " in t), key=len, reverse=True)
    for i in np.unique(holding({t.split()[-1] for t in multi})[0]).tolist():
        if i not in found:
            value = f" {names[i].as_py()} "
            mark = next((t for t in multi if f" {t} " in value), None)
            if mark is not None:
                found[i] = mark
    # suffixes: names whose last word is a suffix's last word or a single letter ("S.A." -> "s a")
    nonempty = offsets[1:] > offsets[:-1]
    last = words.take(pa.array(np.where(nonempty, offsets[1:] - 1, 0), type=pa.int64())) if len(words) \
        else pa.array([""] * len(names), words.type)
    ends = pa.array(sorted({t.split()[-1] for t in suffixes}), words.type)
    suffix_like = pc.or_(pc.is_in(last, value_set=ends), pc.equal(pc.utf8_length(last), 1))
    cand = np.flatnonzero(nonempty & np.asarray(pc.fill_null(suffix_like, False), dtype=bool))
    cand = cand[~np.isin(cand, np.fromiter(found, dtype=np.int64, count=len(found)))]
    if len(cand):
        # one judgement per cleaned name, on the name as its first record writes it
        codes, _ = pd.factorize(ctx.frame["full_name__clean"].iloc[cand])
        uniq, first_of = np.unique(codes, return_index=True)
        raw = ctx.frame["full_name"].iloc[cand[first_of]].str.replace(".", "", regex=False)
        compact = strip_accents_casefold(raw.reset_index(drop=True)).fillna("").to_numpy(dtype=object)
        ordered = sorted(suffixes, key=len, reverse=True)
        per_name = np.array([next((t for t in ordered if value.endswith(" " + t)), None) for value in compact]
                            + [None], dtype=object)  # a suffix needs a name before it
        for i, mark in zip(cand.tolist(), per_name[codes].tolist()):
            if mark is not None:
                found[i] = mark
    pos = np.array(sorted(found), dtype=np.int64)
    out = (pos, np.array([found[i] for i in pos.tolist()], dtype=object))
    memo["entity"] = out
    return out


@implements("OF06")
def subject_category_mixed(ctx: Context, options: dict):
    n = len(ctx.frame)
    parts = []
    stats: dict = {"records": n}
    told_apart = [f for f in ("subject_category", "subject_type") if f in ctx.mapping.matches]
    pos, marks = entity_marks(ctx)
    k = len(pos)
    stats.update({"entities_by_name_marker": k, "people": n - k})
    lines = [f"{k} of {n} records look like entities (company, vessel, group) by their name; {n - k} like people"]
    if not told_apart and 0 < k < n:
        detail = np.char.add(np.char.add("the name carries the entity marker '", marks.astype(str)),
                             "' among people, and no column says which records are people")
        parts.append(pd.DataFrame({"pos": pos, "field": "full_name", "detail": detail.astype(object)}))
    if "subject_category" in ctx.frame.columns:
        d = distinct(ctx, "subject_category")
        found = match_phrases(d.clean, clean_terms(ctx.profile.get("non_wanted_categories")))
        per_row = d.broadcast(found, None)
        pos = np.flatnonzero(pd.notna(per_row))
        if len(pos):
            values = d.value_of(pos).astype(str)
            detail = np.char.add(np.char.add(np.char.add("the category '", values), "' ("),
                                 np.char.add(per_row[pos].astype(str), ") is not a person wanted, on a watchlist"))
            parts.append(pd.DataFrame({"pos": pos, "field": "subject_category", "detail": detail.astype(object)}))
        counts = pd.Series(d.counts, index=d.raw).sort_values(ascending=False)
        stats["by_category"] = {str(a): int(b) for a, b in counts.head(20).items()}
        lines.append("by category: " + ", ".join(f"{a}: {b}" for a, b in counts.head(10).items()))
    stats["lines"] = lines
    hits = pd.concat(parts, ignore_index=True).sort_values("pos", kind="stable") if parts else _empty()
    return CheckResult(hits, stats=stats)


# ---------------------------------------------------------------- OF07-OF09: retention, review, photos

def _review_columns(ctx: Context) -> list[str]:
    return [f for f in ("review_date", "expiry_date") if f"{f}__status" in ctx.frame.columns]


def _dates_ok(ctx: Context, field: str) -> np.ndarray:
    return ctx.frame[f"{field}__status"].isin(FULL_OR_PARTIAL).to_numpy()


@implements("OF07")
def listed_beyond_review_period(ctx: Context, options: dict):
    n = len(ctx.frame)
    period = int(profile_value(ctx, options, "review_period_years"))
    entry = ctx.frame["entry_date__date"].to_numpy(dtype="datetime64[D]")
    ey, em, ed, valid = ymd(entry)
    a = ctx.as_of
    years = calendar_age(ey, em, ed, a.year, a.month, a.day)
    stale = valid & (entry <= np.datetime64(a, "D")) & (years >= period)
    cols = _review_columns(ctx)
    reviewed = np.zeros(n, dtype=bool)
    for f in cols:
        reviewed |= _dates_ok(ctx, f)
    hit = stale & ~reviewed
    pos = np.flatnonzero(hit)
    listed = np.datetime_as_string(entry[pos], unit="D").astype(object)
    order = np.argsort(entry[pos], kind="stable")[:5]
    oldest = [{"row": int(pos[i]) + 1, "listed": str(listed[i]), "years": int(years[pos[i]])} for i in order]
    stats = {"records": n, "review_period_years": period, "unreviewed_beyond_period": len(pos),
             "oldest_unreviewed": oldest,
             "lines": [f"{len(pos)} of {n} records listed {period}+ years ago with no review or expiry date"]
             + ([("oldest unreviewed: " + ", ".join(f"row {o['row']} listed {o['listed']} ({o['years']} years)"
                                                   for o in oldest))] if oldest else [])}
    if not len(pos):
        return CheckResult(_empty(), stats=stats)
    if not cols or not reviewed.any():
        where = ("the export has no review or expiry date column" if not cols else
                 "the review/expiry column " + " and ".join(_column(ctx, f) for f in cols) + " is empty in every record")
        return CheckResult(list_level(f"{where}, and {_plural(len(pos), 'record')} were listed {period} or more years "
                                      f"ago (the oldest on {oldest[0]['listed']})", cols[0] if cols else "entry_date"),
                           stats=stats)
    detail = np.char.add(np.char.add(np.char.add("listed ", years[pos].astype(str)),
                                     np.char.add(" years ago (", listed.astype(str))),
                         f") with no review or expiry date; the review period is {period} years")
    return CheckResult(pd.DataFrame({"pos": pos, "field": cols[0], "detail": detail.astype(object)}), stats=stats)


@implements("OF08")
def review_date_passed(ctx: Context, options: dict):
    n = len(ctx.frame)
    today = np.datetime64(ctx.as_of, "D")
    done = np.zeros(n, dtype=bool)
    parts = []
    for f in _review_columns(ctx):
        dates = ctx.frame[f"{f}__date"].to_numpy(dtype="datetime64[D]")
        status = ctx.frame[f"{f}__status"]
        years = ctx.frame[f"{f}__year"].to_numpy(dtype=np.int64, na_value=0)
        full_past = status.isin(FULL).to_numpy() & (np.where(np.isnat(dates), today, dates) < today)
        year_past = (status == "partial").to_numpy() & (years > 0) & (years < ctx.as_of.year)  # the whole year is over
        hit = (full_past | year_past) & ~done
        done |= hit
        pos = np.flatnonzero(hit)
        if len(pos):
            when = np.where(full_past[pos], np.datetime_as_string(dates[pos], unit="D"), years[pos].astype(str))
            parts.append(pd.DataFrame({"pos": pos, "field": f, "which": LABELS[f], "date": when.astype(object)}))
    if not parts:
        return _empty()
    hits = pd.concat(parts, ignore_index=True).sort_values("pos", kind="stable")
    hits["as_of"] = ctx.as_of.isoformat()
    return hits


@implements("OF09")
def stale_photo_of_minor(ctx: Context, options: dict):
    if not ctx.has("photo_date__date", "birth_date__date"):
        return _empty()  # nothing to check: no photo or no birth dates in the export
    limit = int(profile_value(ctx, options, "stale_minor_photo_years"))
    majority = int(profile_value(ctx, options, "age_of_majority"))
    photo = ctx.frame["photo_date__date"].to_numpy(dtype="datetime64[D]")
    py, pm, pd_, has_photo = ymd(photo)
    a = ctx.as_of
    photo_years = calendar_age(py, pm, pd_, a.year, a.month, a.day)
    at_listing, _ = ages_at_listing(ctx)
    at_photo: Ages = ages_at(ctx, np.where(has_photo, py, a.year), np.where(has_photo, pm, a.month),
                             np.where(has_photo, pd_, a.day))
    minor = (at_listing.known & (at_listing.hi < majority) & (at_listing.hi >= 0)) | \
            (has_photo & at_photo.known & (at_photo.hi < majority) & (at_photo.hi >= 0))
    hit = minor & has_photo & (photo <= np.datetime64(a, "D")) & (photo_years >= limit)
    pos = np.flatnonzero(hit)
    return pd.DataFrame({"pos": pos, "field": "photo_date",
                         "photo": np.datetime_as_string(photo[pos], unit="D").astype(object),
                         "years": photo_years[pos], "age": at_photo.text(pos), "limit": limit,
                         "as_of": a.isoformat()})


# ---------------------------------------------------------------- OF10: status

@implements("OF10")
def status_inconsistent(ctx: Context, options: dict):
    d = distinct(ctx, "status")
    terms = clean_terms(ctx.profile.get("inactive_status_terms"))
    found = match_phrases(d.clean, terms)
    negations = clean_terms(ctx.profile.get("status_negations"))
    for i in np.flatnonzero(pd.notna(found)):
        term = found[i]
        negated = re.search(r"(?:^|\s)(?:" + "|".join(map(re.escape, sorted(negations))) + r")\s+"
                            + re.escape(term) + r"(?:\s|$)", d.clean[i]) if negations else None
        if negated:
            found[i] = None
    per_row = d.broadcast(found, None)
    pos = np.flatnonzero(pd.notna(per_row))
    return pd.DataFrame({"pos": pos, "value": d.value_of(pos), "term": per_row[pos]})


# ---------------------------------------------------------------- OF11-OF12: proportionality

def _offence_in(ctx: Context, terms_key: str) -> tuple[np.ndarray, Distinct | None]:
    field = offence_field(ctx)
    if field is None:
        return np.zeros(len(ctx.frame), dtype=bool), None
    d = distinct(ctx, field)
    listed = np.isin(d.clean, list(clean_terms(ctx.profile.get(terms_key))))
    return d.broadcast(listed, False), d


@implements("OF11")
def petty_offence_on_recognition_list(ctx: Context, options: dict):
    if not options["used_for_live_facial_recognition"]:
        return _empty()
    mask, d = _offence_in(ctx, "petty_offences")
    pos = np.flatnonzero(mask)
    return pd.DataFrame({"pos": pos, "value": d.value_of(pos) if d is not None else [],
                         "field": offence_field(ctx)})


@implements("OF12")
def minor_listed_for_non_punishable_offence(ctx: Context, options: dict):
    lo_age = int(profile_value(ctx, options, "min_age_criminal_responsibility"))
    majority = int(profile_value(ctx, options, "age_of_majority"))
    listed, d = _offence_in(ctx, "minor_non_punishable_offences")
    if not listed.any():
        return _empty()
    ages, ref = ages_at_listing(ctx)
    # the whole age bracket lies in [lo_age, majority): below lo_age nobody is punishable (MN03)
    hit = listed & ages.known & (ages.lo >= lo_age) & (ages.hi < majority)
    pos = np.flatnonzero(hit)
    when = np.where(ref.at_listing[pos], "at listing", "on the reference date (no usable entry date)")
    return pd.DataFrame({"pos": pos, "age": ages.text(pos), "when": when.astype(object), "value": d.value_of(pos),
                         "field": offence_field(ctx), "confidence": np.where(ref.at_listing[pos], "high", "medium")})


# ---------------------------------------------------------------- OF13: spellings

_GLUED = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")


def spelling_keys(clean: np.ndarray, abbreviations: dict[str, str]) -> np.ndarray:
    """Comparison key per cleaned value: numbers split off words, abbreviations expanded, spaces dropped.

    'juzg no12' -> 'juzgado n 12' -> 'juzgadon12'."""
    abbr = {str(k): str(v) for k, v in (abbreviations or {}).items()}
    keys = np.empty(len(clean), dtype=object)
    for i, value in enumerate(clean):  # distinct values only
        tokens = _GLUED.sub(" ", value).split()
        keys[i] = "".join(abbr.get(t, t) for t in tokens).replace(" ", "")
    return keys


@implements("OF13")
def inconsistent_spellings(ctx: Context, options: dict):
    abbreviations = {**{str(k): str(v) for k, v in (ctx.profile.get("abbreviations") or {}).items()}}
    cleaned_abbr = {}
    for k, v in abbreviations.items():
        ck = strip_accents_casefold(pd.Series([k], dtype="str")).iat[0] or ""
        cv = strip_accents_casefold(pd.Series([v], dtype="str")).iat[0] or ""
        if ck:
            cleaned_abbr[ck] = cv
    parts = []
    groups_total = 0
    for field in options["fields"]:
        if field not in ctx.frame.columns:
            continue
        d = distinct(ctx, field)
        present = d.clean != ""
        if present.sum() < 2:
            continue
        keys = spelling_keys(d.clean, cleaned_abbr)
        frame = pd.DataFrame({"key": keys, "raw": d.raw, "count": d.counts, "idx": np.arange(len(keys))})[present]
        sizes = frame.groupby("key")["raw"].transform("size")
        frame = frame[sizes >= 2]
        if frame.empty:
            continue
        firsts = pd.Series(d.codes).drop_duplicates()
        first_pos = pd.Series(firsts.index.to_numpy(), index=firsts.to_numpy())  # first record of each value
        for key, group in frame.groupby("key", sort=False):
            group = group.sort_values(["count", "raw"], ascending=[False, True])
            variants = "; ".join(f"'{r}' ({c})" for r, c in zip(group["raw"], group["count"]))
            related = [int(first_pos[i]) for i in group["idx"].iloc[1:]]  # the less common spellings
            parts.append({"pos": -1, "field": field, "label": LABELS.get(field, field), "count": len(group),
                          "variants": variants, "records": int(group["count"].sum()), "related": related,
                          "most_common": group["raw"].iat[0]})
            groups_total += 1
    stats = {"variant_groups": groups_total,
             "lines": [f"{groups_total} group{'s' if groups_total != 1 else ''} of values written several ways"]}
    if not parts:
        return CheckResult(_empty(), stats=stats)
    hits = pd.DataFrame(parts).sort_values(["field", "records"], ascending=[True, False], kind="stable")
    return CheckResult(hits.reset_index(drop=True), stats=stats)


