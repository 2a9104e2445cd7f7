"""engine.build_findings builds a rule's findings column by column (values redacted once per distinct
value, messages joined per hit, findings made by ``many_findings``). It must give exactly what the
plain per-hit construction gives: the reference below is that construction, written out."""

from __future__ import annotations

import dataclasses
import string

import numpy as np
import pandas as pd
import pytest

from dbhygiene.catalogue import load_catalogue
from dbhygiene.engine import Context, build_findings
from dbhygiene.findings import Finding, many_findings, severity_for
from dbhygiene.load import SourceFacts
from dbhygiene.mapping import Mapping
from dbhygiene.redact import show


def _fmt(value) -> str:
    if value is None:
        return "(blank)"
    if isinstance(value, float):
        return "(blank)" if value != value else f"{value:g}"
    if isinstance(value, (np.datetime64, pd.Timestamp)):
        return str(pd.Timestamp(value).date())
    return str(value)


def reference(spec, hits: pd.DataFrame, ctx: Context, show_pii: bool) -> list[Finding]:
    """One Finding(...) per hit, each value shown and each message formatted for that hit alone."""
    names = [name for _, name, _, _ in string.Formatter().parse(spec.message) if name]
    out = []
    for i in range(len(hits)):
        hit = hits.iloc[i]
        p = int(hit["pos"])
        values = {}
        for name in names:
            if name in hits.columns:
                v = hits[name].to_numpy(dtype=object)[i]
                values[name] = ("; ".join(show(name, x, show_pii) for x in v) if isinstance(v, tuple) else _fmt(v))
            elif name in ctx.frame.columns:
                values[name] = None if p < 0 else show(
                    name, ctx.frame[name].to_numpy(dtype=object, na_value=None)[p], show_pii)
            else:
                values[name] = "(not mapped)"
        conf = hit["confidence"] if "confidence" in hits.columns else "high"
        related = hits["related"].tolist()[i] if "related" in hits.columns else None
        score = hits["score"].tolist()[i] if "score" in hits.columns else None
        out.append(Finding(
            rule=spec.code, name=spec.name, principles=spec.principles,
            severity=severity_for(hit["severity"] if "severity" in hits.columns else spec.severity, conf),
            source=ctx.facts.path, row=None if p < 0 else p + 1,
            line=None if p < 0 or ctx.lines is None else int(ctx.lines[p]),
            field=hit["field"] if "field" in hits.columns else (spec.requires[0] if spec.requires else None),
            message=spec.message.format_map(values),
            related_rows=() if related is None else tuple(int(r) + 1 for r in related), confidence=conf,
            score=None if score is None else round(float(score), 1)))
    return out


def same(got: list[Finding], want: list[Finding]) -> None:
    """Equal field by field, types included (repr shows np.int64(2) for a 2 that is not an int, and
    a NaN score equals itself there)."""
    assert [repr(f) for f in got] == [repr(f) for f in want]


def context(frame: pd.DataFrame) -> Context:
    return Context(frame=frame, raw=frame, facts=SourceFacts(path="list.csv", size=1, sha256="", format="csv"),
                   mapping=Mapping(matches={}, unmapped_columns=[]), profile={}, as_of=pd.Timestamp("2026-11-22").date(),
                   lines=np.arange(2, len(frame) + 2))


FRAME = pd.DataFrame({
    "full_name": pd.array(["PEREZ, Juan", None, "PEREZ, Juan", "Ana María GÓMEZ", "X", "PEREZ, Juan"], dtype="str"),
    "national_id": pd.array(["20.123.456", "20123456", None, "20.123.456", "A-12", "20123456"], dtype="str"),
    "birth_date": ["14/03/1980", "1980-03-14", "14 de marzo de 1980", None, "", "14/03/1980"],
})


def spec_with(message: str, values: tuple = ()):
    return dataclasses.replace(load_catalogue()["ID03"], message=message, values=values)


@pytest.mark.parametrize("show_pii", [False, True])
def test_record_values_repeated_missing_and_list_level(show_pii):
    spec = spec_with("{full_name} / {national_id} / {birth_date}: {n} {x} {nowhere}")
    hits = pd.DataFrame({
        "pos": [0, 2, 5, -1, 1, 3, 0, 4],
        "n": np.array([1, 2, 1, 3, 1, 1, 2, 0], dtype=np.int64),
        "x": [0.0, -0.0, float("nan"), 1.25, None, 1e21, 0.0, -0.0],
        "confidence": ["high", "low", "medium", "high", "low", "low", "high", "medium"],
        "severity": ["error", "error", "warning", "info", "error", "error", "warning", "error"],
    })
    ctx = context(FRAME)
    got = build_findings(spec, hits, ctx, show_pii)
    same(got, reference(spec, hits, ctx, show_pii))
    assert got[3].row is None and got[3].message.startswith("None / None / None")
    assert "-0" in got[1].message and "(blank)" in got[2].message


