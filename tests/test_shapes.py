"""The catalogue's shape, group_by and uses fields are acted on: every cross-record rule declares its
partition key, the keys and used fields exist, the engine holds each rule's hits to its shape and
refuses to run a cross rule whose partition key normalisation did not produce, and
`dbhygiene rule CODE` shows the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from dbhygiene import engine
from dbhygiene.api import Settings, check_path
from dbhygiene.catalogue import WHOLE_FILE_KEYS, _parse_rule, load_catalogue, rules_dir
from dbhygiene.engine import check_hit_shape, check_partition_key
from dbhygiene.errors import CatalogueError


def test_every_cross_record_rule_declares_its_partition_key_and_only_those():
    catalogue = load_catalogue()
    cross = {code for code, spec in catalogue.items() if spec.shape == "cross"}
    assert {"DU01", "ID03", "ID04", "ID05", "ID07", "DB06", "ID06", "OF13"} <= cross
    for code, spec in catalogue.items():
        assert bool(spec.group_by) == (spec.shape == "cross"), code
    assert catalogue["ID03"].group_by == ("national_id__norm",)
    assert catalogue["ID07"].group_by == ("passport__norm",)
    assert catalogue["ID04"].group_by == ("birth_date__date",)
    assert catalogue["DU01"].group_by == ("all columns",)


def _rule_data(code: str) -> tuple[Path, dict]:
    path = rules_dir() / "catalogue" / f"{code}.yml"
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("code, change, message", [
    ("ID03", {"group_by": None}, "must declare group_by"),
    ("ID03", {"group_by": []}, "must declare group_by"),
    ("MN01", {"group_by": ["birth_date__date"]}, "shape row has none"),
    ("ID06", {"group_by": ["national_id__norm shape"]}, "neither a derived column"),
    ("ID03", {"group_by": ["nationalid__norm"]}, "neither a derived column"),
    ("ID03", {"group_by": ["national_id"]}, "neither a derived column"),
    ("ID03", {"uses": ["full_name", "birthdate"]}, "uses names unknown fields ['birthdate']"),
])
def test_a_wrong_partition_key_or_used_field_is_an_error_at_load(code, change, message):
    path, data = _rule_data(code)
    data.update(change)
    with pytest.raises(CatalogueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _parse_rule(path, data)


@pytest.mark.parametrize("key", [*WHOLE_FILE_KEYS, "national_id__norm", "birth_date__year"])
def test_valid_partition_keys_load(key):
    path, data = _rule_data("ID03")
    data["group_by"] = [key]
    assert _parse_rule(path, data).group_by == (key,)


def _spec(shape: str, group_by=(), requires=("national_id",)):
    spec = load_catalogue()["ID03"]
    return dataclasses.replace(spec, shape=shape, group_by=tuple(group_by), requires=tuple(requires))


@pytest.mark.parametrize("shape, hits, ok", [
    ("row", pd.DataFrame({"pos": [0, 2]}), True),
    ("row", pd.DataFrame({"pos": [-1]}), True),                                   # list-level summary
    ("row", pd.DataFrame({"pos": [0], "related": [[0, 1]]}), False),              # a row rule names others
    ("column", pd.DataFrame({"pos": [1], "related": [[0, 1]]}), False),
    ("column", pd.DataFrame({"pos": [1], "related": [None]}), True),
    ("file", pd.DataFrame({"pos": np.array([-1])}), True),
    ("file", pd.DataFrame({"pos": [0]}), False),                                  # a file rule on a record
    ("cross", pd.DataFrame({"pos": [0, 1], "related": [[0, 1], [0, 1]]}), True),
    ("cross", pd.DataFrame({"pos": [0]}), True),                                   # judged against its group
    ("cross", pd.DataFrame({"pos": [0], "related": [[0]]}), False),               # no other record
    ("cross", pd.DataFrame({"pos": [0], "related": [[1, 2]]}), False),            # not the record itself
    ("cross", pd.DataFrame({"pos": [-1], "related": [[4]]}), True),               # list-level, names a record
    ("cross", pd.DataFrame({"pos": [-1], "related": [[]]}), False),
    ("file", pd.DataFrame({"pos": pd.Series([], dtype=np.int64)}), True),
])
def test_hits_must_fit_the_shape(shape, hits, ok):
    spec = _spec(shape, ["national_id__norm"] if shape == "cross" else [])
    if ok:
        check_hit_shape(spec, hits)
    else:
        with pytest.raises(ValueError):
            check_hit_shape(spec, hits)


class _Frame:
    def __init__(self, columns):
        self.frame = pd.DataFrame({c: [] for c in columns})


def test_partition_key_must_exist_when_it_derives_from_a_required_field():
    spec = _spec("cross", ["national_id__norm"], requires=("national_id",))
    check_partition_key(spec, _Frame(["national_id", "national_id__norm"]))
    with pytest.raises(ValueError, match="partition key national_id__norm"):
        check_partition_key(spec, _Frame(["national_id"]))
    optional = _spec("cross", ["birth_date__date"], requires=("national_id", "full_name"))  # ID04 without dates
    check_partition_key(optional, _Frame(["national_id", "full_name"]))
    check_partition_key(_spec("cross", ["all columns"], requires=()), _Frame([]))


def test_engine_records_a_rule_whose_hits_break_its_shape_as_crashed(tmp_path, monkeypatch):
    path = tmp_path / "x.csv"
    path.write_text("nombre;dni\nANA PEREZ;20123456\nLUIS GOMEZ;20123457\n", encoding="utf-8")
    # NM01 is a column rule: make it name related records, as only a cross rule may
    monkeypatch.setitem(engine.CHECKS, "NM01", lambda ctx, options: pd.DataFrame({"pos": [0], "related": [[0, 1]]}))
    _, result = check_path(path, Settings(select=["NM01"]))
    assert [c["rule"] for c in result.crashed] == ["NM01"]
    assert "judges each record alone" in result.crashed[0]["error"]


def test_engine_refuses_a_cross_rule_without_its_partition_key(tmp_path, monkeypatch):
    path = tmp_path / "x.csv"
    path.write_text("nombre;dni\nANA PEREZ;20123456\nLUIS GOMEZ;20123456\n", encoding="utf-8")
    _, result = check_path(path, Settings(select=["ID03"]))
    assert result.crashed == [] and [f.related_rows for f in result.findings] == [(1, 2)]  # one ID, two people
    catalogue = load_catalogue()
    broken = dataclasses.replace(catalogue["ID03"], group_by=("national_id__normalised",))
    monkeypatch.setitem(catalogue, "ID03", broken)
    monkeypatch.setattr("dbhygiene.api.load_catalogue", lambda: catalogue)
    _, result = check_path(path, Settings(select=["ID03"]))
    assert [c["rule"] for c in result.crashed] == ["ID03"]
    assert "partition key national_id__normalised" in result.crashed[0]["error"]


def test_rule_command_shows_the_partition_key(run_cli):
    out = run_cli("rule", "ID03").stdout
    assert "partition key (group_by): national_id__norm" in out
    assert "also uses full_name, birth_date" in out
    assert "partition key" not in run_cli("rule", "MN01").stdout


def test_a_message_field_the_rule_neither_requires_nor_uses_is_an_error_at_load():
    from dbhygiene.catalogue import check_message

    spec = load_catalogue()["MN01"]  # requires birth_date; uses entry_date, offence, national_id
    check_message(dataclasses.replace(spec, message="{national_id} {entry_date__form} {birth_date} {when}"))
    with pytest.raises(CatalogueError, match="neither requires nor uses full_name"):
        check_message(dataclasses.replace(spec, message="{full_name} {when}"))
    check_message(dataclasses.replace(spec, message="{full_name} {when}", uses=spec.uses + ("full_name",)))
    with pytest.raises(CatalogueError, match="neither requires nor uses age"):
        check_message(dataclasses.replace(spec, message="{age}", values=("when",)))
