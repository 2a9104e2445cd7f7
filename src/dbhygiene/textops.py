"""Byte-level, vectorised operations on Arrow string arrays.

pyarrow's string kernels cost a fixed 40-450 ns per string per pass (a regex replace is the dear
one). Name keys need several passes over a million names, so the common cases are done here on the
UTF-8 bytes with numpy instead: ASCII bytes are translated through a 256-entry table (length is
kept, so offsets are too), common two-byte letters are folded through a table built from NFKD, and
unwanted bytes are dropped, each offset moving back by a binary search over the dropped positions.
Only strings these cannot handle (non-ASCII after folding) go through NFKD and RE2.

Every function takes and returns a ``pa.LargeStringArray`` with nulls preserved.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# UTF-8 continuation bytes are >= 0x80, so translating bytes < 0x80 never touches a multi-byte character.
_ASCII_ALNUM_OR_SPACE = np.full(256, 0x20, dtype=np.uint8)
_ASCII_ALNUM_OR_SPACE[0x80:] = np.arange(0x80, 0x100, dtype=np.uint8)
for _lo, _hi in ((ord("0"), ord("9")), (ord("a"), ord("z")), (ord("A"), ord("Z"))):
    _ASCII_ALNUM_OR_SPACE[_lo:_hi + 1] = np.arange(_lo, _hi + 1, dtype=np.uint8)


def _two_byte_table() -> np.ndarray:
    """For every two-byte UTF-8 character (U+0080–U+07FF), indexed by (lead - 0xC2) * 64 +
    (continuation - 0x80): the single ASCII byte that NFKD minus its combining marks (Mn) turns it
    into, or 0 when the result is not one ASCII character (Æ, ß, ø, Greek, Cyrillic...)."""
    table = np.zeros(30 * 64, dtype=np.uint8)
    for cp in range(0x80, 0x800):
        folded = "".join(ch for ch in unicodedata.normalize("NFKD", chr(cp)) if unicodedata.category(ch) != "Mn")
        if len(folded) == 1 and 0 < ord(folded) < 0x80:
            encoded = chr(cp).encode("utf-8")
            table[(encoded[0] - 0xC2) * 64 + (encoded[1] - 0x80)] = ord(folded)
    return table


_FOLD_TWO_BYTE = _two_byte_table()


def series_arrow(values: pd.Series) -> pa.Array:
    """Zero-copy view of a text column as a pyarrow array (shared by normalise and the checks)."""
    arr = pa.array(values.array) if isinstance(values.array, pd.arrays.ArrowStringArray) else pa.array(
        values.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def series_from_arrow(arr: pa.Array, index) -> pd.Series:
    """A pandas string column over an Arrow string array, on the given index."""
    return pd.Series(pd.array(arr, dtype="str"), index=index)


def _large(arr: pa.Array | pa.ChunkedArray) -> pa.LargeStringArray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    return arr


def parts(arr: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """(offsets rebased to 0, the data bytes they index) of a large_string array, without copying."""
    _, off_buf, data_buf = arr.buffers()
    if len(arr) == 0 or off_buf is None:
        return np.zeros(len(arr) + 1, np.int64), np.zeros(0, np.uint8)
    offsets = np.frombuffer(off_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    if data_buf is None:
        return offsets - offsets[0], np.zeros(0, np.uint8)
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0]: offsets[-1]]
    return offsets - offsets[0], data


def text_chunks(values: pd.Series) -> list[pa.LargeStringArray]:
    """A text column as its Arrow chunks (large_string), without copying an Arrow-backed column."""
    arr = pa.array(values.array) if isinstance(values.array, pd.arrays.ArrowStringArray) else series_arrow(values)
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    return [c if c.type == pa.large_string() else c.cast(pa.large_string()) for c in chunks]


def in_range(data: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Bytes in [lo, hi], by one wrapping subtraction (a table lookup would widen every byte to an index)."""
    return (data - np.uint8(lo)) <= np.uint8(hi - lo)


