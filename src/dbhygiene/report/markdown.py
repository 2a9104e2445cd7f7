"""Markdown report (GitHub-flavoured) for a write-up: verdict table first, then findings by rule.

Every input-derived string goes through ``escape.md``: ``|``, backticks, ``<``, brackets and the
other Markdown punctuation are escaped, so a cell cannot break a table, open a link or inject HTML.
"""

from __future__ import annotations

from ..catalogue import load_catalogue
from ..verdict import STATUS_LABEL
from . import RenderOptions, Report
from .common import capped, grouped, headline_lines, statistics, where
from .escape import md

MAX_PER_RULE = 20


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    w = out.write
    if options.statistics:
        w("| Count | Rule | Severity | Name |\n|--:|---|---|---|\n")
        for r in statistics(report):
            w(f"| {r['count']} | {r['rule']} | {r['severity']} | {r['name']} |\n")
        return
    catalogue = load_catalogue()
    verdict = report.verdict
    principle = verdict["principle"] or {"title": "principle 6"}
    w(f"# Principle 6 verdict: {STATUS_LABEL[verdict['overall']].upper()}\n\n")
    w(f"*{principle['title']}* ({md(verdict['framework'])}). Ages as of {report.as_of} · profile "
      f"{md(report.profile)} · {'personal data shown in full' if report.show_pii else 'personal data redacted'}"
      f" · dbhygiene {report.tool.get('version', '')}\n\n")
    w("## Verdict per requirement\n\n")
    w("| Requirement | Verdict | Records | People | Errors | Warnings | Why |\n|---|---|--:|--:|--:|--:|---|\n")
    for req in verdict["requirements"]:
        w(f"| {md(req['title'])} | **{STATUS_LABEL[req['status']]}** | {req['records']} | {req['people']} | "
          f"{req['findings']['error']} | {req['findings']['warning']} | {md(req['reason'])} |\n")
    w("\n**Figures:** " + "; ".join(md(x) for x in headline_lines(verdict)) + "\n")
    per_rule = options.max_per_rule if options.max_per_rule is not None else MAX_PER_RULE
    w("\n## Findings\n")
    groups = grouped(report.findings)
    if not groups:
        w("\nNo findings.\n")
    for code, items in groups.items():
        spec = catalogue[code]
        w(f"\n### {code} {spec.name} ({spec.severity}, {len(items)})\n\n{md(spec.summary)}\n\n")
        w("| Source | Where | Field | Finding |\n|---|---|---|---|\n")
        shown, left = capped(items, per_rule)
        for f in shown:
            w(f"| {md(f.source)} | {md(where(f))} | {md(f.field or '')} | {md(f.message)} |\n")
        if left:
            w(f"\n*… and {left[code]} more (all are counted; `-f json` lists them all).*\n")
    not_assessable = report.summary()["not_assessable"]
    if not_assessable:
        w("\n## Not assessable\n\n")
        for item in not_assessable:
            w(f"- {item['rule']} {item['name']}: needs {md(', '.join(item['missing_fields']))}\n")
    w("\n## Run facts\n\n| File | sha256 | Records | Mapping |\n|---|---|--:|---|\n")
    for s in report.sources:
        facts = s.ctx.facts
        mapping = ", ".join(f"{md(m.column)} → {name}" for name, m in s.ctx.mapping.matches.items())
        w(f"| {md(facts.path)} | `{facts.sha256}` | {facts.rows} | {mapping} |\n")
