"""``dbhygiene diff OLD NEW``: findings new, resolved and persisting between two exports.

Both exports are checked with the same settings; each finding gets a fingerprint as for baselines
(rule, field and the normalised identity of its record(s); see ``baseline.py``) under a one-run key
that never leaves memory, so no secret is needed. Findings are matched as multisets of fingerprints:
row numbers and row order play no part.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from . import __version__
from .baseline import ephemeral_key, stamp
from .findings import SEVERITY_RANK, Finding


def compare(old_findings: list[Finding], new_findings: list[Finding]) -> dict[str, list[Finding]]:
    old_left = Counter(f.extra["fingerprint"] for f in old_findings)
    new_status = []
    for f in new_findings:
        fp = f.extra["fingerprint"]
        if old_left[fp] > 0:
            old_left[fp] -= 1
            new_status.append("persisting")
        else:
            new_status.append("new")
    resolved_left = dict(old_left)
    resolved = []
    for f in old_findings:
        fp = f.extra["fingerprint"]
        if resolved_left.get(fp, 0) > 0:
            resolved_left[fp] -= 1
            resolved.append(f)
    return {"new": [f for f, s in zip(new_findings, new_status) if s == "new"],
            "resolved": resolved,
            "persisting": [f for f, s in zip(new_findings, new_status) if s == "persisting"]}


def diff_sources(old, new) -> dict[str, list[Finding]]:
    """``old`` and ``new`` are report.SourceReport objects (context + run result)."""
    key = ephemeral_key()
    stamp([old, new], key)
    return compare(old.result.findings, new.result.findings)


def _entry(f: Finding) -> dict:
    d = f.as_dict()
    d.get("extra", {}).pop("fingerprint", None)  # one-run key: meaningless outside this report
    if not d.get("extra"):
        d.pop("extra", None)
    return d


def as_dict(old, new, parts: dict, show_pii: bool, as_of: str, profile: str) -> dict:
    by_rule: dict[str, dict[str, int]] = defaultdict(lambda: {"new": 0, "resolved": 0, "persisting": 0})
    for status, items in parts.items():
        for f in items:
            by_rule[f.rule][status] += 1
    return {
        "schema_version": "1.0", "kind": "diff", "tool": {"name": "dbhygiene", "version": __version__},
        "as_of": as_of, "profile": profile, "redacted": not show_pii,
        "old": {"path": old.ctx.facts.path, "rows": old.ctx.facts.rows, "sha256": old.ctx.facts.sha256},
        "new": {"path": new.ctx.facts.path, "rows": new.ctx.facts.rows, "sha256": new.ctx.facts.sha256},
        "summary": {k: len(v) for k, v in parts.items()} | {"by_rule": dict(sorted(by_rule.items()))},
        "new_findings": [_entry(f) for f in parts["new"]],
        "resolved_findings": [_entry(f) for f in parts["resolved"]],
        "persisting_findings": [_entry(f) for f in parts["persisting"]],
    }


def render_json(data: dict, out, cap: int | None = None) -> None:
    json.dump(data, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


def render_text(data: dict, out, cap: int | None = 20) -> None:
    from .safe_text import escape

    w = out.write
    s = data["summary"]
    w(f"dbhygiene {data['tool']['version']} · diff · profile {data['profile']} · ages as of {data['as_of']}"
      + (" · personal data redacted" if data["redacted"] else "") + "\n")
    w(f"old: {escape(data['old']['path'])} ({data['old']['rows']} records)\n")
    w(f"new: {escape(data['new']['path'])} ({data['new']['rows']} records)\n\n")
    w(f"{s['new']} new, {s['resolved']} resolved, {s['persisting']} persisting findings\n")
    for rule, counts in s["by_rule"].items():
        w(f"  {rule}: +{counts['new']} -{counts['resolved']} ={counts['persisting']}\n")
    for title, key, side in (("New", "new_findings", "new"), ("Resolved", "resolved_findings", "old")):
        items = data[key]
        if not items:
            continue
        w(f"\n{title} ({side} file rows):\n")
        for f in items[:cap]:
            where = "file" if f["row"] is None else f"row {f['row']}"
            w(f"  {f['rule']} [{f['severity']}] {where}: {escape(f['message'])}\n")
        if cap is not None and len(items) > cap:
            w(f"  … and {len(items) - cap} more (use --format json for all)\n")


def render_markdown(data: dict, out, cap: int | None = 200) -> None:
    from .safe_text import escape

    def md(text: str) -> str:
        text = escape(text)
        for ch, rep in (("\\", "\\\\"), ("|", "\\|"), ("`", "\\`"), ("<", "&lt;"), ("[", "\\["), ("]", "\\]"),
                        ("*", "\\*"), ("_", "\\_")):
            text = text.replace(ch, rep)
        return text

    w = out.write
    s = data["summary"]
    w(f"# Findings diff\n\n**{s['new']}** new, **{s['resolved']}** resolved, **{s['persisting']}** persisting.\n\n")
    w("| rule | new | resolved | persisting |\n|---|---:|---:|---:|\n")
    for rule, c in s["by_rule"].items():
        w(f"| {rule} | {c['new']} | {c['resolved']} | {c['persisting']} |\n")
    for title, key in (("New", "new_findings"), ("Resolved", "resolved_findings")):
        if data[key]:
            w(f"\n## {title}\n\n| rule | row | message |\n|---|---:|---|\n")
            for f in data[key][:cap]:
                w(f"| {f['rule']} | {f['row'] if f['row'] is not None else 'file'} | {md(f['message'])} |\n")


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}


def failing(parts: dict, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    threshold = SEVERITY_RANK[fail_on]
    return any(SEVERITY_RANK[f.severity] >= threshold for f in parts["new"])
