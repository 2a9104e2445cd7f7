"""Identity rules: national ID format (ID01), missing ID (ID02), one ID for different people (ID03),
one person under several IDs (ID04) and IDs out of sequence with the birth year (ID05).

Everything per record is vectorised; loops run over distinct values, groups, blocks or findings.
Cross-record rules work on *identities*: the distinct (national ID, sorted-token name, birth date)
combinations, so exact copies of a record (DU01) and several warrants for one person collapse into
one identity and are never reported twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

import pyarrow as pa
import pyarrow.compute as pc

from ..arrays import unique
from ..engine import CheckResult, Context, implements
from ..normalise import sort_tokens, strip_accents_casefold
from ..textops import char_histograms, parts, ratio_bound_reaches, series_arrow, series_from_arrow
from .duplicates import group_positions
from .several import on_every_value

EMPTY = pd.DataFrame({"pos": pd.Series([], dtype=np.int64)})
REPEATED_DIGIT = "|".join(f"{d}{{5,}}" for d in range(10))  # RE2 has no backreferences
BLOCK_AFFIX = 4  # ID04 blocking: letters of a token's start and end that must match
_FIXED_DIGITS = re.compile(r"^\^(?:\\d|\[0-9\])\{(\d+)\}\$$")
_DIGIT_RUN = re.compile(r"(?:\\d|\[0-9\])\{(\d+)(?:,(\d+))?\}")  # \d{7,8}, [0-9]{11}


# ----------------------------------------------------------------------------------- shared helpers

def _type_key(value) -> str:
    return re.sub(r"[^0-9A-Z]", "", str(value).upper())


def placeholder_set(profile: dict) -> set[str]:
    """Profile placeholders, normalised like ``national_id__norm``."""
    out = set()
    for value in profile.get("id_placeholders") or ():
        out.add(str(value).strip().upper())
        out.add(re.sub(r"[\s.\-_/]+", "", str(value).upper()))
    out.discard("")
    return out


def is_placeholder_id(norm: pd.Series, profile: dict) -> np.ndarray:
    """True where a normalised ID is a profile placeholder or one digit repeated (e.g. 0000000)."""
    values = norm.astype("str")
    mask = np.array(values.isin(placeholder_set(profile)).to_numpy(dtype=bool, na_value=False), dtype=bool)
    if profile.get("id_placeholder_repeated_digits", True):
        idx = _repeated_digit_candidates(series_arrow(values))
        mask[idx] |= values.iloc[idx].str.fullmatch(REPEATED_DIGIT).to_numpy(dtype=bool, na_value=False)
    return mask


def _repeated_digit_candidates(values: pa.Array) -> np.ndarray:
    """Positions of the values that may be one digit repeated 5 times or more: 5 bytes or longer,
    the first an ASCII digit and equal to the second and to the last (read from the Arrow buffers;
    the regex then runs on these few only)."""
    arr = values if values.type == pa.large_string() else values.cast(pa.large_string())
    offsets, data = parts(arr)
    start, end = offsets[:-1], offsets[1:]
    long = np.flatnonzero(end - start >= 5)
    first = data[start[long]]
    same = (first >= 48) & (first <= 57) & (data[start[long] + 1] == first) & (data[end[long] - 1] == first)
    return long[same]


def _flags(values) -> np.ndarray:
    """A boolean Arrow result as numpy, null as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _lengths(values) -> np.ndarray:
    """Characters per value of an Arrow string array, 0 for null."""
    return np.asarray(pc.fill_null(pc.utf8_length(values), 0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _mod11_ok(digits11: np.ndarray) -> np.ndarray:
    """CUIL/CUIT check digit (weights 5,4,3,2,7,6,5,4,3,2) for an array of 11-digit strings."""
    if len(digits11) == 0:
        return np.zeros(0, dtype=bool)
    raw = np.frombuffer("".join(digits11).encode("ascii"), dtype=np.uint8).reshape(-1, 11).astype(np.int64) - 48
    weights = np.array([5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
    check = 11 - (raw[:, :10] @ weights) % 11
    check = np.where(check == 11, 0, check)
    return (check != 10) & (check == raw[:, 10])


CHECKSUMS = {"mod11_cuit": _mod11_ok}


def _fullmatch(norm: pd.Series, pattern: str) -> np.ndarray:
    """``norm.str.fullmatch(pattern)`` as booleans. A run of digits (``\\d{7,8}``, ``[0-9]{11}``) is
    checked on the ASCII values by character class and length instead of a regex pass; values
    with other characters keep pandas' regex (whose ``\\d`` then means any Unicode digit)."""
    run = _DIGIT_RUN.fullmatch(pattern)
    lo, hi = (int(run.group(1)), int(run.group(2) or run.group(1))) if run else (0, 0)
    if not 0 < lo <= hi:
        return norm.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
    arr = series_arrow(norm)
    ascii_ = _flags(pc.string_is_ascii(arr))
    length = _lengths(arr)
    match = ascii_ & (length >= lo) & (length <= hi) & _flags(pc.ascii_is_decimal(arr))
    other = np.flatnonzero(~ascii_ & _flags(pc.is_valid(arr)))
    if len(other):
        match[other] = norm.iloc[other].str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
    return match


def _format_ok(norm: pd.Series, fmt: dict) -> tuple[np.ndarray, np.ndarray]:
    """(pattern matches, pattern matches and the checksum, if any, holds)."""
    match = _fullmatch(norm, fmt["pattern"].strip("^$"))
    ok = match.copy()
    checksum = fmt.get("checksum")
    if checksum and match.any():
        idx = np.flatnonzero(match)
        values = norm.iloc[idx].to_numpy(dtype=object)  # the matching values only
        lengths = np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))
        good = np.zeros(len(idx), dtype=bool)
        eleven = lengths == 11
        good[eleven] = CHECKSUMS[checksum](values[eleven].astype(str))
        ok[idx] = good
    return match, ok


def _fixed_length(fmt: dict) -> int | None:
    m = _FIXED_DIGITS.match(fmt["pattern"])
    return int(m.group(1)) if m else None


def _rows_of(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, group: int) -> np.ndarray:
    return order[starts[group]:starts[group] + sizes[group]]


def _cached(ctx: Context, name: str, build):
    """Per-run cache for values several identity rules share (factorized IDs, placeholder masks)."""
    cache = ctx.memo("identity")
    if name not in cache:
        cache[name] = build()
    return cache[name]


def distinct_placeholders(ctx: Context, column: str = "national_id__norm") -> np.ndarray:
    """Per distinct value of ``ctx.factorized(column)``: is it a placeholder ID (once per run; ID01
    and ``id_codes`` share it)."""
    def build():
        _, uniques = ctx.factorized(column)
        return is_placeholder_id(pd.Series(uniques, dtype="str"), ctx.profile)
    return _cached(ctx, f"placeholders:{column}", build)


def id_codes(ctx: Context, column: str = "national_id__norm") -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """(code per record, -1 if blank; distinct normalised IDs; placeholder flag per record)."""
    def build():
        codes, uniques = ctx.factorized(column)
        distinct = pd.Series(uniques, dtype="str")
        placeholder = np.r_[distinct_placeholders(ctx, column), False][codes]
        return codes, distinct, placeholder
    return _cached(ctx, "id_codes" if column == "national_id__norm" else f"id_codes:{column}", build)


# ------------------------------------------------------------------------------------------- ID01
#
# ID01's verdict is a function of the raw ID and the document type alone, so it is worked out once
# per distinct (raw ID, type) pair -- an *entry* -- and broadcast to the records. The entries come
# from the normalised IDs' factorization, which the other identity rules share: a normalised ID
# nearly always has one raw spelling, and only the records whose raw spelling or type differs from
# the first record of their normalised ID get entries of their own. Most raw IDs are plain digits
# (optionally with thousands dots); their verdict depends on the normalised ID only, so the checks
# of the raw text (spreadsheet damage, letters for digits) run on the few others.

def _plain_ids(norms: pa.Array, norm_of: np.ndarray, raw_length: np.ndarray) -> np.ndarray:
    """Entries whose raw text needs no check. Their normalised ID is ASCII digits, so the raw ID is
    digits and separators: no letter, no exponent, and a placeholder by its normalised ID whenever
    its raw text is listed (placeholder_set holds every listed value without separators). And
    either the raw ID is its normalised ID (same length: no separator) or neither ends in 0 (no
    trailing '.0')."""
    digits = np.r_[_flags(pc.and_(pc.string_is_ascii(norms), pc.ascii_is_decimal(norms))), False][norm_of]
    same = raw_length == np.r_[_lengths(norms), -1][norm_of]
    return digits & (same | ~np.r_[_flags(pc.ends_with(norms, "0")), False][norm_of])


def _document_types(f: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """(code per record of its document type key, the keys); "" when there is no type."""
    if "id_type" not in f.columns:
        return np.zeros(len(f), dtype=np.int64), [""]
    codes, uniques = pd.factorize(f["id_type"], use_na_sentinel=True)
    keys = [_type_key(t) for t in uniques] + [""]  # the last: blank type
    number = {t: i for i, t in enumerate(dict.fromkeys(keys))}
    to_key = np.array([number[t] for t in keys], dtype=np.int64)
    return to_key[codes], list(number)  # code -1 (blank) takes the last, ""


def _id_entries(ctx: Context, type_code: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(entry per record, a record of each entry, the normalised-ID code of each entry or -1).

    An entry is one distinct (raw ID, document type) pair; entries below the number of distinct
    normalised IDs are those IDs' first records."""
    norm_code, uniques = ctx.factorized("national_id__norm")
    k_norm = len(uniques)
    valid = np.flatnonzero(norm_code >= 0)
    first = np.zeros(k_norm, dtype=np.int64)
    first[norm_code[valid[::-1]]] = valid[::-1]
    counts = np.bincount(norm_code[valid], minlength=k_norm)
    shared = valid[counts[norm_code[valid]] > 1]  # records whose normalised ID other records carry
    other = first[norm_code[shared]]
    raw = series_arrow(ctx.frame["national_id"])
    same = pc.fill_null(pc.equal(raw.take(pa.array(shared)), raw.take(pa.array(other))), False)
    differs = ~np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool) | (type_code[shared] != type_code[other])
    odd = np.union1d(np.flatnonzero(norm_code < 0), shared[differs])  # blank IDs and other spellings
    entry = norm_code.copy()
    if len(odd):
        raw_code = pd.factorize(ctx.frame["national_id"].iloc[odd], use_na_sentinel=True)[0].astype(np.int64)
        odd_code, _ = pd.factorize((raw_code + 1) * (int(type_code.max()) + 1) + type_code[odd])
        entry[odd] = k_norm + odd_code
        odd_first = np.zeros(int(odd_code.max()) + 1, dtype=np.int64)
        odd_first[odd_code[::-1]] = odd[::-1]
        first = np.r_[first, odd_first]
    norm_of = np.r_[np.arange(k_norm), norm_code[first[k_norm:]]]
    return entry, first, norm_of


def _raw_damage(raw: pd.Series, placeholders: set[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For raw IDs (not plain): (placeholder text, scientific notation, trailing '.0')."""
    stripped = raw.str.strip()
    placeholder = stripped.str.upper().isin(placeholders).to_numpy(dtype=bool, na_value=False)

    def where(candidates: pa.Array, pattern: str) -> np.ndarray:
        out = np.asarray(pc.fill_null(candidates, False).to_numpy(zero_copy_only=False), dtype=bool)
        idx = np.flatnonzero(out)
        out[idx] = stripped.iloc[idx].str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
        return out

    arrow = series_arrow(stripped)
    sci = where(pc.match_substring(arrow, "e", ignore_case=True), r"[0-9](?:[.,][0-9]+)?[eE][+]?[0-9]+")
    trailing = where(pc.ends_with(arrow, "0"), r"[0-9]{4,}[.,]0{1,2}")
    return placeholder, sci, trailing


def _confusion(raw: pd.Series) -> np.ndarray:
    """Raw IDs with a letter like O or l and a digit."""
    return (raw.str.contains(r"[OoIl|]", regex=True).to_numpy(dtype=bool, na_value=False)
            & raw.str.contains(r"[0-9]", regex=True).to_numpy(dtype=bool, na_value=False))


def _confusion_text(raw: pd.Series) -> np.ndarray:
    uses_O = raw.str.contains(r"[Oo]", regex=True).to_numpy(dtype=bool, na_value=False)
    uses_1 = raw.str.contains(r"[IlL|]", regex=True).to_numpy(dtype=bool, na_value=False)
    return np.where(uses_O & uses_1, "letter/digit confusion: letter O for digit 0 and l/I for digit 1",
                    np.where(uses_O, "letter/digit confusion: letter O for digit 0",
                             "letter/digit confusion: letter l or I for digit 1")).astype(object)


@implements("ID01")
def national_id_format(ctx: Context, options: dict):
    f = ctx.frame
    formats = {_type_key(k): v for k, v in (ctx.profile.get("id_formats") or {}).items()}
    formats.setdefault("DEFAULT", {"pattern": r"^[A-Z0-9]{4,20}$", "description": "4 to 20 letters or digits"})
    default_key = "DEFAULT"
    type_code, type_keys = _document_types(f)
    entry, rep, norm_of = _id_entries(ctx, type_code)
    k = len(rep)
    _, norm_uniques = ctx.factorized("national_id__norm")
    norm_distinct = pd.Series(norm_uniques, dtype="str")
    etype = type_code[rep]
    raw_arrow = series_arrow(f["national_id"])

    def norms(idx: np.ndarray) -> pd.Series:
        """The normalised IDs of entries ``idx`` (none of them blank)."""
        return series_from_arrow(pc.take(series_arrow(norm_distinct), pa.array(norm_of[idx])),
                                 pd.RangeIndex(len(idx)))

    def raws(idx: np.ndarray) -> pd.Series:
        return series_from_arrow(pc.take(raw_arrow, pa.array(rep[idx])), pd.RangeIndex(len(idx)))

    # 1) blank (ID02's business), placeholder, spreadsheet damage: the first that holds names the problem
    norm_arrow = series_arrow(norm_distinct)
    blank = np.r_[_flags(pc.equal(norm_arrow, "")), True][norm_of]
    placeholder = np.r_[distinct_placeholders(ctx), False][norm_of]
    plain = _plain_ids(norm_arrow, norm_of, _lengths(raw_arrow)[rep])
    sci = np.zeros(k, dtype=bool)
    trailing = np.zeros(k, dtype=bool)
    detail = np.flatnonzero(~plain & ~blank)
    if len(detail):
        ph_raw, sci[detail], trailing[detail] = _raw_damage(raws(detail), placeholder_set(ctx.profile))
        placeholder[detail] |= ph_raw
    sci &= ~placeholder
    trailing &= ~placeholder & ~sci

    # 2) the format of the entry's document type, else (no type) the default or any self-checking one
    known = np.array([t in formats for t in type_keys])
    unknown_type = np.array([t != "" for t in type_keys]) & ~known
    any_mode = np.array([t == "" for t in type_keys])
    applies_by_type = {key: (any_mode & (key == default_key or bool(fmt.get("checksum"))))
                       | np.array([t == key for t in type_keys]) for key, fmt in formats.items()}
    decided = blank | placeholder | sci | trailing | unknown_type[etype]
    ok = np.zeros(k, dtype=bool)
    match_no_check = np.zeros(k, dtype=bool)
    checked: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # CUIL and CUIT share one pattern
    for key, fmt in formats.items():
        if not applies_by_type[key].any():
            continue
        signature = (fmt["pattern"], fmt.get("checksum"))
        if signature not in checked:
            match, good = _format_ok(norm_distinct, fmt)
            checked[signature] = np.r_[match, False], np.r_[good, False]
        match, good = checked[signature]
        applies = applies_by_type[key][etype]
        ok |= applies & good[norm_of]
        match_no_check |= applies & match[norm_of] & ~good[norm_of]
    decided |= ok

    # 3) the rest, few: letters for digits, a bad check digit, lost leading zeros, a wrong length
    rest = np.flatnonzero(~decided)
    problem = np.full(len(rest), None, dtype=object)
    open_ = np.ones(len(rest), dtype=bool)

    def assign(mask, text):
        """Set the problem of the still open ``rest`` entries in ``mask``: a text, an array of texts,
        or a function building the texts for the selected positions of ``rest`` only."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool) & open_)
        if len(idx) == 0:
            return
        open_[idx] = False
        problem[idx] = text if isinstance(text, str) else np.asarray(text(idx), dtype=object)

    norm = norms(rest)
    raw = raws(rest)
    rtype = etype[rest]
    conf_idx = np.flatnonzero(_confusion(raw))
    fixed = norm.iloc[conf_idx].str.replace("O", "0", regex=False).str.replace("I", "1", regex=False) \
        .str.replace("L", "1", regex=False).str.replace("|", "1", regex=False)
    conf_ok = np.zeros(len(rest), dtype=bool)
    pad_ok = np.zeros(len(rest), dtype=bool)
    pad_desc = np.full(len(rest), "", dtype=object)
    norm_arrow = series_arrow(norm)
    digits = pc.fill_null(pc.and_(pc.string_is_ascii(norm_arrow), pc.ascii_is_decimal(norm_arrow)),
                          False).to_numpy(zero_copy_only=False)  # [0-9]+
    lengths = norm.str.len().fillna(0).to_numpy(dtype=np.int64)
    for key, fmt in formats.items():
        applies = applies_by_type[key][rtype]
        if not applies.any():
            continue
        if len(conf_idx):
            _, cgood = _format_ok(fixed, fmt)
            conf_ok[conf_idx] |= applies[conf_idx] & cgood
        n_fixed = _fixed_length(fmt)
        if n_fixed:
            short = applies & digits & (lengths < n_fixed) & (lengths >= n_fixed - options["max_lost_zeros"])
            if short.any():
                short_idx = np.flatnonzero(short)
                padded = norm.iloc[short_idx].str.pad(n_fixed, side="left", fillchar="0")
                hit = np.zeros(len(rest), dtype=bool)
                hit[short_idx] = _format_ok(padded, fmt)[1]
                pad_ok |= hit
                pad_desc[hit & (pad_desc == "")] = f"{fmt.get('description', key)}"

    def describe(i):
        return [(formats.get(t) or formats[default_key]).get("description", "the expected format")
                for t in (type_keys[c] for c in rtype[i])]

    assign(conf_ok, lambda i: _confusion_text(raw.iloc[i]))
    assign(match_no_check[rest], "bad check digit")
    assign(pad_ok, lambda i: [f"spreadsheet damage: lost leading zeros ({n} digits; {d})"
                              for n, d in zip(lengths[i], pad_desc[i])])
    assign(digits, lambda i: [f"wrong length: {n} digits ({d})" for n, d in zip(lengths[i], describe(i))])
    assign(np.ones(len(rest), dtype=bool), lambda i: [f"does not match the expected format ({d})" for d in describe(i)])

    # entries with a problem, their texts in entry order; then the records that carry them
    flagged = np.r_[np.flatnonzero(placeholder), np.flatnonzero(sci), np.flatnonzero(trailing), rest]
    texts = np.r_[np.full(int(placeholder.sum()), "placeholder value, not an ID", dtype=object),
                  np.full(int(sci.sum()), "spreadsheet damage: scientific notation (digits may be lost)",
                          dtype=object),
                  np.full(int(trailing.sum()), "spreadsheet damage: trailing '.0' from a number conversion",
                          dtype=object),
                  problem]
    order = np.argsort(flagged, kind="stable")
    flagged, texts = flagged[order], texts[order]
    is_flagged = np.zeros(k, dtype=bool)
    is_flagged[flagged] = True
    pos = np.flatnonzero(is_flagged[entry])
    return pd.DataFrame({"pos": pos, "field": "national_id",
                         "problem": texts[np.searchsorted(flagged, entry[pos])]})


# ------------------------------------------------------------------------------------------- ID02

@implements("ID02")
def national_id_missing(ctx: Context, options: dict):
    return ctx.frame["national_id__norm"].isna().to_numpy()


# ------------------------------------------------------------------------------------ name scoring

def _usable_dates(ctx: Context, column: str = "birth_date__date") -> pd.Series:
    """Parsed birth dates with the profile's placeholder dates (01/01/1900...) treated as missing
    (once per run: ID03, ID04 and ID05 read them; not to be modified)."""
    return _cached(ctx, f"usable_dates:{column}", lambda: _without_placeholder_dates(ctx, column))


def _without_placeholder_dates(ctx: Context, column: str) -> pd.Series:
    dates = ctx.frame[column]
    placeholders = pd.to_datetime(pd.Series(ctx.profile.get("placeholder_dates") or [], dtype="str"),
                                  errors="coerce").dropna()
    if len(placeholders):
        dates = dates.where(~dates.isin(placeholders.astype(dates.dtype)))
    return dates


# ------------------------------------------------------------------------------------------- ID03

def _pairs_within_groups(starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j), i < j, of positions in the same group, for groups given as contiguous runs."""
    ends = np.repeat(starts + sizes, sizes)
    t = np.arange(int(sizes.sum())) if len(sizes) else np.zeros(0, dtype=np.int64)
    t = np.repeat(starts, sizes) + (t - np.repeat(np.cumsum(sizes) - sizes, sizes))
    count = ends - t - 1
    left = np.repeat(t, count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count) + 1
    return left, left + offset


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label (smallest member) of n nodes joined by edges a-b (vectorised)."""
    labels = np.arange(n)
    if len(a) == 0:
        return labels
    while True:
        low = np.minimum(labels[a], labels[b])
        before = labels.copy()
        np.minimum.at(labels, a, low)
        np.minimum.at(labels, b, low)
        labels = labels[labels]
        if np.array_equal(labels, before):
            return labels


def subject_groups(ctx: Context) -> np.ndarray | None:
    """An integer subject key per record from ``group_id`` (alias rows of one subject share it), or
    None when no grouping column is mapped. Records without a key are their own subject (-1)."""
    if "group_id__key" not in ctx.frame.columns:
        return None
    return pd.factorize(ctx.frame["group_id__key"], use_na_sentinel=True)[0]


def _dates_conflict_across_groups(id_code: np.ndarray, dob_code: np.ndarray, grp: np.ndarray,
                                  n_ids: int) -> np.ndarray:
    """Per ID: do two of its subject groups have birth dates with none in common? One subject's
    alternative birth dates (OFSI lists several per group) are not two people."""
    frame = pd.DataFrame({"id": id_code, "dob": dob_code, "grp": np.where(grp >= 0, grp, -2 - np.arange(len(grp)))})
    frame = frame[frame["dob"] >= 0].drop_duplicates()
    conflict = np.zeros(n_ids, dtype=bool)
    several = frame.groupby("id")["grp"].nunique()
    sub = frame[frame["id"].isin(several.index[several > 1])]
    for ident, part in sub.groupby("id"):  # loops over shared IDs with several dated groups only
        sets = [set(v.tolist()) for _, v in part.groupby("grp")["dob"]]
        conflict[ident] = any(not (a & b) for i, a in enumerate(sets) for b in sets[i + 1:])
    return conflict


@implements("ID03")
def one_id_different_people(ctx: Context, options: dict):
    # every value of a list-valued national ID (XML documents, JSON arrays) is compared, not only the first
    return on_every_value(ctx, "national_id",
                          lambda c: shared_document_conflicts(c, options, "national_id__norm", "national_id"))


@implements("ID07")
def one_passport_different_people(ctx: Context, options: dict):
    return on_every_value(ctx, "passport",
                          lambda c: shared_document_conflicts(c, options, "passport__norm", "passport"))


def shared_document_conflicts(ctx: Context, options: dict, column: str, field: str):
    """ID03's logic for any document number column (national ID, passport)."""
    f = ctx.frame
    all_codes, _, placeholder = id_codes(ctx, column)
    counts = np.bincount(all_codes[all_codes >= 0], minlength=1)
    usable = (all_codes >= 0) & ~placeholder
    usable &= np.r_[counts, 0][all_codes] > 1
    if not usable.any():
        return CheckResult(EMPTY, {"lines": [f"no {field.replace('_', ' ')} shared by several records"]})
    pos_all = np.flatnonzero(usable)
    id_code = np.unique(all_codes[pos_all], return_inverse=True)[1]
    n_ids = int(id_code.max()) + 1
    if "full_name__key" in f:
        key_code, key_uniques = pd.factorize(f["full_name__key"].iloc[pos_all], use_na_sentinel=True)
    else:
        key_code, key_uniques = np.full(len(pos_all), -1), pd.Index([])
    if "birth_date__date" in f:
        dob = _usable_dates(ctx).iloc[pos_all]
        dob_code = pd.factorize(dob, use_na_sentinel=True)[0]
    else:
        dob_code = np.full(len(pos_all), -1)
    group = subject_groups(ctx)
    grp = group[pos_all] if group is not None else np.full(len(pos_all), -1)
    # distinct names per ID (per subject group too: alias rows of one subject are kept apart so
    # each alias can link its group to another group's name)
    named = key_code >= 0
    names = pd.DataFrame({"id": id_code[named], "key": key_code[named], "pos": pos_all[named], "grp": grp[named]})
    names = names.drop_duplicates(["id", "key", "grp"]).sort_values(["id", "pos"], kind="stable")
    n_names = names.drop_duplicates(["id", "key"])["id"].value_counts().reindex(range(n_ids), fill_value=0).to_numpy()
    dated = dob_code >= 0
    dates = pd.DataFrame({"id": id_code[dated], "dob": dob_code[dated]}).drop_duplicates()
    n_dates = np.bincount(dates["id"].to_numpy(), minlength=n_ids)
    if group is not None:
        n_dates = np.where(_dates_conflict_across_groups(id_code, dob_code, grp, n_ids), n_dates, 0)
    huge = n_names > options["max_names_per_id"]
    # name pairs inside each ID (IDs with 2..max_names names), scored in one cpdist call per scorer
    nid = names["id"].to_numpy()
    compare = (n_names[nid] >= 2) & ~huge[nid]
    cmp_names = names[compare]
    cid = cmp_names["id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, cid[1:] != cid[:-1]]) if len(cid) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(cid)])
    left, right = _pairs_within_groups(starts, sizes)
    keys = np.asarray(key_uniques, dtype=object)[cmp_names["key"].to_numpy()]
    suffix = np.asarray(suffix_key(pd.Series(keys, dtype="str")).to_numpy(dtype=object, na_value=""), dtype=object)
    threshold = options["name_similarity_min"]
    if len(left):
        score = np.maximum(
            process.cpdist(keys[left].tolist(), keys[right].tolist(), scorer=fuzz.ratio, workers=1),
            process.cpdist(suffix[left].tolist(), suffix[right].tolist(), scorer=fuzz.ratio, workers=1)).astype(float)
        if options["subset_names_agree"]:
            score = np.maximum(score, process.cpdist(keys[left].tolist(), keys[right].tolist(),
                                                     scorer=fuzz.token_set_ratio, workers=1))
    else:
        score = np.zeros(0)
    # names agree when they form one cluster (single linkage at the threshold): a typo'd and a
    # shortened spelling of one name do not conflict through each other
    agree = score >= threshold
    if group is not None and len(left):
        # names of one subject group are aliases of one another: they agree whatever their spelling
        g = cmp_names["grp"].to_numpy()
        agree |= (g[left] == g[right]) & (g[left] >= 0)
    label = _components(len(cid), left[agree], right[agree])
    split = label[left] != label[right]
    lowest = np.full(n_ids, np.nan)
    if split.any():
        low = pd.Series(score[split]).groupby(cid[left[split]]).min()
        lowest[low.index.to_numpy()] = low.to_numpy()
    names_differ = ~np.isnan(lowest) | huge
    dates_differ = n_dates > 1
    conflict = np.flatnonzero(names_differ | dates_differ)
    if not len(conflict):
        return CheckResult(EMPTY, {"ids_shared": n_ids, "name_pairs_compared": int(len(left)), "conflicts": 0})
    order, gstarts, gsizes = group_positions(id_code)
    related = [np.sort(pos_all[_rows_of(order, gstarts, gsizes, g)]).tolist() for g in conflict]
    kind = np.where(names_differ & dates_differ, "names and birth dates disagree",
                    np.where(names_differ, "names disagree", "birth dates disagree")).astype(object)
    kind[huge] = kind[huge] + "; too many different names to compare: a reused or placeholder ID"
    hits = pd.DataFrame({
        "pos": [r[0] for r in related], "field": field, "related": related,
        "score": [None if np.isnan(v) else float(v) for v in lowest[conflict]],
        "names": n_names[conflict], "dates": n_dates[conflict], "records": [len(r) for r in related],
        "kind": kind[conflict],
        "confidence": np.where(huge[conflict] | ~names_differ[conflict], "medium", "high"),
    })
    return CheckResult(hits, {"ids_shared": n_ids, "name_pairs_compared": int(len(left)), "conflicts": len(hits)})


# ------------------------------------------------------------------------------------------- ID04

def _block_pairs(k_strings: list[str], c_strings: list[str], cutoff: float, window: int,
                 limit: int | None = None) -> tuple[np.ndarray, ...]:
    """Candidate pairs (i < j) in one block, scored with the best of fuzz.ratio on two token-order
    free keys: tokens sorted by prefix (``full_name__key``) and by suffix. A one-letter typo can
    move a token in one order but (for tokens of 3+ letters) not in both, so one-edit typos are
    found whatever the token order. Blocks larger than ``window`` are compared in overlapping
    windows of each sorted order (sorted neighbourhood) instead of all pairs; with ``limit``, the
    windows stop once they have found that many pairs (whole windows: a few more may come).
    Returns (i, j, score, evaluations, stopped)."""
    n = len(k_strings)
    if n <= window:
        m = np.maximum(
            process.cdist(k_strings, list(k_strings), scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32,
                          workers=1),
            process.cdist(c_strings, list(c_strings), scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32,
                          workers=1))
        i, j = np.nonzero(m)
        upper = i < j
        i, j = i[upper], j[upper]
        return i, j, m[i, j], n * n * 2, False
    found_i, found_j, evaluated, found, stopped = [], [], 0, 0, False
    step = max(1, window // 2)
    for strings in (k_strings, c_strings):
        order = np.argsort(np.asarray(strings, dtype=object), kind="stable")
        for s in range(0, max(1, n - step), step):
            if limit is not None and found >= limit:
                stopped = True
                break
            idx = order[s:s + window]
            win = [strings[t] for t in idx]
            m = process.cdist(win, list(win), scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32, workers=1)
            evaluated += len(idx) ** 2
            a, b = np.nonzero(m)
            a, b = a[a < b], b[a < b]
            found_i.append(idx[a]); found_j.append(idx[b])  # noqa: E702
            found += len(a)
    if not found_i:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0, np.float32), evaluated, stopped
    i = np.concatenate(found_i); j = np.concatenate(found_j)  # noqa: E702
    pair = np.unique(np.minimum(i, j).astype(np.int64) * n + np.maximum(i, j))  # (lo, hi) in order, once
    lo, hi = pair // n, pair % n
    sc = np.maximum(
        process.cpdist([k_strings[t] for t in lo], [k_strings[t] for t in hi], scorer=fuzz.ratio, workers=1),
        process.cpdist([c_strings[t] for t in lo], [c_strings[t] for t in hi], scorer=fuzz.ratio, workers=1))
    keep = sc >= cutoff
    return lo[keep], hi[keep], sc[keep].astype(np.float32), evaluated, stopped


def name_tokens(ctx: Context, key_uniques) -> dict:
    """The tokens of each distinct name key (``full_name__key`` is space-joined tokens), computed once
    per run: ``start``/``count`` of each key's tokens in the flat arrays, each token's code, and the
    codes of its first and of its last ``BLOCK_AFFIX`` letters (blocking keys for ID04); ``values``
    are the distinct tokens (``token`` indexes them) and ``repeat`` flags a token equal to the one
    before it in the same key (the key's tokens are sorted, so repeats are neighbours)."""
    return _cached(ctx, "name_tokens", lambda: _name_tokens(key_uniques))


def _as_large_strings(values) -> pa.LargeStringArray:
    """Distinct values (a pandas Index or array of str) as one Arrow large_string array, taken over
    without Python objects when they already are Arrow strings."""
    data = getattr(values, "array", values)
    if isinstance(data, pd.arrays.ArrowStringArray):
        arr = pa.array(data)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    else:
        arr = pa.array(np.asarray(values, dtype=object), type=pa.large_string())
    return arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr


def _name_tokens(key_uniques) -> dict:
    arr = _as_large_strings(key_uniques)
    lists = pc.split_pattern(arr, " ")
    flat = pc.list_flatten(lists)
    offsets = np.asarray(lists.offsets, dtype=np.int64)
    offsets = offsets - offsets[0]

    def codes(values) -> np.ndarray:
        return np.asarray(pc.dictionary_encode(values).indices, dtype=np.int64)

    encoded = pc.dictionary_encode(flat)
    token = np.asarray(encoded.indices, dtype=np.int64)
    parent = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
    repeat = np.zeros(len(token), dtype=bool)
    if len(token) > 1:
        repeat[1:] = (token[1:] == token[:-1]) & (parent[1:] == parent[:-1])
    values = encoded.dictionary.cast(pa.large_string())
    # affix codes of the distinct tokens, then per token occurrence
    prefix = codes(pc.utf8_slice_codeunits(values, 0, BLOCK_AFFIX))
    suffix = codes(pc.utf8_slice_codeunits(values, -BLOCK_AFFIX, 1 << 30))
    return {"start": offsets[:-1], "count": np.diff(offsets), "parent": parent,
            "token": token, "prefix": prefix[token], "suffix": suffix[token], "values": values, "repeat": repeat,
            "token_suffix": suffix}


def name_histograms(ctx: Context, key_uniques) -> tuple[np.ndarray, np.ndarray]:
    """Character-count histograms and lengths of the distinct name keys (once per run): the sums of
    their tokens' histograms (counted once per distinct token) plus one space between tokens,
    which is what ``char_histograms`` gives for the keys themselves."""
    return _cached(ctx, "name_histograms", lambda: _key_histograms(name_tokens(ctx, key_uniques)))


def _key_histograms(tokens: dict, chunk: int = 1 << 15) -> tuple[np.ndarray, np.ndarray]:
    token_hist, token_length = char_histograms(tokens["values"])
    start, count, token = tokens["start"], tokens["count"], tokens["token"]
    n_keys = len(start)
    spaces = np.maximum(count - 1, 0)
    length = np.add.reduceat(token_length[token], start) + spaces if len(token) else np.zeros(n_keys, np.int64)
    # no key of 255 characters or fewer can overflow a byte count
    wide = np.uint8 if not n_keys or int(length.max()) <= 255 else np.uint16
    token_hist = token_hist.astype(wide)
    hist = np.empty((n_keys, token_hist.shape[1]), dtype=np.uint8)
    for k0 in range(0, n_keys, chunk):
        k1 = min(k0 + chunk, n_keys)
        # the chunk's keys by decreasing token count: the keys with a j-th token are a prefix
        by_count = np.argsort(-count[k0:k1], kind="stable")
        first = start[k0:k1][by_count]
        have = np.bincount(count[k0:k1], minlength=1)[::-1].cumsum()[::-1]  # have[j]: keys with >= j tokens
        part = np.zeros((k1 - k0, token_hist.shape[1]), dtype=wide)
        for j in range(1, len(have)):
            n = int(have[j])
            part[:n] += np.take(token_hist, token[first[:n] + (j - 1)], axis=0)
        part[:, 26] += spaces[k0:k1][by_count].astype(wide)  # bucket 26: the space
        hist[k0 + by_count] = np.minimum(part, 255)
    return hist, length


def _key_texts(keys_arrow: pa.Array, tokens: dict, keys: np.ndarray,
               suffixes: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Python strings of the name keys ``keys`` (indices into the distinct keys) and of their suffix
    keys (what ``suffix_key`` gives: the tokens reversed, in sorted order), built once per distinct
    key from the distinct tokens instead of re-splitting and re-sorting every key."""
    codes, distinct = pd.factorize(np.asarray(keys, dtype=np.int64))
    text, suffix = _distinct_key_texts(keys_arrow, tokens, np.asarray(distinct, dtype=np.int64), suffixes)
    return text[codes], (suffix[codes] if suffixes else None)


def _distinct_key_texts(keys_arrow: pa.Array, tokens: dict, distinct: np.ndarray,
                        suffixes: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """``_key_texts`` of the keys ``distinct`` (each once), not gathered per use."""
    text = pc.take(keys_arrow, pa.array(distinct)).to_numpy(zero_copy_only=False)
    if not suffixes:
        return text, None
    reversed_tokens = pc.utf8_reverse(tokens["values"])
    by_rank = np.asarray(pc.sort_indices(reversed_tokens), dtype=np.int64)
    rank = np.empty(len(by_rank), dtype=np.int64)
    rank[by_rank] = np.arange(len(by_rank))
    count = tokens["count"][distinct]
    at = _expand(tokens["start"][distinct], count)
    widest = int(count.max()) if len(count) else 0
    if widest <= 32:  # each key's token ranks in a row of a matrix, rows sorted (short rows: fast)
        table = np.full((len(distinct), max(widest, 1)), np.iinfo(np.int64).max, dtype=np.int64)
        table[np.repeat(np.arange(len(distinct)), count), at - np.repeat(at[np.cumsum(count) - count], count)] = \
            rank[tokens["token"][at]]
        table.sort(axis=1)
        tok = by_rank[table[table != np.iinfo(np.int64).max]]
    else:
        tok = tokens["token"][at]
        tok = tok[_lexsort2(np.repeat(np.arange(len(distinct), dtype=np.int64), count), rank[tok])]
    offsets = np.r_[0, np.cumsum(count)].astype(np.int64)
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), pc.take(reversed_tokens, pa.array(tok)))
    suffix = pc.binary_join(lists, pa.scalar(" ", pa.large_string())).to_numpy(zero_copy_only=False)
    return text, suffix


SCORE_CHUNK = 1 << 18  # pairs scored at once by _pair_scores


def _pair_scores(keys_arrow: pa.Array, tokens: dict, ka: np.ndarray, kc: np.ndarray, cutoff: float) -> np.ndarray:
    """Per pair of name keys (``ka[p]``, ``kc[p]``): the better ``fuzz.ratio`` of the two keys and of
    their suffix keys, 0 under ``cutoff``. The keys' texts are made once per distinct key and handed
    to the scorer ``SCORE_CHUNK`` pairs at a time: gathering millions of string references at once
    (at 5M rows, 14.5M of each kind) strays across memory where a chunk's stay in cache."""
    codes, distinct = pd.factorize(np.r_[ka, kc].astype(np.int64))
    text, suffix = _distinct_key_texts(keys_arrow, tokens, np.asarray(distinct, dtype=np.int64))
    n = len(ka)
    ca, cc = codes[:n], codes[n:]
    out = np.zeros(n, dtype=np.float32)
    for s in range(0, n, SCORE_CHUNK):
        a, c = ca[s:s + SCORE_CHUNK], cc[s:s + SCORE_CHUNK]
        out[s:s + SCORE_CHUNK] = np.maximum(
            process.cpdist(text[a].tolist(), text[c].tolist(), scorer=fuzz.ratio, score_cutoff=cutoff,
                           dtype=np.float32, workers=-1),
            process.cpdist(suffix[a].tolist(), suffix[c].tolist(), scorer=fuzz.ratio, score_cutoff=cutoff,
                           dtype=np.float32, workers=-1))
    return out


def _blocking_entries(ctx: Context, tokens: dict) -> dict:
    """ID04's blocking codes per token occurrence of the distinct name keys: its prefix code and its
    suffix code (offset by ``n_pre``), over the token table's own arrays (nothing copied).

    A suffix group gives only pairs of two different tokens (two equal tokens share their prefix
    too), so suffix codes no other distinct token has (``suffix_shared`` False, e.g. every token
    shorter than ``BLOCK_AFFIX`` letters) are left out. A token repeated in a key repeats its codes:
    ``_affix_block_pairs`` deduplicates the pairs."""
    token = tokens["token"]
    n_pre = int(tokens["prefix"].max()) + 1 if len(token) else 1
    n_suf = int(tokens["suffix"].max()) + 1 if len(token) else 1
    token_suffix = tokens["token_suffix"]
    return {"start": tokens["start"], "count": tokens["count"], "prefix": tokens["prefix"],
            "suffix": tokens["suffix"], "token": token, "n_pre": n_pre, "n_codes": n_pre + n_suf,
            "n_tokens": int(token.max()) + 1 if len(token) else 1,
            "suffix_shared": np.bincount(token_suffix, minlength=1)[token_suffix] >= 2}


def _expand(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Flat indices start..start+count-1 of every (start, count), in order (vectorised)."""
    total = int(counts.sum())
    return np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)


def _affix_block_pairs(bstart: np.ndarray, bsize: np.ndarray, key: np.ndarray, ids: np.ndarray, entries: dict,
                       hist: np.ndarray, length: np.ndarray, cutoff: float, pair_space: int = 1 << 21,
                       budget: int | None = None) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Candidate pairs inside birth-date blocks by a union of cheap blocking keys: two identities
    of one block are compared when a token of one shares its first or its last ``BLOCK_AFFIX``
    letters with a token of the other. One edit changes one token and, in a token of 8+ letters,
    only one of its two affixes; every other token still matches exactly, so typo-level pairs, token
    orders and twins (a shared surname) are all kept while strangers sharing only a birth date are
    not compared. Of those, pairs whose character counts cannot reach ``cutoff`` are dropped.

    Blocks are (``bstart``, ``bsize``) runs of ranks (indices into ``key``/``ids``). Returns the
    surviving pairs as rank pairs (lo < hi, different IDs, sorted, each once), how many distinct
    pairs with different IDs the blocking keys gave before the character-count bound, and how many
    of the blocks were done: all of them, unless ``budget`` pairs were found before the last chunk
    (blocks of near-identical names: every pair survives, and their number grows with the square of
    a block's size), when the blocks from the next chunk on are left.

    Work goes block-chunk by block-chunk (about ``pair_space`` possible pairs each), so every
    temporary is small and reused: on this kind of machine fresh memory pages cost more than the
    arithmetic. A chunk's blocking codes are packed with the identity's position in the chunk (and
    the token, to skip a suffix group's pairs that share the whole token: its prefix group has them)
    into one int64 and sorted (a stable radix sort on the codes alone when they fit 16 bits); pairs
    found through several codes are kept once by writing each pair's index into a slot per possible
    pair of its block and keeping the index that stayed."""
    sq = bsize.astype(np.int64) ** 2
    if not len(sq):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0
    first_pair = np.cumsum(sq) - sq
    chunk_of = first_pair // pair_space
    cuts = np.flatnonzero(np.r_[True, chunk_of[1:] != chunk_of[:-1], True])
    slots = np.empty(int(max(sq[a:b].sum() for a, b in zip(cuts[:-1], cuts[1:]))), dtype=np.int32)
    e_start, e_count, e_token = entries["start"], entries["count"], entries["token"]
    e_prefix, e_suffix, suffix_shared = entries["prefix"], entries["suffix"], entries["suffix_shared"]
    n_pre, n_codes = entries["n_pre"], entries["n_codes"]
    tbits = max(int(entries["n_tokens"] - 1).bit_length(), 1)
    radix = n_codes <= 1 << 16
    found_lo, found_hi = [], []
    candidates = found = 0
    done = len(bsize)
    for j0, j1 in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        if budget is not None and found >= budget:  # enough pairs to score: the blocks from j0 on are left
            done = j0
            break
        sizes = bsize[j0:j1]
        ranks = _expand(bstart[j0:j1], sizes)
        m = len(ranks)
        block_of = np.repeat(np.arange(j1 - j0, dtype=np.int32), sizes)
        block_first = np.cumsum(sizes) - sizes  # chunk position of each block's first identity
        slot0 = first_pair[j0:j1] - first_pair[j0]
        k = key[ranks]
        counts = e_count[k]
        idx = _expand(e_start[k], counts)  # the chunk's token occurrences
        n_occ = len(idx)
        rbits = max((m - 1).bit_length(), 1)
        with_token = (0 if radix else max(int(n_codes - 1).bit_length(), 1)) + rbits + tbits <= 62
        tb = tbits if with_token else 0
        tokens_here = e_token[idx]
        shared = np.flatnonzero(suffix_shared[tokens_here])  # occurrences whose suffix another token has
        n_all = n_occ + len(shared)
        payload = np.empty(n_all, dtype=np.int64)  # position (and token): prefix entries, then suffix entries
        payload[:n_occ] = np.repeat(np.arange(m, dtype=np.int64) << tb, counts)
        if with_token:
            payload[:n_occ] |= tokens_here
        payload[n_occ:] = payload[shared]
        code = np.empty(n_all, dtype=np.uint16 if radix else np.int64)
        code[:n_occ] = e_prefix[idx]
        code[n_occ:] = e_suffix[idx[shared]] + n_pre
        if radix:  # few codes: a stable radix sort; positions stay ascending per code
            by_code = np.argsort(code, kind="stable")
            code = code[by_code].astype(np.int64)
            payload = payload[by_code]
        else:  # codes, positions (and tokens) packed into one int64 and sorted
            payload |= code << (rbits + tb)
            payload.sort()
            code = payload >> (rbits + tb)
        pos = (payload >> tb) & ((1 << rbits) - 1)
        tok = payload & ((1 << tb) - 1) if with_token else None
        blk = block_of[pos]
        new = np.empty(len(code), dtype=bool)
        new[:1] = True
        np.not_equal(code[1:], code[:-1], out=new[1:])
        new[1:] |= blk[1:] != blk[:-1]
        gstart = np.flatnonzero(new)
        gsize = np.diff(np.r_[gstart, len(code)])
        multi = gsize >= 2
        if with_token and len(gstart):  # a suffix group of one token only: its prefix group has the pairs
            changes = np.empty(len(tok), dtype=np.int32)
            changes[:1] = 0
            np.cumsum(tok[1:] != tok[:-1], out=changes[1:])
            multi &= (code[gstart] < n_pre) | (changes[gstart + gsize - 1] != changes[gstart])
        left, right = _pairs_within_groups(gstart[multi], gsize[multi])
        a, c = pos[left], pos[right]  # a <= c: positions ascend within a code
        ids_c = ids[ranks]
        keep = ids_c[a] != ids_c[c]
        if with_token:  # a suffix shared through the whole token: the prefix group has the pair
            keep &= (code[left] < n_pre) | (tok[left] != tok[right])
        a, c = a[keep], c[keep]
        b = blk[left[keep]]
        pid = slot0[b] + (a - block_first[b]) * sizes[b] + (c - block_first[b])
        order = np.arange(len(pid), dtype=np.int32)
        slots[pid] = order
        once = slots[pid] == order
        a, c = a[once], c[once]
        candidates += len(a)
        # the chunk's histograms copied once, so the pairs read them from cache
        near = ratio_bound_reaches(np.take(hist, k, axis=0), np.take(length, k), a, c, cutoff)
        a, c = a[near], c[near]
        pair = np.sort(a * m + c)
        found_lo.append(ranks[pair // m])
        found_hi.append(ranks[pair % m])
        found += len(pair)
    if not found_lo:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), candidates, done
    return np.concatenate(found_lo), np.concatenate(found_hi), candidates, done


def suffix_key(clean: pd.Series) -> pd.Series:
    """Tokens sorted by their reversed spelling (vectorised): 'oscar frias castro' and 'oscar frias
    lastro' sort alike here even though the first-letter typo moves 'lastro' in the prefix order."""
    reversed_ = series_from_arrow(pc.utf8_reverse(series_arrow(clean)), clean.index)
    return sort_tokens(reversed_)


def _numeric_id(value: str) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 18 else None


def _lexsort2(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """``np.lexsort((minor, major))`` (stable), as one sort of non-negative keys and positions packed
    into an int64 when they fit (a lexsort is two stable sorts, several times dearer)."""
    n = len(major)
    if not n or major.min() < 0 or minor.min() < 0:
        return np.lexsort((minor, major))
    pbits, ibits = max((n - 1).bit_length(), 1), max(int(minor.max()).bit_length(), 1)
    if int(major.max()).bit_length() + ibits + pbits > 63:
        return np.lexsort((minor, major))
    packed = (major.astype(np.int64) << (ibits + pbits)) | (minor.astype(np.int64) << pbits)
    packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    return packed & ((1 << pbits) - 1)


def _blocks(members: np.ndarray, block: np.ndarray, ids: np.ndarray):
    """Sort ``members`` by (block key, ID); return the order, block starts, block sizes and the
    number of distinct IDs in each block."""
    return _runs(members[_lexsort2(block[members], ids[members])], block, ids)


def _runs(srt: np.ndarray, block: np.ndarray, ids: np.ndarray):
    """``_blocks`` of members already sorted by (block key, ID)."""
    b, i = block[srt], ids[srt]
    start = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
    size = np.diff(np.r_[start, len(srt)])
    new_id = np.r_[True, (b[1:] != b[:-1]) | (i[1:] != i[:-1])]
    return srt, start, size, np.add.reduceat(new_id.astype(np.int64), start)


def _identities(dob: np.ndarray, ids: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (birth date, ID, name key) of records given by their codes (birth date -1: none),
    as (order, starts, sizes): the positions of each one's records, ascending, one after another,
    the identities sorted by birth date, ID and first record. One sort of (birth date, ID, position)
    packed into an int64; the rare runs of one birth date and ID under several name keys are then
    sorted by key apart."""
    n = len(dob)
    pos = np.arange(n, dtype=np.int64)
    run = (dob.astype(np.int64) + 1) * (int(ids.max()) + 1 if n else 1) + ids
    pbits = max((n - 1).bit_length(), 1)
    if n and int(run.max()).bit_length() + pbits <= 63:
        packed = (run << pbits) | pos
        packed.sort()
        order, run = packed & ((1 << pbits) - 1), packed >> pbits
    else:
        order = np.lexsort((pos, run))
        run = run[order]
    key = keys[order]
    same_run = run[1:] == run[:-1]
    key_change = same_run & (key[1:] != key[:-1])
    if key_change.any():
        run_id = np.r_[0, np.cumsum(~same_run)]
        mixed = np.zeros(int(run_id[-1]) + 1, dtype=bool)
        mixed[run_id[1:][key_change]] = True
        at = np.flatnonzero(mixed[run_id])  # whole runs, each contiguous
        r, k, p = run_id[at], key[at], order[at]
        by_key = np.lexsort((p, k, r))  # each key's records of a run together, first record first
        head = np.r_[True, (r[by_key][1:] != r[by_key][:-1]) | (k[by_key][1:] != k[by_key][:-1])]
        first = np.empty(len(at), dtype=np.int64)
        first[by_key] = p[by_key][np.flatnonzero(head)[np.cumsum(head) - 1]]
        settled = np.lexsort((p, first, r))  # identities by first record, records ascending
        order[at], key[at] = p[settled], k[settled]
        same_run = run[1:] == run[:-1]
    new = np.r_[True, ~same_run | (key[1:] != key[:-1])] if n else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new)
    return order, starts, np.diff(np.r_[starts, n])


def name_commonness(key_uniques, i_key: np.ndarray, i_id: np.ndarray, exclude: int = 2,
                    tokens: dict | None = None, of: np.ndarray | None = None) -> np.ndarray:
    """Per distinct name key: how many *other* people in this file would carry that full name
    (term-frequency weighting as in probabilistic record linkage, e.g. Splink). The larger of the
    observed count (distinct IDs with exactly this name, minus one) and the chance estimate from
    its tokens' frequencies (``people * prod(share of people with each token)``), both leaving out
    the ``exclude`` people of the pair being judged. A shared common name is weak evidence of one
    person; a shared rare name strong evidence. ``tokens``: ``name_tokens`` of ``key_uniques``;
    ``of``: the keys wanted (default all; the token counts behind them are the whole file's)."""
    n_keys = len(key_uniques)
    if not len(i_key):
        return np.zeros(n_keys if of is None else len(of))
    span = np.int64(int(i_id.max()) + 1)
    pair = unique(i_key.astype(np.int64) * span + i_id)  # distinct (name, ID)
    key, ident = pair // span, pair % span
    names_of = np.bincount(ident)  # distinct names per ID
    people = max(int(np.count_nonzero(names_of)), 1)
    observed = np.bincount(key, minlength=n_keys).astype(float)
    tokens = tokens if tokens is not None else _name_tokens(key_uniques)
    tok_code = tokens["token"]
    if not len(tok_code):
        return np.maximum(observed - exclude, 0) if of is None else np.maximum(observed[of] - exclude, 0)
    # people carrying each token: an ID under one name counts once per distinct token of that name
    # (tokens repeated in a key are neighbours); IDs under several names are deduplicated apart
    n_tok = int(tok_code.max()) + 1
    one = names_of[ident] == 1
    per_key = np.bincount(key[one], minlength=n_keys)
    distinct_tok = ~tokens["repeat"]
    people_with = np.bincount(tok_code[distinct_tok], weights=per_key[tokens["parent"][distinct_tok]],
                              minlength=n_tok).round().astype(np.int64)
    if not one.all():
        mkey, mident = key[~one], ident[~one]
        count = tokens["count"][mkey]
        carriers = unique(tok_code[_expand(tokens["start"][mkey], count)] * span + np.repeat(mident, count))
        people_with += np.bincount(carriers // span, minlength=n_tok)
    share = np.maximum(people_with - exclude, 0) / people
    if of is None:
        log_share = np.log(np.maximum(share[tok_code], 1e-12))
        chance = people * np.exp(np.bincount(tokens["parent"], weights=log_share, minlength=n_keys))
        return np.maximum(observed - exclude, chance)
    # the wanted keys' tokens only, summed in the same order (the same floating-point result)
    count = tokens["count"][of]
    log_share = np.log(np.maximum(share[tok_code[_expand(tokens["start"][of], count)]], 1e-12))
    owner = np.repeat(np.arange(len(of)), count)
    chance = people * np.exp(np.bincount(owner, weights=log_share, minlength=len(of)))
    return np.maximum(observed[of] - exclude, chance)


@implements("ID04")
def one_person_several_ids(ctx: Context, options: dict):
    f = ctx.frame
    n = len(f)
    id_code, _, placeholder = id_codes(ctx)
    usable = (id_code >= 0) & f["full_name__key"].notna().to_numpy() & ~placeholder
    if "birth_date__date" in f:
        dates = _usable_dates(ctx)
        dob_code = pd.factorize(dates, use_na_sentinel=True)[0]
    else:
        dob_code = np.full(n, -1)
    key_code, key_uniques = ctx.factorized("full_name__key")
    rows = np.flatnonzero(usable)
    if len(rows) < 2:
        return CheckResult(EMPTY, {"pairs_compared": 0})
    # identities: distinct (birth date, ID, name key); copies and repeat warrants collapse into one.
    # They come sorted by birth date, ID and first row: the dated ones are their blocks' ranks
    order, starts, sizes = _identities(dob_code[rows], id_code[rows], key_code[rows])
    rep = rows[order[starts]]  # first row of each identity
    members = (order, starts, sizes)
    i_dob, i_id, i_key = dob_code[rep], id_code[rep], key_code[rep]
    # key texts (and the suffix-sorted keys: same tokens as full_name__key) only for keys in pairs
    keys_arrow = _as_large_strings(key_uniques)
    tokens = name_tokens(ctx, key_uniques)
    cutoff = min(options["min_score"], options["twin_min_score"])
    window, max_block = options["window"], options["max_block"]
    budget, match_budget = int(options["max_pairs_compared"]), int(options["max_matching_pairs"])
    pairs_i, pairs_j, pair_score, pair_nodob = [], [], [], []
    evaluated = unique_pairs = blocks_done = blocks_capped = bounded = 0
    blocks_left = ids_left = 0  # blocks (and their identities) not compared, or in part: the limits ran out
    matched_over = 0  # pairs that matched when more did than max_matching_pairs

    # 1) blocks of one birth date
    dated = np.arange(np.searchsorted(i_dob, 0), len(i_dob))  # the undated (-1) come first
    if len(dated):
        srt, bstart, bsize, n_ids = _runs(dated, i_dob, i_id)  # rank r is identity srt[r]
        compare = n_ids >= 2
        capped = compare & (bsize > max_block)
        blocks_done, blocks_capped = int(compare.sum()), int(capped.sum())
        rank_lo, rank_hi, rank_score = [], [], []
        small = compare & ~capped
        if small.any():
            # pairs whose character counts cannot reach the cutoff (most pairs that share only a
            # common token) are dropped before the scorer
            hist, length = name_histograms(ctx, key_uniques)
            entries = _blocking_entries(ctx, tokens)
            lo, hi, n_cand, done = _affix_block_pairs(bstart[small], bsize[small], i_key[srt], i_id[srt], entries,
                                                      hist, length, cutoff, budget=budget)
            rest = bsize[small][done:]
            blocks_left, ids_left = len(rest), int(rest.sum())
            budget -= len(lo)
            bounded += n_cand - len(lo)
            sc = _pair_scores(keys_arrow, tokens, i_key[srt[lo]], i_key[srt[hi]], cutoff)
            evaluated += 2 * len(lo)
            unique_pairs += len(lo)
            hit = sc != 0
            rank_lo.append(lo[hit]); rank_hi.append(hi[hit]); rank_score.append(sc[hit])  # noqa: E702
        for nth, (s, size) in enumerate(zip(bstart[capped].tolist(), bsize[capped].tolist())):
            if budget <= 0:  # a default date's huge blocks: sorted windows, while the budget lasts
                rest = bsize[capped][nth:]
                blocks_left, ids_left = blocks_left + len(rest), ids_left + int(rest.sum())
                break
            members_blk = srt[s:s + size]
            kl, cl = (v.tolist() for v in _key_texts(keys_arrow, tokens, i_key[members_blk]))
            # (the pairs a window finds already match in one order: the match budget bounds them too)
            a, c, sc, ev, stopped = _block_pairs(kl, cl, cutoff, window, limit=min(budget, match_budget))
            budget = 0 if stopped else budget - len(a)
            if stopped:
                blocks_left, ids_left = blocks_left + 1, ids_left + size
            evaluated += ev
            unique_pairs += int(ev // 4)
            keep = i_id[members_blk[a]] != i_id[members_blk[c]]
            rank_lo.append(s + a[keep]); rank_hi.append(s + c[keep]); rank_score.append(sc[keep])  # noqa: E702
        if rank_lo:
            lo, hi, sc = np.concatenate(rank_lo), np.concatenate(rank_hi), np.concatenate(rank_score)
            order_ = np.lexsort((hi, lo))  # block by block, as the pairs of each block come
            if len(order_) > match_budget:  # names so alike that nearly every pair matches: the first kept
                matched_over = len(order_)
                order_ = order_[:match_budget]
            pairs_i.append(srt[lo[order_]]); pairs_j.append(srt[hi[order_]])  # noqa: E702
            pair_score.append(sc[order_].astype(float)); pair_nodob.append(np.zeros(len(order_), dtype=bool))  # noqa: E702

    # 2) no usable birth date: same sorted-token name, different ID (low confidence)
    if options["match_without_birth_date"]:
        nodob_keys = unique(i_key[i_dob < 0])
        cand = np.flatnonzero(np.isin(i_key, nodob_keys))
        if len(cand):
            srt, gstart, gsize, n_ids = _blocks(cand, i_key, i_id)
            sel = (n_ids >= 2) & (n_ids <= options["max_ids_without_birth_date"])
            a, c = _nodob_pairs(srt, gstart[sel], gsize[sel], rep, i_id, i_dob)
            if len(a):
                pairs_i.append(a); pairs_j.append(c)  # noqa: E702
                pair_score.append(np.full(len(a), 100.0)); pair_nodob.append(np.ones(len(a), dtype=bool))  # noqa: E702

    limits = _budget_stats(blocks_left, ids_left, matched_over, options)
    if not pairs_i:
        return CheckResult(EMPTY, {"blocks": blocks_done, "blocks_capped": blocks_capped,
                                   "pairs_compared": unique_pairs, "evaluations": evaluated, **limits})
    pi, pj = np.concatenate(pairs_i), np.concatenate(pairs_j)
    base, nodob = np.concatenate(pair_score), np.concatenate(pair_nodob)
    people = _Identities(rep=rep, rows=rows, members=members, sizes=sizes, key=i_key, id=i_id, dob=i_dob)
    hits = _judge_pairs(ctx, options, cutoff, people, pi, pj, base, nodob, key_uniques, keys_arrow, tokens)
    stats = {"blocks": blocks_done, "blocks_capped": blocks_capped, "pairs_compared": unique_pairs,
             "pairs_ruled_out_by_character_counts": bounded,
             "evaluations": evaluated, "candidate_pairs": int(len(pi)), "findings": int(len(hits)), **limits}
    return CheckResult(hits, stats)


def _budget_stats(blocks_left: int, ids_left: int, matched_over: int, options: dict) -> dict:
    """What the budgets left undone (see ``one_person_several_ids``), as stats and report lines; empty
    when they were enough, as they are for any list of real people (the 5M-row sample: 7.2M pairs
    compared, 0.5M matching)."""
    lines = []
    if blocks_left:
        lines.append(f"stopped at its limits ({options['max_pairs_compared']:,} name pairs compared, "
                     f"{options['max_matching_pairs']:,} matching): {blocks_left:,} birth-date block(s) of {ids_left:,} "
                     "identities were not compared, or only in part (names so alike that nearly every pair is a "
                     "candidate, e.g. generated names under a default date); raise max_pairs_compared and "
                     "max_matching_pairs to compare them")
    if matched_over:
        lines.append(f"{matched_over:,} pairs of identities matched; only the first "
                     f"{options['max_matching_pairs']:,} are reported (raise max_matching_pairs for all)")
    if not lines:
        return {}
    return {"incomplete": True, "blocks_not_compared": blocks_left,
            "identities_not_compared": ids_left, "pairs_matched_beyond_limit": matched_over,
            "lines": lines}


def _nodob_pairs(srt: np.ndarray, gstart: np.ndarray, gsize: np.ndarray, rep: np.ndarray, ids: np.ndarray,
                 dob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ID04's pairs without a birth date to compare: in each group (``gstart``, ``gsize``: runs of
    ``srt``, identities of one name key), its identities in the order of their first rows, every pair
    (earlier, later) of two IDs where one of the two has no usable birth date; group by group, then
    by the earlier identity and the later one (array-wise: a placeholder-date export has tens of
    thousands of such groups)."""
    if not len(gstart):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    grp = srt[_expand(gstart, gsize)]
    grp = grp[_lexsort2(np.repeat(np.arange(len(gstart), dtype=np.int64), gsize), rep[grp])]
    left, right = _pairs_within_groups(np.cumsum(gsize) - gsize, gsize)
    a, c = grp[left], grp[right]
    keep = (ids[a] != ids[c]) & ((dob[a] < 0) | (dob[c] < 0))
    return a[keep].astype(np.int64), c[keep].astype(np.int64)


@dataclass
class _Identities:
    """ID04's identities (distinct birth date, ID and name key): each one's first row (``rep``), its
    rows (``members``: order, starts, sizes over ``rows``), record count and codes."""
    rep: np.ndarray
    rows: np.ndarray
    members: tuple
    sizes: np.ndarray
    key: np.ndarray
    id: np.ndarray
    dob: np.ndarray


def _judge_pairs(ctx: Context, options: dict, cutoff: float, people: _Identities, pi: np.ndarray, pj: np.ndarray,
                 score: np.ndarray, nodob: np.ndarray, key_uniques, keys_arrow: pa.Array, tokens: dict) -> pd.DataFrame:
    """The findings of the candidate pairs (identities ``pi``, ``pj`` with their name ``score``;
    ``nodob``: matched on the name alone), in pair order, judged array-wise: same name without a
    birth date, same name and birth date, possible twins or a typo; other pairs are dropped."""
    f = ctx.frame
    n_pairs = len(pi)
    ra, rc = people.rep[pi], people.rep[pj]
    ka, kc = people.key[pi], people.key[pj]
    alive = np.ones(n_pairs, dtype=bool)
    group = subject_groups(ctx)
    if group is not None:  # alias rows of one subject group: one subject, not one person under two IDs
        alive &= ~((group[ra] >= 0) & (group[ra] == group[rc]))
    same = alive & ~nodob & (ka == kc)
    fuzzy = np.flatnonzero(alive & ~nodob & (ka != kc))
    nd = np.flatnonzero(alive & nodob)
    reason = np.full(n_pairs, None, dtype=object)
    conf = np.full(n_pairs, "low", dtype=object)
    severity = np.full(n_pairs, None, dtype=object)
    out_score = np.full(n_pairs, 100.0)
    keep = alive & (nodob | same)
    others = np.zeros(n_pairs)
    if len(nd) or same.any():  # other people expected to carry each name (of the pairs' names only)
        wanted = np.flatnonzero(alive & (nodob | same))
        named, at = np.unique(ka[wanted], return_inverse=True)
        others[wanted] = name_commonness(key_uniques, people.key, people.id, tokens=tokens, of=named)[at]
    if len(nd):
        common = others[nd] >= options["common_name_others"]  # a common name shared: a notice only
        reason[nd] = [f"same name, but no birth date to compare; a common name (about {_others(v, '.0f')} here "
                      f"would carry it)" if c else "same name, but no birth date to compare; a rare name in this file"
                      for v, c in zip(others[nd].tolist(), common.tolist())]
        severity[nd[common]] = "info"
    if same.any():
        _judge_same_names(f, options, people, same, ra, rc, others, pi, reason, conf)
    if len(fuzzy):
        kind, gap = _judge_typos(ctx, options, fuzzy, ra, rc, ka, kc, score, keys_arrow, tokens)
        twin, typo = fuzzy[kind == 1], fuzzy[kind == 2]
        out_score[twin] = np.minimum(score[twin] - options["twin_penalty"], cutoff - 1.0)
        reason[twin] = ["same birth date and surname but differs in a given name: possible twins"
                        + (f" (IDs {g} apart)" if g >= 0 else "") for g in gap[kind == 1].tolist()]
        out_score[typo] = score[typo]
        reason[typo] = "same birth date, name differs by a small typo"
        conf[typo] = np.where(score[typo] >= options["high_confidence_score"], "high", "medium")
        keep[twin] = True
        keep[typo] = True
    idx = np.flatnonzero(keep)
    first, later = np.minimum(ra[idx], rc[idx]), np.maximum(ra[idx], rc[idx])
    related = [[a, c] for a, c in zip(first.tolist(), later.tolist())]  # one record each: the usual case
    rows, members = people.rows, people.members
    for t in np.flatnonzero((people.sizes[pi[idx]] != 1) | (people.sizes[pj[idx]] != 1)).tolist():
        related[t] = np.union1d(rows[_rows_of(*members, pi[idx[t]])], rows[_rows_of(*members, pj[idx[t]])]).tolist()
    severity[idx] = np.where(severity[idx] == None, np.where(conf[idx] == "low", "warning", "error"),  # noqa: E711
                             severity[idx])
    hits = pd.DataFrame({"pos": later.tolist(), "related": related, "score": out_score[idx].tolist(),
                         "confidence": conf[idx].tolist(), "other_row": (first + 1).tolist(),
                         "reason": reason[idx].tolist(), "severity": severity[idx].tolist()})
    hits["field"] = "national_id"
    return hits


def _judge_same_names(f: pd.DataFrame, options: dict, people: _Identities, same: np.ndarray, ra: np.ndarray,
                      rc: np.ndarray, others: np.ndarray, pi: np.ndarray, reason: np.ndarray, conf: np.ndarray):
    """Same birth date and name key: the reason says how alike the written names are; confidence
    drops when the name and date are common enough to be shared by chance (independence)."""
    idx = np.flatnonzero(same)
    a, c = ra[idx], rc[idx]

    def equal(column: str) -> np.ndarray:
        x = f[column].iloc[a].to_numpy(dtype=object, na_value=None)
        y = f[column].iloc[c].to_numpy(dtype=object, na_value=None)
        return np.fromiter((u == v for u, v in zip(x, y)), dtype=bool, count=len(idx))

    full_same, clean_same = equal("full_name"), equal("full_name__clean")
    i_dob = people.dob
    population = max(int(np.count_nonzero(np.bincount(people.id))), 1)
    dob_people = np.bincount(i_dob[i_dob >= 0], minlength=int(i_dob.max()) + 1 if (i_dob >= 0).any() else 0)
    d = i_dob[pi[idx]]
    dated = (d >= 0) & (len(dob_people) > 0)
    share = np.where(dated, np.maximum(dob_people[np.where(dated, d, 0)] - 2, 1) / population, 1.0) \
        if len(dob_people) else np.ones(len(idx))
    chance = others[idx] * share
    level = np.where(chance >= options["chance_low"], "low", np.where(chance >= options["chance_medium"], "medium",
                                                                       "high"))
    base = np.where(full_same, "same birth date and same name",
                    np.where(clean_same, "same birth date, same name up to case, accents or punctuation",
                             "same birth date, same name in another token order (up to case, accents or "
                             "punctuation)"))
    reason[idx] = [r if lv == "high" else f"{r}; a common name and date (about {_others(ch, '.2g')} here would "
                   f"share both by chance)" for r, lv, ch in zip(base.tolist(), level.tolist(), chance.tolist())]
    conf[idx] = level


def _others(count: float, form: str) -> str:
    """``count`` other people in words, as shown: "1 other person", "0.5 other people"."""
    shown = format(count, form)
    return f"{shown} other {'person' if shown == '1' else 'people'}"


def _judge_typos(ctx: Context, options: dict, fuzzy: np.ndarray, ra: np.ndarray, rc: np.ndarray, ka: np.ndarray,
                 kc: np.ndarray, score: np.ndarray, keys_arrow: pa.Array, tokens: dict) -> tuple[np.ndarray, ...]:
    """Pairs of one birth date and different name keys: per pair 1 (possible twins: a shared token
    and surname, a different given name that is no typo, or consecutive IDs), 2 (a typo-level
    match: ``min_score`` or within ``typo_edits`` edits) or 0 (neither), and the distance of the
    two IDs when they are consecutive numbers (-1 otherwise)."""
    a, c, s = ra[fuzzy], rc[fuzzy], score[fuzzy]
    diff = _token_differences(tokens, ka[fuzzy], kc[fuzzy], options["typo_token_similarity"])
    needed = unique(np.r_[a, c])
    at_a, at_c = np.searchsorted(needed, a), np.searchsorted(needed, c)
    number, numeric = _numeric_ids(ctx.frame["national_id__norm"].iloc[needed])
    gap = np.abs(number[at_a] - number[at_c])
    consecutive = numeric[at_a] & numeric[at_c] & (gap <= options["twin_id_gap"])
    surname_same, surname_in_diff = _surname_checks(ctx.frame, needed, at_a, at_c, tokens, diff)
    twin = ((diff["common"] >= 1) & diff["differ"] & surname_same & ~surname_in_diff
            & (consecutive | ~diff["typo_like"]))
    length = np.asarray(pc.utf8_length(pc.take(keys_arrow, pa.array(np.r_[ka[fuzzy], kc[fuzzy]]))), dtype=np.int64)
    edits = np.rint((100.0 - s) / 100.0 * (length[:len(fuzzy)] + length[len(fuzzy):]))
    typo = ~twin & ((s >= options["min_score"]) | (edits <= 2 * options["typo_edits"]))
    kind = np.where(twin, 1, np.where(typo, 2, 0))
    return kind, np.where(consecutive, gap, -1)


MEMBER_COMPARISONS = 4  # member_within_groups compares at most this many per element, else sorts


def member_within_groups(g1: np.ndarray, v1: np.ndarray, g2: np.ndarray, v2: np.ndarray,
                         n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per element of each side, whether the other side has the same value in the same group:
    ``np.isin(g1 * K + v1, g2 * K + v2)`` and the reverse (K above every value), for groups in
    ``0 .. n_groups-1`` with ``g2`` ascending (each group's values together). A group holds a name's
    few tokens, so the values are compared within groups only, linear in what is compared where
    ``np.isin`` sorts both sides whole (2.5 s of ID04 at 5M rows); a side whose groups would need more than
    ``MEMBER_COMPARISONS`` comparisons per element (a name of hundreds of words) takes ``np.isin``."""
    n1, n2 = len(g1), len(g2)
    c2 = np.bincount(g2, minlength=n_groups)
    per = c2[g1]
    total = int(per.sum())
    if total > MEMBER_COMPARISONS * (n1 + n2) + 1024:
        # a span wider than the values' range: (group, value) to one integer, one to one
        span = int(max(v1.max(initial=0), v2.max(initial=0))) - int(min(v1.min(initial=0), v2.min(initial=0))) + 1
        a, b = g1.astype(np.int64) * span + v1, g2.astype(np.int64) * span + v2
        return np.isin(a, b), np.isin(b, a)
    left = np.repeat(np.arange(n1, dtype=np.int64), per)
    right = _expand((np.cumsum(c2) - c2)[g1], per)
    same = v1[left] == v2[right]
    in1, in2 = np.zeros(n1, dtype=bool), np.zeros(n2, dtype=bool)
    in1[left[same]] = True
    in2[right[same]] = True
    return in1, in2


def _token_differences(tokens: dict, ka: np.ndarray, kc: np.ndarray, token_typo: float) -> dict:
    """Per pair of name keys (``ka[p]``, ``kc[p]``), as ``str.split`` tokens: ``common``, the tokens
    of the first also in the second (repeats counted); ``differ``, each has a token the other lacks;
    ``typo_like``, every token of the first missing from the second is at least ``token_typo``
    similar (fuzz.ratio) to one of the second's missing tokens; and per token occurrence of the
    first (``own_a``, ``tok_a``) whether it is missing from the second (``diff_a``)."""
    n = len(ka)
    n_tok = len(tokens["values"])
    empty = np.asarray(pc.equal(pc.utf8_length(tokens["values"]), 0), dtype=bool) if n_tok else np.zeros(0, bool)

    def occurrences(keys):
        count = tokens["count"][keys]
        tok = tokens["token"][_expand(tokens["start"][keys], count)]
        own = np.repeat(np.arange(n, dtype=np.int64), count)
        real = ~empty[tok]  # split_pattern gives "" for an empty key; str.split gives nothing
        return own[real], tok[real]

    own_a, tok_a = occurrences(ka)
    own_c, tok_c = occurrences(kc)
    in_c, in_a = member_within_groups(own_a, tok_a, own_c, tok_c, n)
    diff_a, diff_c = ~in_c, ~in_a
    n_a = np.bincount(own_a, minlength=n)
    nda, ndc = np.bincount(own_a[diff_a], minlength=n), np.bincount(own_c[diff_c], minlength=n)
    # every (missing token of a, missing token of c) of each pair, scored once per distinct token pair
    da_own, da_tok, dc_tok = own_a[diff_a], tok_a[diff_a], tok_c[diff_c]
    per = ndc[da_own]
    left = np.repeat(da_tok, per)
    right = dc_tok[_expand((np.cumsum(ndc) - ndc)[da_own], per)]
    good = np.zeros(len(left), dtype=bool)
    if len(left):
        pair_code, distinct = pd.factorize(left * n_tok + right)
        distinct = np.asarray(distinct, dtype=np.int64)
        words = tokens["values"]
        sc = process.cpdist(pc.take(words, pa.array(distinct // n_tok)).to_pylist(),
                            pc.take(words, pa.array(distinct % n_tok)).to_pylist(), scorer=fuzz.ratio,
                            dtype=np.float64, workers=1)
        good = (sc >= token_typo)[pair_code]
    near = np.bincount(np.repeat(np.arange(len(da_tok)), per)[good], minlength=len(da_tok)) > 0
    near_count = np.bincount(da_own[near], minlength=n)
    differ = (nda > 0) & (ndc > 0)
    return {"common": n_a - nda, "differ": differ, "typo_like": differ & (near_count == nda),
            "own_a": own_a, "tok_a": tok_a, "diff_a": diff_a}


def _numeric_ids(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``_numeric_id`` of each text, array-wise: (the number, 0 if none; whether there is one). ASCII
    texts through Arrow; the rare others one by one (str.isdigit takes other scripts' digits)."""
    arr = series_arrow(texts)
    ascii_ = pc.fill_null(pc.string_is_ascii(arr), False)
    ok = pc.fill_null(pc.and_(pc.and_(ascii_, pc.ascii_is_decimal(arr)), pc.less_equal(pc.utf8_length(arr), 18)),
                      False)
    number = np.asarray(pc.fill_null(pc.cast(pc.if_else(ok, arr, pa.scalar(None, arr.type)), pa.int64()), 0),
                        dtype=np.int64).copy()
    numeric = np.asarray(ok, dtype=bool).copy()
    other = np.flatnonzero(~np.asarray(ascii_, dtype=bool) & np.asarray(pc.is_valid(arr), dtype=bool))
    for i, value in zip(other.tolist(), arr.take(pa.array(other)).to_pylist()):
        parsed = _numeric_id(value)
        if parsed is not None:
            number[i], numeric[i] = parsed, True
    return number, numeric


def _surname_checks(f: pd.DataFrame, needed: np.ndarray, at_a: np.ndarray, at_c: np.ndarray, tokens: dict,
                    diff: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per pair of rows (``needed[at_a]``, ``needed[at_c]``): do their surnames (the surname column,
    else the full name before a comma; cleaned like name keys) agree, an unknown one agreeing with
    any; and is a token of the first's surname among its name tokens the second's name lacks?"""
    if "surname" in f.columns:
        source = f["surname"].iloc[needed]
    else:
        names = series_arrow(f["full_name"].iloc[needed])
        has_comma = pc.fill_null(pc.match_substring(names, ","), False)
        before = pc.list_element(pc.split_pattern(names, ",", max_splits=1), 0)
        source = series_from_arrow(pc.if_else(has_comma, before, pa.scalar(None, before.type)),
                                   pd.RangeIndex(len(needed)))
    clean = series_arrow(strip_accents_casefold(source.astype("str")))
    sa, sc = clean.take(pa.array(at_a)), clean.take(pa.array(at_c))
    same = np.asarray(pc.fill_null(pc.equal(sa, sc), True), dtype=bool)
    # the first's surname tokens as token codes (-1: a word no name key has), one row per pair
    lists = pc.split_pattern(sa, " ")
    flat = pc.list_flatten(lists)
    owner = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
    code = np.asarray(pc.fill_null(pc.index_in(flat, value_set=tokens["values"]), -1), dtype=np.int64)
    missing = diff["diff_a"]  # each pair's name tokens the second lacks
    found = (code >= 0) & member_within_groups(owner, code, diff["own_a"][missing], diff["tok_a"][missing], len(at_a))[0]
    in_diff = np.bincount(owner[found], minlength=len(at_a)) > 0
    return same, in_diff


# ------------------------------------------------------------------------------------------- ID05

def _isotonic(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted pool-adjacent-violators fit (non-decreasing); loops over birth years, not rows."""
    vals, wts, counts = [], [], []
    for yi, wi in zip(y.tolist(), w.tolist()):
        vals.append(yi); wts.append(wi); counts.append(1)  # noqa: E702
        while len(vals) > 1 and vals[-2] > vals[-1]:
            v = (vals[-2] * wts[-2] + vals[-1] * wts[-1]) / (wts[-2] + wts[-1])
            wsum, csum = wts[-2] + wts[-1], counts[-2] + counts[-1]
            vals[-2:], wts[-2:], counts[-2:] = [v], [wsum], [csum]
    return np.repeat(vals, counts)


def _stable_order(years: np.ndarray) -> np.ndarray:
    """``np.argsort(years, kind="stable")``; whole years that fit 16 bits are sorted as such (radix
    sort: one pass instead of a comparison sort of a million floats), with the same result."""
    small = years.astype(np.int16)
    if len(years) and np.array_equal(small, years):
        return np.argsort(small, kind="stable")
    return np.argsort(years, kind="stable")


def dni_number(norm: pd.Series) -> np.ndarray:
    """Numeric DNI as float (NaN if none): 7-8 digits, or the 8 middle digits of a CUIL/CUIT."""
    arr = series_arrow(norm)
    # ASCII digits told by character class and length (no regex pass over the distinct IDs)
    digits = _flags(pc.and_(pc.string_is_ascii(arr), pc.ascii_is_decimal(arr)))
    length = _lengths(arr)
    out = np.full(len(arr), np.nan)
    dni = np.flatnonzero(digits & ((length == 7) | (length == 8)))
    out[dni] = pc.cast(arr.take(pa.array(dni)), pa.float64()).to_numpy(zero_copy_only=False)
    eleven = np.flatnonzero(digits & (length == 11))
    if len(eleven):
        text = arr.take(pa.array(eleven))
        cuil = _flags(pc.is_in(pc.utf8_slice_codeunits(text, 0, 2), pa.array(["20", "23", "24", "27"])))
        middle = pc.utf8_slice_codeunits(text.filter(pa.array(cuil)), 2, 10)
        out[eleven[cuil]] = pc.cast(middle, pa.float64()).to_numpy(zero_copy_only=False)
    return out


@implements("ID05")
def id_out_of_sequence(ctx: Context, options: dict):
    if not ctx.profile.get("id_sequence_with_birth_year"):
        return CheckResult(EMPTY, {"lines": [f"ID05: profile {ctx.profile.get('name', '')} does not say IDs follow "
                                             f"birth years; not checked"]})
    f = ctx.frame
    codes, distinct, placeholder = id_codes(ctx)
    number = np.r_[dni_number(distinct), np.nan][codes]
    number[placeholder] = np.nan
    if options["ignore_from"]:
        number[number >= options["ignore_from"]] = np.nan
    year = np.array(f["birth_date__year"].to_numpy(dtype=float, na_value=np.nan))
    if "birth_date__date" in f:  # placeholder birth dates (01/01/1900...) say nothing about the year
        year[(f["birth_date__date"].notna() & _usable_dates(ctx).isna()).to_numpy()] = np.nan
    ok = ~np.isnan(number) & ~np.isnan(year)
    if ok.sum() < options["min_rows"]:
        return CheckResult(EMPTY, {"lines": [f"ID05: {int(ok.sum())} records with a DNI and a birth year, fewer than "
                                             f"{options['min_rows']}; sequence not fitted"]})
    # robust level per birth year: the median ID of the records born within +-spread_window_years
    w = options["spread_window_years"]
    year_ok, number_ok = year[ok], number[ok]
    order = _stable_order(year_ok)
    ys, vs = year_ok[order], number_ok[order]
    starts = np.r_[True, ys[1:] != ys[:-1]]  # ys is sorted: where each birth year starts
    uy = ys[starts]
    year_idx = np.empty(len(order), dtype=np.int64)  # each record's birth year, as an index into uy
    year_idx[order] = np.cumsum(starts) - 1
    lo, hi = np.searchsorted(ys, uy - w, "left"), np.searchsorted(ys, uy + w, "right")
    level = np.array([np.median(vs[a:b]) for a, b in zip(lo, hi)])
    counts = np.searchsorted(ys, uy, "right") - np.searchsorted(ys, uy, "left")
    use = counts >= options["min_per_year"]
    fit_years = pd.DataFrame({"median": level[use], "size": counts[use]}, index=uy[use])
    if len(fit_years) < options["min_years"]:
        return CheckResult(EMPTY, {"lines": [f"ID05: only {len(fit_years)} birth years with enough records; "
                                             f"sequence not fitted"]})
    trend_vals = _isotonic(fit_years["median"].to_numpy(), fit_years["size"].to_numpy(dtype=float))
    years = fit_years.index.to_numpy(dtype=float)
    # from here on, the records with a DNI and a birth year only; per birth year, then per record
    expected = np.interp(uy, years, trend_vals)[year_idx]
    resid = number_ok - expected
    abs_dev = np.abs(resid)
    global_mad = float(np.median(abs_dev)) if len(abs_dev) else 0.0
    # spread of each birth year: median absolute residual over the years within +-spread_window_years
    ds = abs_dev[order]
    floor = global_mad * options["mad_floor_fraction"]
    spread = np.empty(len(uy))
    for i, y in enumerate(uy):
        lo, hi = np.searchsorted(ys, y - w, "left"), np.searchsorted(ys, y + w, "right")
        local = float(np.median(ds[lo:hi])) if hi - lo >= options["min_per_year"] else global_mad
        spread[i] = max(local, floor)
    scale = spread[year_idx] * 1.4826
    with np.errstate(invalid="ignore", divide="ignore"):
        z = abs_dev / scale
    flag = np.flatnonzero((z > options["tolerance"]) & (scale > 0))
    pos = np.flatnonzero(ok)[flag]
    hits = pd.DataFrame({
        "pos": pos, "field": "national_id",
        "year": year_ok[flag].astype(int),
        "direction": np.where(resid[flag] > 0, "higher", "lower"),
        "mads": np.round(z[flag], 1),
        "typical": np.round(expected[flag] / 1e6, 1),
        "confidence": "medium",
    })
    return CheckResult(hits, {"fitted_rows": int(ok.sum()), "fitted_years": int(len(fit_years)),
                              "residual_mad": round(global_mad, 1), "flagged": int(len(pos))})
