"""Stage 4: run the selected rules over a normalised frame and turn their hits into findings.

A check is a small vectorised function bound to a rule code with ``@implements("CODE")``. It takes
the run ``Context`` and the rule's resolved options and returns one of:

* a boolean mask (one value per record): each True record is a finding;
* a hits frame with a ``pos`` column (0-based record position; -1 for a list-level finding,
  reported with ``row`` None) and optionally ``field``,
  ``related`` (list of positions), ``score``, ``confidence`` and any values the rule's message
  template names;
* a ``CheckResult`` holding such hits plus list-level ``stats`` for the report.

Message templates may name canonical fields (``{full_name}``, ``{birth_date}``...): the engine fills
them from the record and redacts personal data unless ``show_pii``.
"""

from __future__ import annotations

import datetime as dt
import os
import string
from collections.abc import Callable
from itertools import repeat
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import forked
from .cascade import attach_consequences
from .catalogue import RuleSpec
from .errors import CatalogueError, ConfigError
from .findings import SEVERITY_RANK, Finding, findings_from_columns, findings_to_columns, many_findings, severity_for
from .load import SourceFacts
from .mapping import Mapping
from .normalise import DateColumnNote
from .redact import Redaction, show
from .runtime import hand_back

CHECKS: dict[str, Callable] = {}
NOTICE_CODE = "GN01"


def implements(code: str):
    def register(fn: Callable) -> Callable:
        if code in CHECKS:
            raise CatalogueError(f"two implementations for {code}")
        CHECKS[code] = fn
        return fn

    return register


@dataclass
class CheckResult:
    hits: pd.DataFrame | np.ndarray | pd.Series | None
    stats: dict | None = None


@dataclass
class Context:
    frame: pd.DataFrame  # normalised: canonical fields + derived columns
    raw: pd.DataFrame  # as loaded
    facts: SourceFacts
    mapping: Mapping
    profile: dict
    as_of: dt.date
    lines: np.ndarray | None = None
    date_notes: dict[str, DateColumnNote] = field(default_factory=dict)
    malformed_rows: list[int] = field(default_factory=list)
    malformed_fields: list[int] = field(default_factory=list)  # field count of each malformed row
    load_notes: list[str] = field(default_factory=list)
    redaction: Redaction = field(default_factory=Redaction)  # what figures may show of a person
    # list-valued fields of nested JSON/XML: canonical field -> pyarrow list<string> per record
    # (the frame cell holds the first value; see load/records.py)
    multi: dict[str, Any] = field(default_factory=dict)
    _memo: dict[str, dict] = field(default_factory=dict, repr=False)

    def memo(self, namespace: str) -> dict:
        """Per-run store for values several rules share (factorized columns, ages...)."""
        return self._memo.setdefault(namespace, {})

    def factorized(self, column: str) -> tuple[np.ndarray, Any]:
        """``pd.factorize`` of a frame column (NA as -1), computed once per run: identity rules and the
        verdict's person codes factorize the same million IDs and name keys."""
        memo = self.memo("factorized")
        if column not in memo:
            memo[column] = pd.factorize(self.frame[column], use_na_sentinel=True)
        return memo[column]

    def has(self, *names: str) -> bool:
        return all(n in self.frame.columns for n in names)

    @property
    def as_of64(self) -> np.datetime64:
        return np.datetime64(self.as_of, "s")


@dataclass
class RunResult:
    findings: list[Finding]
    not_assessable: list[dict]
    stats: dict[str, dict]
    crashed: list[dict]


def selector_matches(spec: RuleSpec, selector: str) -> bool:
    sel = selector.strip()
    if sel.upper() == "ALL":
        return True
    return spec.code == sel.upper() or spec.code.startswith(sel.upper()) or spec.name == sel or spec.family == sel


def select_rules(catalogue: dict[str, RuleSpec], select: list[str] | None, ignore: list[str] | None) -> list[RuleSpec]:
    select = select or ["ALL"]
    ignore = ignore or []
    for sel in [*select, *ignore]:
        if not any(selector_matches(spec, sel) for spec in catalogue.values()):
            raise ConfigError(f"selector '{sel}' matches no rule (see 'dbhygiene rules')")
    chosen = [s for s in catalogue.values() if any(selector_matches(s, sel) for sel in select)]
    return [s for s in chosen if not any(selector_matches(s, sel) for sel in ignore)]


