"""Helpers every renderer shares: findings grouped by rule, caps, statistics, locations."""

from __future__ import annotations

import json

from ..catalogue import load_catalogue
from ..findings import SEVERITY_RANK
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


_SENTINEL = "@@dbhygiene-items@@"


def _compact_encoder():
    """A compact JSON encoder made once: ``JSONEncoder.encode`` builds the C encoder anew per call,
    which costs more than the encoding of one finding. Falls back to ``encode`` without the C module."""
    encoder = json.JSONEncoder(ensure_ascii=False, default=str, check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    c_encode = make(None, encoder.default, json.encoder.encode_basestring, None, encoder.key_separator,
                    encoder.item_separator, False, False, True)
    return lambda item: "".join(c_encode(item, 0))


def write_json_with_items(doc: dict, holder: dict, key: str, items, out) -> None:
    """Write ``doc`` as indented JSON, with ``holder[key]`` (a list inside it) written one compact item a
    line. Python's JSON encoder is pure Python once ``indent`` is set (tens of seconds for 100k
    findings); the compact items go through the C encoder. Every chunk passes ``safe_text.json_escape``."""
    from ..safe_text import json_escape

    holder[key] = _SENTINEL
    try:
        head = json.dumps(doc, ensure_ascii=False, indent=2, default=str)
    finally:
        holder[key] = None
    before, after = head.split(json.dumps(_SENTINEL), 1)
    indent = " " * (len(before) - before.rfind("\n") - 1 - len(json.dumps(key)) - 2)
    encode = _compact_encoder()
    out.write(json_escape(before))
    first = True
    for item in items:
        out.write(("[\n" if first else ",\n") + indent + "  " + json_escape(encode(item)))
        first = False
    out.write(("\n" + indent + "]") if not first else "[]")
    out.write(json_escape(after) + "\n")