@pytest.mark.parametrize("show_pii", [False, True])
def test_hit_values_tuples_scores_related_and_text(show_pii):
    spec = spec_with("{count} dates: {birth_date}; {what} {flag} {when}", values=("count",))
    hits = pd.DataFrame({
        "pos": [1, 1, 3, 0],
        "count": [2, 2, 1, 3],
        "birth_date": [("14/03/1980", "1980-03-14"), ("14/03/1980", "1980-03-14"), ("1 May 1970",), ()],
        "what": ["a", "a", "b", "{not a field}"],
        "flag": np.array([True, False, True, True]),
        "when": pd.to_datetime(["2020-01-02", None, "2020-01-02", "1999-12-31"]),
        "related": [[1, 0], [0, 1], None, [0, 3, 1]],
        "score": [91.25, None, 80.04999, 100.0],
        "field": ["birth_date", "national_id", None, "birth_date"],
    })
    ctx = context(FRAME)
    got = build_findings(spec, hits, ctx, show_pii)
    want = reference(spec, hits, ctx, show_pii)
    same(got, want)
    assert got[0].related_rows == (2, 1) and type(got[0].related_rows[0]) is int


def test_a_value_the_message_names_but_the_check_did_not_return_is_an_error():
    spec = spec_with("{count} things", values=("count",))
    with pytest.raises(ValueError, match="returned no 'count'"):
        build_findings(spec, pd.DataFrame({"pos": [0]}), context(FRAME), False)


def test_an_unmapped_record_field_is_said_so():
    spec = spec_with("Passport {passport}")
    got = build_findings(spec, pd.DataFrame({"pos": [0, 1]}), context(FRAME), False)
    assert [f.message for f in got] == ["Passport (not mapped)"] * 2


def test_many_findings_makes_what_the_constructor_makes():
    made = many_findings(3, rule="ID03", name="n", principles=(1, 2), severity=["error", "warning", "info"],
                         source="s.csv", row=[1, None, 3], line=[2, None, 4], field=None, message=["a", "b", "c"],
                         related_rows=[(), (1, 2), ()], confidence="low")
    want = [Finding(rule="ID03", name="n", principles=(1, 2), severity=s, source="s.csv", row=r, line=ln, field=None,
                    message=m, related_rows=rel, confidence="low")
            for s, r, ln, m, rel in zip(["error", "warning", "info"], [1, None, 3], [2, None, 4], "abc",
                                        [(), (1, 2), ()])]
    assert made == want
    for a, b in zip(made, want):
        assert all(getattr(a, f.name) == getattr(b, f.name) for f in dataclasses.fields(Finding))
        assert a.score is None and a.extra == {}
    assert len({id(f.extra) for f in made}) == 3  # a dict of its own each, as default_factory gives
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].row = 5
    with pytest.raises(TypeError, match="missing field message"):
        many_findings(1, rule="X", name="n", principles=(), severity="info", source="s", row=None, line=None, field=None)
    with pytest.raises(ValueError, match="2 values for 3"):
        many_findings(3, rule="X", name="n", principles=(), severity="info", source="s", row=[1, 2], line=None,
                      field=None, message="m")


@pytest.mark.parametrize("count", [0, 1, 5])
def test_findings_cross_processes_column_by_column_unchanged(count):
    # what the second process sends (engine._packed), pickled, and rebuilt by the first
    import pickle

    from dbhygiene.findings import findings_from_columns, findings_to_columns

    kinds = lambda: [  # noqa: E731 - fresh objects (own extra dicts) on each call
        Finding(rule="ID04", name="one-person-several-ids", severity="warning", principles=(6,), source="a.csv",
                row=3, line=4, field="national_id", message="m 1", related_rows=(7, 9), confidence="medium",
                score=91.5, extra={"ids": ["1", "2"]}),
        Finding(rule="ID01", name="id-format", severity="error", principles=(6, 2), source="a.csv", row=None,
                line=None, field=None, message="list-level"),
        Finding(rule="ID03", name="shared-id", severity="info", principles=(), source="b.csv", row=12, line=13,
                field="full_name", message="m ñ \u202e", related_rows=(1,), confidence="low", score=0.0),
    ]
    sent = [kinds()[i % 3] for i in range(count)]
    got = findings_from_columns(*pickle.loads(pickle.dumps(findings_to_columns(sent), protocol=5)))
    assert len(got) == count
    for a, b in zip(got, sent):
        assert type(a) is Finding
        assert all(getattr(a, f.name) == getattr(b, f.name) for f in dataclasses.fields(Finding))
    assert len({id(f.extra) for f in got}) == count  # no dict shared between findings
