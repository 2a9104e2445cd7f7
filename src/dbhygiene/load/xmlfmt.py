"""XML: published watchlists read natively through element-path mappings, any other XML through
``--record-path``.

Parsing is defensive (defusedxml over expat): a document that declares entities (the "billion
laughs" and "quadratic blow-up" bombs, external entities that read local files or URLs) is refused
before anything is expanded, nothing is fetched from the network, and the nesting depth and element
count are capped. Each refusal is an input error on one line (exit 2).

Known formats are data, one YAML per format in ``rules/formats/`` (UN consolidated list, OFAC
``sdnList``, Canada SEMA); the first whose ``root`` (and ``has``) match the document is used. A
format names its record elements and, per output column, an element-path expression (see
``rules/formats/README.md``). Column names are plain (``full_name``, ``birth_date``,
``passport``...) so the usual column mapping recognises them.

Any other XML: the records are the elements at ``--record-path`` (``data-set/record``, element
names from the document element down, or just the record element's name), else the most repeated
child found walking down from the document element. Each record is flattened like nested JSON:
descendant elements become dotted columns (``akaList.aka.lastName``), attributes ``path@name``;
an element that repeats within a record is list-valued (all values kept, see ``records.py``).
Map the columns with ``--map "person.dob=birth_date"`` as usual.
"""

from __future__ import annotations

import functools
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import yaml

from ..errors import LoadError
from .records import build_frame
from .source import Loaded, SourceFacts
from .text import Text

MAX_DEPTH = 64  # watchlists nest 4-6 levels; deeper is a malformed or hostile document
MAX_ELEMENTS = 20_000_000
FORMAT_KEYS = {"name", "title", "root", "has", "records", "columns", "notes"}
FIELD_KEYS = {"each", "when", "value", "join", "sep", "format", "text", "first_of", "split"}


# ------------------------------------------------------------------------------------ parsing

def _local(tag) -> str:
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rsplit("}", 1)[-1]