def resolve_options(spec: RuleSpec, overrides: dict[str, Any] | None, profile: dict) -> dict[str, Any]:
    options = spec.defaults()
    layers = [(f"profile {profile.get('name')}", (profile.get("rule_options") or {}).get(spec.code, {})),
              (f"configuration of {spec.code}", overrides or {})]
    for where, layer in layers:
        for key, value in layer.items():
            if key not in spec.options:
                known = ", ".join(spec.options) or "none"
                raise ConfigError(f"{where}: unknown option '{key}' (options of {spec.code}: {known})")
            options[key] = spec.options[key].coerce(value, where)
    return options


def _normalise_hits(result, n: int) -> tuple[pd.DataFrame, dict | None]:
    stats = None
    if isinstance(result, CheckResult):
        stats = result.stats
        result = result.hits
    if result is None:
        return pd.DataFrame({"pos": pd.Series([], dtype=np.int64)}), stats
    if isinstance(result, (pd.Series, np.ndarray)):
        mask = np.asarray(result.to_numpy(dtype=bool, na_value=False) if isinstance(result, pd.Series) else result,
                          dtype=bool)
        if mask.shape != (n,):
            raise ValueError(f"mask has shape {mask.shape}, expected ({n},)")
        return pd.DataFrame({"pos": np.flatnonzero(mask)}), stats
    if isinstance(result, pd.DataFrame):
        if "pos" not in result.columns:
            raise ValueError("hits frame needs a 'pos' column")
        return result.reset_index(drop=True), stats
    raise TypeError(f"check returned {type(result).__name__}")


def _template_fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _fmt(value) -> str:
    if value is None:
        return "(blank)"
    if isinstance(value, float):
        if value != value:
            return "(blank)"
        return f"{value:g}"
    if isinstance(value, (np.datetime64, pd.Timestamp)):
        return str(pd.Timestamp(value).date())
    return str(value)


def _shown(name: str, values: np.ndarray, show_pii: bool) -> np.ndarray:
    """``show(name, value)`` of each record value, computed once per distinct value when every value
    is text or missing (a run's hits repeat names, IDs and dates: redaction is the costly part)."""
    if len(values) > 1 and pd.api.types.infer_dtype(values, skipna=True) == "string":
        codes, uniques = pd.factorize(values)  # missing values: code -1, shown as show() shows them
        table = np.array([show(name, u, show_pii) for u in uniques] + [show(name, None, show_pii)], dtype=object)
        return table[codes]
    return np.array([show(name, v, show_pii) for v in values], dtype=object)


