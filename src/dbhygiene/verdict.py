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

from .catalogue import RuleSpec
from .findings import Finding
from .principles import Principles

STATUS_ORDER = ("passes", "no_rule", "not_assessable", "concerns", "fails")
STATUS_LABEL = {"fails": "fails", "concerns": "concerns", "passes": "passes",
                "not_assessable": "not assessable", "no_rule": "no rule yet"}


def _person_frame(frame: pd.DataFrame, pos: np.ndarray, source_index: int) -> pd.DataFrame:
    """One row per affected record with the columns that identify a person (see module doc)."""
    def col(*names):
        for name in names:
            if name in frame.columns:
                return frame[name].iloc[pos].astype(object).reset_index(drop=True)
        return pd.Series([None] * len(pos), dtype=object)

    ids = col("national_id__norm")
    has_id = ids.notna()
    names = col("full_name__key").where(~has_id, None)
    births = col("birth_date__date", "birth_date").where(~has_id, None)
    anonymous = (~has_id & names.isna()).to_numpy()
    return pd.DataFrame({"id": ids, "name": names, "birth": births,
                         "src": np.where(anonymous, source_index, -1),
                         "row": np.where(anonymous, pos, -1)})


def _count_people(frames: list[pd.DataFrame]) -> int:
    if not frames:
        return 0
    both = pd.concat(frames, ignore_index=True)
    for name in ("id", "name", "birth"):
        both[name] = both[name].astype(str)
    return int(len(both.drop_duplicates()))


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
    findings_by_rule: dict[str, list[Finding]] = defaultdict(list)
    for s in sources:
        for f in s.result.findings:
            findings_by_rule[f.rule].append(f)
    source_index = {s.ctx.facts.path: i for i, s in enumerate(sources)}
    frames = {s.ctx.facts.path: s.ctx.frame for s in sources}
    total_records = int(sum(len(s.ctx.frame) for s in sources))

    requirements = []
    for rid, req in principles.requirements.items():
        rules = sorted(by_requirement.get(rid, []), key=lambda s: s.code)
        missing: dict[str, set] = defaultdict(set)
        crashed: set[str] = set()
        for s in sources:
            for item in s.result.not_assessable:
                missing[item["rule"]].update(item["missing_fields"])
            crashed.update(c["rule"] for c in s.result.crashed)
        not_selected = [r.code for r in rules if r.code not in selected]
        not_run = [{"rule": r.code, "name": r.name, "missing_fields": sorted(missing[r.code])}
                   for r in rules if r.code in selected and r.code in missing]
        crashed_here = [r.code for r in rules if r.code in selected and r.code in crashed]
        ran = [r.code for r in rules if r.code in selected and r.code not in missing and r.code not in crashed]
        found = [f for r in rules for f in findings_by_rule.get(r.code, ())]
        by_severity = {"error": 0, "warning": 0, "info": 0}
        fired: dict[str, int] = {}
        for f in found:
            by_severity[f.severity] += 1
        serious = [f for f in found if f.severity != "info"]
        for f in serious:
            fired[f.rule] = fired.get(f.rule, 0) + 1
        if not rules:
            status, reason = "no_rule", "no rule in the catalogue checks this yet"
        elif by_severity["error"]:
            errors = sorted({f.rule for f in found if f.severity == "error"})
            status, reason = "fails", "error-severity findings from " + ", ".join(errors)
        elif by_severity["warning"]:
            status, reason = "concerns", "warnings only, from " + ", ".join(fired)
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
        # records and people affected by warnings and errors (notices are not defects)
        positions: dict[str, set] = defaultdict(set)
        for f in serious:
            if f.row is not None:
                positions[f.source].add(f.row - 1)
            # a list-level finding may name the records it is about (OF13: the spellings to fix)
            positions[f.source].update(r - 1 for r in f.related_rows)
        people_frames = []
        records = 0
        for path, pos_set in positions.items():
            pos = np.fromiter(pos_set, dtype=np.int64, count=len(pos_set))
            records += len(pos)
            people_frames.append(_person_frame(frames[path], np.sort(pos), source_index.get(path, 0)))
        requirements.append({
            "id": rid, "title": req.title, "statement": req.statement, "legal_anchors": list(req.legal_anchors),
            "status": status, "reason": reason,
            "records": records, "people": _count_people(people_frames),
            "findings": by_severity, "by_rule": dict(sorted(fired.items())),  # errors and warnings
            "rules": [r.code for r in rules], "rules_ran": ran, "not_assessable": not_run,
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
        return (f"{head}: {req['records']} record{'s' if req['records'] != 1 else ''}, "
                f"{req['people']} {'person' if req['people'] == 1 else 'people'}; "
                f"{sev['error']} errors, {sev['warning']} warnings ({', '.join(req['by_rule'])})")
    return f"{head}: {req['reason']}"
