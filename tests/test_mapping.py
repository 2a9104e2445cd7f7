"""Stage 2: headers in Spanish, English, Portuguese and French map to canonical fields."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from dbhygiene.api import Settings, prepare
from dbhygiene.catalogue import RuleSpec
from dbhygiene.engine import CHECKS, run
from dbhygiene.errors import ConfigError
from dbhygiene.mapping import CANONICAL_FIELDS, FUZZY_CUTOFF, map_columns, normalise_header, parse_map_option
from dbhygiene.report import Report, SourceReport


@pytest.mark.parametrize(("header", "field"), [
    ("APELLIDO Y NOMBRE", "full_name"),
    ("NRO DOC", "national_id"),
    ("Nro. Doc.", "national_id"),
    ("DNI", "national_id"),
    ("FECHA NACIMIENTO", "birth_date"),
    ("F. NAC.", "birth_date"),
    ("Fecha de Nacimiento", "birth_date"),
    ("DELITO", "offence"),
    ("CAUSA", "offence"),
    ("JUZGADO", "issuing_authority"),
    ("FECHA ALTA", "entry_date"),
    ("date of birth", "birth_date"),
    ("DOB", "birth_date"),
    ("data de nascimento", "birth_date"),
    ("Data de Nascimento", "birth_date"),
    ("date de naissance", "birth_date"),
    ("Date de naissance", "birth_date"),
    ("SEXO", "sex"),
    ("Nombre completo", "full_name"),
    ("Nom et prénom", "full_name"),
])
def test_known_headers_map_without_help(header, field):
    mapping = map_columns([header])
    match = mapping.matches.get(field)
    assert match is not None, mapping
    assert (match.column, match.score, match.method) == (header, 100.0, "synonym")
    assert mapping.unmapped_columns == []


@pytest.mark.parametrize(("header", "field"), [
    ("Fecha de Nacimento", "birth_date"),
    ("Apelido y Nombre", "full_name"),
    ("Fecha Nacimeinto", "birth_date"),
])
def test_near_miss_headers_map_fuzzily(header, field):
    match = map_columns([header]).matches.get(field)
    assert match is not None
    assert match.method == "fuzzy"
    assert FUZZY_CUTOFF <= match.score < 100


@pytest.mark.parametrize("header", ["observaciones", "color de ojos", "x", "", "   ", "hash"])
def test_unrelated_headers_stay_unmapped(header):
    mapping = map_columns([header])
    assert mapping.matches == {}
    assert mapping.unmapped_columns == [header]


def test_each_field_takes_one_column_best_first():
    mapping = map_columns(["Fecha de Nacimento", "DNI", "NRO DOC", "FECHA NACIMIENTO", "F. NAC."])
    assert mapping.matches["birth_date"].column == "FECHA NACIMIENTO"  # exact beats fuzzy
    assert mapping.matches["national_id"].column == "DNI"  # ties: leftmost column
    assert set(mapping.unmapped_columns) == {"Fecha de Nacimento", "NRO DOC", "F. NAC."}
    assert len({m.column for m in mapping.matches.values()}) == len(mapping.matches)


def test_full_conarc_like_header():
    headers = ["APELLIDO Y NOMBRE", "NRO DOC", "FECHA NACIMIENTO", "DELITO", "JUZGADO", "FECHA ALTA"]
    mapping = map_columns(headers)
    assert mapping.as_dict() == {"full_name": "APELLIDO Y NOMBRE", "national_id": "NRO DOC",
                                 "birth_date": "FECHA NACIMIENTO", "offence": "DELITO",
                                 "issuing_authority": "JUZGADO", "entry_date": "FECHA ALTA"}


def test_explicit_mapping_wins_and_frees_the_column():
    mapping = map_columns(["DNI", "legajo"], {"national_id": "legajo"})
    assert mapping.matches["national_id"].column == "legajo"
    assert mapping.matches["national_id"].method == "explicit"
    assert "DNI" in mapping.unmapped_columns


def test_explicit_mapping_errors():
    with pytest.raises(ConfigError, match="not in the file"):
        map_columns(["DNI"], {"national_id": "NRO DOC"})
    with pytest.raises(ConfigError, match="unknown field 'shoe_size'"):
        map_columns(["DNI"], {"shoe_size": "DNI"})


def test_parse_map_option():
    assert parse_map_option(["NRO DOC=national_id", " F. NAC. = birth_date "]) == {
        "national_id": "NRO DOC", "birth_date": "F. NAC."}
    assert parse_map_option(["A=B=national_id"]) == {"national_id": "A=B"}
    for bad in ("NRO DOC", "=national_id", "NRO DOC="):
        with pytest.raises(ConfigError):
            parse_map_option([bad])


def test_normalise_header():
    assert normalise_header("  Nº  Documento ") == normalise_header("no documento")
    assert normalise_header("F. NAC.") == "f nac"
    assert normalise_header("NÚMERO") == "numero"


def test_every_vocabulary_field_is_canonical():
    from dbhygiene.catalogue import load_vocab

    assert set(load_vocab("columns")) <= set(CANONICAL_FIELDS)


# --- rules whose fields are missing -------------------------------------------------------------

def _spec(code, requires, path):
    return RuleSpec(code=code, name=f"test-{code.lower()}", family="test", severity="error", shape="row",
                    summary="s", rationale="r", message="m", principles=(6,), legal_anchors=("x",),
                    requires=requires, uses=(), group_by=(), options={}, examples=(), path=path)


def test_unmapped_required_field_is_not_assessable_once(tmp_path, monkeypatch):
    called = []
    monkeypatch.setitem(CHECKS, "ZZ97", lambda ctx, options: called.append(1) or np.zeros(len(ctx.frame), bool))
    spec = _spec("ZZ97", ("birth_date", "national_id"), tmp_path)
    sources = []
    for name in ("a.csv", "b.csv"):
        path = tmp_path / name
        path.write_text("NRO DOC;observaciones\n20123456;x\n")
        ctx = prepare(path, Settings(as_of=dt.date(2026, 11, 22)))
        sources.append(SourceReport(ctx, run(ctx, [spec])))
    assert called == []  # the check never ran
    report = Report(tool={"name": "dbhygiene", "version": "0"}, as_of="2026-11-22", profile="generic",
                    sources=sources, selected_rules=["ZZ97"])
    assert report.summary()["not_assessable"] == [
        {"rule": "ZZ97", "name": "test-zz97", "missing_fields": ["birth_date"]}]
    assert report.findings == []  # GN01 not selected: no notice findings either


def test_a_nested_field_maps_by_its_last_segment():
    m = map_columns(["entity_id", "arrest_warrants.charge", "arrest_warrants.issuing_country_id", "links.id"])
    assert m.column("offence") == "arrest_warrants.charge" and m.matches["offence"].score == 95.0
    assert m.column("record_id") == "entity_id"  # a short leaf ("id") is never enough


def test_year_month_day_columns_compose_a_birth_date():
    m = map_columns(["unique_id", "year", "month", "day"])
    assert m.column("birth_date") == "year + month + day" and m.matches["birth_date"].parts == ("year", "month", "day")
    assert map_columns(["unique_id", "year"]).column("birth_date") is None  # a bare year may be anything
    assert map_columns(["id", "birth year"]).matches["birth_date"].parts == ("birth year", "", "")
    assert map_columns(["dob", "year", "month"]).column("birth_date") == "dob"  # a date column wins


def test_composed_date_parts_keep_their_precision():
    import pandas as pd

    from dbhygiene.catalogue import load_profile
    from dbhygiene.normalise import normalise

    frame = pd.DataFrame({"year": ["1980", "1980", "1980", "1980", None], "month": ["3", "00", "Feb", "13", ""],
                          "day": ["5", "", "5", "1", ""]}, dtype="str")
    n = normalise(frame, map_columns(list(frame.columns)), profile=load_profile("generic"), as_of=dt.date(2026, 1, 1))
    assert n.frame["birth_date"].tolist()[:4] == ["1980-03-05", "1980", "5 Feb 1980", "1980-13-01"]
    assert n.frame["birth_date__status"].tolist() == ["ok", "partial", "ok", "invalid", "blank"]