def any_per_string(flags: np.ndarray, offsets: np.ndarray, nonempty: np.ndarray, n: int) -> np.ndarray:
    """Per string of ``parts``' ``offsets``: any of its bytes flagged (``nonempty``: the positions of
    the non-empty strings; empty ones give False)."""
    out = np.zeros(n, dtype=bool)
    if len(nonempty):
        out[nonempty] = np.logical_or.reduceat(flags, offsets[nonempty])
    return out


def build(offsets: np.ndarray, data: np.ndarray, like: pa.LargeStringArray) -> pa.LargeStringArray:
    """A large_string array from offsets and bytes, with the nulls of ``like``."""
    validity = None
    if like.null_count:
        validity = pa.py_buffer(np.packbits(pc.is_valid(like).to_numpy(zero_copy_only=False), bitorder="little"))
    return pa.LargeStringArray.from_buffers(len(like), pa.py_buffer(np.ascontiguousarray(offsets, dtype=np.int64)),
                                            pa.py_buffer(np.ascontiguousarray(data)), validity, like.null_count)


def drop(offsets: np.ndarray, data: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove the bytes where ``mask`` is set; offsets follow."""
    return remove(offsets, data, np.flatnonzero(mask))


def remove(offsets: np.ndarray, data: np.ndarray, gone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove the bytes at the sorted positions ``gone``; offsets follow."""
    if not len(gone):
        return offsets, data
    # bytes removed before each offset: a binary search per string, not a cumulative sum per byte
    return offsets - np.searchsorted(gone, offsets), np.delete(data, gone)


def _starts(offsets: np.ndarray, size: int) -> np.ndarray:
    """Mask of the bytes that begin a (non-empty) string."""
    mask = np.zeros(size + 1, dtype=bool)
    mask[offsets[:-1]] = True
    return mask[:size]


def fold_two_byte(arr: pa.LargeStringArray) -> pa.LargeStringArray:
    """Replace each two-byte character that NFKD-and-strip-marks turns into one ASCII character
    (á → a, Ñ → N, ª → a, NBSP → space...) by that character, on the bytes."""
    offsets, data = parts(arr)
    if not len(data):
        return arr
    lead = np.flatnonzero((data >= 0xC2) & (data <= 0xDF))
    lead = lead[lead + 1 < len(data)]
    if not len(lead):
        return arr
    folded = _FOLD_TWO_BYTE[(data[lead].astype(np.int64) - 0xC2) * 64 + (data[lead + 1].astype(np.int64) - 0x80)]
    hit = folded != 0
    lead, folded = lead[hit], folded[hit]
    if not len(lead):
        return arr
    data = data.copy()
    data[lead] = folded
    return build(*remove(offsets, data, lead + 1), arr)


def strip_combining_latin(arr: pa.LargeStringArray) -> pa.LargeStringArray:
    """Drop U+0300–U+036F (Combining Diacritical Marks, all category Mn): UTF-8 CC 80–CD AF."""
    offsets, data = parts(arr)
    if not len(data):
        return arr
    nxt = np.empty_like(data)
    nxt[:-1] = data[1:]
    nxt[-1] = 0
    lead = (data == 0xCC) | ((data == 0xCD) & (nxt < 0xB0))
    if not lead.any():
        return arr
    mask = lead.copy()
    mask[1:] |= lead[:-1]  # the continuation byte after each lead
    offsets, data = drop(offsets, data, mask)
    return build(offsets, data, arr)


def ascii_punct_to_space_collapse(arr: pa.LargeStringArray) -> pa.LargeStringArray:
    """Every ASCII byte other than [0-9A-Za-z] becomes a space; runs of spaces become one, leading
    and trailing spaces go. Non-ASCII characters are left as they are."""
    offsets, data = parts(arr)
    if not len(data):
        return arr
    data = _ASCII_ALNUM_OR_SPACE[data]
    space = data == 0x20
    mask = space & _starts(offsets, len(data))
    mask[1:] |= space[1:] & space[:-1]
    offsets, data = drop(offsets, data, mask)
    out = build(offsets, data, arr)
    # at most one trailing space is left per string
    return pc.utf8_rtrim(out, characters=" ") if len(data) and (data == 0x20).any() else out


def scatter(base: pa.Array, positions: np.ndarray, values: pa.Array) -> pa.Array:
    """``base`` with ``base[positions] = values`` (positions sorted, unique)."""
    if not len(positions):
        return base
    where = np.zeros(len(base), dtype=bool)
    where[positions] = True
    source = np.zeros(len(base), dtype=np.int64)
    source[positions] = np.arange(len(positions))
    return pc.if_else(pa.array(where), pc.take(values, pa.array(source)), base)


def clean_names(arr: pa.Array | pa.ChunkedArray) -> pa.LargeStringArray:
    """Accents stripped (NFKD, marks dropped), lowercased, every run of characters that are not
    letters or digits turned into one space, trimmed. Same result as

        NFKD → remove \\p{Mn}+ → lower → [^\\p{L}\\p{N}]+ → ' ' → trim

    (tested against that form), but only non-ASCII strings are normalised and only strings still
    non-ASCII after that see a regex."""
    arr = _large(arr)
    non_ascii = np.flatnonzero(~pc.fill_null(pc.string_is_ascii(arr), True).to_numpy(zero_copy_only=False))
    if len(non_ascii):
        sub = fold_two_byte(_large(pc.take(arr, pa.array(non_ascii))))
        rest = np.flatnonzero(~pc.string_is_ascii(sub).to_numpy(zero_copy_only=False))
        if len(rest):  # Æ, ß, Greek, Cyrillic, decomposed accents...: the general path
            odd = strip_combining_latin(_large(pc.utf8_normalize(pc.take(sub, pa.array(rest)), "NFKD")))
            odd = pc.utf8_lower(pc.replace_substring_regex(odd, r"\p{Mn}+", ""))
            odd = pc.replace_substring_regex(odd, r"[^\p{L}\p{N}]+", " ")
            sub = scatter(sub, rest, _large(odd))
        arr = scatter(arr, non_ascii, _large(sub))
    arr = _large(pc.utf8_lower(arr))
    return ascii_punct_to_space_collapse(arr)



def drop_ascii(arr: pa.Array | pa.ChunkedArray, chars: str) -> pa.LargeStringArray:
    """Remove every occurrence of the given ASCII characters."""
    arr = _large(arr)
    offsets, data = parts(arr)
    table = np.zeros(256, dtype=bool)
    table[np.frombuffer(chars.encode("ascii"), dtype=np.uint8)] = True
    mask = table[data]
    return build(*drop(offsets, data, mask), arr) if mask.any() else arr


# ------------------------------------------------------------------ character counts (fuzzy-match bound)

_BUCKET = np.full(256, 255, dtype=np.uint8)  # 255: a UTF-8 continuation byte, not a character
_BUCKET[:0x80] = 27 + np.arange(0x80) % 5  # other ASCII
_BUCKET[ord("a"):ord("z") + 1] = np.arange(26)
_BUCKET[ord(" ")] = 26
_BUCKET[0xC0:] = 27 + np.arange(0x40) % 5  # the lead byte of a non-ASCII character
N_BUCKETS = 32


def char_histograms(strings) -> tuple[np.ndarray, np.ndarray]:
    """Per string: counts of its characters in ``N_BUCKETS`` buckets (a-z, space, the rest hashed)
    and its length in characters. Two strings' L1 histogram distance is at most their Indel
    distance (each insertion or deletion moves one count), so it bounds fuzz.ratio from above."""
    arr = pa.array(np.asarray(strings, dtype=object), type=pa.large_string()) \
        if not isinstance(strings, pa.Array) else strings
    arr = pc.fill_null(arr.cast(pa.large_string()), "")
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64, count=len(arr) + 1, offset=8 * arr.offset)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, dtype=np.uint8)
    data = data[int(offsets[0]):int(offsets[-1])]
    bucket = _BUCKET[data]
    owner = np.repeat(np.arange(len(arr), dtype=np.int64), np.diff(offsets))
    char = bucket != 255
    hist = np.bincount(owner[char] * N_BUCKETS + bucket[char], minlength=len(arr) * N_BUCKETS)
    hist = np.minimum(hist, 255).astype(np.uint8).reshape(len(arr), N_BUCKETS)
    return hist, np.bincount(owner[char], minlength=len(arr))


