"""Human-readable report: grouped by rule, most severe first; colour on a terminal."""

from __future__ import annotations

import click

from ..catalogue import load_catalogue
from ..verdict import verdict_line
from . import RenderOptions, Report
from .common import grouped, headline_lines, overall_label, statistics

COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}
VERDICT_COLOURS = {"fails": "red", "concerns": "yellow", "passes": "green", "not_assessable": "magenta",
                   "no_rule": "magenta"}
MAX_PER_RULE = 20


def _style(text: str, color: bool, **kw) -> str:
    return click.style(text, **kw) if color else text


def _where(f) -> str:
    if f.row is None:
        return "file"
    where = f"row {f.row}"
    if f.line is not None and f.line != f.row + 1:
        where += f" (line {f.line})"
    return where


def render_verdict(report: Report, w, color: bool) -> None:
    verdict = report.verdict
    principle = verdict["principle"] or {"number": 6, "title": "principle 6"}
    w("\n" + _style(f"Principle {principle['number']} ({principle['title'].lower()}): "
                    f"{overall_label(verdict).upper()}", color, bold=True, fg=VERDICT_COLOURS[verdict["overall"]])
      + "\n")
    for req in verdict["requirements"]:
        line = verdict_line(req)
        w("  " + _style(line[:15], color, fg=VERDICT_COLOURS[req["status"]]) + line[15:] + "\n")
    w("  figures: " + "; ".join(headline_lines(verdict)) + "\n")


def render_statistics(report: Report, w) -> None:
    rows = statistics(report)
    width = max((len(str(r["count"])) for r in rows), default=1)
    for r in rows:
        w(f"{r['count']:>{width}}  {r['rule']}  [{r['severity']}]  {r['name']}\n")
    w(f"{sum(r['count'] for r in rows)} findings\n")


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    if options.statistics:
        render_statistics(report, out.write)
        return
    color = options.color
    max_per_rule = options.max_per_rule if options.max_per_rule is not None else MAX_PER_RULE
    catalogue = load_catalogue()
    w = out.write
    w(_style("dbhygiene", color, bold=True) + f" {report.tool['version']} · profile {report.profile} · "
      f"ages as of {report.as_of}" + ("" if report.show_pii else " · personal data redacted") + "\n")
    render_verdict(report, w, color)
    for source in report.sources:
        facts = source.ctx.facts
        w(f"\n{facts.path}: {facts.rows} records, {facts.format}"
          + (f", {facts.encoding}" if facts.encoding else "")
          + (f", delimiter {facts.delimiter!r}" if facts.delimiter else "")
          + (f", sheet {facts.sheet}" if facts.sheet else "") + "\n")
        mapped = ", ".join(f"{m.column}→{f}" + ("" if m.score >= 100 else f" ({m.score:.0f})")
                           for f, m in source.ctx.mapping.matches.items())
        w(f"  columns: {mapped or 'none recognised'}\n")
        for note in source.ctx.date_notes.values():
            w(f"  dates: {note.describe()}\n")
        for note in source.ctx.load_notes:
            w(f"  note: {note}\n")
        for crash in source.result.crashed:
            w(_style(f"  rule {crash['rule']} crashed: {crash['error']}", color, fg="red") + "\n")
        for code, items in grouped(source.result.findings).items():
            spec = catalogue[code]
            sev = items[0].severity
            w("\n" + _style(f"{code} {spec.name}", color, bold=True, fg=COLOURS[sev])
              + f" [{sev}] ×{len(items)}: {spec.summary}\n")
            for f in items[:max_per_rule]:
                extra = ""
                if f.related_rows:
                    rel = ", ".join(str(r) for r in f.related_rows[:10])
                    extra = f" [rows {rel}{', …' if len(f.related_rows) > 10 else ''}]"
                if f.score is not None:
                    extra += f" (score {f.score:g})"
                if f.confidence != "high":
                    extra += f" (confidence {f.confidence})"
                w(f"  {_where(f)}: {f.message}{extra}\n")
            if len(items) > max_per_rule:
                w(f"  … and {len(items) - max_per_rule} more (use --format json for all)\n")
        for code, stats in source.result.stats.items():
            lines = stats.get("lines") if isinstance(stats, dict) else None
            if lines:
                w("\n" + _style(f"{code} figures", color, bold=True) + "\n")
                for line in lines:
                    w(f"  {line}\n")
    summary = report.summary()
    w("\n")
    if summary["not_assessable"]:
        w(_style("Not assessable", color, bold=True) + " (fields missing from the export):\n")
        for item in summary["not_assessable"]:
            w(f"  {item['rule']} {item['name']}: needs {', '.join(item['missing_fields'])}\n")
    sev = summary["by_severity"]
    w(_style(f"{summary['findings']} findings", color, bold=True)
      + f" ({sev['error']} errors, {sev['warning']} warnings, {sev['info']} notices)\n")