def _formatted(name: str, column: pd.Series, show_pii: bool) -> np.ndarray:
    """A hits column as its message text: ``_fmt`` of each value (a tuple: each item shown as the
    field ``name``), computed once per distinct value for numbers; text is its own text."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and (dtype.kind in "iub" or dtype == np.float64) and len(column) > 1:
        values = column.to_numpy()
        # floats by their bits: -0.0 and 0.0 print differently, and every NaN prints "(blank)"
        codes, uniques = pd.factorize(values.view(np.int64) if dtype == np.float64 else values)
        if dtype == np.float64:
            uniques = uniques.view(np.float64)
        return np.array([_fmt(u) for u in uniques.tolist()], dtype=object)[codes]
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values  # _fmt of text is the text
    return np.array(["; ".join(show(name, x, show_pii) for x in v) if isinstance(v, tuple) else _fmt(v)
                     for v in values], dtype=object)


def _messages(template: str, columns: dict[str, np.ndarray], n: int) -> list[str]:
    """``template.format_map`` for each hit, column by column: the template's literal text and each
    field's values joined once per hit (every value is text: a plain ``{name}`` formats text as
    itself). A template with a format spec, a conversion or a field not given is formatted per hit."""
    parts = list(string.Formatter().parse(template))
    if any(spec or conv or (name is not None and name not in columns) for _, name, spec, conv in parts):
        return [template.format_map({name: col[i] for name, col in columns.items()}) for i in range(n)]
    pieces = []
    for literal, name, _, _ in parts:
        if literal:
            pieces.append(repeat(literal, n))
        if name is not None:
            pieces.append(columns[name])
    if not pieces:
        return [""] * n
    return list(map("".join, zip(*pieces)))


def build_findings(spec: RuleSpec, hits: pd.DataFrame, ctx: Context, show_pii: bool) -> list[Finding]:
    """The hits of one rule as findings, column by column: message values redacted (``show``) once per
    distinct value, messages joined per hit, findings made by ``many_findings``."""
    if hits.empty:
        return []
    n = len(hits)
    names = _template_fields(spec.message)
    record_fields = [n_ for n_ in names if n_ not in hits.columns and n_ in ctx.frame.columns]
    missing = [n_ for n_ in names if n_ not in hits.columns and n_ not in ctx.frame.columns
               and n_ not in ("row", "code")]
    pos = hits["pos"].to_numpy(dtype=np.int64)
    listwide = pos < 0  # list-level findings: no record
    any_listwide = bool(listwide.any())
    at = np.where(listwide, 0, pos) if any_listwide else pos
    columns: dict[str, np.ndarray] = {}
    for name in record_fields:
        if listwide.all():  # list-level only (perhaps a file with no records): nothing to look up
            columns[name] = np.full(n, "None", dtype=object)  # as format_map shows None
            continue
        values = ctx.frame[name].iloc[at].to_numpy(dtype=object, na_value=None)
        shown = _shown(name, values, show_pii)
        if any_listwide:
            shown[listwide] = "None"
        columns[name] = shown
    for name in names:
        if name in hits.columns:
            # a tuple is several values of one field (e.g. birth dates): each shown or redacted as that field
            columns[name] = _formatted(name, hits[name], show_pii)
    for name in missing:
        if name in spec.values:
            raise ValueError(f"the check returned no '{name}', a value its message names")
        columns[name] = np.full(n, "(not mapped)", dtype=object)
    rows = (pos + 1).tolist()
    lines = (np.asarray(ctx.lines[at], dtype=np.int64).tolist()
             if ctx.lines is not None and len(ctx.lines) else [None] * n)
    if any_listwide:
        flags = listwide.tolist()
        rows = [None if lw else r for r, lw in zip(rows, flags)]
        lines = [None if lw else v for v, lw in zip(lines, flags)]
    fields = hits["field"].tolist() if "field" in hits.columns else (spec.requires[0] if spec.requires else None)
    related = (tuple(() if r is None else tuple(int(p) + 1 for p in r) for r in hits["related"].tolist())
               if "related" in hits.columns else ())
    scores = ([None if s is None else round(float(s), 1) for s in hits["score"].tolist()]
              if "score" in hits.columns else None)
    confidence = hits["confidence"].tolist() if "confidence" in hits.columns else "high"
    if "severity" in hits.columns or not isinstance(confidence, str):
        sev = hits["severity"].tolist() if "severity" in hits.columns else repeat(spec.severity, n)
        conf = confidence if not isinstance(confidence, str) else repeat(confidence, n)
        memo: dict[tuple, str] = {}
        severity = [memo[k] if k in memo else memo.setdefault(k, severity_for(*k)) for k in zip(sev, conf)]
    else:
        severity = severity_for(spec.severity, confidence)
    return many_findings(
        n, rule=spec.code, name=spec.name, principles=spec.principles, severity=severity,
        source=ctx.facts.path, row=rows, line=lines, field=fields, message=_messages(spec.message, columns, n),
        related_rows=list(related) if related else (), confidence=confidence, score=scores)


def check_partition_key(spec: RuleSpec, ctx: Context) -> None:
    """A cross-record rule runs on its partition key (group_by): when the key derives from a field the
    rule requires, normalisation must have produced it, or the rule would compare the wrong records."""
    from .catalogue import WHOLE_FILE_KEYS

    absent = [key for key in spec.group_by if key not in WHOLE_FILE_KEYS and key not in ctx.frame.columns
              and key.split("__", 1)[0] in spec.requires]
    if absent:
        raise ValueError(f"partition key {', '.join(absent)} (group_by) is not in the normalised frame")


def check_hit_shape(spec: RuleSpec, hits: pd.DataFrame) -> None:
    """The shape in the catalogue decides what the hits may be (see catalogue.py): a file rule reports
    no record, a column or row rule judges each record alone (no related records), a cross rule's
    related records include the record itself and at least one other (a list-level one names at
    least one record)."""
    if hits.empty:
        return
    pos = hits["pos"].to_numpy(dtype=np.int64)
    if spec.shape == "file" and (pos >= 0).any():
        raise ValueError("a file rule (shape: file) reports list-level findings only (pos -1), not records")
    related = hits["related"] if "related" in hits.columns else None
    named = [] if related is None else [(p, r) for p, r in zip(pos, related.tolist()) if r is not None]
    if spec.shape in ("row", "column") and named:
        raise ValueError(f"a {spec.shape} rule judges each record alone; its hits name related records "
                         f"(declare shape: cross and its group_by)")
    if spec.shape == "cross":
        for p, r in named:
            r = list(r)
            if (p >= 0 and (len(r) < 2 or p not in r)) or not r:
                raise ValueError(f"a cross rule's related records include the record and another one "
                                 f"(a list-level finding: at least one); got {r} for {p}")


PERSON_KINDS = ("person", "unknown", "blank")  # a row not marked as an entity, vessel or aircraft


def person_rows(ctx: Context) -> np.ndarray | None:
    """Positions of the rows that are (or may be) people, or None when every row is: no subject-type
    column, or one that marks no row as an entity, vessel or aircraft. A blank or unrecognised type
    is kept as a possible person: a person rule is never silenced by a missing type."""
    if "subject_type__kind" not in ctx.frame.columns:
        return None
    keep = ctx.frame["subject_type__kind"].isin(PERSON_KINDS).to_numpy()
    return None if keep.all() else np.flatnonzero(keep)


def subset_context(ctx: Context, positions: np.ndarray) -> Context:
    """The run restricted to ``positions``: rules see positions 0..len-1 of the subset; the engine
    maps their hits back to the file's rows."""
    memo = ctx.memo("engine")
    key = ("subset", positions.tobytes())
    if key not in memo:
        memo[key] = Context(
            frame=ctx.frame.iloc[positions].reset_index(drop=True), raw=ctx.raw.iloc[positions].reset_index(drop=True),
            facts=ctx.facts, mapping=ctx.mapping, profile=ctx.profile, as_of=ctx.as_of,
            lines=ctx.lines[positions] if ctx.lines is not None else None, date_notes=ctx.date_notes,
            malformed_rows=[], load_notes=ctx.load_notes,
            multi={name: values.take(positions) for name, values in ctx.multi.items()})
    return memo[key]


