"""Name anomalies (NM01-NM06), judged per record without factorizing the names.

A byte screen over the UTF-8 names (numpy, one table lookup per byte) picks out the few records any
rule could flag: a name with no digit, control byte, space trouble or suspect byte cannot match
NM01/NM04/NM05/NM06, and a name holding two ASCII letters side by side and two words cannot be a
single word (NM02) or initials only (NM03). Each rule's own test (pyarrow compute, RE2 regexes;
pandas' ``.str.replace``/``.str.count`` would fall back to Python's ``re`` per value) runs on those
records alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import textops
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

NM06_PATTERNS = [
    (r"^[\s\x{00a0}]", "leading space"),
    (r"[\s\x{00a0}]$", "trailing space"),
    (r"[ \x{00a0}]{2,}", "repeated spaces"),
    (r"\x{00a0}", "non-breaking space"),
]
SPACE_BEFORE_COMMA = (r" ,", "space before a comma")
# every pattern NM01, NM04, NM05 and NM06 look for; each runs only on the records the byte screen keeps
SCREENED = [r"\d", MOJIBAKE, CONTROL, *(p for p, _ in NM06_PATTERNS), SPACE_BEFORE_COMMA[0]]


def _screen_chunk(chunk: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """(maybe flagged by a SCREENED pattern, maybe one word or initials only) per record of a chunk."""
    offsets, data = textops.parts(chunk)
    n = len(chunk)
    nonempty = np.flatnonzero(offsets[1:] > offsets[:-1])
    if not len(nonempty):
        return np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    first, last = offsets[nonempty], offsets[nonempty + 1] - 1
    digit = textops.in_range(data, 0x30, 0x39)
    letter = textops.in_range(data | np.uint8(0x20), 0x61, 0x7A)  # ASCII letters, either case
    space = data == 0x20
    # Bytes one of SCREENED needs. RE2's \d and \s are ASCII ([0-9], [\t\n\f\r ]); control characters
    # are bytes below 0x20 and 0x7F; U+0080-U+00BF (C1 controls, NBSP) have the lead byte C2; U+FFFD
    # starts with EF; every mojibake pattern holds Â Ã Ä Å (C3 82-85) or € (E2 82 AC): 82-85 are
    # continuation bytes of no letter a name is written with. A space counts first, last, or before a
    # space or a comma.
    hit = (data < 0x20) | digit | (data == 0x7F) | (data == 0xC2) | textops.in_range(data, 0x82, 0x85) | (data == 0xEF)
    hit[:-1] |= space[:-1] & (space[1:] | (data[1:] == 0x2C))  # across two strings: a last space, flagged anyway
    hit[first] |= space[first]
    hit[last] |= space[last]
    suspect = textops.any_per_string(hit, offsets, nonempty, n)
    # a word of two letters or more: two ASCII letters side by side (not across two strings)
    pair = np.zeros(len(data), dtype=bool)
    pair[:-1] = letter[:-1] & letter[1:]
    pair[last] = False
    wordy = textops.any_per_string(pair, offsets, nonempty, n)
    # two words: a word start (an ASCII letter or digit after an ASCII separator, which is never a
    # letter or digit) after a letter or digit: the first byte, or an earlier word start
    alnum = letter | digit
    starts = np.zeros(len(data) + 1, dtype=np.int32)
    starts[2:] = ~alnum[:-1] & (data[:-1] < 0x80) & alnum[1:]
    starts[first + 1] = 0  # the separator before it was the previous string's
    np.cumsum(starts, out=starts)
    count = starts[last + 1] - starts[first]
    two_words = np.zeros(n, dtype=bool)
    two_words[nonempty] = (count >= 2) | ((count >= 1) & alnum[first])
    return suspect, ~(wordy & two_words)


def _screen(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the records a SCREENED pattern may match, and of those that may be one word or
    initials only, once per run."""
    cache = ctx.memo("names")
    if "screen" not in cache:
        parts = [_screen_chunk(c) for c in textops.text_chunks(ctx.frame["full_name"])]
        suspect = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=bool)
        short = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=bool)
        cache["screen"] = (np.flatnonzero(suspect), np.flatnonzero(short))  # NA names match nothing
    return cache["screen"]


def _names_at(ctx: Context, pos: np.ndarray) -> pa.Array:
    return textops.series_arrow(ctx.frame["full_name"].iloc[pos])


def _matches(names: pa.Array, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(names, pattern), False).to_numpy(zero_copy_only=False)


def _tokens(names: pa.Array) -> pa.Array:
    """Tokens of letters and digits (accents kept), single-space separated, per name."""
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(names, r"[^\p{L}\p{N}]+", " "))


def _short_tokens(ctx: Context) -> tuple[np.ndarray, pa.Array]:
    """The records that may be one word or initials only, and their ``_tokens`` (NM02 and NM03)."""
    cache = ctx.memo("names")
    if "tokens" not in cache:
        pos = _screen(ctx)[1]
        cache["tokens"] = (pos, _tokens(_names_at(ctx, pos)))
    return cache["tokens"]


def _suspect_hits(ctx: Context, pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """The records the screen kept, and whether ``pattern`` (one of SCREENED) matches each."""
    assert pattern in SCREENED, pattern
    cache = ctx.memo("names")
    pos = _screen(ctx)[0]
    if "suspect_names" not in cache:
        cache["suspect_names"] = _names_at(ctx, pos)
    return pos, _matches(cache["suspect_names"], pattern)


def _flag(ctx: Context, pattern: str) -> np.ndarray:
    """Per record: ``pattern`` (one of SCREENED) matches."""
    return _scatter(ctx, *_suspect_hits(ctx, pattern))


def _scatter(ctx: Context, pos: np.ndarray, hit: np.ndarray) -> np.ndarray:
    out = np.zeros(len(ctx.frame), dtype=bool)
    out[pos[hit]] = True
    return out


@implements("NM01")
def name_has_digits(ctx: Context, options: dict):
    return _flag(ctx, r"\d")


@implements("NM02")
def name_single_token(ctx: Context, options: dict):
    pos, tokens = _short_tokens(ctx)
    single = _matches(tokens, r"^\S+$")
    initials_only = _matches(tokens, r"^\w( \w)*$")
    return _scatter(ctx, pos, single & ~initials_only)


@implements("NM03")
def name_initials_only(ctx: Context, options: dict):
    pos, tokens = _short_tokens(ctx)
    tokens = pc.utf8_trim_whitespace(pc.replace_substring_regex(tokens, r"\d+", ""))
    return _scatter(ctx, pos, _matches(tokens, r"^\p{L}( +\p{L})*$"))


@implements("NM04")
def name_mojibake(ctx: Context, options: dict):
    return _flag(ctx, MOJIBAKE)


@implements("NM05")
def name_control_characters(ctx: Context, options: dict):
    return _flag(ctx, CONTROL)


@implements("NM06")
def name_stray_whitespace(ctx: Context, options: dict):
    pos = _screen(ctx)[0]
    kinds = np.full(len(pos), "", dtype=object)
    checks = list(NM06_PATTERNS)
    if options["flag_space_before_comma"]:
        checks.append(SPACE_BEFORE_COMMA)
    for pattern, label in checks:
        hit = _suspect_hits(ctx, pattern)[1]
        kinds[hit] = np.where(kinds[hit] == "", label, kinds[hit] + ", " + label)
    found = kinds != ""
    return pd.DataFrame({"pos": pos[found], "kind": kinds[found]})
