"""Format-specific escaping for the report renderers, on top of the one escaping door.

Every input-derived string first goes through ``safe_text.escape`` (controls, bidi and invisible
characters shown visibly, one line); the functions here then make that line inert in one format.
HTML needs nothing here: jinja2's autoescaping does it in the templates.
"""

from __future__ import annotations

import re

from ..safe_text import escape

__all__ = ["md", "csv_cell", "gh_data", "gh_property", "xml_text", "escape"]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def md(value) -> str:
    """Text inert in GitHub-flavoured Markdown, also inside a table cell: no link, no HTML, no code
    span, no emphasis, no cell break. ``<`` and ``&`` become entities; punctuation is backslashed."""
    text = escape(value).replace("&", "&amp;").replace("<", "&lt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"(?i)\b(https?|ftp)(:)(//)", r"\1\\\2\3", text).replace("www.", "www&#46;")


def csv_cell(value):
    """A cell a spreadsheet will not run: controls shown visibly, and a text cell that starts with
    ``= + - @``, tab or CR gets a leading apostrophe (OWASP, CSV injection). Numbers pass as they are."""
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raw = str(value)
    text = escape(raw)
    if raw.startswith(_FORMULA_START) or text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def gh_data(value) -> str:
    """The message part of a GitHub workflow command (``%``, CR and LF percent-encoded)."""
    return escape(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(value) -> str:
    """A property value of a GitHub workflow command (also ``:`` and ``,``)."""
    return gh_data(value).replace(":", "%3A").replace(",", "%2C")


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value) -> str:
    """Text XML 1.0 can carry (ElementTree escapes the markup; controls are shown visibly first)."""
    return _XML_BAD.sub("?", escape(value))
