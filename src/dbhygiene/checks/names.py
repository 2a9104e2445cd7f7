"""Name anomalies (NM01-NM06). Each test runs once over the distinct names (pyarrow compute, RE2
regexes; pandas' ``.str.replace``/``.str.count`` would fall back to Python's ``re`` per value) and is
broadcast back to the records with the factorize codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..engine import Context, implements

# UTF-8 read as cp1252/latin-1: a lead byte shown as Ã or Â followed by a continuation byte, which
# cp1252 shows as one of these characters ("NUÃ‘EZ", "JosÃ©", "Â°").
_CP1252_CONT = "\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d" \
               "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
# The second byte lost: Á Í Ï Ð Ý (C3 81/8D/8F/90/9D) and their C2/C4/C5 cousins have a second byte
# cp1252 does not define, which editors turn into "?" or U+FFFD, or drop. So "Ã?" / "Ä?" / "Â?"
# / "Å?" anywhere; and a bare "Ã" where Portuguese never writes one: at the start of a word
# ("ÃLVAREZ") or before a letter other than O, E, S ("GARCÃA", "MARÃN").
LOST_SECOND_BYTE = "[\u00c2\u00c3\u00c4\u00c5][?\ufffd]|(?:^|[\\s,;.(\\-])\u00c3|\u00c3[^OESoes\\s\\p{P}]"
MOJIBAKE = f"[\u00c2\u00c3\u00c5\u00c4][{_CP1252_CONT}]|\u00e2\u20ac|\ufffd|{LOST_SECOND_BYTE}"
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\x{80}-\x{9f}]|\t|\r|\n"


def _distinct(ctx: Context, column: str = "full_name") -> tuple[np.ndarray, pa.Array]:
    """Factorize codes and distinct values of a name column, computed once per run."""
    cache = ctx.memo("names")
    if column not in cache:
        codes, uniques = pd.factorize(ctx.frame[column], use_na_sentinel=True)
        arr = pa.array(pd.Series(uniques, dtype="str").array)
        cache[column] = (codes, arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    return cache[column]


def _broadcast(codes: np.ndarray, per_unique: np.ndarray) -> np.ndarray:
    out = np.zeros(len(codes), dtype=bool)
    known = codes >= 0
    out[known] = per_unique[codes[known]]
    return out


def _matches(names: pa.Array, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(names, pattern), False).to_numpy(zero_copy_only=False)


def _tokens(names: pa.Array) -> pa.Array:
    """Tokens of letters and digits (accents kept), single-space separated, per distinct name."""
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(names, r"[^\p{L}\p{N}]+", " "))


def _name_tokens(ctx: Context) -> pa.Array:
    """``_tokens`` of the distinct names, once per run (NM02 and NM03 both read them)."""
    cache = ctx.memo("names")
    if "tokens" not in cache:
        cache["tokens"] = _tokens(_distinct(ctx)[1])
    return cache["tokens"]


NM06_PATTERNS = [
    (r"^[\s\x{00a0}]", "leading space"),
    (r"[\s\x{00a0}]$", "trailing space"),
    (r"[ \x{00a0}]{2,}", "repeated spaces"),
    (r"\x{00a0}", "non-breaking space"),
]
SPACE_BEFORE_COMMA = (r" ,", "space before a comma")
# every pattern NM01, NM04, NM05 and NM06 look for, as one alternation: one pass over the distinct
# names finds the few that any of them can flag, and each rule's own pattern runs on those alone
SCREENED = [r"\d", MOJIBAKE, CONTROL, *(p for p, _ in NM06_PATTERNS), SPACE_BEFORE_COMMA[0]]
SCREEN = "|".join(f"(?:{p})" for p in SCREENED)


def _flag(ctx: Context, pattern: str) -> np.ndarray:
    """Per distinct name: ``pattern`` matches. ``pattern`` must be one of SCREENED."""
    assert pattern in SCREENED, pattern
    cache = ctx.memo("names")
    _, names = _distinct(ctx)
    if "screened" not in cache:
        cache["screened"] = np.flatnonzero(_matches(names, SCREEN))
    candidates = cache["screened"]
    out = np.zeros(len(names), dtype=bool)
    if len(candidates):
        out[candidates] = _matches(names.take(pa.array(candidates, type=pa.int64())), pattern)
    return out


@implements("NM01")
def name_has_digits(ctx: Context, options: dict):
    codes, _ = _distinct(ctx)
    return _broadcast(codes, _flag(ctx, r"\d"))


@implements("NM02")
def name_single_token(ctx: Context, options: dict):
    codes, _ = _distinct(ctx)
    tokens = _name_tokens(ctx)
    single = _matches(tokens, r"^\S+$")
    initials_only = _matches(tokens, r"^\w( \w)*$")
    return _broadcast(codes, single & ~initials_only)


@implements("NM03")
def name_initials_only(ctx: Context, options: dict):
    codes, _ = _distinct(ctx)
    tokens = pc.utf8_trim_whitespace(pc.replace_substring_regex(_name_tokens(ctx), r"\d+", ""))
    return _broadcast(codes, _matches(tokens, r"^\p{L}( +\p{L})*$"))


@implements("NM04")
def name_mojibake(ctx: Context, options: dict):
    codes, _ = _distinct(ctx)
    return _broadcast(codes, _flag(ctx, MOJIBAKE))


@implements("NM05")
def name_control_characters(ctx: Context, options: dict):
    codes, _ = _distinct(ctx)
    return _broadcast(codes, _flag(ctx, CONTROL))


@implements("NM06")
def name_stray_whitespace(ctx: Context, options: dict):
    codes, names = _distinct(ctx)
    kinds = np.full(len(names), "", dtype=object)
    checks = list(NM06_PATTERNS)
    if options["flag_space_before_comma"]:
        checks.append(SPACE_BEFORE_COMMA)
    for pattern, label in checks:
        hit = _flag(ctx, pattern)
        kinds[hit] = np.where(kinds[hit] == "", label, kinds[hit] + ", " + label)
    per_unique = kinds != ""
    mask = _broadcast(codes, per_unique)
    pos = np.flatnonzero(mask)
    return pd.DataFrame({"pos": pos, "kind": kinds[codes[pos]]})
