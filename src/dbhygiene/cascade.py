"""Root causes and their consequences (ruff-style): one bad value, one finding.

A future birth date is also "after the entry date" (DB04) and "out of sequence with the ID"
(ID05); a 1900 placeholder is also "aged 126" (DB05). A rule lists in its YAML the rules whose
findings on the same record it explains (``consequences:``). After all rules ran, each record's
consequence findings are attached to its root finding (``extra["consequences"]``) and leave the
list, so counts mean records with a problem, not rules that fired. The root takes the highest
severity among what it absorbs, so ``--fail-on`` sees the same worst case. A root that is itself
the consequence of another root on the same record is attached to that one.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from .catalogue import RuleSpec
from .findings import SEVERITY_RANK, Finding


def _closure(specs: list[RuleSpec]) -> dict[str, set[str]]:
    direct = {s.code: set(s.consequences) for s in specs if s.consequences}
    closure: dict[str, set[str]] = {}
    for code in direct:
        seen, todo = set(), list(direct[code])
        while todo:
            c = todo.pop()
            if c not in seen and c != code:
                seen.add(c)
                todo.extend(direct.get(c, ()))
        closure[code] = seen
    return closure


def attach_consequences(findings: list[Finding], specs: list[RuleSpec]) -> list[Finding]:
    closure = _closure(specs)
    if not closure:
        return findings
    rows_with_root = {(f.source, f.row) for f in findings if f.row is not None and f.rule in closure}
    if not rows_with_root:
        return findings
    by_record: dict[tuple, list[int]] = defaultdict(list)
    for i, f in enumerate(findings):  # only findings on records that have a root finding
        if (f.source, f.row) in rows_with_root:
            by_record[(f.source, f.row)].append(i)
    drop: set[int] = set()
    replace: dict[int, Finding] = {}
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