def parse_xml(data: bytes, where: str, encoding: str | None = None) -> ET.Element:
    """Parse safely; element tags lose their namespace (``{uri}sdnEntry`` -> ``sdnEntry``)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    parser = DefusedXMLParser(target=ET.TreeBuilder(), encoding=encoding, forbid_dtd=False,
                              forbid_entities=True, forbid_external=True)
    depth, count, root = 0, 0, None
    try:
        for event, elem in ET.iterparse(io.BytesIO(data), events=("start", "end"), parser=parser):
            if event == "start":
                depth += 1
                count += 1
                if depth > MAX_DEPTH:
                    raise LoadError(f"{where}: XML nested deeper than {MAX_DEPTH} levels; refused")
                if count > MAX_ELEMENTS:
                    raise LoadError(f"{where}: XML holds more than {MAX_ELEMENTS:,} elements; refused")
                if root is None:
                    root = elem
            else:
                depth -= 1
                elem.tag = _local(elem.tag)
    except DefusedXmlException as exc:
        raise LoadError(f"{where}: XML declares entities or external references ({type(exc).__name__}); "
                        "refused, as entity expansion is how XML bombs and file-reading attacks work") from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise LoadError(f"{where}: not well-formed XML (line {line}, column {column}: "
                        f"{str(exc).split(':')[0]})") from None
    if root is None:
        raise LoadError(f"{where}: XML holds no elements")
    return root


# ------------------------------------------------------------------------------------ paths

def find(context: ET.Element, path: str) -> list[ET.Element]:
    """Elements at a relative path of element names (``A/B``); ``|`` separates alternatives;
    ``.`` is the context itself."""
    out: list[ET.Element] = []
    for alternative in path.split("|"):
        nodes = [context]
        for step in alternative.strip().split("/"):
            if step in (".", ""):
                continue
            nodes = [child for node in nodes for child in node if child.tag == step]
        out += nodes
    return out


def texts(context: ET.Element, path: str) -> list[str]:
    """Text of each element at ``path`` (``path@attr``: the attribute). Whitespace-only text is
    blank; any other text is kept exactly as written."""
    path, _, attr = path.partition("@")
    out = []
    for node in find(context, path or "."):
        value = node.get(attr) if attr else "".join(node.itertext())
        if value is not None and value.strip():
            out.append(value)
    return out


def _first(context: ET.Element, path: str) -> str | None:
    found = texts(context, path)
    return found[0] if found else None


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _matches(context: ET.Element, when: dict | None) -> bool:
    for path, pattern in (when or {}).items():
        value = (_first(context, path) or "").strip()
        if not re.search(str(pattern), value):
            return False
    return True


def _produce(context: ET.Element, spec: dict) -> str | None:
    """One value from one context element, or None."""
    if not _matches(context, spec.get("when")):
        return None
    if "first_of" in spec:
        for option in spec["first_of"]:
            value = _produce(context, option)
            if value is not None:
                return value
        return None
    if "text" in spec:
        return str(spec["text"])
    if "format" in spec:
        template = spec["format"]
        parts = {}
        for path in _PLACEHOLDER.findall(template):
            value = _first(context, path)
            if value is None:
                return None
            parts[path] = value.strip()
        return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], template)
    if "join" in spec:
        parts = [v for path in spec["join"] for v in texts(context, path)]
        return spec.get("sep", " ").join(parts) if parts else None
    return _first(context, spec.get("value", "."))


def field_values(record: ET.Element, spec: dict) -> list[str]:
    if "each" in spec:
        values = [v for v in (_produce(node, spec) for node in find(record, spec["each"])) if v is not None]
    else:
        value = _produce(record, spec)
        values = [] if value is None else [value]
    if "split" in spec:
        values = [part for v in values for part in re.split(spec["split"], v) if part.strip()]
    return values


# ------------------------------------------------------------------------------------ known formats

def _formats_dir() -> Path:
    from ..catalogue import rules_dir

    return rules_dir() / "formats"


def _check_field(where: str, column: str, spec) -> None:
    if not isinstance(spec, dict):
        raise LoadError(f"{where}: column '{column}' must be a mapping of {sorted(FIELD_KEYS)}")
    unknown = set(spec) - FIELD_KEYS
    if unknown:
        raise LoadError(f"{where}: column '{column}' has unknown keys {sorted(unknown)} (known: {sorted(FIELD_KEYS)})")
    for option in spec.get("first_of", ()):
        _check_field(where, column, option)


@functools.cache
def known_formats() -> tuple[dict, ...]:
    formats = []
    for path in sorted(_formats_dir().glob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            spec = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loader
        unknown = set(spec) - FORMAT_KEYS
        if unknown or not {"name", "root", "records", "columns"} <= set(spec):
            raise LoadError(f"{path.name}: an XML format needs name, root, records and columns "
                            f"(unknown keys: {sorted(unknown)})")
        for column, field in spec["columns"].items():
            _check_field(path.name, column, field)
        formats.append(spec)
    return tuple(formats)


def detect_format(root: ET.Element) -> dict | None:
    for spec in known_formats():
        if root.tag == spec["root"] and all(find(root, p) for p in ([spec["has"]] if spec.get("has") else [])):
            return spec
    return None


def read_known(root: ET.Element, spec: dict) -> tuple[list[dict[str, list[str]]], set[str], list[str]]:
    records, counts = [], []
    list_valued = {c for c, f in spec["columns"].items() if "each" in f or "split" in f}
    for group in spec["records"]:
        nodes = find(root, group["path"])
        counts.append(f"{len(nodes)} {group['path'].rsplit('/', 1)[-1]}")
        constants = group.get("constants") or {}
        for node in nodes:
            record = {column: [str(value)] for column, value in constants.items()}
            for column, field in spec["columns"].items():
                values = field_values(node, field)
                if values or column not in record:
                    record[column] = values
            records.append(record)
    notes = [f"read as {spec.get('title', spec['name'])} (rules/formats/{spec['name']}): {', '.join(counts)}"]
    return records, list_valued, notes


# ------------------------------------------------------------------------------------ any other XML

def guess_record_path(root: ET.Element) -> str | None:
    """Walk down from the document element: the most repeated child tag (with children of its own)
    is the record; at a level where nothing repeats, the child holding the most elements is
    descended into."""
    node, steps = root, []
    for _ in range(MAX_DEPTH):
        tags = Counter(child.tag for child in node if len(child))
        if not tags:
            return None
        tag, count = tags.most_common(1)[0]
        if count >= 2:
            return "/".join(steps + [tag])
        # no repeated child here: go down into the biggest one
        node = max((child for child in node if len(child)), key=lambda c: sum(1 for _ in c.iter()))
        steps.append(node.tag)
    return None


def records_at(root: ET.Element, record_path: str, where: str) -> list[ET.Element]:
    steps = [s for s in record_path.strip("/").split("/") if s]
    if steps and steps[0] == root.tag:
        nodes = find(root, "/".join(steps[1:])) if len(steps) > 1 else [root]
    else:
        nodes = find(root, "/".join(steps))
    if not nodes and len(steps) == 1:
        nodes = [e for e in root.iter(steps[0])]
    if not nodes:
        raise LoadError(f"{where}: --record-path '{record_path}' matches no element")
    return nodes


def flatten_element(node: ET.Element, out: dict[str, list[str]], prefix: str = "") -> None:
    for name, value in node.attrib.items():
        out.setdefault(f"{prefix.rstrip('.')}@{_local(name)}", []).append(value)
    children = [c for c in node if c.tag]
    if not children:
        text = node.text
        key = prefix.rstrip(".") or node.tag
        values = out.setdefault(key, [])
        if text is not None and text.strip():
            values.append(text)
        return
    for child in children:
        flatten_element(child, out, f"{prefix}{child.tag}.")


def read_generic(root: ET.Element, record_path: str | None, where: str):
    chosen = record_path or guess_record_path(root)
    if chosen is None:
        raise LoadError(f"{where}: no repeated record element found in this XML; name it with --record-path")
    nodes = records_at(root, chosen, where)
    records = []
    for node in nodes:
        flat: dict[str, list[str]] = {}
        for child in (c for c in node if c.tag):
            flatten_element(child, flat, f"{child.tag}.")
        for name, value in node.attrib.items():
            flat.setdefault(f"@{_local(name)}", []).append(value)
        if not len(node) and node.text and node.text.strip():
            flat.setdefault(node.tag, []).append(node.text)
        records.append(flat)
    how = "--record-path" if record_path else "the most repeated element; use --record-path to choose another"
    notes = [f"XML records: {len(nodes)} <{nodes[0].tag}> elements at '{chosen}' ({how})"]
    return records, None, notes


# ------------------------------------------------------------------------------------ entry point

def load_xml(doc: Text, facts: SourceFacts, options=None) -> Loaded:
    # the text is already decoded (encoding detection, BOMs, --encoding): the parser reads its UTF-8
    # and is told so, whatever the XML declaration says
    root = parse_xml(doc.utf8, facts.path, encoding="utf-8")
    record_path = getattr(options, "record_path", None)
    spec = None if record_path else detect_format(root)
    if spec is not None:
        facts.format = f"xml:{spec['name']}"
        records, list_valued, notes = read_known(root, spec)
        order = list(spec["columns"])
        constants = [c for g in spec["records"] for c in (g.get("constants") or {})]
        order = list(dict.fromkeys(constants + order))
    else:
        facts.format = "xml"
        records, list_valued, notes = read_generic(root, record_path, facts.path)
        order = None
    if not records:
        raise LoadError(f"{facts.path}: XML holds no records")
    frame, multi, more = build_frame(records, list_valued=list_valued, order=order)
    return Loaded(frame=frame, facts=facts, lines=None, notes=notes + more, multi=multi)
