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
    shown = findings()  # lone surrogates included: fingerprinted as themselves, never a crash
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


def test_finding_lines_are_the_finding_dicts_encoded():
    from dbhygiene.report.common import finding_lines

    shown = findings()
    shown.append(Finding(rule="GN01", name="n", severity="info", principles=(1,), source="a.csv", row=None, line=None,
                         field=None, message="m", extra={"fingerprint": "ab", "baseline": "new"}))
    encode = compact_encoder()
    assert list(finding_lines(shown)) == [encode(finding_dict(f)) for f in shown]


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


@settings(max_examples=300, deadline=None)
@given(st.lists(text, max_size=6), st.lists(st.none() | st.integers() | st.floats() | st.booleans(), max_size=6),
       st.integers(1, 12), st.integers(0, 2))
def test_csv_cells_by_column_are_field_text_of_each(texts, others, copies, mix):
    from dbhygiene.report.csv_report import cells

    column = (texts, others, texts + others)[mix] * copies  # repeated values: the once-per-distinct path
    assert cells(column) == [field_text(v) for v in column]


def reference_identities(frame, rows: list[int]) -> dict[int, str]:
    """The record identities as the SARIF writer first computed them: labels for every record."""
    import numpy as np
    import pandas as pd

    pos = np.asarray(rows, dtype=np.int64) - 1

    def labels(prefix: str, *names: str):
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
        return text[codes]

    key = labels("id:", "national_id__norm")
    names = labels("nb:", "full_name__key", "birth_date__date")
    has_name = frame["full_name__key"].iloc[pos].notna().to_numpy() if "full_name__key" in frame.columns else None
    for i in np.flatnonzero(pd.isna(key)):
        key[i] = names[i] if has_name is not None and has_name[i] else f"row:{rows[i]}"
    return dict(zip(rows, key.tolist()))


def test_record_identities_label_only_the_records_without_an_id_and_give_the_same_text():
    import types

    import numpy as np
    import pandas as pd

    from dbhygiene.report.sarif import record_identities

    rng = np.random.default_rng(1)
    n = 600
    frame = pd.DataFrame({
        "national_id__norm": pd.array(np.where(rng.random(n) < 0.5, None, rng.integers(0, 90, n).astype(str)), dtype="str"),
        "full_name__key": pd.array(np.where(rng.random(n) < 0.3, None, rng.choice(["PEREZ JUAN", "GOMEZ ANA"], n)),
                                   dtype="str"),
        "birth_date__date": pd.to_datetime(np.where(rng.random(n) < 0.3, None, rng.choice(
            ["1980-03-14 00:00", "1999-12-31 10:00"], n)), format="%Y-%m-%d %H:%M").astype("datetime64[s]")})
    rows = sorted(set(rng.integers(1, n + 1, 400).tolist()))
    variants = [frame, frame.assign(birth_date__date=pd.Series([pd.NaT] * n, dtype="datetime64[s]")),
                frame.drop(columns="national_id__norm"), frame.assign(birth_date__date=frame.birth_date__date.astype(object)),
                frame.assign(national_id__norm=pd.array(["7"] * n, dtype="str"))]
    for f in variants:
        source = types.SimpleNamespace(ctx=types.SimpleNamespace(frame=f))
        assert record_identities(source, rows) == reference_identities(f, rows)
    assert record_identities(types.SimpleNamespace(ctx=types.SimpleNamespace(frame=frame)), rows)[rows[0]]
