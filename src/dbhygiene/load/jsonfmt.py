"""JSON and NDJSON: records found in the document, nested values flattened by one rule.

Where the records are:

* a list of objects, or NDJSON (one object a line);
* a list of pages, each a list of objects (a paged API dump): the pages are concatenated;
* an object holding, at any depth through objects, exactly one list of objects
  (``{"meta": ..., "entities": [...]}``, ``{"_embedded": {"notices": [...]}}``);
* anywhere else: ``--record-path`` (config ``record-path``), keys joined with dots
  (``data.items``).

How a record becomes one row (see ``records.py``): nested objects are flattened to dotted column
names (``_links.self.href``); a list is a list-valued field: a list of scalars keeps every value
(``nationalities``), a list of objects gives one list-valued column per key
(``arrest_warrants.charge``). Numbers stay as written.
"""

from __future__ import annotations

import json

from ..errors import LoadError
from .cells import cell_text
from .records import build_frame
from .source import Loaded, SourceFacts
from .text import Text


def _json_loads(text: str):
    # Numbers stay as written: a DNI 20123456 is "20123456", an amount 1.50 is "1.50".
    return json.loads(text, parse_int=str, parse_float=str)


def _parse(doc: Text, facts: SourceFacts):
    text = doc.text.lstrip()
    try:
        if facts.format == "ndjson":
            return [_json_loads(ln) for ln in text.splitlines() if ln.strip()]
        try:
            return _json_loads(text)
        except json.JSONDecodeError as exc:
            if "Extra data" not in str(exc):
                raise
            facts.format = "ndjson"
            return [_json_loads(ln) for ln in text.splitlines() if ln.strip()]
    except json.JSONDecodeError as exc:
        raise LoadError(f"{facts.path}: invalid or truncated JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise LoadError(f"{facts.path}: JSON nested too deeply to read") from None


def _is_records(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


def _is_pages(value) -> bool:
    return (isinstance(value, list) and bool(value) and all(isinstance(p, list) for p in value)
            and any(p for p in value) and all(isinstance(r, dict) for p in value for r in p))


def _candidate_lists(value, path: str = "", depth: int = 0) -> list[str]:
    """Dotted paths of the lists of objects (or of pages) reachable through objects."""
    found = []
    if isinstance(value, dict) and depth < 8:
        for key, child in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _is_records(child) or _is_pages(child):
                found.append(here)
            elif isinstance(child, dict):
                found += _candidate_lists(child, here, depth + 1)
    return found


def _follow(value, path: str, where: str):
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            raise LoadError(f"{where}: --record-path '{path}' not found in the JSON (no key '{key}')")
        value = value[key]
    return value


def find_records(data, where: str, record_path: str | None) -> tuple[list[dict], list[str]]:
    """The records and a note saying where they were found."""
    notes: list[str] = []
    if record_path:
        data = _follow(data, record_path, where)
        notes.append(f"records read from '{record_path}'")
    elif isinstance(data, dict):
        candidates = _candidate_lists(data)
        if len(candidates) != 1:
            listed = ", ".join(candidates[:6]) or "none"
            if not candidates and any(isinstance(v, list) and not v for v in data.values()):
                raise LoadError(f"{where}: JSON holds no records")
            raise LoadError(f"{where}: JSON object must hold exactly one list of records, found "
                            f"{len(candidates)} ({listed}); choose one with --record-path")
        data = _follow(data, candidates[0], where)
        if "." in candidates[0]:
            notes.append(f"records read from '{candidates[0]}'")
    if _is_pages(data):
        notes.append(f"{len(data)} pages of records concatenated")
        data = [r for page in data for r in page]
    if isinstance(data, list) and not data:
        raise LoadError(f"{where}: JSON holds no records")
    if not _is_records(data):
        raise LoadError(f"{where}: JSON must be a list of objects (one record each)"
                        + ("" if record_path else "; name the list with --record-path"))
    return data, notes


def flatten(record: dict, out: dict[str, list[str]] | None = None, prefix: str = "", in_list: bool = False,
            list_valued: set[str] | None = None) -> dict[str, list[str]]:
    """One record to {dotted column: values}. Columns reached through a list go in ``list_valued``."""
    out = {} if out is None else out
    for key, value in record.items():
        name = f"{prefix}{str(key).strip()}"
        _add(out, name, value, in_list, list_valued)
    return out


def _add(out, name, value, in_list, list_valued) -> None:
    if isinstance(value, dict):
        if not value:
            out.setdefault(name, [])
        flatten(value, out, name + ".", in_list, list_valued)
    elif isinstance(value, list):
        if list_valued is not None:
            list_valued.add(name)
        if not value:
            out.setdefault(name, [])
        for item in value:
            _add(out, name, item, True, list_valued)
    else:
        if in_list and list_valued is not None:
            list_valued.add(name)
        values = out.setdefault(name, [])
        text = cell_text(value)
        if text is not None:
            values.append(text)


def load_json(doc: Text, facts: SourceFacts, options=None) -> Loaded:
    data = _parse(doc, facts)
    record_path = getattr(options, "record_path", None)
    records, notes = find_records(data, facts.path, record_path)
    list_valued: set[str] = set()
    flat = [flatten(r, list_valued=list_valued) for r in records]
    # a list that is empty everywhere beside columns found inside it (``links: []`` next to
    # ``links.href``) is not a column of its own
    names = set().union(*flat) if flat else set()
    for name in [n for n in names if any(m.startswith(n + ".") for m in names)]:
        if not any(r.get(name) for r in flat):
            for r in flat:
                r.pop(name, None)
            list_valued.discard(name)
    frame, multi, more = build_frame(flat, list_valued=list_valued)
    return Loaded(frame=frame, facts=facts, lines=None, notes=notes + more, multi=multi)