def map_back(hits: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """Subset positions (``pos``, ``related``, and 1-based ``*_row`` values) back to the file's rows."""
    hits = hits.copy()
    pos = hits["pos"].to_numpy(dtype=np.int64)
    hits["pos"] = np.where(pos < 0, -1, positions[np.where(pos < 0, 0, pos)])  # -1: list-level, stays so
    if "related" in hits.columns:
        hits["related"] = [None if r is None else positions[np.asarray(r, dtype=np.int64)].tolist()
                           for r in hits["related"]]
    for column in hits.columns:
        if column.endswith("_row") and len(hits):
            values = hits[column].to_numpy(dtype=np.int64)
            hits[column] = positions[values - 1] + 1
    return hits


PARALLEL_MIN_ROWS = 100_000  # below this a second process costs more than it saves


IDENTITY_FIELDS = frozenset({"national_id", "passport"})


def second_process_takes(spec: RuleSpec) -> bool:
    """The rules a second process runs when there are two cores: the identity family, and the
    cross-record rules that compare records by their IDs. They share the factorized IDs and name
    keys, and take about half the check's time (measured at 1M rows: 4.5 s of 9)."""
    if spec.family == "file":
        return False
    return spec.family == "identity" or (
        spec.shape == "cross" and bool(IDENTITY_FIELDS & {*spec.requires, *spec.uses}))


def jobs_for(ctx: Context, jobs: int | None) -> int:
    """Processes for the check stage: ``jobs`` when given, else two on a machine with two cores or
    more and a list of at least PARALLEL_MIN_ROWS records, else one."""
    if not forked.available():
        return 1
    if jobs is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return 2 if cores >= 2 and len(ctx.frame) >= PARALLEL_MIN_ROWS else 1
    return max(1, jobs)


def _run_one(ctx: Context, spec: RuleSpec, rule_config: dict, show_pii: bool, notice: RuleSpec | None) -> dict:
    """One rule's outcome: its findings, or why it was not assessable, or how it crashed; and its stats."""
    fn = CHECKS.get(spec.code)
    if fn is None:
        raise CatalogueError(f"rule {spec.code} has no implementation")
    options = resolve_options(spec, rule_config.get(spec.code) or rule_config.get(spec.name), ctx.profile)
    locked = not ctx.facts.protection.readable  # encrypted, no key: only the file itself can be judged
    missing = ["content (encrypted)"] if locked and spec.family != "file" else [
        f for f in spec.requires if f not in ctx.frame.columns]
    if missing:
        notices = [] if notice is None or locked else [Finding(
            rule=notice.code, name=notice.name, severity=notice.severity, principles=spec.principles,
            source=ctx.facts.path, row=None, line=None, field=None,
            message=notice.message.format(rule=spec.code, name=spec.name, fields=", ".join(missing)),
        )]
        return {"findings": notices, "not_assessable": {"rule": spec.code, "name": spec.name,
                                                         "missing_fields": missing}}
    people = person_rows(ctx) if spec.applies_to == "person" else None
    try:
        check_partition_key(spec, ctx)
        if people is not None:
            hits, rule_stats = _normalise_hits(fn(subset_context(ctx, people), options), len(people))
            check_hit_shape(spec, hits)
            hits = map_back(hits, people)
        else:
            hits, rule_stats = _normalise_hits(fn(ctx, options), len(ctx.frame))
            check_hit_shape(spec, hits)
        built = build_findings(spec, hits, ctx, show_pii)
    except Exception as exc:  # a crashing rule is recorded; the run goes on
        return {"findings": [], "crashed": {"rule": spec.code, "error": f"{type(exc).__name__}: {exc}"}}
    return {"findings": built, "stats": rule_stats or None}


def run(ctx: Context, specs: list[RuleSpec], rule_config: dict[str, dict] | None = None,
        show_pii: bool = False, progress=None, jobs: int | None = 1, prefetch: tuple[str, ...] = ()) -> RunResult:
    """Run ``specs`` over ``ctx``. With ``jobs`` 2 (None: decide by cores and size, see ``jobs_for``)
    the rules ``second_process_takes`` run in a forked second process at the same time; the result
    is the same, finding for finding and in the same order, as a run in one process. ``prefetch``:
    columns the caller will factorize after the run (the verdict's person codes); the first process
    factorizes them while it waits for the second, whose own factorizations stay in the child."""
    rule_config = rule_config or {}
    notice = next((s for s in specs if s.code == NOTICE_CODE), None)
    people = person_rows(ctx)
    if people is not None and any(s.applies_to == "person" for s in specs):
        kinds = ctx.frame["subject_type__kind"].value_counts()
        skipped = ", ".join(f"{int(v)} {k}" for k, v in kinds.items() if k not in PERSON_KINDS and v)
        note = (f"rules about people ran on the {len(people)} of {len(ctx.frame)} records the subject-type column "
                f"('{ctx.mapping.column('subject_type')}') does not mark as non-persons; skipped: {skipped}")
        if note not in ctx.load_notes:
            ctx.load_notes.append(note)
    ctx.memo("rule_config").update(rule_config)  # a rule may honour another's option (DB08: MN01's majority)
    # rules about the file run last: they may cite other rules' figures (FP01: minors among the records)
    specs = sorted(specs, key=lambda s: s.family == "file")
    runnable = [s for s in specs if s.shape != "notice"]
    if progress is not None:
        progress.stage("checking rules", total=len(runnable))
    apart = sorted((s for s in runnable if second_process_takes(s)), key=_heaviest_first) \
        if jobs_for(ctx, jobs) > 1 else []
    outcomes: dict[str, dict] = {}

    def one(spec: RuleSpec) -> dict:
        outcome = _run_one(ctx, spec, rule_config, show_pii, notice)
        if outcome.get("stats"):
            ctx.memo("stats")[spec.code] = outcome["stats"]
        return outcome

    claims = forked.Claims(len(apart)) if apart else None  # the second process's rules, shared
    second = None
    try:
        if apart:
            second = forked.Forked(lambda: _second_process(ctx, apart, one, claims))
        for spec in runnable:
            if spec in apart:
                continue
            if spec.family == "file" and second is not None:  # the file rules may cite the other's figures
                outcomes.update(_joined(ctx, second, apart, one, progress, prefetch, claims))
                second = None
            if progress is not None:
                progress.advance(f"rule {spec.code}")
            outcomes[spec.code] = one(spec)
        if second is not None:
            outcomes.update(_joined(ctx, second, apart, one, progress, prefetch, claims))
            second = None
    finally:
        if second is not None:  # the parent failed or was interrupted: stop the child
            second.cancel()
        if claims is not None:
            claims.close()
    findings: list[Finding] = []
    not_assessable: list[dict] = []
    stats: dict[str, dict] = {}
    crashed: list[dict] = []
    for spec in runnable:  # in the order of the rules, whichever process ran them
        outcome = outcomes[spec.code]
        findings.extend(outcome["findings"])
        if outcome.get("not_assessable"):
            not_assessable.append(outcome["not_assessable"])
        if outcome.get("crashed"):
            crashed.append(outcome["crashed"])
        if outcome.get("stats"):
            stats[spec.code] = outcome["stats"]
    findings.extend(_no_person_rule_ran(ctx, specs, not_assessable, crashed))
    findings = attach_consequences(findings, specs)
    findings.sort(key=lambda f: (f.row is not None, f.row or 0, f.rule))
    return RunResult(findings=findings, not_assessable=not_assessable, stats=stats, crashed=crashed)


def _second_process(ctx: Context, apart: list[RuleSpec], one, claims: forked.Claims) -> dict[str, dict]:
    """What the forked second process runs: its rules, after shedding what none of them reads, each
    one it claims before the first process does (see ``_joined``)."""
    shed_columns(ctx, apart)
    return {apart[i].code: _packed(one(apart[i])) for i in claims}


# The second process's rules, slowest first (measured at 1M rows: ID04 1.4 s, ID01 0.3-0.4 s, ID05
# 0.2-0.4 s, DB06 0.15-0.2 s, ID03 and ID06 under 0.1-0.3 s): it starts on the longest, and the
# shorter ones are left for whichever process is free first.
SLOWEST = ("ID04", "ID01", "ID05", "DB06", "ID06", "ID03", "ID02", "ID07")


def _heaviest_first(spec: RuleSpec) -> int:
    return SLOWEST.index(spec.code) if spec.code in SLOWEST else len(SLOWEST)


ALWAYS_READ = ("subject_type", "group_id")  # read for any rule: person rows, one subject's records


def shed_columns(ctx: Context, specs: list[RuleSpec]) -> list[str]:
    """Drop from ``ctx`` (frame, raw and list-valued columns) the fields none of ``specs`` declares
    (``requires``, ``uses``, its message's placeholders) and hand the memory back. The forked second
    process starts with a copy of the first one's pages (about 650 MB at 1M rows, counted in its
    resident size); the identity rules read five or six of the list's dozen fields, so the offence,
    court, warrant and the other dates go (about 200 MB at 1M rows). Returns the frame columns dropped."""
    wanted = {*ALWAYS_READ}
    for spec in specs:
        wanted.update(spec.requires, spec.uses, _template_fields(spec.message))
    drop = [c for c in ctx.frame.columns if c.split("__", 1)[0] not in wanted]
    if not drop:
        return []
    ctx.frame = ctx.frame.drop(columns=drop)
    fields = ctx.mapping.as_dict()  # field -> the raw column it came from
    ctx.raw = ctx.raw[list(dict.fromkeys(c for f, c in fields.items() if f in wanted and c in ctx.raw.columns))]
    ctx.multi = {f: v for f, v in ctx.multi.items() if f in wanted}
    hand_back()
    return drop


def _packed(outcome: dict) -> dict:
    """An outcome as the second process sends it: its findings column by column (quick to pickle)."""
    return {**outcome, "findings": findings_to_columns(outcome["findings"])}


def _joined(ctx: Context, second, apart: list[RuleSpec], one, progress, prefetch=(),
            claims: forked.Claims | None = None) -> dict[str, dict]:
    """The outcomes of the second process's rules. The first process, its own rules done, first runs
    those the second has not started (``claims``: at 1M rows the second is busy with ID04 while the
    first ends its share; at 5M ID04 alone takes 27 s and the first takes every other rule), then
    takes the second's outcomes, their stats shared with the file rules that cite them. When the
    second gave none (killed, out of memory), its rules run here instead."""
    outcomes: dict[str, dict] = {}

    def here(spec: RuleSpec) -> None:
        if progress is not None:
            progress.advance(f"rule {spec.code}")
        outcomes[spec.code] = one(spec)

    for i in claims if claims is not None else ():
        here(apart[i])
    left = [s.code for s in apart if s.code not in outcomes]  # the second process's
    if progress is not None and left:
        progress.describe(f"rules {', '.join(left[:3])}{'...' if len(left) > 3 else ''} (second process)")
    hand_back()  # what the first process's rules freed: the report needs less than they did
    for column in prefetch:  # the time the first process would wait anyway
        if column in ctx.frame.columns:
            ctx.factorized(column)
    try:
        theirs = second.join()
    except forked.ForkFailed:
        for spec in apart:
            if spec.code not in outcomes:
                here(spec)
        return outcomes
    for spec in apart:
        if spec.code not in theirs:
            continue
        if progress is not None:
            progress.advance(f"rule {spec.code}")
        outcome = outcomes[spec.code] = theirs[spec.code]
        outcome["findings"] = findings_from_columns(*outcome["findings"])
        if outcome.get("stats"):
            ctx.memo("stats")[spec.code] = outcome["stats"]
    return outcomes


PERSON_FIELDS = ("full_name", "birth_date", "national_id", "passport")
NO_PERSON_RULE_CODE = "GN02"


def _no_person_rule_ran(ctx: Context, specs: list[RuleSpec], not_assessable: list[dict],
                        crashed: list[dict]) -> list[Finding]:
    """GN02: a file of people on which none of the selected rules about people could run."""
    spec = next((s for s in specs if s.code == NO_PERSON_RULE_CODE), None)
    # a rule that needs no field (MN05 reads whatever offence or court text there is) is no evidence
    person_specs = [s for s in specs if s.applies_to == "person" and s.shape != "notice"
                    and set(s.requires) & set(PERSON_FIELDS)]
    if spec is None or not person_specs or not len(ctx.frame):
        return []
    people = person_rows(ctx)
    if people is not None and not len(people):
        return []  # every record is an entity, vessel or aircraft: not a list of people
    blocked = {a["rule"] for a in not_assessable} | {c["rule"] for c in crashed}
    if any(s.code not in blocked for s in person_specs):
        return []
    message = spec.message.format(rows=len(ctx.frame) if people is None else len(people),
                                  fields=", ".join(PERSON_FIELDS),
                                  rules=", ".join(s.code for s in person_specs))
    return [Finding(rule=spec.code, name=spec.name, severity=spec.severity, principles=spec.principles,
                    source=ctx.facts.path, row=None, line=None, field=None, message=message)]


def exit_code(findings: list[Finding], fail_on: str) -> int:
    if fail_on == "never":
        return 0
    threshold = SEVERITY_RANK[fail_on]
    return 1 if any(SEVERITY_RANK[f.severity] >= threshold for f in findings) else 0
