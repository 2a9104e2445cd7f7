"""SARIF 2.1.0 for code-scanning tools (valid against the official schema; tested).

``tool.driver.rules`` is built from the catalogue: one reportingDescriptor per selected rule, with
its summary, rationale, anchors and ``helpUri`` to its page in ``docs/rules/``. A result's location
is the file and, where known, the physical line (the sheet's own row for .xlsx); the data record
number is in ``properties.row``. ``partialFingerprints`` hold an HMAC-SHA256 of the rule, the field
and the record's identity (normalised national ID, else name key and birth date, else the row):
no personal data, and without the key no dictionary of IDs can be tried against it. The key comes
from ``DBHYGIENE_FINGERPRINT_KEY`` (else the baseline's ``DBHYGIENE_BASELINE_KEY``, so one secret can
serve both); without either a random key is drawn per run (fingerprints then
match only within one run, which the run's properties say).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from ..catalogue import load_catalogue
from ..docs import rule_markdown
from . import RenderOptions, Report
from .common import capped, write_json_with_items
from .escape import escape

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT = "dbhygieneRecord/v1"
KEY_ENV = "DBHYGIENE_FINGERPRINT_KEY"


def artifact_uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(p.as_posix(), safe="/")


def record_identities(source, rows: list[int]) -> dict[int, str]:
    """Row -> identity string (never shown: only hashed) for the records at ``rows``: the normalised
    ID, else name key and birth date, else the row. Strings are built once per distinct value."""
    frame = source.ctx.frame
    if not rows:
        return {}
    pos = np.asarray(rows, dtype=np.int64) - 1

    def labels(prefix: str, *names: str) -> np.ndarray:
        parts = []
        for name in names:
            if name not in frame.columns:
                return np.full(len(pos), None, dtype=object)
            parts.append(frame[name].iloc[pos].astype(object).to_numpy())
        if len(parts) == 1:
            codes, uniq = pd.factorize(parts[0])
            text = np.array([f"{prefix}{u}" for u in uniq] + [None], dtype=object)
        else:
            codes, uniq = pd.factorize(pd.MultiIndex.from_arrays(parts))
            text = np.array([f"{prefix}{a}|{b}" for a, b in uniq] + [None], dtype=object)
        return text[codes]  # code -1 (missing) takes the trailing None

    key = labels("id:", "national_id__norm")
    names = labels("nb:", "full_name__key", "birth_date__date")
    has_name = frame["full_name__key"].iloc[pos].notna().to_numpy() if "full_name__key" in frame.columns else None
    for i in np.flatnonzero(pd.isna(key)):
        key[i] = names[i] if has_name is not None and has_name[i] else f"row:{rows[i]}"
    return dict(zip(rows, key.tolist()))


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    catalogue = load_catalogue()
    key_env = next((name for name in (KEY_ENV, "DBHYGIENE_BASELINE_KEY") if os.environ.get(name)), None)
    env_key = os.environ.get(key_env) if key_env else None
    keyed = hmac.new(env_key.encode("utf-8") if env_key else secrets.token_bytes(32), digestmod=hashlib.sha256)
    wanted = set(report.selected_rules) | {f.rule for f in report.findings}
    codes = [c for c in catalogue if c in wanted]
    index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        spec = catalogue[code]
        rules.append({
            "id": code, "name": spec.name,
            "shortDescription": {"text": spec.summary},
            "fullDescription": {"text": spec.rationale},
            "helpUri": f"docs/rules/{code}.md",
            "help": {"text": spec.rationale, "markdown": rule_markdown(spec)},
            "defaultConfiguration": {"level": LEVELS[spec.severity]},
            "properties": {"tags": [spec.family, *spec.requirements], "requirements": list(spec.requirements),
                           "principles": list(spec.principles), "legalAnchors": list(spec.legal_anchors)},
        })
    artifacts, artifact_index, identities = [], {}, {}
    for s in report.sources:
        facts = s.ctx.facts
        artifact_index[facts.path] = len(artifacts)
        art = {"location": {"uri": artifact_uri(facts.path)}, "length": facts.size,
               "properties": {"format": facts.format, "rows": facts.rows}}
        if facts.sha256:
            art["hashes"] = {"sha-256": facts.sha256}
        artifacts.append(art)
        rows = sorted({f.row for f in s.result.findings if f.row is not None})
        identities[facts.path] = record_identities(s, rows)
    shown, left = capped(report.findings, options.max_per_rule)

    def results():
        for f in shown:
            yield result(f)

    def result(f) -> dict:
        location = {"artifactLocation": {"uri": artifacts[artifact_index[f.source]]["location"]["uri"],
                                         "index": artifact_index[f.source]}}
        if f.line is not None:
            location["region"] = {"startLine": int(f.line)}
        identity = identities[f.source].get(f.row, "file:" + f.message) if f.row is not None else "file:" + f.message
        digest = keyed.copy()  # the keyed state is set up once
        digest.update("\0".join((f.rule, f.field or "", identity)).encode("utf-8"))
        props = {"row": f.row, "field": f.field, "confidence": f.confidence, "relatedRows": list(f.related_rows)}
        if f.score is not None:
            props["score"] = f.score
        return {
            "ruleId": f.rule, "ruleIndex": index[f.rule], "level": LEVELS[f.severity],
            "message": {"text": escape(f.message)},
            "locations": [{"physicalLocation": location}],
            "partialFingerprints": {FINGERPRINT: digest.hexdigest()},
            "properties": props,
        }
    notifications = [{"level": "note", "message": {"text": f"{item['rule']} not assessable: needs "
                                                             f"{', '.join(item['missing_fields'])}"}}
                     for item in report.summary()["not_assessable"]]
    notifications += [{"level": "error", "message": {"text": escape(f"{c['rule']} crashed: {c['error']}")}}
                      for s in report.sources for c in s.result.crashed]
    run = {
        "tool": {"driver": {"name": "dbhygiene", "version": report.tool.get("version", ""),
                            "rules": rules}},
        "invocations": [{"executionSuccessful": not any(s.result.crashed for s in report.sources),
                         "toolExecutionNotifications": notifications}],
        "artifacts": artifacts,
        "results": None,  # streamed below
        "properties": {"asOf": report.as_of, "profile": report.profile, "redacted": not report.show_pii,
                       "fingerprintKey": key_env if env_key else
                       "random per run (set DBHYGIENE_FINGERPRINT_KEY for fingerprints stable across runs)",
                       "resultsNotShown": left, "verdict": report.verdict},
    }
    write_json_with_items({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, run, "results", results(), out)
