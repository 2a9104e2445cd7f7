"""Name anomalies (NM01-NM06). Each test runs once over the distinct names (pyarrow-backed
``.str`` methods) and is broadcast back to the records with the factorize codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Context, implements

# UTF-8 read as cp1252/latin-1: a lead byte shown as Ã or Â followed by a continuation byte, which
# cp1252 shows as one of these characters ("NUÃ‘EZ", "JosÃ©", "Â°").
_CP1252_CONT = "\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d" \
               "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
MOJIBAKE = f"[\u00c2\u00c3\u00c5\u00c4][{_CP1252_CONT}]|\u00e2\u20ac|\ufffd"
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\x{80}-\x{9f}]|\t|\r|\n"


def _distinct(ctx: Context, column: str = "full_name") -> tuple[np.ndarray, pd.Series]:
    """Factorize codes and distinct values of a name column, computed once per run."""
    cache = ctx.__dict__.setdefault("_names_cache", {})
    if column not in cache:
        codes, uniques = pd.factorize(ctx.frame[column], use_na_sentinel=True)
        cache[column] = (codes, pd.Series(uniques, dtype="str"))
    return cache[column]


def _broadcast(codes: np.ndarray, per_unique: np.ndarray) -> np.ndarray:
    out = np.zeros(len(codes), dtype=bool)
    known = codes >= 0
    out[known] = per_unique[codes[known]]
    return out


def _mask(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=bool, na_value=False)


def _tokens(uniques: pd.Series) -> pd.Series:
    """Tokens of letters (accents kept) per distinct name."""
    return uniques.str.replace(r"[^\p{L}\p{N}]+", " ", regex=True).str.strip()


@implements("NM01")
def name_has_digits(ctx: Context, options: dict):
    codes, names = _distinct(ctx)
    return _broadcast(codes, _mask(names.str.contains(r"\d", regex=True)))


@implements("NM02")
def name_single_token(ctx: Context, options: dict):
    codes, names = _distinct(ctx)
    tokens = _tokens(names)
    count = tokens.str.count(" ").fillna(-1).to_numpy() + 1
    letters = tokens.str.len().fillna(0).to_numpy()
    initials_only = _mask(tokens.str.fullmatch(r"\w( \w)*"))
    return _broadcast(codes, (count == 1) & (letters > 0) & ~initials_only)


@implements("NM03")
def name_initials_only(ctx: Context, options: dict):
    codes, names = _distinct(ctx)
    tokens = _tokens(names).str.replace(r"\d", "", regex=True).str.strip()
    return _broadcast(codes, _mask(tokens.str.fullmatch(r"\p{L}( +\p{L})*")))


@implements("NM04")
def name_mojibake(ctx: Context, options: dict):
    codes, names = _distinct(ctx)
    return _broadcast(codes, _mask(names.str.contains(MOJIBAKE, regex=True)))


@implements("NM05")
def name_control_characters(ctx: Context, options: dict):
    codes, names = _distinct(ctx)
    return _broadcast(codes, _mask(names.str.contains(CONTROL, regex=True)))


@implements("NM06")
def name_stray_whitespace(ctx: Context, options: dict):
    codes, names = _distinct(ctx)
    kinds = np.full(len(names), "", dtype=object)
    checks = [
        (r"^[\s\u00a0]", "leading space"),
        (r"[\s\u00a0]$", "trailing space"),
        (r"[ \u00a0]{2,}", "repeated spaces"),
        (r"\u00a0", "non-breaking space"),
    ]
    if options["flag_space_before_comma"]:
        checks.append((r" ,", "space before a comma"))
    for pattern, label in checks:
        hit = _mask(names.str.contains(pattern, regex=True))
        kinds[hit] = np.where(kinds[hit] == "", label, kinds[hit] + ", " + label)
    per_unique = kinds != ""
    mask = _broadcast(codes, per_unique)
    pos = np.flatnonzero(mask)
    return pd.DataFrame({"pos": pos, "kind": kinds[codes[pos]]})
