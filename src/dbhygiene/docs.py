"""Rule documentation generated from the catalogue (ruff's headings), for `dbhygiene rule` and docs/."""

from __future__ import annotations

from .catalogue import RuleSpec


def _example_block(example: dict) -> str:
    if "workbook" in example:
        import yaml

        text = "# an .xlsx workbook:\n" + yaml.safe_dump(example["workbook"], sort_keys=False, allow_unicode=True).rstrip("\n")
    else:
        text = example["csv"].rstrip("\n")
    extra = []
    for key in ("profile", "as_of", "options", "date_format", "mode", "folder", "dir_mode", "sidecars", "filesystem"):
        if key in example:
            extra.append(f"{key}: {example[key]}")
    head = f"({', '.join(extra)})\n" if extra else ""
    return f"{head}```\n{text}\n```\n"


def rule_markdown(spec: RuleSpec) -> str:
    fails = [e for e in spec.examples if e["name"].startswith("fail_")]
    passes = [e for e in spec.examples if e["name"].startswith("pass_")]
    out = [f"# {spec.name} ({spec.code})\n",
           f"Family: {spec.family} · severity: {spec.severity} · shape: {spec.shape}"
           + (f" · partition key (group_by): {', '.join(spec.group_by)}" if spec.group_by else "")
           + (" · applies to: people only (rows a subject-type column marks as people)" if spec.applies_to == "person"
              else " · applies to: the file itself" if spec.family == "file" else " · applies to: every record") + "\n",
           "## What it does\n", spec.summary + "\n",
           "## Why is this bad?\n", spec.rationale + "\n",
           "## Needs\n", (", ".join(spec.requires) or "nothing beyond the file") +
           (f" (also uses {', '.join(spec.uses)} when present)" if spec.uses else "") + "\n"]
    if fails:
        rows = ", ".join(str(f[0]) for f in fails[0].get("findings") or [])
        out += ["## Example\n", _example_block(fails[0]) + (f"Flags row(s) {rows}.\n" if rows else "")]
    if passes:
        out += ["## Use instead\n", _example_block(passes[0])]
    if spec.options:
        out.append("## Options\n")
        for opt in spec.options.values():
            out.append(f"- `{opt.name}` ({opt.type}, default `{opt.default}`): {opt.description}\n")
    out.append("## References\n")
    out.append(f"- Facial-recognition framework principle(s): {', '.join(map(str, spec.principles))} "
               "(WEF/INTERPOL/UNICRI/Netherlands Police, 2022)\n")
    if spec.requirements:
        out.append(f"- Principle-6 requirement(s) it evidences: {', '.join(spec.requirements)} "
                   "(rules/principles.yml)\n")
    for anchor in spec.legal_anchors:
        out.append(f"- {anchor}\n")
    return "\n".join(out)


def rule_index(catalogue: dict[str, RuleSpec]) -> str:
    lines = ["# Rule catalogue\n", "Generated from `rules/catalogue/` by `scripts/gen_rule_docs.py`; do not edit.\n",
             "| code | name | severity | needs | principles | what it finds |", "|---|---|---|---|---|---|"]
    for code, spec in catalogue.items():
        lines.append(f"| [{code}]({code}.md) | {spec.name} | {spec.severity} | {', '.join(spec.requires) or '-'} "
                     f"| {', '.join(map(str, spec.principles))} | {spec.summary} |")
    return "\n".join(lines) + "\n"
