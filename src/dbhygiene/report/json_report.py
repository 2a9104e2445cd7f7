"""JSON report: a documented, versioned contract for scheduled jobs (see README, "JSON output")."""

from __future__ import annotations

from . import SCHEMA_VERSION, RenderOptions, Report
from .common import finding_dict, finding_lines, write_json_with_lines


def source_dict(source) -> dict:
    ctx = source.ctx
    facts = ctx.facts
    return {
        "path": facts.path,
        "format": facts.format,
        "encoding": facts.encoding,
        "delimiter": facts.delimiter,
        "sheet": facts.sheet,
        "compression": facts.compression,
        "rows": facts.rows,
        "size": facts.size,
        "sha256": facts.sha256,
        "mode": facts.mode,
        "owner": facts.owner,
        "member": facts.member,
        "protection": facts.protection.as_dict(),
        "mapping": {f: {"column": m.column, "score": m.score, "method": m.method}
                    for f, m in ctx.mapping.matches.items()},
        "unmapped_columns": ctx.mapping.unmapped_columns,
        "date_order": {f: n.__dict__ | {"description": n.describe()} for f, n in ctx.date_notes.items()},
        "notes": ctx.load_notes,
        "stats": source.result.stats,
        "crashed_rules": source.result.crashed,
    }


def as_dict(report: Report, findings: bool = True) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": report.tool,
        "as_of": report.as_of,
        "profile": report.profile,
        "redacted": not report.show_pii,
        "rules_selected": report.selected_rules,
        "sources": [source_dict(s) for s in report.sources],
        "summary": report.summary(),
        "verdict": report.verdict,
        "findings": [finding_dict(f) for f in report.findings] if findings else None,
    }


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    # one finding a line (common.finding_lines: the compact encoding of finding_dict); every chunk passes json_escape (C1 controls, bidi
    # overrides, zero-width characters and lone surrogates as \u escapes)
    doc = as_dict(report, findings=False)
    write_json_with_lines(doc, doc, "findings", finding_lines(report.findings), out)
