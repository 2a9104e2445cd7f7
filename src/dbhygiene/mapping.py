"""Stage 2: map the export's headers to canonical fields.

Headers are compared after casefolding, stripping accents and punctuation. An exact synonym from
``rules/vocab/columns.yml`` scores 100; otherwise rapidfuzz scores the nearest synonym and a match
needs ``FUZZY_CUTOFF``; a column is only offered to the field(s) it matches best. Each field takes
at most one column and each column at most one field, best score first. Explicit mappings (config or ``--map``) win over everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .catalogue import load_vocab
from .errors import ConfigError
from .fields import CANONICAL_FIELDS  # noqa: F401  (re-exported: mapping is where callers look)
from .fields import NAME_PART, normalise_header, split_camel  # noqa: F401  (re-exported)

FUZZY_CUTOFF = 86.0
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}


@dataclass(frozen=True)
class FieldMatch:
    field: str
    column: str
    score: float  # 0-100: how sure the mapping is
    method: str  # explicit | synonym | fuzzy | context | composed | content
    parts: tuple[str, ...] = ()  # composed fields: the part columns, in file order
    why: str = ""  # context and composed matches: the reason, for the report


@dataclass
class Mapping:
    matches: dict[str, FieldMatch] = field(default_factory=dict)
    unmapped_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def column(self, name: str) -> str | None:
        match = self.matches.get(name)
        return match.column if match else None

    def as_dict(self) -> dict[str, str]:
        return {f: m.column for f, m in self.matches.items()}


def parse_map_option(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Parse ``--map "NRO DOC=national_id"`` values into {canonical field: column}."""
    explicit: dict[str, str] = {}
    for value in values:
        column, sep, target = value.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise ConfigError(f"--map expects COLUMN=field, got '{value}'")
        explicit[target.strip()] = column.strip()
    return explicit


def map_columns(columns: list[str], explicit: dict[str, str] | None = None,
                suggested: dict[str, tuple[str, str]] | None = None) -> Mapping:
    """``explicit``: {field: column name, or its 1-based number}; ``suggested``: the loader's guesses
    for a headerless file, {field: (column, why)}, taken before the header synonyms."""
    explicit = explicit or {}
    mapping = Mapping()
    taken: set[str] = set()
    for target, column in explicit.items():
        if target not in CANONICAL_FIELDS:
            raise ConfigError(f"unknown field '{target}' in column mapping (fields: {', '.join(CANONICAL_FIELDS)})")
        if column not in columns and column.isdigit():  # by position: --map "2=full_name"
            if not 1 <= int(column) <= len(columns):
                raise ConfigError(f"column number {column} mapped to {target} is not in the file "
                                  f"(it has {len(columns)} column(s))")
            column = columns[int(column) - 1]
        if column not in columns:
            from .redact import column_labels  # an error is redacted like any output

            shown = ", ".join(column_labels(columns).values())
            hint = ""
            if columns and columns == [f"column_{i + 1}" for i in range(len(columns))]:
                hint = (f"; the file was read without a header row: map a column by its number, e.g. "
                        f"--map \"2={target}\", or give --header-row N")
            raise ConfigError(f"column '{column}' mapped to {target} is not in the file (columns: {shown}){hint}")
        mapping.matches[target] = FieldMatch(target, column, 100.0, "explicit")
        taken.add(column)
    for target, (column, why) in (suggested or {}).items():
        if target in mapping.matches or column in taken or column not in columns:
            continue
        mapping.matches[target] = FieldMatch(target, column, 80.0, "content", (), why)
        taken.add(column)

    _compose_name_parts(columns, mapping, taken)
    vocab = load_vocab("columns")
    synonyms: dict[str, str] = {}
    for target, words in vocab.items():
        for word in words:
            synonyms.setdefault(normalise_header(word), target)
    choices = list(synonyms)
    candidates: list[tuple[float, int, str, str, str]] = []
    for position, column in enumerate(columns):
        if column in taken:
            continue
        key = normalise_header(column)
        if not key:
            continue
        if key in synonyms:
            candidates.append((100.0, -position, synonyms[key], column, "synonym"))
            continue
        leaf = normalise_header(column.rsplit(".", 1)[-1]) if "." in column else ""
        if len(leaf) >= 4 and leaf in synonyms:  # a nested field: arrest_warrants.charge is the offence
            candidates.append((95.0, -position, synonyms[leaf], column, "synonym"))
            continue
        if len(key) < 4:
            continue
        found = process.extract(key, choices, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF, limit=3)
        # Only the column's best-matching field(s): "Fecha de Nacimento" is a misspelt birth date
        # even when another column already holds birth_date, never a second-best review date.
        best = found[0][1] if found else None
        for choice, score, _ in found:
            if score >= best - 0.5:
                candidates.append((round(score, 1), -position, synonyms[choice], column, "fuzzy"))
    for score, _, target, column, method in sorted(candidates, reverse=True):
        if target in mapping.matches or column in taken:
            continue
        mapping.matches[target] = FieldMatch(target, column, score, method)
        taken.add(column)
    _surname_beside_forename(mapping)
    _compose_date_parts(columns, mapping, taken)
    if "full_name" not in mapping.matches and ("surname" in mapping.matches or "given_names" in mapping.matches):
        used = [mapping.matches[f].column for f in ("surname", "given_names") if f in mapping.matches]
        mapping.notes.append(f"full_name composed from {' and '.join(repr(c) for c in used)} (surname, given names)")
    mapping.unmapped_columns = [c for c in columns if c not in taken]
    return mapping


