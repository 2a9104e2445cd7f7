"""Which reader reads the input. Two small tables, tried in order:

- ``BINARY``: formats recognised on the raw bytes (after any gzip/zip layer), read from bytes;
- ``TEXT``: formats recognised on the decoded text's first characters and the file suffix, read from
  the decoded ``Text``.

A new format is one entry in one table (``detect`` and ``read``); nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import LoadError
from .archive import check_workbook, is_xlsx, sniff_container
from .delimited import load_delimited
from .encoding import decode
from .jsonfmt import load_json
from .parquet import load_parquet
from .protection import workbook_facts
from .source import Loaded, Options, SourceFacts
from .text import Text
from .xlsx import load_xlsx
from .xmlfmt import load_xml

TEXT_SUFFIXES = {"csv", "tsv", "txt", "psv", "dsv"}


@dataclass(frozen=True)
class BinaryFormat:
    name: str
    detect: Callable[[bytes, str], bool]  # (bytes, suffix) -> is this format
    read: Callable[[bytes, SourceFacts, Options], Loaded]


@dataclass(frozen=True)
class TextFormat:
    name: str
    detect: Callable[[str, str], bool]  # (first characters, stripped of leading space; suffix)
    read: Callable[[Text, SourceFacts, Options], Loaded]


def _refuse_ole2(data: bytes, facts: SourceFacts, options: Options) -> Loaded:
    raise LoadError(f"{facts.path}: legacy .xls or password-protected Office file; "
                    "save it as .xlsx (unprotected) or CSV first")


def _refuse_html(doc: Text, facts: SourceFacts, options: Options) -> Loaded:
    raise LoadError(f"{facts.path}: HTML is not a supported input; export the list as CSV, .xlsx, "
                    "JSON, XML or Parquet")


def _read_xlsx(data: bytes, facts: SourceFacts, options: Options) -> Loaded:
    check_workbook(facts.path, data, options.limits)
    facts.protection.workbook = workbook_facts(data)
    return load_xlsx(data, facts, options)


def _is_markup(head: str, suffix: str) -> bool:
    return head.startswith("<") and (suffix in ("xml", "html", "htm") or head[:5].lower() in ("<?xml", "<html")
                                     or suffix not in TEXT_SUFFIXES)


def _is_html(head: str, suffix: str) -> bool:
    lowered = head[:200].lower()
    return _is_markup(head, suffix) and (suffix in ("html", "htm") or lowered.startswith(("<html", "<!doctype html")))


def _is_json(head: str, suffix: str) -> bool:
    return suffix in ("json", "ndjson", "jsonl") or (suffix not in TEXT_SUFFIXES and head[:1] in "[{")


BINARY: list[BinaryFormat] = [
    BinaryFormat("ole2", lambda data, suffix: sniff_container(data) == "ole2", _refuse_ole2),
    BinaryFormat("xlsx", lambda data, suffix: sniff_container(data) == "zip", _read_xlsx),
    BinaryFormat("parquet", lambda data, suffix: sniff_container(data) == "parquet",
                 lambda data, facts, options: load_parquet(data, facts, options.limits)),
]

TEXT: list[TextFormat] = [
    TextFormat("html", _is_html, _refuse_html),
    TextFormat("xml", _is_markup, load_xml),
    TextFormat("ndjson", lambda head, suffix: suffix in ("ndjson", "jsonl"), load_json),
    TextFormat("json", _is_json, load_json),
    TextFormat("csv", lambda head, suffix: True,
               load_delimited),
]


def read_bytes(data: bytes, name: str, facts: SourceFacts, options: Options) -> Loaded:
    """Read the (decompressed) bytes of one table whose file name is ``name``."""
    kind = sniff_container(data)
    suffix = Path(name).suffix.lower().lstrip(".")
    if kind == "gzip" or (kind == "zip" and not is_xlsx(data)):
        raise LoadError(f"{facts.path}: nested archives are not supported")
    for fmt in BINARY:
        if fmt.detect(data, suffix):
            facts.format = fmt.name
            return fmt.read(data, facts, options)
    if options.sheet is not None:
        raise LoadError(f"{facts.path}: --sheet applies to .xlsx files only")
    doc, facts.encoding = decode(data, facts.path, options.encoding)
    head = doc.head(4096).lstrip()  # a peek; the whole text is not decoded
    fmt = next(f for f in TEXT if f.detect(head, suffix))
    facts.format = fmt.name
    loaded = fmt.read(doc, facts, options)
    loaded.notes[:0] = doc.notes
    return loaded
