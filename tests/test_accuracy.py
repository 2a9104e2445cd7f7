"""Catalogue message templates checked at load; root causes absorb their consequences."""

import dataclasses
import datetime as dt

import pytest
import yaml

from dbhygiene.api import Settings, check_path
from dbhygiene.catalogue import _parse_rule, check_message, load_catalogue, rules_dir
from dbhygiene.errors import CatalogueError

AS_OF = dt.date(2026, 11, 22)


def _spec(code="MN01"):
    path = rules_dir() / "catalogue" / f"{code}.yml"
    return _parse_rule(path, yaml.safe_load(path.read_text(encoding="utf-8")))


def test_every_shipped_message_passes_the_template_check():
    for spec in load_catalogue().values():
        check_message(spec)


@pytest.mark.parametrize("message, fragment", [
    ("Age {age} {wehn}; under {majority}", "{wehn}"),  # a typo in a value
    ("Birth date {birth_dat} is odd", "{birth_dat}"),  # a typo in a field
    ("Age {age!r:>{width}}", "{width}"),
    ("Age {} here", "is not a name"),
    ("Age {age", "not a valid template"),
])
def test_a_placeholder_typo_is_an_error_at_load(message, fragment):
    spec = dataclasses.replace(_spec(), message=message)
    with pytest.raises(CatalogueError) as err:
        check_message(spec)
    assert fragment in str(err.value) and "MN01.yml" in str(err.value)


def test_fields_derived_columns_and_declared_values_pass():
    check_message(dataclasses.replace(_spec(), message="{national_id} {birth_date__form} {when} {row}"))


def test_a_declared_value_the_check_does_not_return_is_a_crash_not_not_mapped(tmp_path, monkeypatch):
    from dbhygiene import api

    real = api.load_catalogue()
    broken = dict(real)
    broken["DB02"] = dataclasses.replace(real["DB02"], message="Birth date {birth_date}: {reason}",
                                         values=("reason",))
    monkeypatch.setattr(api, "load_catalogue", lambda: broken)
    path = tmp_path / "x.csv"
    path.write_text("nombre;fecha nacimiento\nA B;31/02/1980\n", encoding="utf-8")
    _, result = check_path(path, Settings(select=["DB02"], as_of=AS_OF))
    assert result.findings == []
    assert result.crashed and "reason" in result.crashed[0]["error"]


# ---------------------------------------------------------------- cascades

def _run(tmp_path, text, select, **kw):
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    _, result = check_path(path, Settings(select=select, as_of=kw.pop("as_of", AS_OF), profile="ar", **kw))
    assert not result.crashed, result.crashed
    return result


def test_future_birth_date_is_one_finding_with_its_consequences(tmp_path):
    text = "nombre;dni;fecha nacimiento;fecha alta\nA B;20123456;15/03/2030;01/06/2019\nC D;21987654;15/03/1980;01/06/2019\n"
    result = _run(tmp_path, text, ["DB03", "DB04"])
    assert [(f.row, f.rule) for f in result.findings] == [(1, "DB03")]
    [root] = result.findings
    assert [c["rule"] for c in root.extra["consequences"]] == ["DB04"]
    assert root.severity == "error"
    # without the root rule selected, the consequence stands on its own
    result = _run(tmp_path, text, ["DB04"])
    assert [(f.row, f.rule) for f in result.findings] == [(1, "DB04")]


def test_placeholder_absorbs_implausibly_old(tmp_path):
    text = "nombre;fecha nacimiento;fecha alta\nA B;01/01/1900;01/06/2019\nC D;01/01/1901;01/06/2019\nE F;02/03/1904;01/06/2019\n"
    result = _run(tmp_path, text, ["DB05", "DB06"])
    got = [(f.row, f.rule, [c["rule"] for c in f.extra.get("consequences", [])]) for f in result.findings]
    # rows 1-2 are placeholders (root), row 3 is only too old
    assert got == [(1, "DB06", ["DB05"]), (2, "DB06", ["DB05"]), (3, "DB05", [])]
    assert result.findings[0].severity == "warning"


def test_consequences_name_known_rules():
    catalogue = load_catalogue()
    for spec in catalogue.values():
        assert all(c in catalogue for c in spec.consequences)
    assert "DB04" in catalogue["DB03"].consequences and "DB05" in catalogue["DB06"].consequences
