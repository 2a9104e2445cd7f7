"""Helpers every renderer shares: findings grouped by rule, caps, statistics, locations."""

from __future__ import annotations

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
