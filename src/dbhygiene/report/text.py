"""Human-readable report: grouped by rule, most severe first; colour on a terminal.

Every line is written through ``Lines.add``, which escapes each segment (``safe_text.escape``)
before styling it: no value from the input (message, note, column, path, sheet, figure) can reach
the terminal raw or start a line of its own. Nothing here writes to ``out`` directly.
"""

from __future__ import annotations

import click

from ..catalogue import load_catalogue
from ..safe_text import escape
from ..verdict import verdict_line
from . import RenderOptions, Report
from .common import grouped, headline_lines, overall_label, statistics

COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}
VERDICT_COLOURS = {"fails": "red", "concerns": "yellow", "passes": "green", "not_assessable": "magenta",
                   "no_rule": "magenta"}
MAX_PER_RULE = 20


class Lines:
    """The renderer's only door to ``out``: one call, one escaped line.

    ``add(*segments)``: each segment is text or ``(text, style)`` with click.style keywords.
    """

    def __init__(self, out, color: bool):
        self.out, self.color = out, color

    def __call__(self, *segments) -> None:
        parts = []
        for seg in segments:
            text, style = (seg, None) if isinstance(seg, str) else seg
            text = escape(text)
            parts.append(click.style(text, **style) if style and self.color else text)
        self.out.write("".join(parts) + "\n")


def _where(f) -> str:
    if f.row is None:
        return "file"
    where = f"row {f.row}"
    if f.line is not None and f.line != f.row + 1:
        where += f" (line {f.line})"
    return where


def render_verdict(report: Report, add: Lines) -> None:
    verdict = report.verdict
    principle = verdict["principle"] or {"number": 6, "title": "principle 6"}
    add("")
    add((f"Principle {principle['number']} ({principle['title'].lower()}): {overall_label(verdict).upper()}",
         {"bold": True, "fg": VERDICT_COLOURS[verdict["overall"]]}))
    for req in verdict["requirements"]:
        line = verdict_line(req)
        add("  ", (line[:15], {"fg": VERDICT_COLOURS[req["status"]]}), line[15:])
    add("  figures: " + "; ".join(headline_lines(verdict)))


def render_statistics(report: Report, add: Lines) -> None:
    rows = statistics(report)
    width = max((len(str(r["count"])) for r in rows), default=1)
    for r in rows:
        add(f"{r['count']:>{width}}  {r['rule']}  [{r['severity']}]  {r['name']}")
    add(f"{sum(r['count'] for r in rows)} findings")


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    add = Lines(out, options.color)
    if options.statistics:
        render_statistics(report, add)
        return
    max_per_rule = options.max_per_rule if options.max_per_rule is not None else MAX_PER_RULE
    catalogue = load_catalogue()
    add(("dbhygiene", {"bold": True}), f" {report.tool['version']} · profile {report.profile} · "
        f"ages as of {report.as_of}" + ("" if report.show_pii else " · personal data redacted"))
    render_verdict(report, add)
    for source in report.sources:
        facts = source.ctx.facts
        add("")
        add(f"{facts.path}: {facts.rows} records, {facts.format}"
            + (f", {facts.encoding}" if facts.encoding else "")
            + (f", delimiter {facts.delimiter!r}" if facts.delimiter else "")
            + (f", sheet {facts.sheet}" if facts.sheet else ""))
        mapped = ", ".join(f"{m.column}→{f}" + ("" if m.score >= 100 else f" ({m.score:.0f})")
                           for f, m in source.ctx.mapping.matches.items())
        add(f"  columns: {mapped or 'none recognised'}")
        protection = facts.protection
        said = ([f"encrypted ({protection.encrypted})" + (", decrypted in memory" if protection.decrypted else "")]
                if protection.encrypted else [])
        said += [f"{s['path']} {s['status']}" for s in protection.sidecars]
        if said:
            add(f"  protection: {'; '.join(said)}")
        for note in source.ctx.date_notes.values():
            add(f"  dates: {note.describe()}")
        for note in source.ctx.load_notes:
            add(f"  note: {note}")
        for crash in source.result.crashed:
            add((f"  rule {crash['rule']} crashed: {crash['error']}", {"fg": "red"}))
        for code, items in grouped(source.result.findings).items():
            spec = catalogue[code]
            sev = items[0].severity
            add("")
            add((f"{code} {spec.name}", {"bold": True, "fg": COLOURS[sev]}), f" [{sev}] ×{len(items)}: {spec.summary}")
            for f in items[:max_per_rule]:
                extra = ""
                if f.related_rows:
                    rel = ", ".join(str(r) for r in f.related_rows[:10])
                    extra = f" [rows {rel}{', …' if len(f.related_rows) > 10 else ''}]"
                if f.score is not None:
                    extra += f" (score {f.score:g})"
                if f.confidence != "high":
                    extra += f" (confidence {f.confidence})"
                extra += _control_marks(f)
                add(f"  {_where(f)}: {f.message}{extra}")
            if len(items) > max_per_rule:
                add(f"  … and {len(items) - max_per_rule} more (use --format json for all)")
        for code, stats in source.result.stats.items():
            figures = stats.get("lines") if isinstance(stats, dict) else None
            if figures:
                add("")
                add((f"{code} figures", {"bold": True}))
                for line in figures:
                    add(f"  {line}")
    summary = report.summary()
    add("")
    if summary["not_assessable"]:
        add(("Not assessable", {"bold": True}), " (fields missing from the export):")
        for item in summary["not_assessable"]:
            add(f"  {item['rule']} {item['name']}: needs {', '.join(item['missing_fields'])}")
    sev = summary["by_severity"]
    add((f"{summary['findings']} findings", {"bold": True}),
        f" ({sev['error']} errors, {sev['warning']} warnings, {sev['info']} notices)")
    if "waivers" in summary:
        wv = summary["waivers"]
        add(f"waivers: {wv['suppressed']} findings suppressed, {wv['expired']} waivers expired, {wv['unused']} unused")
    if "baseline" in summary:
        b = summary["baseline"]
        add(f"baseline: {b['new']} new, {b['unchanged']} unchanged, {b['fixed']} fixed since it was written")


def _control_marks(f) -> str:
    """Baseline and waiver marks, and the fingerprint prefix `dbhygiene waive` takes (no personal data)."""
    out = ""
    if f.extra.get("baseline") == "new":
        out += " [new]"
    waived = f.extra.get("suppressed")
    if waived:
        out += f" [waived until {waived['expires']}: {waived['reason']}]"
    if f.extra.get("fingerprint"):
        out += f" fp:{f.extra['fingerprint'][:12]}"
    return out
