"""A run turned into a verdict per principle-6 requirement (``rules/principles.yml``).

Each requirement is judged on the rules that name it under ``requirements:``:

* **fails**: one of its rules produced an error-severity finding;
* **concerns**: only warnings;
* **passes**: every one of its rules ran and none found anything (notices do not count);
* **not_assessable**: nothing was found, but some of its rules could not run (fields missing,
  rule crashed, or not selected), so a pass cannot be claimed;
* **no_rule**: the catalogue has no rule for it yet; never a pass.

The overall verdict is the worst: fails, then concerns, then not assessable (which includes a
requirement with no rule), and passes only when every requirement passes.

Counts are of records (a finding's row and its related rows) and of distinct people (normalised
national ID, else name key and birth date; records with neither count as one person each: an
estimate, since one ID shared by two people counts once).
"""

from __future__ import annotations

from collections import defaultdict
import numpy as np
import pandas as pd

from .arrays import unique
from .catalogue import RuleSpec
from .principles import Principles

# what a person code is made of (each: the first of these columns the frame has): the normalised
# ID, else name key and birth date. The identity rules factorize the same columns.
PERSON_KEYS = (("national_id__norm",), ("full_name__key",), ("birth_date__date", "birth_date"))


def person_key_columns(columns) -> tuple[str, ...]:
    """The columns person codes will factorize, of a frame with these ``columns``."""
    present = set(columns)
    return tuple(next(c for c in group if c in present) for group in PERSON_KEYS if present & set(group))

STATUS_ORDER = ("passes", "no_rule", "not_assessable", "concerns", "fails")
STATUS_LABEL = {"fails": "fails", "concerns": "concerns", "passes": "passes",
                "not_assessable": "not assessable", "no_rule": "no rule yet"}


SEVERITY_CODE = {"info": 0, "warning": 1, "error": 2}


class _SourceFindings:
    """One source's findings as arrays (built in one pass), and its records' person codes."""

    def __init__(self, index: int, source):
        self.index, self.frame, self.ctx = index, source.ctx.frame, source.ctx
        fs = source.result.findings
        # rules as small integer codes: ``rule_names[rule_code]`` (integer comparisons, not string ones)
        self.rule_code, uniques = pd.factorize(np.array([f.rule for f in fs], dtype=object))
        self.rule_names = [str(u) for u in uniques]
        self.sev = np.array([SEVERITY_CODE[f.severity] for f in fs], dtype=np.int8)
        self.row = np.array([f.row or 0 for f in fs], dtype=np.int64)  # 0: a list-level finding
        pairs = [(i, r) for i, f in enumerate(fs) if f.related_rows for r in f.related_rows]
        self.rel_finding = np.array([i for i, _ in pairs], dtype=np.int64)
        self.rel_row = np.array([r for _, r in pairs], dtype=np.int64)
        self._codes = None

    def positions(self, serious: np.ndarray) -> np.ndarray:
        """0-based positions of the records behind the ``serious`` findings: their rows, and the related
        rows of any of them, list-level ones included (OF13 names the records to fix)."""
        rows = self.row[serious & (self.row > 0)]
        if len(self.rel_finding):
            rows = np.concatenate([rows, self.rel_row[serious[self.rel_finding]]])
        return unique(rows) - 1

    def person_codes(self) -> np.ndarray:
        """Per record an integer person code: the normalised ID, else name key and birth date, else the record."""
        if self._codes is None:
            frame, n = self.frame, len(self.frame)

            def codes(*names):
                for name in names:
                    if name in frame.columns:
                        shared = getattr(self.ctx, "factorized", None)  # shared with the identity rules
                        c, uniq = shared(name) if shared is not None else pd.factorize(frame[name])
                        return c.astype(np.int64), len(uniq)
                return np.full(n, -1, dtype=np.int64), 0

            ids, n_ids = codes(*PERSON_KEYS[0])
            names, _ = codes(*PERSON_KEYS[1])
            births, n_births = codes(*PERSON_KEYS[2])
            # codes: the ID's; else n_ids + the (name, birth) pair's, factorized over the records
            # without an ID only; else n_ids + n + the record's position (pair codes stay below n)
            no_id = ids < 0
            by_name = np.flatnonzero(no_id & (names >= 0))
            pair, _ = pd.factorize(names[by_name] * (n_births + 1) + births[by_name] + 1)
            out = np.where(no_id, n_ids + n + np.arange(n), ids)
            out[by_name] = n_ids + pair
            self._codes = out
        return self._codes

    def person_labels(self, pos: np.ndarray) -> set[str]:
        """The distinct people at ``pos`` as comparable strings (only to count people across files)."""
        _, first = np.unique(self.person_codes()[pos], return_index=True)
        rep = pos[first]

        def values(*names):
            for name in names:
                if name in self.frame.columns:
                    return self.frame[name].iloc[rep].astype(object).to_numpy()
            return np.full(len(rep), None, dtype=object)

        out = set()
        for p, i, nm, b in zip(rep, values("national_id__norm"), values("full_name__key"),
                               values("birth_date__date", "birth_date")):
            out.add(f"id:{i}" if pd.notna(i) else f"nb:{nm}|{b}" if pd.notna(nm) else f"row:{self.index}:{p}")
        return out


