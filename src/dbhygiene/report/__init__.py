"""Stage 5: reports. One renderer module per format, looked up by name."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import Context, RunResult
from ..findings import SEVERITIES, Finding

SCHEMA_VERSION = "1.0"


@dataclass
class SourceReport:
    ctx: Context
    result: RunResult


@dataclass
class Report:
    tool: dict
    as_of: str
    profile: str
    sources: list[SourceReport]
    selected_rules: list[str]
    show_pii: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.sources for f in s.result.findings]

    def summary(self) -> dict:
        by_rule: dict[str, int] = {}
        by_severity = {s: 0 for s in reversed(SEVERITIES)}
        for f in self.findings:
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
            by_severity[f.severity] += 1
        not_assessable = []
        seen = set()
        for s in self.sources:
            for item in s.result.not_assessable:
                key = (item["rule"], tuple(item["missing_fields"]))
                if key not in seen:
                    seen.add(key)
                    not_assessable.append(item)
        return {
            "findings": len(self.findings),
            "by_rule": dict(sorted(by_rule.items())),
            "by_severity": by_severity,
            "not_assessable": not_assessable,
        }


def renderers():
    from . import json_report, text

    return {"text": text.render, "json": json_report.render}
