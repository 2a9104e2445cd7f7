"""Run a rule's YAML examples. Public so that plugin rules can reuse it in their own tests."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

from .api import Settings, check_path
from .catalogue import RuleSpec, load_catalogue

DEFAULT_AS_OF = dt.date(2026, 11, 22)


def iter_examples(catalogue: dict[str, RuleSpec] | None = None):
    for spec in (catalogue or load_catalogue()).values():
        for example in spec.examples:
            yield spec, example


def run_example(spec: RuleSpec, example: dict, messages: bool = False) -> list[tuple]:
    """Return the findings of one example as sorted [row, field, code] triples (with ``messages``:
    [row, code, message] triples, personal data shown, for an example's ``messages:`` list)."""
    suffix = example.get("suffix", ".csv")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{spec.code}_{example['name']}{suffix}"
        path.write_bytes(example["csv"].encode(example.get("encoding", "utf-8")))
        settings = Settings(
            select=example.get("select", [spec.code]),
            profile=example.get("profile", "generic"),
            as_of=dt.date.fromisoformat(str(example.get("as_of", DEFAULT_AS_OF))),
            date_format=example.get("date_format"),
            columns=example.get("columns", {}),
            rule_options={spec.code: example.get("options", {})},
            show_pii=messages,
        )
        ctx, result = check_path(path, settings)
        findings = result.findings
        if "waivers" in example:
            findings = _with_waivers(ctx, findings, example, Path(tmp), settings)
    if messages:
        return sorted(([f.row, f.rule, f.message] for f in findings), key=lambda t: (t[0] or 0, t[1], t[2]))
    return sorted(([f.row, f.field, f.rule] for f in findings), key=lambda t: (t[0] or 0, t[2], str(t[1])))


def _with_waivers(ctx, findings, example: dict, tmp: Path, settings) -> list:
    """Apply an example's ``waivers`` (TOML) as ``check`` does; ``{fingerprint:CODE:ROW}`` in it stands
    for the fingerprint of that finding under a fixed example key. Suppressed findings are dropped."""
    from .baseline import apply_waivers, fingerprints, read_waivers, waiver_findings

    key = b"dbhygiene rule-example key (not a secret)"
    for f, fp in zip(findings, fingerprints(ctx, findings, key)):
        f.extra["fingerprint"] = fp

    def fingerprint_of(match) -> str:
        return next(f.extra["fingerprint"] for f in findings if f.rule == match[1] and f.row == int(match[2]))

    path = tmp / "dbhygiene-waivers.toml"
    path.write_text(re.sub(r"\{fingerprint:(\w+):(\d+)\}", fingerprint_of, example["waivers"]), encoding="utf-8")
    problems = apply_waivers(findings, read_waivers(path), today=settings.as_of)
    extra = [f for f in waiver_findings(problems, load_catalogue(), str(path)) if f.rule in settings.select]
    return [f for f in [*findings, *extra] if not f.extra.get("suppressed")]


def expected(example: dict) -> list[list]:
    return sorted((list(t) for t in example.get("findings") or []), key=lambda t: (t[0] or 0, t[2], str(t[1])))