def _compose_name_parts(columns: list[str], mapping: Mapping, taken: set[str]) -> None:
    """Name 1..6 or FIRST_NAME..FOURTH_NAME (two or more) make ``full_name`` when no column holds it.

    The parts are joined with a space in file order (OFSI puts its surname, "Name 6", first); rules
    compare names by their sorted tokens, so the order of parts never changes a finding.
    """
    if "full_name" in mapping.matches:
        return
    full_synonyms = {normalise_header(w) for w in load_vocab("columns").get("full_name", [])}
    surname_synonyms = {normalise_header(w) for w in load_vocab("columns").get("surname", [])}
    if any(normalise_header(c) in full_synonyms | surname_synonyms for c in columns if c not in taken):
        return  # a full-name column exists, or surname + given names are composed in normalise
    parts = []
    for column in columns:
        if column in taken:
            continue
        m = NAME_PART.match(normalise_header(column))
        if m:
            parts.append(column)
    if len(parts) < 2:
        return
    why = f"full_name composed from {len(parts)} name-part columns ({', '.join(parts)}), joined in file order"
    mapping.matches["full_name"] = FieldMatch("full_name", " + ".join(parts), 100.0, "composed", tuple(parts), why)
    mapping.notes.append(why)
    taken.update(parts)


DATE_PARTS = {
    "year": ("year", "birth year", "year of birth", "dob year", "yob", "ano", "ano nacimiento", "anio", "annee"),
    "month": ("month", "birth month", "month of birth", "dob month", "mes", "mes nacimiento", "mois"),
    "day": ("day", "birth day", "day of birth", "dob day", "dia", "dia nacimiento", "jour"),
}


def _compose_date_parts(columns: list[str], mapping: Mapping, taken: set[str]) -> None:
    """Year, month and day columns (the UK's normalised dobs table) make ``birth_date`` when no column
    holds it: a year with a month, or a year headed as a birth year."""
    if "birth_date" in mapping.matches:
        return
    found: dict[str, str] = {}
    for column in columns:
        key = normalise_header(column)
        for part, words in DATE_PARTS.items():
            if column not in taken and part not in found and key in words:
                found[part] = column
    year = found.get("year")
    if year is None or ("month" not in found and normalise_header(year) in ("year", "ano", "anio", "annee")):
        return
    parts = (year, found.get("month", ""), found.get("day", ""))
    used = [c for c in parts if c]
    why = f"birth_date composed from {' + '.join(repr(c) for c in used)} (year, month, day)"
    mapping.matches["birth_date"] = FieldMatch("birth_date", " + ".join(used), 100.0, "composed", parts, why)
    mapping.notes.append(why)
    taken.update(used)


def _surname_beside_forename(mapping: Mapping) -> None:
    """INTERPOL writes the surname as ``name`` beside ``forename``: a bare "name" next to a given-name
    column is the surname, not the full name."""
    full, given = mapping.matches.get("full_name"), mapping.matches.get("given_names")
    if full is None or given is None or "surname" in mapping.matches or full.method not in ("synonym", "fuzzy"):
        return
    if normalise_header(full.column) not in ("name", "nombre", "nome", "nom"):
        return
    why = (f"'{full.column}' sits beside the given-name column '{given.column}', so it is read as the surname; "
           "full_name is composed as surname, given names")
    del mapping.matches["full_name"]
    mapping.matches["surname"] = FieldMatch("surname", full.column, full.score, "context", (), why)
    mapping.notes.append(why)
