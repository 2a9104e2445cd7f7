"""Minors (MN): behaviour that a mutation run of checks/minors.py (scripts/mutate.py) showed no test
pinned down — each test here fails on a mutant that survived the rest of the suite. All data invented."""

import datetime as dt

import pandas as pd

from dbhygiene.api import Settings, check_path
from dbhygiene.checks.minors import juvenile_term
from conftest import check_text

AS_OF = dt.date(2026, 11, 22)


def run(tmp_path, text, select, **kw):
    return check_text(tmp_path, text, select, **kw)


def by_row(result, code):
    return {f.row: f for f in result.findings if f.rule == code}


def test_a_birth_date_after_the_reference_date_is_no_minor(tmp_path):
    # a negative age (born after the listing and the reference date) is DB03/DB04's finding, not a child
    text = "nombre;dni;fecha nacimiento;fecha alta\nA;1;15/06/2027;14/06/2020\nB;2;15/06/2005;14/06/2020\n"
    _, result = run(tmp_path, text, ["MN01", "MN03", "MN04", "MN06"])
    assert sorted(by_row(result, "MN01")) == [2]
    assert sorted(by_row(result, "MN03")) == []
    assert sorted(by_row(result, "MN04")) == []
    assert sorted(by_row(result, "MN06")) == [2]
    _, now = run(tmp_path, "nombre;fecha nacimiento\nA;15/06/2027\nB;15/06/2010\n", ["MN02"])
    assert sorted(by_row(now, "MN02")) == [2]


def test_list_figures_without_partial_dates_or_missing_entry_dates(tmp_path):
    text = "nombre;dni;fecha nacimiento;fecha alta\n" + "\n".join([
        "A;40123456;25/10/2002;15/06/2020",  # 17
        "B;;25/10/2003;15/06/2020",  # 16, no ID
        "C;41123456;25/10/2004;15/06/2020",  # 15
    ]) + "\n"
    _, result = run(tmp_path, text, ["MN01"])
    stats = result.stats["MN01"]
    assert "birth_year_only" not in stats and "no_usable_entry_date" not in stats
    assert stats["distinct_national_ids"] == 2  # a blank ID is not a person
    assert list(stats["by_age"]) == [17, 16, 15]  # oldest first
    assert stats["lines"][0] == "3 records listed as minors (under 18 at listing), 2 distinct national IDs"
    assert stats["lines"][1] == "by age at listing: 17: 1, 16: 1, 15: 1"
    assert stats["lines"][2] == "by year listed: 2020: 3"


def test_ambiguous_entry_date_whose_other_reading_makes_an_adult_is_low_confidence(tmp_path):
    # birth dates prove day-first for their column (20/05); nothing settles the entry dates' order:
    # 06/05/2020 read day-first is 6 May 2020 (age 17, the birthday is 20 May); month-first it is
    # 5 June 2020 (age 18). 03/04/2010 is ambiguous too, but either reading gives age 8.
    text = "nombre;fecha nacimiento;fecha alta\nA;20/05/2002;06/05/2020\nB;20/05/2001;03/04/2010\n"
    _, result = run(tmp_path, text, ["MN01"])
    assert (result.findings and result.findings[0].rule == "MN01")
    found = by_row(result, "MN01")
    assert found[1].confidence == "low"
    assert "the other day/month reading gives age 18 (see DB08)" in found[1].message
    assert found[2].confidence == "high"
    assert "other day/month reading" not in found[2].message


def test_juvenile_term_exclusions_first_pattern_and_blank_values():
    values = pd.Series(["LESIONES A MENORES", "JUZGADO DE MENORES", None, "JUZGADO DE MENORES"], dtype="object")
    found = juvenile_term(values, ["menores"], ["lesiones a menores"]).tolist()
    assert found[0] is None or pd.isna(found[0])  # the excluded offence against minors
    assert found[1] == "menores" and found[3] == "menores"
    assert pd.isna(found[2])
    # several patterns: the first that matches names the signal
    both = juvenile_term(pd.Series(["tribunal de menores"]), ["tribunal de menores", "menores"], []).tolist()
    assert both == ["tribunal de menores"]
    # one distinct value and a blank (the blank must not index past the single value)
    single = juvenile_term(pd.Series(["JUZGADO DE MENORES", None]), ["juzgado de menores"], []).tolist()
    assert single[0] == "juzgado de menores" and pd.isna(single[1])
    # no exclusions at all: text is matched as it is
    plain = juvenile_term(pd.Series(["a juvenile court b"]), ["juvenile court"], []).tolist()
    assert plain == ["juvenile court"]


def test_mn05_one_finding_per_record_even_when_court_and_offence_both_name_it(tmp_path):
    text = "nombre;delito;juzgado\nA;CAUSA DEL JUZGADO DE MENORES 2;JUZGADO DE MENORES 2\nB;JUSTICIA JUVENIL;J1\n"
    _, result = run(tmp_path, text, ["MN05"])
    found = [(f.row, f.field, f.confidence) for f in result.findings if f.rule == "MN05"]
    assert found == [(1, "issuing_authority", "medium"), (2, "offence", "low")]


def test_mn06_exposed_fields_are_exact(tmp_path):
    text = "nombre;dni;fecha nacimiento;fecha alta\n" + "\n".join([
        "PEREZ, JUAN;40123456;25/10/2002;15/06/2020",  # name and ID
        "M.G.;56123456;17/10/2016;01/05/2019",  # initials, but the ID
        "SOSA, RAUL;;20/03/2010;01/05/2019",  # name, no ID
    ]) + "\n"
    _, result = run(tmp_path, text, ["MN06"], show_pii=True)
    exposed = {row: f.message for row, f in by_row(result, "MN06").items()}
    assert "full name, national ID and birth date in clear" in exposed[1]
    assert exposed[2].split(": ", 1)[1].startswith("national ID and birth date in clear")
    assert exposed[3].split(": ", 1)[1].startswith("full name and birth date in clear")


def test_mn06_without_a_name_column(tmp_path):
    _, result = run(tmp_path, "dni;fecha nacimiento;fecha alta\n40123456;25/10/2002;15/06/2020\n", ["MN06"])
    found = by_row(result, "MN06")
    assert sorted(found) == [1] and found[1].field == "national_id"