def _headline(principles_data, sources: list, requirement_findings, total_records: int,
              catalogue: dict[str, RuleSpec], selected: set[str]) -> dict:
    figures: dict = {"records": total_records}
    for item in principles_data:
        fid = item["id"]
        if "from_stats" in item:
            rule, key, combine = item["from_stats"]["rule"], item["from_stats"]["key"], item["from_stats"]["combine"]
            share = bool(item["from_stats"].get("share"))
            values = [s.result.stats[rule][key] for s in sources
                      if rule in s.result.stats and s.result.stats[rule].get(key) is not None]
            ran = rule in selected and any(rule not in {n["rule"] for n in s.result.not_assessable}
                                           and rule not in {c["rule"] for c in s.result.crashed} for s in sources)
            if values or (ran and combine == "sum"):  # a sum of nothing is 0; a minimum of nothing is left out
                value = (sum(values) if combine == "sum" else min(values)) if values else 0
                figures[fid] = {"value": value, "label": item["label"], "rule": rule}
                if share:
                    figures[fid]["share"] = round(value / total_records, 4) if total_records else None
        elif "from_findings" in item:
            wanted = [spec for spec in catalogue.values()
                      if (spec.name in item["from_findings"] or spec.code in item["from_findings"])
                      and spec.code in selected]
            if not wanted:
                continue
            codes = {s.code for s in wanted}
            rows = {(f.source, f.row) for f in requirement_findings if f.rule in codes and f.row is not None}
            figures[fid] = {"value": len(rows), "share": round(len(rows) / total_records, 4) if total_records else None,
                            "label": item["label"], "rules": sorted(codes)}
    for s in sources:  # any rule may add figures of its own: stats[CODE]["headline"] = {id: {...}}
        for code, stats in s.result.stats.items():
            for fid, fig in (stats.get("headline") or {}).items() if isinstance(stats, dict) else ():
                figures.setdefault(fid, dict(fig, rule=code))
    return figures


