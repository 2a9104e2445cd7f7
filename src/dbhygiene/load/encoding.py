"""Choosing how a text export is decoded: BOMs, UTF-16, UTF-8, cp1252, mixed UTF-8/cp1252, others."""

from __future__ import annotations

import re

import numpy as np

from ..errors import LoadError
from .cp1252 import LATIN_TEXT_CHARS, LATIN_UTF8, cp1252_to_utf8, decode_mixed, lenient_cp1252
from .text import Text


def decode(data: bytes, where: str, encoding: str | None) -> tuple[Text, str]:
    doc, chosen = _decode_text(data, where, encoding)
    sample = doc.head(1 << 16)
    controls = sum(sample.count(ch) for ch in _CONTROL_CHARS)
    if sample and controls > max(2, len(sample) // 100):
        raise LoadError(f"{where}: binary data, not a delimited text, JSON, .xlsx or Parquet file")
    return doc, chosen


# C0 controls other than tab, newline, carriage return and form feed never occur in a text export.
_CONTROL_CHARS = [chr(c) for c in range(32) if chr(c) not in "\t\n\r\f"] + ["\x7f"]


def _is_utf8(data: bytes) -> bool:
    """Validate UTF-8 without building a str (pyarrow's validator is several times faster)."""
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True



def first_invalid_utf8(data: bytes, window: int = 1 << 20) -> int:
    """Offset of the first byte that is not UTF-8, decoding a window at a time (a failed decode of
    the whole file would copy all of it into the exception)."""
    view, start = memoryview(data), 0
    while start < len(data):
        stop = min(len(data), start + window)
        for _ in range(3):  # end the window after the character it cuts, not inside it
            if stop < len(data) and 0x80 <= data[stop] <= 0xBF:
                stop += 1
        try:
            bytes(view[start:stop]).decode("utf-8")
        except UnicodeDecodeError as exc:
            return start + exc.start
        start = stop
    return len(data)


def _decode_text(data: bytes, where: str, encoding: str | None) -> tuple[Text, str]:
    if encoding:
        if encoding.lower().replace("_", "-") in ("cp1252", "windows-1252"):
            utf8 = cp1252_to_utf8(data)
            if utf8 is not None:
                return Text(utf8=utf8), encoding
        try:
            return Text(text=data.decode(encoding)), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise LoadError(f"{where}: cannot decode as {encoding} ({exc})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        if _is_utf8(body):
            return Text(utf8=body), "utf-8-sig"
        # A UTF-8 mark on text that is not (all) UTF-8: an editor added it, or exports were appended.
        # Judge the rest like a file without a mark rather than replace its bytes with U+FFFD.
        doc, chosen = _decode_text(body, where, None)
        doc.notes.insert(0, f"UTF-8 byte-order mark, but the text is not UTF-8: read as {chosen}")
        return doc, chosen
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Text(text=data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:
            raise LoadError(f"{where}: UTF-16 byte-order mark but the text is truncated or corrupt") from None
    head = data[:4096]
    if b"\x00" in head:
        # UTF-16 without a BOM puts a NUL in every other byte of ASCII text.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            return _utf16_without_bom(data, "utf-16-le"), "utf-16-le"
        if even > len(head) // 4 and odd == 0:
            return _utf16_without_bom(data, "utf-16-be"), "utf-16-be"
        raise LoadError(f"{where}: binary data, not a delimited text, JSON, .xlsx or Parquet file")
    if _is_utf8(data):
        return Text(utf8=data), "utf-8"
    first = first_invalid_utf8(data)
    # judge the encoding where the bytes that are not UTF-8 begin, not by an ASCII head
    sample = data[max(0, first - (1 << 16)): first + (1 << 20)]
    valid = sample.decode("utf-8", errors="ignore")
    stray = len(sample) - len(valid.encode("utf-8"))  # bytes that are not UTF-8
    # Latin letters and punctuation written as well-formed multi-byte UTF-8. Single-byte text forms
    # such sequences only by accident, and then mostly as other characters: cp1252 'É' + no-break
    # space is C9 A0, UTF-8 for 'ɠ'.
    utf8_latin = LATIN_UTF8.findall(valid)
    if len(utf8_latin) >= 3 and len(utf8_latin) * 50 >= stray:
        # UTF-8 with stray cp1252 bytes: a file edited on two systems, or exports appended to one another
        text, stray, offsets = decode_mixed(data)
        where, newlines, previous = [], 0, 0
        for at in offsets[:100]:  # in file order: one pass over the bytes, not one per offset
            newlines += data.count(b"\n", previous, at)
            previous = at
            where.append(newlines + 1)
        where = sorted(set(where))
        lines = ", ".join(map(str, where[:5]))
        more = ", ..." if len(where) > 5 or len(offsets) > 100 else ""
        return Text(text=text, notes=[f"mixed encoding: {stray} byte(s) that are not UTF-8 were read as cp1252 "
                                      f"(line {lines}{more})"]), "utf-8+cp1252"
    # Single-byte text: the code page under which its letters read as Latin text (cp1252 first:
    # Spanish/Portuguese/French as Windows writes it)
    legacy = _best_latin_reading(sample)
    if legacy is not None:
        codec, notes = legacy
        if codec == "cp1252":
            return Text(raw=data, transcode=lenient_cp1252, notes=notes), "cp1252"
        try:
            return Text(text=data.decode(codec), notes=notes), codec.replace("_", "-")
        except UnicodeDecodeError:
            pass  # the sample fits, the rest of the file does not: let charset-normalizer judge
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp850",
                                            "mac_roman", "cp1251", "utf_8"]).best()
    chosen = best.encoding if best is not None else "cp1252"
    if chosen == "utf_8":  # the window decoded but the whole file did not: damaged UTF-8
        chosen = "cp1252"
    if chosen in ("latin_1", "iso8859_15") and not any(0x80 <= b <= 0x9F for b in sample) \
            and not _euro_of_latin9(sample):
        chosen = "cp1252"  # identical on the bytes seen; cp1252 is what Windows exports write
    try:
        return Text(text=data.decode(chosen)), chosen.replace("_", "-")
    except UnicodeDecodeError:
        return Text(text=data.decode("latin-1")), "latin-1"


def _utf16_without_bom(data: bytes, codec: str) -> Text:
    """UTF-16 told by its NUL bytes. Bytes that do not decode (an odd length, a broken surrogate)
    become U+FFFD, and a note says so: a name check must not blame that character on the data."""
    try:
        return Text(text=data.decode(codec))
    except UnicodeDecodeError as exc:
        first = exc.start
    text = data.decode(codec, errors="replace")
    damaged = text.count("\ufffd") - data.count("\ufffd".encode(codec))
    line = data[:first].decode(codec, errors="replace").count("\n") + 1
    return Text(text=text, notes=[f"{codec} text with {damaged} undecodable unit(s) (odd length or a broken "
                                  f"surrogate) shown as U+FFFD by the reader, not in the data (first on line {line})"])


# The eight bytes where ISO-8859-15 (Latin-9) differs from latin-1 and cp1252: A4 is the euro sign
# there, a currency sign (¤) nobody types in cp1252; A6 A8 B4 B8 BC BD BE are Š š Ž ž Œ œ Ÿ.
_LATIN9_DIFFERS = frozenset(b"\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe")


def _euro_of_latin9(sample: bytes) -> bool:
    """A4 (¤ in cp1252, € in ISO-8859-15) and no byte 80-9F (where cp1252 has its own euro sign,
    curly quotes and dashes, and ISO-8859-15 only control characters): the text is Latin-9."""
    return b"\xa4" in sample and re.search(rb"[\x80-\x9f]", sample) is None


# Single-byte code pages a Latin-script export is written in, most likely first (ties go to the first).
LATIN_CODEPAGES = ("cp1252", "iso8859_15", "cp850", "mac_roman")
# Letters of the Western European languages watchlists are written in: worth more than a rare
# Latin letter (Ð, Þ, ƒ) that a wrong code page produces just as easily.
_COMMON_LETTERS = frozenset("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßŒœŠšŽž")
# Non-letters at home in such text: punctuation, quotes, dashes, degree and ordinal signs.
_NEUTRAL = frozenset("°ºª¿¡«»“”‘’–—…·´¨\u00a0§")
# Inside a word (a letter on both sides) only a letter, an apostrophe or the Catalan middle dot fits.
_IN_WORD_OK = frozenset("’´·")


def _latin_letter(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch).startswith("L") and "LATIN" in unicodedata.name(ch, "")


def _points(before: str, ch: str, after: str) -> int:
    letter_before, letter_after = before.isalpha(), after.isalpha()
    if _latin_letter(ch):
        if ch.isupper() and before.islower():
            return -3  # JosÄ: a capital after a small letter (Mac Roman José read as cp850)
        if ch.islower() and after.isupper():
            return -3  # çLVAREZ
        if ch.islower() and before.isupper() and not after.islower():
            return -3  # MUäOZ, JOSâ
        points = 2 if ch in _COMMON_LETTERS else 1
        return points if letter_before or letter_after else points - 1  # a letter standing alone
    if ch == "€":
        return 1
    if ch in _NEUTRAL:
        return -3 if letter_before and letter_after and ch not in _IN_WORD_OK else 0
    if ch == "\ufffd" or 0x80 <= ord(ch) <= 0x9F or (letter_before and letter_after):
        return -3
    return -1


def latin_reading_score(sample: bytes, codec: str) -> tuple[int, int, int]:
    """(score, characters that fit, characters that do not) of ``sample`` read as ``codec``.
    A common Western letter scores 2, a rarer Latin letter 1, the euro sign 1, punctuation 0; a
    currency or box symbol, Greek, a control or undefined byte do not fit (-1, -3 for the last
    two). In context: a non-letter between two letters (NU¥EZ, NU—EZ), a small letter between
    capitals (MUäOZ) or before one (çLVAREZ), a capital after a small letter (JosÄ) do not fit
    either (-3), and a letter standing alone costs 1. Judged once per distinct (before, character,
    after), found with numpy, so the cost hardly grows with the number of rows."""
    text = sample.decode(codec, errors="replace")
    cps = np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32).astype(np.int64)
    at = np.flatnonzero(cps >= 0x80)
    if len(at) == 0:
        return 0, 0, 0
    padded = np.concatenate(([0x20], cps, [0x20]))
    triples = (padded[at] << 42) | (padded[at + 1] << 21) | padded[at + 2]
    distinct, counts = np.unique(triples, return_counts=True)
    score = fits = misfits = 0
    low21 = (1 << 21) - 1
    for key, n in zip(distinct.tolist(), counts.tolist()):
        points = _points(chr(key >> 42), chr((key >> 21) & low21), chr(key & low21))
        score += points * n
        if points < 0:
            misfits += n
        else:
            fits += n
    return score, fits, misfits


def _best_latin_reading(sample: bytes) -> tuple[str, list[str]] | None:
    """The code page under which the non-ASCII characters read as Latin text (cp850 'NUÑEZ' is
    'NU¥EZ' in cp1252, Mac Roman 'MUÑOZ' is 'MU„OZ'), when one fits at least 90 % of them; None
    otherwise (Cyrillic, Greek...: charset-normalizer judges). A note names a close second reading."""
    sample = sample[:1 << 18]  # a quarter MiB from where the bytes that are not UTF-8 begin
    scored = []
    for codec in LATIN_CODEPAGES:
        score, fits, misfits = latin_reading_score(sample, codec)
        if fits and fits >= 0.9 * (fits + misfits):
            scored.append((score, codec))
    if not scored:
        return None
    best = max(score for score, _ in scored)
    winners = [codec for score, codec in scored if score == best]
    codec = winners[0]
    reading = sample.decode(codec, "replace")
    others = [other for other in winners[1:] if sample.decode(other, "replace") != reading]
    notes = []
    if others:
        notes.append(f"encoding: the non-ASCII characters read equally well as {codec} and {others[0]}; "
                     f"read as {codec} (give --encoding if names look wrong)")
    return codec, notes
