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
        return Text(text=body.decode("utf-8", errors="replace")), "utf-8-sig"
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
            return Text(text=data.decode("utf-16-le", errors="replace")), "utf-16-le"
        if even > len(head) // 4 and odd == 0:
            return Text(text=data.decode("utf-16-be", errors="replace")), "utf-16-be"
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
    high = re.findall(r"[^\x00-\x7f]", sample.decode("cp1252", errors="replace"))
    plausible = sum(1 for ch in high if ch in LATIN_TEXT_CHARS)
    if high and plausible >= 0.9 * len(high):  # Spanish/Portuguese/French text as Windows writes it
        return Text(raw=data, transcode=lenient_cp1252), "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp850",
                                            "mac_roman", "cp1251", "utf_8"]).best()
    chosen = best.encoding if best is not None else "cp1252"
    if chosen == "utf_8":  # the window decoded but the whole file did not: damaged UTF-8
        chosen = "cp1252"
    if chosen in ("latin_1", "iso8859_15") and not any(0x80 <= b <= 0x9F for b in sample):
        chosen = "cp1252"  # identical on the bytes seen; cp1252 is what Windows exports write
    try:
        return Text(text=data.decode(chosen)), chosen.replace("_", "-")
    except UnicodeDecodeError:
        return Text(text=data.decode("latin-1")), "latin-1"


