"""The one redaction policy: what of a person any output may show unless ``--show-pii``.

Applied at three doors, so no renderer, rule or command formats a personal value itself:

* ``show(field, value, show_pii)``: a cell shown in a finding message, a ``columns`` example or a
  history label, masked by what its field holds (the *field-aware masker*):

  - names (``full_name``, ``given_names``, ``surname``, ``aliases``) as initials: ``J. M. N.``;
  - identifiers (``national_id``, ``passport``, ``warrant_ref``, ``record_id``, ``group_id``):
    letters and digits masked but for the last third, rounded down (``1234`` → ``***4``,
    ``20.123.456`` → ``**.***.*56``; two characters or fewer: all masked). A column headed "ID"
    is ``record_id`` and masked like any other identifier, whatever it holds;
  - birth dates keep their year only; every other letter or digit run becomes ``**``, so neither
    a day nor a month written in words survives (``14 de marzo de 1980`` → ``** ** ** ** 1980``);
  - free text (``offence``, ``issuing_authority``, ``listing_reason``, ``place_of_birth``, an
    unmapped column) keeps its
    words but loses anything that looks like a date (to its year), an ID (a run of six or more
    digits, a dotted or dashed number) or a ``SURNAME, Given`` pair;
  - fields that say nothing about who a person is (sex, document type, entry date, category…)
    are shown as written.

* ``Redaction`` (``ctx.redaction`` in every rule): figures a rule computes from input values
  (``categories`` for counts by offence: values held by fewer than ``MIN_GROUP`` records are
  merged into one "other" line, the rest scrubbed as free text; ``value`` for a single cell).

* ``redacted_source(ctx, result)``: between the run and every renderer (``report.Report`` calls
  it for each source when the report is redacted). Column headers that look like data (a dated,
  numbered or ``SURNAME, Given`` header, or any unrecognised header of a file whose header row is
  mostly data: a headerless export) become ``#3 (hidden: data-like)`` in the mapping,
  ``unmapped_columns`` and notes; every string in rule figures and notes loses full dates (kept:
  the reference date) and ID-like numbers.

Redaction is about people; escaping for terminals is ``safe_text.py`` and applies whatever the
flag says.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

import pandas as pd

NAME_FIELDS = frozenset({"full_name", "given_names", "surname", "aliases"})
ID_FIELDS = frozenset({"national_id", "warrant_ref", "record_id", "passport", "group_id"})
BIRTH_FIELDS = frozenset({"birth_date"})
CLEAR_FIELDS = frozenset({"id_type", "sex", "entry_date", "review_date", "photo_date", "age", "subject_category",
                          "jurisdiction", "nationality", "subject_type", "name_type"})
MIN_GROUP = 3  # a free-text value shown in a figure must be shared by at least this many records

_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")
_ALNUM_RUN = re.compile(r"[^\W_]+")
_ALNUM = re.compile(r"[^\W_]")
_WORD = r"[^\W\d_]{3,}\.?"
_DATE = re.compile(
    r"(?<![\w])(?:"
    r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"  # 14/03/1980, 1980-03-14, 3.4.80
    rf"|\d{{1,2}}(?:\s+de|\s+of)?\s+{_WORD}(?:\s+de|\s+of)?,?\s+\d{{2,4}}"  # 14 de marzo de 1980, 14 March 1980
    rf"|{_WORD}\s+\d{{1,2}},?\s+\d{{4}}"  # March 14, 1980
    rf"|\d{{1,2}}[./-]{_WORD}[./-]\d{{2,4}}"  # 14-MAR-1980
    r")(?![\w])")
_IDLIKE = re.compile(r"(?<![\w.])(?:\d{1,3}(?:[. ]\d{3}){2,}|\d{2}-\d{6,8}-\d|\d{6,})(?![\w])")
_COMMA_NAME = re.compile(r"[^\W\d_]{2,}(?:[ '-][^\W\d_]{2,})*\s*,\s*[^\W\d_]{2,}")


def _blank(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


_LETTER_RUN = re.compile(r"[^\W\d_]+")


def initials(name: str) -> str:
    tokens = _LETTER_RUN.findall(name)
    return " ".join(f"{t[0].upper()}." for t in tokens) or "[name]"


def mask_id(value: str) -> str:
    """Letters and digits masked but for the last third of them (rounded down); punctuation kept."""
    value = value.strip()
    if value.isalnum():  # letters and digits only (most IDs): no punctuation to keep in place
        hide = len(value) - len(value) // 3
        return "*" * hide + value[hide:]
    hide = len(_ALNUM.findall(value))
    hide -= hide // 3
    return _ALNUM.sub("*", value, count=hide) if hide else value  # the first ``hide`` letters and digits


def mask_date(value: str) -> str:
    """A date reduced to its year: every other run of letters or digits becomes ``**``."""
    years = _YEAR.findall(value)
    year = years[0] if len(set(years)) == 1 else None
    return _ALNUM_RUN.sub(lambda m: m.group(0) if m.group(0) == year else "**", value)


def scrub(text: str, keep: Iterable[str] = ()) -> str:
    """Free text with dates cut to their year, ID-like numbers and ``SURNAME, Given`` pairs masked."""
    keep = set(keep)
    text = _DATE.sub(lambda m: m.group(0) if m.group(0) in keep else mask_date(m.group(0)), text)
    text = _IDLIKE.sub(lambda m: mask_id(m.group(0)), text)
    return _COMMA_NAME.sub(_comma_name, text)


def _comma_name(m: re.Match) -> str:
    surname, _, given = m.group(0).partition(",")
    # "PEREZ, JUAN" or "Pérez, Juan", never the tool's own prose ("values, each")
    return initials(m.group(0)) if surname[:1].isupper() and given.strip()[:1].isupper() else m.group(0)


def redact(field: str | None, value) -> str:
    if _blank(value):
        return "(blank)"
    text = str(value)
    if field in NAME_FIELDS:
        return initials(text)
    if field in ID_FIELDS:
        return mask_id(text)
    if field in BIRTH_FIELDS:
        return mask_date(text)
    if field in CLEAR_FIELDS:
        return text
    return scrub(text)


def show(field: str | None, value, show_pii: bool) -> str:
    if _blank(value):
        return "(blank)"
    if show_pii:
        return str(value)
    return redact(field, value)


# --- column headers ----------------------------------------------------------------------------

_STOPWORDS = frozenset({"de", "del", "la", "las", "los", "el", "y", "e", "da", "do", "dos", "das", "of", "the",
                        "and", "du", "des", "le", "et", "n", "nro", "no", "num"})


def _header_words() -> frozenset[str]:
    from .catalogue import load_vocab
    from .mapping import normalise_header

    words = set()
    for synonyms in load_vocab("columns").values():
        for s in synonyms:
            words.update(normalise_header(s).split())
    return frozenset(words - _STOPWORDS)


_HEADER_WORDS: frozenset[str] | None = None


def header_looks_like_data(header: str) -> bool:
    """A header that reads like a cell: a date, an ID-like number, ``SURNAME, Given``, or two or
    more words none of which any known header uses (``BUENOS AIRES``, ``ALEJANDRO RUBEN``)."""
    global _HEADER_WORDS
    text = str(header)
    if _DATE.search(text) or _IDLIKE.search(text) or sum(ch.isdigit() for ch in text) >= 5:
        return True
    if _COMMA_NAME.search(text):
        return True
    from .mapping import normalise_header

    words = [w for w in normalise_header(text).split() if w not in _STOPWORDS and len(w) > 1 and not w.isdigit()]
    if len(words) < 2:
        return False
    if _HEADER_WORDS is None:
        _HEADER_WORDS = _header_words()
    return not any(w in _HEADER_WORDS for w in words)


def column_labels(columns: list[str], mapped: Iterable[str] = ()) -> dict[str, str]:
    """{header: what a redacted output may call it}. ``mapped``: headers recognised by a synonym or
    an explicit mapping. When the header row looks like a record (a headerless export whose first
    record became the header), every header not in ``mapped`` is hidden too."""
    columns = [str(c) for c in columns]
    data_like = {c for c in columns if header_looks_like_data(c)}
    mapped = set(mapped)
    # a header row that is mostly data, or holds data and no recognised header: a headerless export
    headerless = bool(data_like) and (2 * len(data_like) >= len(columns) or not mapped)
    out = {}
    for i, c in enumerate(columns):
        hide = c in data_like or (headerless and c not in mapped)
        out[c] = f"#{i + 1} (hidden: data-like)" if hide else c
    return out


def recognised(mapping) -> list[str]:
    """Headers matched by a synonym or mapped explicitly (a fuzzy match may be a data cell)."""
    return [m.column for m in mapping.matches.values() if m.method != "fuzzy"]


# --- the policy rules use, and the view renderers see ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class Redaction:
    """The run's redaction policy, as rules see it (``ctx.redaction``)."""

    show_pii: bool = False

    def value(self, field: str | None, value) -> str:
        return show(field, value, self.show_pii)

    def categories(self, counts, field: str | None = None, min_group: int = MIN_GROUP) -> dict[str, int]:
        """Counts by a free-text value (e.g. offence) safe to print: rare values merged, the rest scrubbed."""
        items = [(str(k), int(v)) for k, v in counts.items()]
        if self.show_pii:
            return dict(items)
        out: dict[str, int] = {}
        rare = 0
        for k, v in items:
            if v < min_group and not k.startswith("("):
                rare += v
                continue
            label = redact(field, k)
            out[label] = out.get(label, 0) + v
        if rare:
            out[f"(other values, each held by fewer than {min_group} records)"] = rare
        return out


