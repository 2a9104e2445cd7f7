"""attach_consequences (vectorised) against the plain record-by-record definition it replaced."""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from types import SimpleNamespace

import pytest

from dbhygiene.cascade import _closure, attach_consequences
from dbhygiene.findings import SEVERITIES, SEVERITY_RANK, Finding, replace_many


def _reference(findings, specs):
    """The definition, record by record (the implementation before it was vectorised)."""
    closure = _closure(specs)
    if not closure:
        return findings
    rows_with_root = {(f.source, f.row) for f in findings if f.row is not None and f.rule in closure}
    by_record = defaultdict(list)
    for i, f in enumerate(findings):
        if (f.source, f.row) in rows_with_root:
            by_record[(f.source, f.row)].append(i)
    drop, replace = set(), {}
    for idxs in by_record.values():
        codes = {findings[i].rule for i in idxs}
        roots = [c for c in codes if c in closure and not any(c in closure[o] for o in codes if o in closure and o != c)]
        owner_of = {}
        for i in idxs:
            rule = findings[i].rule
            if rule in roots:
                continue
            owner = next((r for r in sorted(roots) if rule in closure[r]), None)
            if owner is not None:
                owner_of[i] = owner
        for root in roots:
            root_i = next(i for i in idxs if findings[i].rule == root)
            absorbed = [findings[i] for i, o in owner_of.items() if o == root]
            if not absorbed:
                continue
            f = findings[root_i]
            worst = max([f.severity, *(a.severity for a in absorbed)], key=SEVERITY_RANK.get)
            extra = dict(f.extra)
            extra["consequences"] = [{"rule": a.rule, "name": a.name, "severity": a.severity, "field": a.field,
                                      "message": a.message, "confidence": a.confidence} for a in absorbed]
            replace[root_i] = dataclasses.replace(f, severity=worst, extra=extra)
        drop.update(owner_of)
    return [replace.get(i, f) for i, f in enumerate(findings) if i not in drop]


# A root (A) explaining a root (B) that explains C: A's closure holds C too; D and E are bystanders,
# F a second root explaining E's neighbour G, H a root explaining nothing present.
SPECS = [SimpleNamespace(code="A", consequences=("B", "D")), SimpleNamespace(code="B", consequences=("C",)),
         SimpleNamespace(code="F", consequences=("G", "C")), SimpleNamespace(code="H", consequences=("Z",))]
RULES = "ABCDEFGH"


def _finding(rng, rule, source, row):
    return Finding(rule=rule, name=f"name-{rule}", severity=rng.choice(SEVERITIES), principles=(6,), source=source,
                   row=row, line=None if row is None else row + 1, field=rng.choice(["birth_date", None]),
                   message=f"{rule} at {row}", confidence=rng.choice(["high", "low"]),
                   extra=rng.choice([{}, {"k": 1}]))


@pytest.mark.parametrize("seed", range(40))
def test_matches_the_record_by_record_definition(seed):
    rng = random.Random(seed)
    findings = []
    for rule in RULES:  # the engine's order: rule by rule, each in record order
        for _ in range(rng.randrange(0, 30)):
            row = None if rng.random() < 0.1 else rng.randrange(1, 12)
            findings.append(_finding(rng, rule, rng.choice(["a.csv", "b.csv"]), row))
    rng.shuffle(findings) if seed % 5 == 0 else None  # any order, not only the engine's
    got, want = attach_consequences(findings, SPECS), _reference(findings, SPECS)
    assert [(f.rule, f.source, f.row, f.severity, f.message, f.extra) for f in got] == \
           [(f.rule, f.source, f.row, f.severity, f.message, f.extra) for f in want]
    assert got == want


def test_a_chain_is_absorbed_by_its_top_root_with_the_worst_severity():
    rng = random.Random(0)
    f = [dataclasses.replace(_finding(rng, r, "a.csv", 3), severity=s)
         for r, s in (("A", "info"), ("B", "warning"), ("C", "error"), ("E", "info"))]
    other = dataclasses.replace(_finding(rng, "C", "b.csv", 3), severity="info")  # same row, other file
    got = attach_consequences([*f, other], SPECS)
    assert [(g.rule, g.source) for g in got] == [("A", "a.csv"), ("E", "a.csv"), ("C", "b.csv")]
    assert [c["rule"] for c in got[0].extra["consequences"]] == ["B", "C"]
    assert got[0].severity == "error" and f[0].severity == "info"  # the input's finding left as it was


def test_long_records_that_differ_only_late_are_planned_apart():
    """Records of more findings than a signature number holds are each planned on their own."""
    rng = random.Random(3)
    head = "HHHHHHHHHH"  # ten findings of a root that explains nothing here, then the rules that matter
    records = {1: head + "AB", 2: head + "GF", 3: head + "FC", 4: head + "DA", 5: "ABCDEFGH" * 3}
    findings = [_finding(rng, r, "a.csv", row) for row, rules in records.items() for r in rules]
    got, want = attach_consequences(findings, SPECS), _reference(findings, SPECS)
    assert got == want
    assert {(f.row, f.rule): [c["rule"] for c in f.extra["consequences"]] for f in got if "consequences" in f.extra} == \
           {(1, "A"): ["B"], (2, "F"): ["G"], (3, "F"): ["C"], (4, "A"): ["D"],
            (5, "A"): ["B", "C", "D"] * 3, (5, "F"): ["G"] * 3}


def test_file_level_findings_and_lone_roots_pass_through():
    rng = random.Random(1)
    f = [_finding(rng, "A", "a.csv", None), _finding(rng, "B", "a.csv", None), _finding(rng, "A", "a.csv", 2)]
    assert attach_consequences(f, SPECS) == f
    assert attach_consequences([], SPECS) == []


def test_replace_many_is_dataclasses_replace_field_for_field():
    rng = random.Random(2)
    f = [_finding(rng, r, "a.csv", i) for i, r in enumerate(RULES)]
    extras = [{"n": i} for i in range(len(f))]
    got = replace_many(f, severity=["error"] * len(f), extra=extras)
    assert got == [dataclasses.replace(x, severity="error", extra=e) for x, e in zip(f, extras)]
    assert [g.extra for g in got] == extras and all(g is not x for g, x in zip(got, f))
