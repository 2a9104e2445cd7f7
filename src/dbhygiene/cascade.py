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

from operator import attrgetter

import numpy as np

from .catalogue import RuleSpec
from .findings import SEVERITIES, SEVERITY_RANK, Finding, replace_many


SIGNATURE_BITS = 7  # a rule's number in a record's signature (up to 127 distinct rules among the findings)
SIGNATURE_LENGTH = 8  # findings of a record read as one signature number (4 + 7 * 8 bits)


def _objects(values, n: int) -> np.ndarray:
    """``values`` in a numpy array of Python objects (``np.array`` would look inside tuples)."""
    out = np.empty(n, dtype=object)
    out[:] = values if isinstance(values, list) else list(values)
    return out


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
    """Each record's consequence findings attached to its root finding (see the module's docstring).
    Vectorised over findings: only the records holding a root and something it explains are visited,
    and each distinct sequence of rules on such a record is worked out once (a big run has hundreds
    of thousands of placeholder birth dates, each absorbing the same few rules)."""
    closure = _closure(specs)
    if not closure or not findings:
        return findings
    rules = list(map(attrgetter("rule"), findings))
    names = sorted(set(rules))
    code_of = {name: k for k, name in enumerate(names)}
    involved = np.array([name in closure or any(name in c for c in closure.values()) for name in names])
    is_root = np.array([name in closure for name in names])
    n = len(findings)
    code = np.fromiter(map(code_of.__getitem__, rules), dtype=np.int32, count=n)
    row_of = _objects(map(attrgetter("row"), findings), n)
    known = row_of != None  # noqa: E711 (element by element)
    row = np.where(known, row_of, 0).astype(np.int64)
    cand = np.flatnonzero(involved[code] & known)
    if not is_root[code[cand]].any():
        return findings
    sources = _objects(map(attrgetter("source"), findings), n)[cand]
    distinct = set(sources.tolist())
    if len(distinct) == 1:
        src = np.zeros(len(cand), dtype=np.int64)
    else:
        source_of = {name: k for k, name in enumerate(distinct)}
        src = np.fromiter(map(source_of.__getitem__, sources.tolist()), dtype=np.int64, count=len(cand))
    by_record = np.lexsort((row[cand], src))  # by record; stable, so in list order within each
    order, o_row, o_src = cand[by_record], row[cand][by_record], src[by_record]
    boundary = np.ones(len(order), dtype=bool)
    boundary[1:] = (o_row[1:] != o_row[:-1]) | (o_src[1:] != o_src[:-1])
    starts = np.flatnonzero(boundary)
    sizes = np.diff(np.append(starts, len(order)))
    has_root = np.maximum.reduceat(is_root[code[order]], starts)
    busy = np.flatnonzero((sizes > 1) & has_root)
    blocks = []  # (root indices, absorbed indices: one row per root), one block per plan item
    fits = (sizes[busy] <= SIGNATURE_LENGTH) & (len(names) < 1 << SIGNATURE_BITS)
    small, large = busy[fits], busy[~fits]
    if len(small):  # a record's rules as one number: the records of each distinct sequence at once
        o_code = code[order].astype(np.int64)
        key = sizes[small].astype(np.int64)
        for p in range(int(sizes[small].max())):
            has = sizes[small] > p
            key += np.where(has, o_code[np.minimum(starts[small] + p, len(order) - 1)] + 1, 0) << (4 + SIGNATURE_BITS * p)
        _, first, which, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
        members = np.split(small[np.argsort(which, kind="stable")], np.cumsum(counts)[:-1])
        for rep, group in zip(first.tolist(), members):
            g_start = starts[group]
            s0 = int(starts[small[rep]])
            signature = tuple(rules[i] for i in order[s0:s0 + int(sizes[small[rep]])].tolist())
            for root_pos, absorbed_pos in _plan(signature, closure):
                blocks.append((order[g_start + root_pos], order[g_start[:, None] + np.array(absorbed_pos)]))
    order_list = order.tolist()
    for s, size in zip(starts[large].tolist(), sizes[large].tolist()):
        idxs = order_list[s:s + size]  # a long record or a catalogue of many rules: one at a time
        for root_pos, absorbed_pos in _plan(tuple(rules[i] for i in idxs), closure):
            blocks.append((np.array([idxs[root_pos]]), np.array([[idxs[p] for p in absorbed_pos]])))
    if not blocks:
        return findings
    rank = np.fromiter(map(SEVERITY_RANK.__getitem__, map(attrgetter("severity"), findings)), dtype=np.int8, count=n)
    replaced, severities, extras, dropped = [], [], [], []
    for roots, absorbed in blocks:
        worst = np.maximum(rank[roots], rank[absorbed].max(axis=1))
        severities.extend(map(SEVERITIES.__getitem__, worst.tolist()))
        flat = [findings[i] for i in absorbed.ravel().tolist()]
        entries = [{"rule": a.rule, "name": a.name, "severity": a.severity, "field": a.field, "message": a.message,
                    "confidence": a.confidence} for a in flat]
        width = absorbed.shape[1]
        extras.extend({**findings[r].extra, "consequences": entries[j * width:(j + 1) * width]}
                      for j, r in enumerate(roots.tolist()))
        replaced.extend(roots.tolist())
        dropped.append(absorbed.ravel())
    out = _objects(findings, n)
    out[replaced] = _objects(replace_many(out[replaced].tolist(), severity=severities, extra=extras), len(replaced))
    keep = np.ones(n, dtype=bool)
    keep[np.concatenate(dropped)] = False
    return out[keep].tolist()


def _plan(signature: tuple[str, ...], closure: dict[str, set[str]]) -> list[tuple[int, list[int]]]:
    """For one record's rules in list order: each root that explains something, by its first
    position, with the positions of the findings it absorbs."""
    codes = set(signature)
    roots = [c for c in codes if c in closure and not any(c in closure[o] for o in codes if o in closure and o != c)]
    owner_of: dict[int, str] = {}
    for p, rule in enumerate(signature):
        if rule in roots:
            continue
        owner = next((r for r in sorted(roots) if rule in closure[r]), None)
        if owner is not None:
            owner_of[p] = owner
    plan = []
    for root in roots:
        absorbed = [p for p, o in owner_of.items() if o == root]
        if absorbed:
            plan.append((signature.index(root), absorbed))
    return plan
