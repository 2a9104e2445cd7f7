"""cp1252 (Windows Latin) helpers: fast transcoding to UTF-8, and UTF-8 with stray cp1252 bytes."""

from __future__ import annotations

import codecs
import re
import threading

import numpy as np

# Non-ASCII characters typical of Spanish, Portuguese and French text exported from Windows.
LATIN_TEXT_CHARS = set("ÁÉÍÓÚÜÑáéíóúüñÀÂÃÇÈÊÎÔÕÙÛàâãçèêîôõùûÄËÏÖäëïöÿŒœ°ºª¿¡«»“”‘’–—…·´¨€")

# cp1252 bytes 0x80-0x9F as UTF-8; None where cp1252 leaves the byte undefined.
_CP1252_C1 = {}
for _b in range(0x80, 0xA0):
    try:
        _CP1252_C1[bytes([0xC2, _b])] = bytes([_b]).decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:
        _CP1252_C1[bytes([0xC2, _b])] = None
_C2_C1 = re.compile(rb"\xc2[\x80-\x9f]")


def lenient_cp1252(data: bytes) -> bytes:
    return cp1252_to_utf8(data, strict=False)


def cp1252_to_utf8(data: bytes, strict: bool = True) -> bytes | None:
    """Transcode cp1252 bytes to UTF-8 bytes. The five bytes cp1252 leaves undefined (0x81, 0x8D,
    0x8F, 0x90, 0x9D) give None when ``strict``, else the C1 control of the same number, as Windows
    itself decodes them (nothing is lost).

    cp1252 and latin-1 agree except on 0x80-0x9F, and the latin-1 codec is a plain widening, so the
    bytes go through latin-1 and the few 0x80-0x9F characters (curly quotes, dashes, the euro sign)
    are patched afterwards. Same result as ``data.decode("cp1252").encode("utf-8")`` at about half
    the cost when such characters are rare."""
    if not (np.frombuffer(data, dtype=np.int8) < -96).any():  # no byte in 0x80-0x9F
        return data.decode("latin-1").encode("utf-8")
    utf8 = data.decode("latin-1").encode("utf-8")
    view, parts, start = memoryview(utf8), [], 0
    for match in _C2_C1.finditer(utf8):
        replacement = _CP1252_C1[match.group()]
        if replacement is None:
            if strict:
                return None
            replacement = match.group()
        parts += (view[start:match.start()], replacement)
        start = match.end()
    parts.append(view[start:])
    return b"".join(parts)


# cp1252 as Windows decodes it: the five undefined bytes become the C1 control of the same number.
_CP1252_CHARS = [bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)]
_fallback = threading.local()
LATIN_UTF8 = re.compile("[\u00c0-\u017f" + re.escape("".join(sorted(LATIN_TEXT_CHARS))) + "]")


def _cp1252_fallback(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as cp1252, and their offsets kept."""
    chunk = exc.object[exc.start:exc.end]
    _fallback.offsets.append(exc.start)
    _fallback.count += len(chunk)
    return "".join(_CP1252_CHARS[b] for b in chunk), exc.end


codecs.register_error("dbhygiene-cp1252-fallback", _cp1252_fallback)


def decode_mixed(data: bytes) -> tuple[str, int, list[int]]:
    """UTF-8 with stray cp1252 bytes (a file edited on two systems): (text, bytes read as cp1252,
    their offsets)."""
    _fallback.offsets, _fallback.count = [], 0
    try:
        text = data.decode("utf-8", errors="dbhygiene-cp1252-fallback")
        return text, _fallback.count, _fallback.offsets
    finally:
        del _fallback.offsets, _fallback.count


