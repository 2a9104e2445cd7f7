"""The JSON, SARIF and CSV writers build their lines column by column or from pieces made once; each
line must be exactly what the plain construction gives: a dict through the compact JSON encoder and
``json_escape`` (JSON, SARIF), ``csv.writer`` over ``csv_cell`` (CSV). Hostile text (controls, bidi
overrides, lone surrogates, quotes, commas, formula starts) included."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbhygiene.findings import Finding
from dbhygiene.report.common import compact_encoder, finding_dict, write_json_with_items, write_json_with_lines
from dbhygiene.report.csv_report import field_text
from dbhygiene.report.escape import csv_cell, escape
from dbhygiene.report.sarif import FINGERPRINT, LEVELS, keyed_sha256, result_lines
from dbhygiene.safe_text import json_escape

HOSTILE = ["plain", "", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", "=SUM(A1)", "+1", "-2", "@x", "\ttab",
           "\u202eevil", "zero\u200bwidth", "\x1b[2Jclear", "bell\x07", "c1\x85", "nbsp\u00a0", "lone \udcff byte",
           "astral \U0001F600 and \U000E0001", "ümlaut é", "\\back\\slash", "{json}", "[1, 2]"]
text = st.text(st.characters(codec=None, categories=None), max_size=30) | st.sampled_from(HOSTILE)


def findings() -> list[Finding]:
    out = []
    for i, message in enumerate(HOSTILE):
        out.append(Finding(rule=("ID01", "DB01", "GN01")[i % 3], name="n" + message[:3], severity=("error", "warning", "info")[i % 3],
                           principles=(6, 5), source=("a.csv", "b \u202e.csv")[i % 2], row=None if i % 4 == 0 else i,
                           line=None if i % 5 == 0 else i + 1, field=(None, "national_id", message)[i % 3],
                           message=message, related_rows=() if i % 2 else (i, i + 3),
                           confidence=("high", "low")[i % 2], score=(None, 91.5, float("nan"), 1e21)[i % 4],
                           extra={} if i % 6 else {"consequences": [{"rule": "DB04", "message": message}]}))
    return out


def reference_result(f: Finding, index: dict, uris: dict, artifact_index: dict, identities: dict, key: bytes) -> dict:
    """The SARIF result dict as the writer used to build it per finding."""
    location = {"artifactLocation": {"uri": uris[f.source], "index": artifact_index[f.source]}}
    if f.line is not None:
        location["region"] = {"startLine": int(f.line)}
    identity = identities[f.source].get(f.row, "file:" + f.message) if f.row is not None else "file:" + f.message
    digest = hmac.new(key, "\0".join((f.rule, f.field or "", identity)).encode("utf-8", "surrogatepass"),
                      hashlib.sha256).hexdigest()
    props = {"row": f.row, "field": f.field, "confidence": f.confidence, "relatedRows": list(f.related_rows)}
    if f.score is not None:
        props["score"] = f.score
    return {"ruleId": f.rule, "ruleIndex": index[f.rule], "level": LEVELS[f.severity],
            "message": {"text": escape(f.message)}, "locations": [{"physicalLocation": location}],
            "partialFingerprints": {FINGERPRINT: digest}, "properties": props}


def test_sarif_result_lines_are_the_result_dicts_encoded():
    shown = [f for f in findings() if "\udcff" not in f.message and "\udcff" not in (f.field or "")]
    index = {"DB01": 0, "GN01": 1, "ID01": 2}
    uris = {"a.csv": "file:///a.csv", "b \u202e.csv": "b%20%E2%80%AE.csv"}
    artifacts = [{"location": {"uri": uris["a.csv"]}}, {"location": {"uri": uris["b \u202e.csv"]}}]
    artifact_index = {"a.csv": 0, "b \u202e.csv": 1}
    identities = {"a.csv": {2: "id:20123456", 3: "nb:PEREZ JUAN|1980-03-14 00:00:00"}, "b \u202e.csv": {}}
    key = b"k" * 20
    encode = compact_encoder()
    got = list(result_lines(shown, index, artifacts, artifact_index, identities, key))
    want = [encode(reference_result(f, index, uris, artifact_index, identities, key)) for f in shown]
    assert got == want
    assert any("\u202e" in line for line in got)  # escaped by json_escape when written, as before


@pytest.mark.parametrize("size", [0, 1, 16, 64, 65, 200])
def test_keyed_sha256_is_hmac_sha256(size):
    key = bytes(range(size % 256))[:size] * 1
    for message in (b"", b"ID01\0national_id\0id:20123456", bytes(range(256)) * 5):
        assert keyed_sha256(key)(message) == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_written_json_is_the_indented_document_with_escaped_item_lines():
    items = [finding_dict(f) for f in findings()] * 700  # several chunks
    doc = {"head": "\u202e", "items": None, "tail": [1, "\x85"]}
    out = io.StringIO()
    write_json_with_items(doc, doc, "items", items, out)
    text = out.getvalue()
    assert json.loads(text)["tail"] == [1, "\x85"] and len(json.loads(text)["items"]) == len(items)
    encode = compact_encoder()
    lines = text.split("\n")
    body = [line.strip().rstrip(",") for line in lines if line.startswith("    {")]
    assert body == [json_escape(encode(item)) for item in items]
    assert text.isascii() or all(ch.isprintable() or ch in "\n " for ch in text)
    assert "\\u202e" in text and "\\u0085" in text
    lines_out = io.StringIO()
    doc["items"] = None
    write_json_with_lines(doc, doc, "items", map(encode, items), lines_out)
    assert lines_out.getvalue() == text


def test_empty_item_list():
    out = io.StringIO()
    doc = {"items": None}
    write_json_with_items(doc, doc, "items", [], out)
    assert out.getvalue() == '{\n  "items": []\n}\n'


@settings(max_examples=300, deadline=None)
@given(st.lists(text, min_size=1, max_size=4))
def test_escaped_lines_are_json_escape(values):
    from dbhygiene.report.common import _escaped_lines  # noqa: PLC2701 - the module's own helper, tested here

    lines = [json.dumps(v, ensure_ascii=False) for v in values] + list(values)
    assert _escaped_lines(lines) == [json_escape(line) for line in lines]


@settings(max_examples=300, deadline=None)
@given(st.lists(text | st.none() | st.integers() | st.floats() | st.booleans(), min_size=2, max_size=12))
def test_csv_fields_are_what_csv_writer_writes(values):
    # (two fields at least: csv.writer writes a row of one empty field as "" so that it is not a blank line;
    # the report's rows have twelve)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([csv_cell(v) for v in values])
    assert ",".join(field_text(v) for v in values) + "\n" == buf.getvalue()
