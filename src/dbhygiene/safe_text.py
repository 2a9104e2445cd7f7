"""The one escaping door: input-derived text made safe for terminals, logs and line-based reports.

An export comes from systems nobody trusts. A cell, a header, a sheet or zip member name, even a
path can hold terminal escape sequences (``ESC [2J``, OSC titles and hyperlinks), BEL, newlines
that forge report lines, bidi overrides that reorder what a reader sees (U+202E) or zero-width
characters that hide text. Every human-readable renderer passes each line it writes through
``escape`` (text report, ``columns``, errors on stderr); machine formats use ``json_escape`` on
their serialised text. Nothing here depends on ``--show-pii``: escaping is about the terminal,
redaction (``redact.py``) about people.

Shown visibly, never dropped, so a reviewer sees that the data holds them:

* C0 controls, DEL and C1 controls as ``\\x1b``, with ``\\n``, ``\\r`` and ``\\t`` for the usual three;
* bidi controls, zero-width and other format characters, line/paragraph separators, unusual
  spaces, private-use, unassigned code points as ``<U+202E>``;
* lone surrogates (bytes a file name could not decode as UTF-8) as ``\\xff``: the raw byte.

Printable text, accented letters and the plain space pass unchanged; the fast path is one
``str.isprintable`` call.
"""

from __future__ import annotations

__all__ = ["escape", "json_escape", "is_safe"]

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(ch: str) -> str:
    if ch == " " or ch.isprintable():
        return ch
    if ch in _NAMED:
        return _NAMED[ch]
    cp = ord(ch)
    if cp < 0x20 or 0x7F <= cp <= 0x9F:
        return f"\\x{cp:02x}"
    if 0xDC80 <= cp <= 0xDCFF:  # surrogateescape: the undecodable byte itself
        return f"\\x{cp - 0xDC00:02x}"
    return f"<U+{cp:04X}>"


def is_safe(text: str) -> bool:
    """True when ``text`` needs no escaping (printable characters and plain spaces only)."""
    return text.isprintable()


def escape(value, max_len: int | None = None) -> str:
    """``value`` as one line of inert text: controls, bidi and invisible characters shown visibly.

    ``max_len`` (characters of the *input*) cuts a huge value short and says by how much.
    """
    text = value if isinstance(value, str) else str(value)
    cut = ""
    if max_len is not None and len(text) > max_len:
        cut = f"… (+{len(text) - max_len} characters)"
        text = text[:max_len]
    if text.isprintable():
        return text + cut
    return "".join(_escape_char(ch) for ch in text) + cut


def _json_char(ch: str) -> str:
    if ch in "\n " or ch.isprintable():
        return ch
    cp = ord(ch)
    if cp > 0xFFFF:
        cp -= 0x10000
        return f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}"
    return f"\\u{cp:04x}"


def json_escape(serialised: str) -> str:
    """Serialised JSON with every non-printable character inside strings as a ``\\uXXXX`` escape.

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 controls but leaves C1 controls, bidi
    overrides, zero-width characters and lone surrogates raw; the parsed value is the same either
    way, but the raw form can drive a terminal (or fail to encode). Newlines and spaces left in the
    serialised text are JSON's own layout and stay.
    """
    if serialised.isprintable():
        return serialised
    return "".join(_json_char(ch) for ch in serialised)