_LOW_BYTES = np.uint64(0x00FF00FF00FF00FF)
_LANES = np.uint64(0x0001000100010001)


def _row_sums(m: np.ndarray) -> np.ndarray:
    """Row sums of a C-contiguous (n, N_BUCKETS) uint8 array, on its 8-byte words (SWAR): numpy's
    reduction along a 32-byte row costs ~40 ns a row, these word operations ~5."""
    v = m.view(np.uint64)  # (n, 4): eight counts of at most 255 per word
    x = v >> np.uint64(8)
    x &= _LOW_BYTES
    y = v & _LOW_BYTES
    x += y  # four 16-bit lanes per word, each <= 510
    s = x[:, 0] + x[:, 1]
    s += x[:, 2]
    s += x[:, 3]  # lanes <= 2040
    s *= _LANES  # the top lane collects the sum of the four (<= 8160)
    s >>= np.uint64(48)
    return s.astype(np.int64)


def ratio_upper_bound(hist: np.ndarray, length: np.ndarray, a: np.ndarray, b: np.ndarray,
                      chunk: int = 1 << 15) -> np.ndarray:
    """Per pair (a[i], b[i]) of strings: an upper bound on fuzz.ratio from character counts,
    ``100 * (la + lb - L1) / (la + lb)`` with L1 the histograms' distance. L1 is computed as
    ``sum a + sum b - 2 * sum min(a, b)`` (the histograms sum to the lengths unless a count was
    capped at 255), in chunks small enough to reuse memory: fresh pages are dear here."""
    hist = np.ascontiguousarray(hist, dtype=np.uint8)
    length = np.asarray(length)
    if hist.shape[1:] != (N_BUCKETS,):
        raise ValueError(f"histograms must have {N_BUCKETS} buckets")
    sums = length if not len(length) or int(length.max()) <= 255 else hist.sum(axis=1, dtype=np.int64)
    out = np.empty(len(a), dtype=np.float64)
    for s in range(0, len(a), chunk):
        ia, ib = a[s:s + chunk], b[s:s + chunk]
        ha, hb = np.take(hist, ia, axis=0), np.take(hist, ib, axis=0)
        np.minimum(ha, hb, out=ha)
        common = _row_sums(ha)
        sa, sb = np.take(sums, ia).astype(np.int64), np.take(sums, ib).astype(np.int64)
        total = np.take(length, ia).astype(np.int64) + np.take(length, ib)
        l1 = sa + sb - 2 * common
        with np.errstate(invalid="ignore", divide="ignore"):
            out[s:s + chunk] = np.where(total > 0, 100.0 * (total - l1) / np.maximum(total, 1), 100.0)
    return out


