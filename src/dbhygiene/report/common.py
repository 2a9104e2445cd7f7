"""Helpers every renderer shares: findings grouped by rule, caps, statistics, locations."""

from __future__ import annotations

import json
import gc
from contextlib import contextmanager
from itertools import islice

from ..catalogue import load_catalogue
from ..findings import SEVERITY_RANK
from ..safe_text import json_escape
from ..verdict import STATUS_LABEL


def grouped(findings) -> dict[str, list]:
    """Findings by rule, the most severe rule first, then by code."""
    groups: dict[str, list] = {}
    for f in findings:
        groups.setdefault(f.rule, []).append(f)
    order = sorted(groups, key=lambda code: (-SEVERITY_RANK[groups[code][0].severity], code))
    return {code: groups[code] for code in order}


def capped(findings, max_per_rule: int | None) -> tuple[list, dict[str, int]]:
    """The findings shown under a per-rule cap (order kept) and how many each rule left out."""
    if max_per_rule is None:
        return list(findings), {}
    shown, seen, left = [], {}, {}
    for f in findings:
        n = seen.get(f.rule, 0)
        seen[f.rule] = n + 1
        if n < max_per_rule:
            shown.append(f)
        else:
            left[f.rule] = left.get(f.rule, 0) + 1
    return shown, left


def statistics(report) -> list[dict]:
    """Counts per rule, like ``ruff --statistics``: most findings first."""
    catalogue = load_catalogue()
    counts = report.summary()["by_rule"]
    rows = [{"rule": code, "name": catalogue[code].name, "severity": catalogue[code].severity, "count": n}
            for code, n in counts.items()]
    return sorted(rows, key=lambda r: (-r["count"], r["rule"]))


def where(f) -> str:
    if f.row is None:
        return "file"
    text = f"row {f.row}"
    if f.line is not None and f.line != f.row + 1:
        text += f" (line {f.line})"
    return text


def overall_label(verdict: dict) -> str:
    return STATUS_LABEL[verdict["overall"]]


def headline_lines(verdict: dict) -> list[str]:
    out = []
    for fid, fig in verdict["headline"].items():
        if fid == "records":
            out.append(f"{fig} records")
        elif fig.get("share") is not None:
            out.append(f"{fig['label']}: {fig['value']} ({100 * fig['share']:.1f}%)")
        else:
            out.append(f"{fig['label']}: {fig['value']}")
    return out


def finding_dict(f) -> dict:
    """``Finding.as_dict()`` without dataclasses.asdict's deep copy (the same keys, in the same order)."""
    data = {"rule": f.rule, "name": f.name, "severity": f.severity, "principles": list(f.principles),
            "source": f.source, "row": f.row, "line": f.line, "field": f.field, "message": f.message,
            "related_rows": list(f.related_rows), "confidence": f.confidence}
    if f.score is not None:
        data["score"] = f.score
    if f.extra:
        data["extra"] = dict(f.extra)
    return data


