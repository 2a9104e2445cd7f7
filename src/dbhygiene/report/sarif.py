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
import json
import os
import secrets
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from ..catalogue import load_catalogue
from ..docs import rule_markdown
from . import RenderOptions, Report
from .common import capped, compact_encoder, scalar_encoder, write_json_with_lines
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
    missing = np.flatnonzero(pd.isna(key))
    if not len(missing):
        return dict(zip(rows, key.tolist()))
    has_name = frame["full_name__key"].iloc[pos].notna().to_numpy() if "full_name__key" in frame.columns else None
    named = missing[has_name[missing]] if has_name is not None else missing[:0]
    dates = frame["birth_date__date"] if "birth_date__date" in frame.columns else None
    if len(named) and dates is not None and dates.dtype.kind == "M" and dates.iloc[pos].notna().any():
        # only the records without an ID need a name label: the same text the labels of every
        # record give them, "nb:KEY|1980-03-14 00:00:00" (NaT for no date), each date written once
        codes, uniq = pd.factorize(dates.iloc[pos[named]])
        when = np.array([str(u) for u in uniq] + ["NaT"], dtype=object)[codes]
        who = frame["full_name__key"].iloc[pos[named]].astype(object).to_numpy()
        key[named] = [f"nb:{a}|{b}" for a, b in zip(who, when)]
    elif len(named):
        key[named] = labels("nb:", "full_name__key", "birth_date__date")[named]
    for i in np.setdiff1d(missing, named):
        key[i] = f"row:{rows[i]}"
    return dict(zip(rows, key.tolist()))


def result_lines(shown, index: dict, artifacts: list, artifact_index: dict, identities: dict, key: bytes):
    """Each finding's SARIF result as one line of compact JSON: the text the compact encoder writes
    for the result object (ruleId, ruleIndex, level, message, locations, partialFingerprints,
    properties, in that order), built from a few pieces made once per rule and severity and per
    source, with no dict per result. The message is ``escape``d; the fingerprint is the HMAC-SHA256
    of rule, field and the record's identity under ``key``."""
    encode = compact_encoder()
    text = json.encoder.encode_basestring
    fingerprint_of = keyed_sha256(key)
    value = scalar_encoder()

    heads: dict[tuple, str] = {}
    where = {path: (', "locations": [{"physicalLocation": {"artifactLocation": '
                    + encode({"uri": artifacts[i]["location"]["uri"], "index": i}))
             for path, i in artifact_index.items()}
    fingerprint = ', "partialFingerprints": {' + encode(FINGERPRINT) + ': "'
    for f in shown:
        rule, message, row, line = f.rule, f.message, f.row, f.line
        head = heads.get((rule, f.severity))
        if head is None:
            head = heads[(rule, f.severity)] = (
                '{"ruleId": ' + encode(rule) + ', "ruleIndex": ' + encode(index[rule]) + ', "level": '
                + encode(LEVELS[f.severity]) + ', "message": {"text": ')
        if row is None:
            identity = "file:" + message
        else:
            identity = identities[f.source].get(row, "file:" + message)
        # surrogatepass: a lone surrogate (an undecodable byte of a badly read file, --show-pii) is
        # fingerprinted as itself instead of crashing the report
        digest = fingerprint_of("\0".join((rule, f.field or "", identity)).encode("utf-8", "surrogatepass"))
        region = "}}]" if line is None else f', "region": {{"startLine": {int(line)}}}}}}}]'
        related = encode(list(f.related_rows)) if f.related_rows else "[]"
        score = "" if f.score is None else ', "score": ' + encode(f.score)
        shown_text = message if type(message) is str and message.isprintable() else escape(message)
        yield (f'{head}{text(shown_text)}}}{where[f.source]}{region}{fingerprint}{digest}"}}, "properties": '
               f'{{"row": {"null" if row is None else int.__repr__(row) if type(row) is int else encode(row)}, '
               f'"field": {value(f.field)}, "confidence": {value(f.confidence)}, '
               f'"relatedRows": {related}{score}}}}}')


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def keyed_sha256(key: bytes):
    """``hmac.new(key, message, hashlib.sha256).hexdigest()`` as a function of the message, for many
    messages: the inner and outer hashes keyed once (RFC 2104) and copied for each message, about
    half the cost of copying an ``hmac`` object and a third of ``hmac.digest``'s fresh key setup."""
    if len(key) > 64:  # the block size of SHA-256
        key = hashlib.sha256(key).digest()
    block = key.ljust(64, b"\0")
    inner, outer = hashlib.sha256(block.translate(_IPAD)), hashlib.sha256(block.translate(_OPAD))

    def hexdigest(message: bytes) -> str:
        h = inner.copy()
        h.update(message)
        o = outer.copy()
        o.update(h.digest())
        return o.hexdigest()

    return hexdigest


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    catalogue = load_catalogue()
    key_env = next((name for name in (KEY_ENV, "DBHYGIENE_BASELINE_KEY") if os.environ.get(name)), None)
    env_key = os.environ.get(key_env) if key_env else None
    key = env_key.encode("utf-8") if env_key else secrets.token_bytes(32)
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

    results = result_lines(shown, index, artifacts, artifact_index, identities, key)
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
    write_json_with_lines({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, run, "results", results, out)
