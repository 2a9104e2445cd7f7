"""Run a rule's YAML examples. Public so that plugin rules can reuse it in their own tests."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from .api import Settings, check_path
from .catalogue import RuleSpec, load_catalogue

DEFAULT_AS_OF = dt.date(2026, 11, 22)


def iter_examples(catalogue: dict[str, RuleSpec] | None = None):
    for spec in (catalogue or load_catalogue()).values():
        for example in spec.examples:
            yield spec, example


def run_example(spec: RuleSpec, example: dict) -> list[tuple]:
    """Return the findings of one example as sorted [row, field, code] triples."""
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
        )
        _, result = check_path(path, settings)
    return sorted(([f.row, f.field, f.rule] for f in result.findings), key=lambda t: (t[0] or 0, t[2], str(t[1])))


def expected(example: dict) -> list[list]:
    return sorted((list(t) for t in example.get("findings") or []), key=lambda t: (t[0] or 0, t[2], str(t[1])))
