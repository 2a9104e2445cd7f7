"""Stage 5: reports. One renderer module per format, looked up by name."""

from __future__ import annotations

import functools
import importlib
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING

from ..findings import SEVERITIES, Finding

if TYPE_CHECKING:  # the registry below is read by the CLI at start-up: keep this import light
    from ..engine import Context, RunResult

SCHEMA_VERSION = "1.2"


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
    controls: dict = field(default_factory=dict)  # baseline and waiver counts (baseline.py), when used

    def __post_init__(self):
        # the one redaction door between the run and every renderer (see redact.py)
        if not self.show_pii:
            from ..redact import redacted_source

            self.sources = [SourceReport(*redacted_source(s.ctx, s.result)) for s in self.sources]

    @functools.cached_property
    def verdict(self) -> dict:
        """The principle-6 verdict per requirement (see verdict.py), computed once."""
        from ..catalogue import load_catalogue
        from ..principles import load_principles
        from ..verdict import compute_verdict

        return compute_verdict(self.sources, self.selected_rules, load_catalogue(), load_principles())

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.sources for f in s.result.findings]

    def summary(self) -> dict:
        findings = self.findings
        by_rule = dict(Counter(map(attrgetter("rule"), findings)))
        by_severity = {s: 0 for s in reversed(SEVERITIES)}
        for severity, n in Counter(map(attrgetter("severity"), findings)).items():
            by_severity[severity] += n  # (an unknown severity is a KeyError, as it always was)
        not_assessable = []
        seen = set()
        for s in self.sources:
            for item in s.result.not_assessable:
                key = (item["rule"], tuple(item["missing_fields"]))
                if key not in seen:
                    seen.add(key)
                    not_assessable.append(item)
        return {
            "findings": len(findings),
            "by_rule": dict(sorted(by_rule.items())),
            "by_severity": by_severity,
            "not_assessable": not_assessable,
            **self.controls,
        }


@dataclass(frozen=True)
class RenderOptions:
    """What a user may ask of any renderer; each renderer uses what makes sense for its format."""

    color: bool = False
    max_per_rule: int | None = None  # findings shown per rule; None: the format's own default
    statistics: bool = False  # counts per rule instead of findings (formats with supports_statistics)


@dataclass(frozen=True)
class Renderer:
    name: str
    module: str  # a module of this package with render(report, out, options)
    description: str
    supports_statistics: bool = False
    color: bool = False  # may colour its output on a terminal

    def render(self, report: Report, out, options: RenderOptions) -> None:
        importlib.import_module(f"{__name__}.{self.module}").render(report, out, options)


# The one registry of output formats: the CLI's --format choices come from here.
REGISTRY = {r.name: r for r in (
    Renderer("text", "text", "human-readable, verdict first", supports_statistics=True, color=True),
    Renderer("json", "json_report", "the versioned JSON contract (never capped)"),
    Renderer("html", "html", "one self-contained page with charts"),
    Renderer("markdown", "markdown", "GitHub-flavoured, for a write-up", supports_statistics=True),
    Renderer("sarif", "sarif", "SARIF 2.1.0 for code-scanning tools"),
    Renderer("junit", "junit", "JUnit XML, one test case per rule"),
    Renderer("csv", "csv_report", "one finding a row, formula-safe", supports_statistics=True),
    Renderer("github", "github", "GitHub Actions workflow annotations"),
)}


def renderers() -> dict[str, Renderer]:
    return dict(REGISTRY)
