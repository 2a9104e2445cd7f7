"""Where the header row is (xlsx and delimited text), or that there is none.

The first ``SCAN`` rows are looked at. A cell is a header word when it is a synonym in
``rules/vocab/columns.yml``, "Name 1".."Name 6", or a near miss of one; it looks like data when it
is a date, a number or long text. The first row with two filled cells is the header unless it
looks like a title or preamble (it holds data, or no header word at all): then a later row with
two or more header words and a better score (header words minus data cells) that is wider than it
(or below a row of data) is the header, and the rows above it are skipped with a note ("Last
Updated | 10/04/2025" above OFSI's header). When no row holds a header word and the first row looks
like data (its dates and numbers sit in columns where the rows below hold dates and numbers too),
the file is headerless: columns are named ``column_1``.. and mapped by content (see ``content.py``) or by a
known headerless layout (``rules/formats/headerless/``). ``--header-row N`` and ``--no-header``
decide instead. Only the first rows are looked at; nothing here runs per data row.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ..errors import LoadError

SCAN = 30
_DATE = re.compile(r"^\s*(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}-\d{2}-\d{2}[ T][\d:.]+)\s*$")
_NUMBER = re.compile(r"^\s*[-+]?[\d][\d.,\s]*\s*$")
_PLACEHOLDER = re.compile(r"^\s*-0-\s*$")  # OFAC's null token


@dataclass
class HeaderChoice:
    index: int | None  # 0-based index of the header among the scanned rows; None: no header row
    notes: list[str] = field(default_factory=list)
    positional: bool = False  # columns are named column_1..column_N


@functools.cache
def _vocabulary() -> tuple[frozenset[str], tuple[str, ...]]:
    from ..catalogue import load_vocab
    from ..fields import normalise_header

    words = {normalise_header(w) for synonyms in load_vocab("columns").values() for w in synonyms}
    words.discard("")
    return frozenset(words), tuple(sorted(words))


def is_header_word(cell: str | None) -> bool:
    from rapidfuzz import fuzz, process

    from ..fields import NAME_PART, normalise_header

    if cell is None or len(str(cell)) > 60:
        return False
    key = normalise_header(str(cell))
    if not key or key.replace(" ", "").isdigit():
        return False
    words, choices = _vocabulary()
    if key in words or NAME_PART.match(key):
        return True
    return len(key) >= 5 and process.extractOne(key, choices, scorer=fuzz.token_sort_ratio, score_cutoff=90) is not None


def looks_like_data(cell: str | None) -> bool:
    if cell is None:
        return False
    text = str(cell)
    return bool(_DATE.match(text) or _NUMBER.match(text) or _PLACEHOLDER.match(text) or len(text.strip()) > 60)


def _filled(row: list) -> int:
    return sum(1 for v in row if v is not None and str(v).strip())


def find_header(rows: list[list], *, header_row: int | None = None, no_header: bool = False,
                where: str = "input", unit: str = "row") -> HeaderChoice:
    """Choose the header among ``rows`` (the first rows of the file or sheet, as text or None).

    ``header_row``: 1-based, forced; ``no_header``: forced headerless. ``unit`` names rows in notes
    ("sheet row", "record")."""
    above = unit.split()[-1]  # "sheet row" -> "2 row(s) above it"
    if no_header:
        return HeaderChoice(None, ["no header row (--no-header): columns are named column_1, column_2, ..."], True)
    if header_row is not None:
        if header_row < 1 or header_row > len(rows):
            raise LoadError(f"{where}: --header-row {header_row} is beyond the {len(rows)} {unit}(s) read")
        if not _filled(rows[header_row - 1]):
            raise LoadError(f"{where}: --header-row {header_row} is blank")
        notes = [f"header on {unit} {header_row} (--header-row); {header_row - 1} {above}(s) above it skipped"] \
            if header_row > 1 else []
        return HeaderChoice(header_row - 1, notes)
    widest = max((len(r) for r in rows), default=0)
    candidates = [i for i, r in enumerate(rows) if _filled(r) >= min(2, max(widest, 1))]
    if not candidates:  # no row with two filled cells: the caller decides (an error for a sheet)
        return HeaderChoice(None, [])
    best = first = candidates[0]
    first_data = sum(looks_like_data(v) for v in rows[first])
    if first_data or not any(is_header_word(v) for v in rows[first]):
        # the first filled row may be a title or preamble ("Last Updated | 10/04/2025"): a later row
        # wider than it, or it holding data, with two or more header words and a better score wins
        best_score = _score(rows[first])
        for i in candidates[1:]:
            hits, score = _hits(rows[i]), _score(rows[i])
            if hits >= 2 and score > best_score and (first_data or _filled(rows[i]) > _filled(rows[first])):
                best, best_score = i, score
        if best == first and not _hits(rows[first]) and _first_row_is_data(rows, first):
            return HeaderChoice(None, [f"no header row found: {unit} {first + 1} holds data (dates, numbers), "
                                       "not column names; columns are named column_1, column_2, ... "
                                       "(--header-row N or --no-header to decide)"], True)
    notes = [f"header on {unit} {best + 1}; {best} {above}(s) above it skipped"] if best > 0 else []
    return HeaderChoice(best, notes)


def _cells(row: list) -> list[str]:
    return [v for v in row if v is not None and str(v).strip()]


def _hits(row: list) -> int:
    return sum(is_header_word(v) for v in _cells(row))


def _score(row: list) -> int:
    cells = _cells(row)
    return sum(is_header_word(v) for v in cells) - sum(looks_like_data(v) for v in cells)


def _first_row_is_data(rows: list[list], first: int) -> bool:
    """The first row's dates and numbers sit in columns whose other rows hold dates and numbers too."""
    row = rows[first]
    data_cols = [j for j, v in enumerate(row) if looks_like_data(v)]
    below = [r for r in rows[first + 1:] if _filled(r)]
    if not data_cols:
        return False
    if not below:
        return True
    agree = [sum(looks_like_data(r[j]) for r in below if j < len(r)) >= len(below) / 2 for j in data_cols]
    return sum(agree) >= max(1, len(data_cols) / 2)


def positional_names(width: int) -> list[str]:
    return [f"column_{i + 1}" for i in range(width)]