@contextmanager
def gc_paused():
    """The cyclic garbage collector off while a writer makes its many short-lived strings and dicts
    (none of them in a cycle: reference counting frees them): its passes over every live object,
    the run's findings among them, cost a writer about a third of its time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_SENTINEL = "@@dbhygiene-items@@"
_CHUNK = 2048  # items joined, escaped and written at once


def compact_encoder():
    """A compact JSON encoder made once: ``JSONEncoder.encode`` builds the C encoder anew per call,
    which costs more than the encoding of one finding. Falls back to ``encode`` without the C module."""
    encoder = json.JSONEncoder(ensure_ascii=False, default=str, check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    c_encode = make(None, encoder.default, json.encoder.encode_basestring, None, encoder.key_separator,
                    encoder.item_separator, False, False, True)
    return lambda item: "".join(c_encode(item, 0))


def _json_escape_line(text: str) -> str:
    """``safe_text.json_escape``, each distinct non-printable character replaced throughout at once
    (the escapes are printable ASCII, so no replacement makes another one needed)."""
    if text.isprintable():
        return text
    for ch in set(text):
        if not ch.isprintable() and ch not in "\n ":
            text = text.replace(ch, json_escape(ch))
    return text


def _escaped_lines(lines: list[str]) -> list[str]:
    """Lines of serialised JSON through ``json_escape``: a C check of each, and the escaping only
    when some character needs it."""
    if all(map(str.isprintable, lines)):
        return lines
    return list(map(_json_escape_line, lines))


def write_json_with_lines(doc: dict, holder: dict, key: str, lines, out) -> None:
    """Write ``doc`` as indented JSON, with ``holder[key]`` (a list inside it) written as ``lines``,
    one compact JSON item a line (already encoded). Python's JSON encoder is pure Python once
    ``indent`` is set (tens of seconds for 100k findings), so the items are encoded apart. Every
    line of the output passes ``safe_text.json_escape``."""
    holder[key] = _SENTINEL
    try:
        head = json.dumps(doc, ensure_ascii=False, indent=2, default=str)
    finally:
        holder[key] = None
    before, after = head.split(json.dumps(_SENTINEL), 1)
    indent = " " * (len(before) - before.rfind("\n") - 1 - len(json.dumps(key)) - 2)
    out.write(_json_escape_line(before))
    with gc_paused():
        _write_lines(iter(lines), indent, out)
    out.write(_json_escape_line(after) + "\n")


def _write_lines(lines, indent: str, out) -> None:
    sep = ",\n" + indent + "  "
    first = True
    while True:
        chunk = list(islice(lines, _CHUNK))
        if not chunk:
            break
        out.write(("[\n" + indent + "  " if first else sep) + sep.join(_escaped_lines(chunk)))
        first = False
    out.write(("\n" + indent + "]") if not first else "[]")


def write_json_with_items(doc: dict, holder: dict, key: str, items, out) -> None:
    """``write_json_with_lines`` with ``items`` (dicts, lists...) encoded by the compact C encoder."""
    write_json_with_lines(doc, holder, key, map(compact_encoder(), items), out)


def scalar_encoder():
    """A JSON encoder of one value as the compact encoder writes it, quick for the values findings
    repeat: None, ints, and strings (fields, confidences: a few distinct texts, each encoded once)."""
    encode = compact_encoder()
    text = json.encoder.encode_basestring
    texts: dict[str, str] = {}

    def value(v) -> str:
        if v is None:
            return "null"
        if type(v) is str:
            t = texts.get(v)
            if t is None:
                t = texts[v] = text(v)
            return t
        if type(v) is int:
            return int.__repr__(v)
        return encode(v)

    return value


def finding_lines(findings):
    """``compact_encoder()(finding_dict(f))`` for each finding, the same text byte for byte, built as
    text: the keys rule to source written once per distinct rule, name, severity, principles and
    source, the rest per finding, with no dict per finding."""
    encode = compact_encoder()
    text = json.encoder.encode_basestring
    value = scalar_encoder()
    heads: dict[tuple, str] = {}

    for f in findings:
        key = (f.rule, f.name, f.severity, id(f.principles), f.source)
        head = heads.get(key)
        if head is None:  # (text keys compare by value: equal text encodes the same)
            head = heads[key] = (f'{{"rule": {encode(f.rule)}, "name": {encode(f.name)}, "severity": '
                                 f'{encode(f.severity)}, "principles": {encode(list(f.principles))}, "source": '
                                 f'{encode(f.source)}, "row": ')
        row, line, message = f.row, f.line, f.message
        yield (f'{head}{"null" if row is None else int.__repr__(row) if type(row) is int else encode(row)}, '
               f'"line": {"null" if line is None else int.__repr__(line) if type(line) is int else encode(line)}, '
               f'"field": {value(f.field)}, "message": {text(message) if type(message) is str else encode(message)}, '
               f'"related_rows": {encode(list(f.related_rows)) if f.related_rows else "[]"}, '
               f'"confidence": {value(f.confidence)}'
               f'{"" if f.score is None else ", " + chr(34) + "score" + chr(34) + ": " + encode(f.score)}'
               f'{", " + chr(34) + "extra" + chr(34) + ": " + encode(dict(f.extra)) if f.extra else ""}}}')