def compute_verdict(sources: list, selected_codes: list[str], catalogue: dict[str, RuleSpec],
                    principles: Principles) -> dict:
    """The verdict block of the report (JSON-ready). ``sources`` hold ``.ctx`` and ``.result``."""
    selected = set(selected_codes)
    by_requirement: dict[str, list[RuleSpec]] = defaultdict(list)
    for spec in catalogue.values():
        if spec.shape == "notice":
            continue
        for rid in spec.requirements:
            by_requirement[rid].append(spec)
    tables = [_SourceFindings(i, s) for i, s in enumerate(sources)]
    total_records = int(sum(len(s.ctx.frame) for s in sources))
    missing: dict[str, set] = defaultdict(set)
    crashed: set[str] = set()
    for s in sources:
        for item in s.result.not_assessable:
            missing[item["rule"]].update(item["missing_fields"])
        crashed.update(c["rule"] for c in s.result.crashed)

    requirements = []
    for rid, req in principles.requirements.items():
        rules = sorted(by_requirement.get(rid, []), key=lambda s: s.code)
        codes = [r.code for r in rules]
        not_selected = [c for c in codes if c not in selected]
        not_run = [{"rule": r.code, "name": r.name, "missing_fields": sorted(missing[r.code])}
                   for r in rules if r.code in selected and r.code in missing]
        crashed_here = [c for c in codes if c in selected and c in crashed]
        ran = [c for c in codes if c in selected and c not in missing and c not in crashed]
        by_severity = {"error": 0, "warning": 0, "info": 0}
        fired: dict[str, int] = {}
        errors: set[str] = set()
        records = list_level = people = 0
        labels: set[str] = set()
        for t in tables:
            wanted = np.array([c in codes for c in t.rule_names], dtype=bool)
            mine = wanted[t.rule_code]
            counts = np.bincount(t.sev[mine], minlength=3)
            for name, code in SEVERITY_CODE.items():
                by_severity[name] += int(counts[code])
            serious = mine & (t.sev > 0)
            for i, n in enumerate(np.bincount(t.rule_code[serious], minlength=len(t.rule_names))):
                if n:
                    fired[t.rule_names[i]] = fired.get(t.rule_names[i], 0) + int(n)
            erring = np.bincount(t.rule_code[mine & (t.sev == 2)], minlength=len(t.rule_names))
            errors.update(t.rule_names[i] for i in np.flatnonzero(erring))
            list_level += int((serious & (t.row == 0)).sum())
            pos = t.positions(serious)
            records += len(pos)
            if len(tables) == 1:
                people = len(unique(t.person_codes()[pos]))
            elif len(pos):
                labels |= t.person_labels(pos)
        if len(tables) > 1:
            people = len(labels)
        if not rules:
            status, reason = "no_rule", "no rule in the catalogue checks this yet"
        elif by_severity["error"]:
            status, reason = "fails", "error-severity findings from " + ", ".join(sorted(errors))
        elif by_severity["warning"]:
            status, reason = "concerns", "warnings only, from " + ", ".join(sorted(fired))
        elif not_run or crashed_here or not_selected:
            status = "not_assessable"
            parts = []
            if not_run:
                fields = sorted({f for item in not_run for f in item["missing_fields"]})
                parts.append(f"{', '.join(i['rule'] for i in not_run)} could not run (missing {', '.join(fields)})")
            if crashed_here:
                parts.append(f"{', '.join(crashed_here)} crashed")
            if not_selected:
                parts.append(f"{', '.join(not_selected)} not selected")
            reason = "; ".join(parts)
        else:
            status, reason = "passes", f"{len(ran)} rule{'s' if len(ran) != 1 else ''} ran and found nothing"
        requirements.append({
            "id": rid, "title": req.title, "statement": req.statement, "legal_anchors": list(req.legal_anchors),
            "status": status, "reason": reason,
            "records": records, "people": people, "list_level": list_level,
            "findings": by_severity, "by_rule": dict(sorted(fired.items())),  # errors and warnings
            "rules": codes, "rules_ran": ran, "not_assessable": not_run,
            "crashed": crashed_here, "not_selected": not_selected,
        })
    statuses = [r["status"] for r in requirements]
    if "fails" in statuses:
        overall = "fails"
    elif "concerns" in statuses:
        overall = "concerns"
    elif any(s in ("not_assessable", "no_rule") for s in statuses):
        overall = "not_assessable"
    else:
        overall = "passes"
    all_findings = [f for s in sources for f in s.result.findings]
    return {
        "framework": principles.framework,
        "principle": {"number": 6, "title": principles.principles[6].title,
                      "statement": principles.principles[6].statement} if 6 in principles.principles else None,
        "overall": overall,
        "requirements": requirements,
        "headline": _headline(principles.headline_figures, sources, all_findings, total_records, catalogue, selected),
    }


def verdict_line(req: dict) -> str:
    """One plain line per requirement, for text and Markdown."""
    head = f"{STATUS_LABEL[req['status']]:<15} {req['title']}"
    if req["status"] in ("fails", "concerns"):
        sev = req["findings"]
        scope = (f"{req['records']} record{'s' if req['records'] != 1 else ''}, "
                 f"{req['people']} {'person' if req['people'] == 1 else 'people'}")
        if req["list_level"]:
            scope = (f"{scope} + the list as a whole" if req["records"] else "the list as a whole")
        return (f"{head}: {scope}; "
                f"{sev['error']} errors, {sev['warning']} warnings ({', '.join(req['by_rule'])})")
    return f"{head}: {req['reason']}"
