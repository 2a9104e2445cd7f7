"""JSON report: a documented, versioned contract for scheduled jobs (see README, "JSON output")."""

from __future__ import annotations

import json

from ..safe_text import json_escape
from . import SCHEMA_VERSION, RenderOptions, Report


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
        "mapping": {f: {"column": m.column, "score": m.score, "method": m.method}
                    for f, m in ctx.mapping.matches.items()},
        "unmapped_columns": ctx.mapping.unmapped_columns,
        "date_order": {f: n.__dict__ | {"description": n.describe()} for f, n in ctx.date_notes.items()},
        "notes": ctx.load_notes,
        "stats": source.result.stats,
        "crashed_rules": source.result.crashed,
    }


def as_dict(report: Report) -> dict:
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
        "findings": [f.as_dict() for f in report.findings],
    }


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    # C1 controls, bidi overrides, zero-width characters and lone surrogates as \u escapes
    out.write(json_escape(json.dumps(as_dict(report), ensure_ascii=False, indent=2, default=str)) + "\n")