def _scrub_any(obj, keep):
    if isinstance(obj, str):
        return scrub(obj, keep)
    if isinstance(obj, dict):
        return {(_scrub_any(k, keep) if isinstance(k, str) else k): _scrub_any(v, keep) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_scrub_any(v, keep) for v in obj)
    return obj


def redacted_source(ctx, result):
    """The (ctx, result) every renderer of a redacted report sees: data-like headers hidden, rule
    figures and notes scrubbed of full dates and ID-like numbers. The data itself is untouched."""
    columns = list(ctx.raw.columns)
    labels = column_labels(columns, mapped=recognised(ctx.mapping))
    hidden = {c: lab for c, lab in labels.items() if lab != c}
    keep = {ctx.as_of.isoformat()}

    def hide(text: str) -> str:
        for col, lab in hidden.items():
            if col and col in text:
                text = text.replace(col, lab)
        return scrub(text, keep)

    mapping = dataclasses.replace(
        ctx.mapping,
        matches={f: dataclasses.replace(m, column=labels.get(m.column, m.column)) for f, m in ctx.mapping.matches.items()},
        unmapped_columns=[labels.get(c, c) for c in ctx.mapping.unmapped_columns],
    )
    if hasattr(ctx.mapping, "notes"):
        mapping = dataclasses.replace(mapping, notes=[hide(n) for n in ctx.mapping.notes])
    view = dataclasses.replace(ctx, mapping=mapping, load_notes=[hide(n) for n in ctx.load_notes])
    out = dataclasses.replace(result, stats=_scrub_any(result.stats, keep),
                              crashed=[{**c, "error": hide(str(c.get("error", "")))} for c in result.crashed])
    return view, out