def ratio_bound_reaches(hist: np.ndarray, length: np.ndarray, a: np.ndarray, b: np.ndarray, cutoff: float,
                        chunk: int = 1 << 15) -> np.ndarray:
    """``ratio_upper_bound(hist, length, a, b) >= cutoff - 1e-9``, bit for bit, with less arithmetic:
    when no count is capped (no string over 255 characters) the histograms sum to the lengths, so
    the bound is ``200 * common / total`` (``common``: the sum of the smaller counts)."""
    limit = cutoff - 1e-9
    length = np.asarray(length)
    if len(length) and int(length.max()) > 255:
        return ratio_upper_bound(hist, length, a, b) >= limit
    hist = np.ascontiguousarray(hist, dtype=np.uint8)
    if hist.shape[1:] != (N_BUCKETS,):
        raise ValueError(f"histograms must have {N_BUCKETS} buckets")
    out = np.empty(len(a), dtype=bool)
    for s in range(0, len(a), chunk):
        ia, ib = a[s:s + chunk], b[s:s + chunk]
        ha = np.take(hist, ia, axis=0)
        np.minimum(ha, np.take(hist, ib, axis=0), out=ha)
        total = np.take(length, ia).astype(np.int64)
        total += np.take(length, ib)
        reach = (200 * _row_sums(ha)) / np.maximum(total, 1) >= limit
        if limit <= 100.0:  # two empty strings: ratio_upper_bound says 100
            reach |= total == 0
        out[s:s + chunk] = reach
    return out
