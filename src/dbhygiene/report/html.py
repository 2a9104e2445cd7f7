"""HTML report: one self-contained page for a reader who is not technical.

The verdict per requirement first, then charts (matplotlib SVG, inline), each requirement in detail,
the findings (filterable by rule, severity and requirement with a small inline script; rows capped
and said so), each rule's rationale and anchors, and the run's facts. A jinja2 template with
autoescaping renders it; every input-derived string passes ``safe_text.escape`` first. A
Content-Security-Policy allows nothing from the network and only the page's own script.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from importlib import resources

from ..catalogue import load_catalogue
from ..principles import load_principles
from ..verdict import STATUS_LABEL
from . import RenderOptions, Report
from .charts import chart_data, render_charts
from .common import capped, grouped, where
from .escape import escape

MAX_PER_RULE = 200
MAX_ROWS = 2000


@functools.cache
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("dbhygiene.report", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True)


@functools.cache
def _script() -> tuple[str, str]:
    text = resources.files("dbhygiene.report").joinpath("templates/report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"sha256-{digest}"


def _source_facts(source) -> dict:
    facts = source.ctx.facts
    read_as = ", ".join(str(x) for x in (facts.format, facts.encoding,
                                         f"delimiter {facts.delimiter!r}" if facts.delimiter else None,
                                         f"sheet {facts.sheet}" if facts.sheet else None,
                                         facts.compression) if x)
    mapping = [{"column": escape(m.column), "field": name,
                "note": "" if m.score >= 100 else f"{m.method}, score {m.score:.0f}"}
               for name, m in source.ctx.mapping.matches.items()]
    return {"path": escape(facts.path), "sha256": facts.sha256, "read_as": escape(read_as), "rows": facts.rows,
            "mapping": mapping, "dates": [escape(n.describe()) for n in source.ctx.date_notes.values()],
            "notes": [escape(n) for n in source.ctx.load_notes]}


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    catalogue = load_catalogue()
    verdict = report.verdict
    per_rule = options.max_per_rule if options.max_per_rule is not None else MAX_PER_RULE
    requirement_of = {code: " ".join(spec.requirements) for code, spec in catalogue.items()}
    findings = [f for items in grouped(report.findings).values() for f in items]
    shown, left = capped(findings, per_rule)
    if len(shown) > MAX_ROWS:
        for f in shown[MAX_ROWS:]:
            left[f.rule] = left.get(f.rule, 0) + 1
        shown = shown[:MAX_ROWS]
    rows = [{"rule": f.rule, "severity": f.severity, "where": where(f), "field": f.field or "",
             "message": escape(f.message, max_len=2000), "req": requirement_of.get(f.rule, "")} for f in shown]
    by_rule = report.summary()["by_rule"]
    fired = set(by_rule)
    listed = [code for code in catalogue if code in fired or code in report.selected_rules]
    rule_docs = [{"code": code, "name": spec.name, "severity": spec.severity, "summary": spec.summary,
                  "rationale": [p.strip() for p in spec.rationale.split("\n\n") if p.strip()],
                  "legal_anchors": spec.legal_anchors, "requirements": spec.requirements,
                  "principles": spec.principles, "count": by_rule.get(code, 0)}
                 for code, spec in catalogue.items() if code in listed]
    rule_docs.sort(key=lambda r: (r["count"] == 0, r["code"]))
    figures = []
    for fid, fig in verdict["headline"].items():
        if fid == "records":
            figures.append({"value": fig, "label": "records checked"})
        else:
            value = fig["value"] if fig.get("share") is None else f"{fig['value']} ({100 * fig['share']:.1f}%)"
            figures.append({"value": value, "label": fig["label"]})
    principles = load_principles()
    principle = verdict["principle"] or {"title": "", "statement": ""}
    script, script_hash = _script()
    html = _environment().get_template("report.html.j2").render(
        framework=principles.framework, principle=principle, verdict=verdict, labels=STATUS_LABEL,
        overall_label=STATUS_LABEL[verdict["overall"]], as_of=report.as_of, profile=report.profile,
        show_pii=report.show_pii, version=report.tool.get("version", ""),
        figures=figures, charts=render_charts(chart_data(report)),
        rules_by_code=catalogue, by_rule=by_rule,
        not_run={r["id"]: {i["rule"]: i["missing_fields"] for i in r["not_assessable"]}
                 for r in verdict["requirements"]},
        total_findings=len(findings), rows=rows, capped=bool(left), left_out=sorted(left.items()),
        max_per_rule=per_rule, max_rows=MAX_ROWS, rule_options=[c for c in catalogue if c in fired],
        rule_docs=rule_docs, sources=[_source_facts(s) for s in report.sources],
        script=script, script_hash=script_hash,
    )
    out.write(html)
