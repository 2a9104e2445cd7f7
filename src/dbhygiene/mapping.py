"""Stage 2: map the export's headers to canonical fields.

Headers are compared after casefolding, stripping accents and punctuation. An exact synonym from
``rules/vocab/columns.yml`` scores 100; otherwise rapidfuzz scores the nearest synonym and a match
needs ``FUZZY_CUTOFF``; a column is only offered to the field(s) it matches best. Each field takes
at most one column and each column at most one field, best score first. Explicit mappings (config or ``--map``) win over everything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .catalogue import load_vocab
from .errors import ConfigError

FUZZY_CUTOFF = 86.0
CANONICAL_FIELDS = (
    "full_name", "given_names", "surname", "national_id", "id_type", "birth_date", "age", "sex",
    "entry_date", "offence", "issuing_authority", "warrant_ref", "subject_category", "jurisdiction",
    "review_date", "photo_date", "record_id",
)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_header(header: str) -> str:
    text = unicodedata.normalize("NFKD", str(header))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return _NON_ALNUM.sub(" ", text).strip()


@dataclass(frozen=True)
class FieldMatch:
    field: str
    column: str
    score: float  # 0-100: how sure the mapping is
    method: str  # explicit | synonym | fuzzy


@dataclass
class Mapping:
    matches: dict[str, FieldMatch] = field(default_factory=dict)
    unmapped_columns: list[str] = field(default_factory=list)

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


def map_columns(columns: list[str], explicit: dict[str, str] | None = None) -> Mapping:
    explicit = explicit or {}
    mapping = Mapping()
    taken: set[str] = set()
    for target, column in explicit.items():
        if target not in CANONICAL_FIELDS:
            raise ConfigError(f"unknown field '{target}' in column mapping (fields: {', '.join(CANONICAL_FIELDS)})")
        if column not in columns:
            raise ConfigError(f"column '{column}' mapped to {target} is not in the file "
                              f"(columns: {', '.join(columns)})")
        mapping.matches[target] = FieldMatch(target, column, 100.0, "explicit")
        taken.add(column)

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
    mapping.unmapped_columns = [c for c in columns if c not in taken]
    return mapping
