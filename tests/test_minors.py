"""Children on the list (MN): exact ages at listing and now, thresholds, day/month order, list-level
figures, juvenile-court signals, identifiable minors, and the CLI's redaction."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from dbhygiene.api import Settings, check_path
from dbhygiene.cli import cli
from conftest import check_text

AS_OF = dt.date(2026, 11, 22)
HEAD = "nombre;dni;fecha nacimiento;fecha alta;delito;juzgado\n"


def run(tmp_path, text, select, **kw):
    return check_text(tmp_path, text, select, **kw)


def rows(result, code=None):
    return [f.row for f in result.findings if code is None or f.rule == code]


def by_row(result, code):
    return {f.row: f for f in result.findings if f.rule == code}


# ---------------------------------------------------------------- MN01 minor at listing

def test_mn01_eighteenth_birthday_boundary(tmp_path):
    text = HEAD + "\n".join([
        "A;1;15/06/2002;14/06/2020;ROBO;J1",  # 17, the day before
        "B;2;15/06/2002;15/06/2020;ROBO;J1",  # 18 on the birthday
        "C;3;15/06/2002;16/06/2020;ROBO;J1",  # 18
        "D;4;29/02/2000;28/02/2018;ROBO;J1",  # 17: in a common year the birthday is 1 March
        "E;5;29/02/2000;01/03/2018;ROBO;J1",  # 18
        "F;6;01/01/2001;31/12/2018;ROBO;J1",  # 17
    ]) + "\n"
    _, result = run(tmp_path, text, ["MN01"])
    found = by_row(result, "MN01")
    assert sorted(found) == [1, 4, 6]
    assert found[1].message == "Age 17 at listing on 2020-06-14; under 18, the age of majority"
    assert found[4].message.startswith("Age 17 at listing on 2018-02-28")
    assert {f.confidence for f in found.values()} == {"high"}
    assert {f.field for f in found.values()} == {"birth_date"}


def test_mn01_falls_back_to_reference_date_with_medium_confidence(tmp_path):
    text = HEAD + "\n".join([
        "A;1;20/03/2010;;ROBO;J1",  # no entry date: 16 on 2026-11-22
        "B;2;23/11/2008;S/D;ROBO;J1",  # unusable entry date: 17 on 2026-11-22
        "C;3;22/11/2008;;ROBO;J1",  # 18 on the reference date
        "D;4;20/03/2010;01/01/2027;ROBO;J1",  # entry date in the future is not used
        "E;5;20/03/2010;01/01/2009;ROBO;J1",  # entry before birth is not used
    ]) + "\n"
    _, result = run(tmp_path, text, ["MN01"])
    found = by_row(result, "MN01")
    assert sorted(found) == [1, 2, 4, 5]
    assert all(f.confidence == "medium" for f in found.values())
    assert found[1].message.startswith("Age 16 on the reference date 2026-11-22 (no usable entry date: a weaker signal")
    assert found[2].message.startswith("Age 17 on the reference date 2026-11-22")


def test_mn01_day_first_vs_month_first_flips_the_verdict(tmp_path):
    one = "nombre;fecha nacimiento;fecha alta\nA;03/10/2002;05/06/2020\n"
    # the profile reads day-first: 3 Oct 2002 listed 5 Jun 2020 -> 17
    _, result = run(tmp_path, one, ["MN01"])
    assert rows(result) == [1] and "Age 17" in result.findings[0].message
    assert result.findings[0].confidence == "low"  # the other reading gives 18 and says so
    assert "the other day/month reading gives age 18" in result.findings[0].message
    # month-first: 10 Mar 2002 listed 6 May 2020 -> 18
    _, result = run(tmp_path, one, ["MN01"], date_format="MDY")
    assert rows(result) == []
    _, result = run(tmp_path, one, ["MN01"], date_format="DMY")
    assert rows(result) == [1] and result.findings[0].confidence == "high"


@pytest.mark.parametrize(("proof", "minor"), [("B;25/12/1980;25/12/2019", True),  # proves day-first
                                              ("B;12/25/1980;12/25/2019", False)])  # proves month-first
def test_mn01_values_that_prove_the_order(tmp_path, proof, minor):
    text = f"nombre;fecha nacimiento;fecha alta\nA;03/10/2002;05/06/2020\n{proof}\n"
    ctx, result = run(tmp_path, text, ["MN01"])
    assert ctx.date_notes["birth_date"].settled_by == "values"
    assert rows(result) == ([1] if minor else [])
    if minor:
        assert result.findings[0].confidence == "high"


def test_mn01_library_traps_do_not_change_verdicts(tmp_path):
    text = "nombre;fecha nacimiento;fecha alta\n" + "\n".join([
        "A;31/02/2003;15/03/2021",  # invalid: must not roll over to 3 March 2003 (then 18)
        "B;2003/05/12;20/06/2021",  # 12 May 2003 -> 18; read as 5 December it would be 17
        "C;2004-01-15;20/06/2021",  # ISO among day-first values: 17
        "D;25/12/2003;20/06/2021",  # day-first: 17
    ]) + "\n"
    ctx, result = run(tmp_path, text, ["MN01", "DB02"])
    assert [(f.row, f.rule) for f in result.findings] == [(1, "DB02"), (3, "MN01"), (4, "MN01")]
    assert str(ctx.frame["birth_date__date"].iloc[1].date()) == "2003-05-12"


def test_mn01_partial_birth_dates_decide_with_the_interval(tmp_path):
    text = "nombre;fecha nacimiento;fecha alta\n" + "\n".join([
        "A;2003;30/06/2020",  # 16-17: a minor whatever the day
        "B;2002;30/06/2020",  # 17-18: undecidable, a possible minor
        "C;2002;31/12/2020",  # 18 on the last day of the year: adult
        "D;2003;31/12/2020",  # 17
        "E;12/2002;30/06/2020",  # December 2002: certainly 17 (the month decides)
        "F;01/2002;30/06/2020",  # January 2002: certainly 18
        "G;06/2002;15/06/2020",  # June 2002, listed mid-June: 17 or 18
        "H;00/00/2001;30/06/2020",  # year only: 18-19
    ]) + "\n"
    _, result = run(tmp_path, text, ["MN01"])
    found = by_row(result, "MN01")
    assert sorted(found) == [1, 2, 4, 5, 7]
    assert found[1].message == "Age 16-17 (birth date: year only) at listing on 2020-06-30; under 18, the age of majority"
    assert found[4].message.startswith("Age 17 (birth date: year only) at listing on 2020-12-31; under 18")
    assert found[5].message.startswith("Age 17 (birth date: month and year only) at listing on 2020-06-30; under 18")
    assert (found[5].confidence, found[5].severity) == ("high", "error")
    assert found[2].message.startswith("Age 17-18 (birth date: year only) at listing on 2020-06-30; possibly under 18")
    assert (found[2].confidence, found[2].severity) == ("low", "warning")
    assert (found[7].confidence, found[7].severity) == ("low", "warning")
    assert result.stats["MN01"]["minors"] == 3 and result.stats["MN01"]["possible_minors"] == 2


def test_mn01_two_digit_years_take_the_plausible_century_whatever_the_reference_date(tmp_path):
    text = "nombre;fecha nacimiento;fecha alta\n" + "\n".join([
        "A;15/03/08;20/05/2020",  # 2008 (12 at listing); 1908 would be 112
        "B;15/03/25;20/05/2026",  # 2025 would be 1 at listing: read as 1925 (101)
        "C;25/12/03;20/05/2020",  # 2003: 16
    ]) + "\n"
    verdicts = []
    for as_of in (dt.date(2026, 11, 22), dt.date(2024, 1, 1), dt.date(2030, 1, 1)):
        ctx, result = run(tmp_path, text, ["MN01"], as_of=as_of)
        verdicts.append([(f.row, f.message, f.confidence) for f in result.findings])
        assert ctx.frame["birth_date__date"].dt.year.tolist() == [2008, 1925, 2003]
    assert verdicts[0] == verdicts[1] == verdicts[2]
    assert [row for row, _, _ in verdicts[0]] == [1, 3]
    assert all(conf == "medium" for _, _, conf in verdicts[0])  # never high on a two-digit year
    assert "read as 2008; 1908 would give an implausible age at listing" in verdicts[0][0][1]
    form = ctx.frame["birth_date__form"].astype(str).tolist()
    assert form[1] == "a two-digit year, read as 1925; 2025 would give an implausible age at listing"


def test_mn01_list_figures(tmp_path):
    text = HEAD + "\n".join([
        "PEREZ, JUAN;40123456;25/10/2002;15/06/2020;ROBO;J1",  # 17, listed 2020
        "PEREZ, JUAN;40.123.456;25/10/2002;16/06/2020;Robo ;J1",  # same person again: 17
        "M.G.;56123456;17/10/2016;01/05/2019;LESIONES GRAVES;J2",  # 2, listed 2019
        "SOSA, RAUL;50111222;20/03/2010;;HURTO;J1",  # 16 on the reference date, no entry date
        "GOMEZ, ANA;21987654;14/02/1980;15/06/2019;HURTO;J3",  # adult
        "DIAZ, LUIS;45111222;2004;20/05/2019;;J1",  # birth year only: 14-15
    ]) + "\n"
    _, result = run(tmp_path, text, ["MN01"], show_pii=True)  # offences in full (redacted: test_redaction.py)
    assert rows(result) == [1, 2, 3, 4, 6]
    stats = result.stats["MN01"]
    assert stats["minors"] == 5
    assert stats["distinct_national_ids"] == 4
    assert stats["by_age"] == {17: 2, 16: 1, 2: 1}
    assert stats["birth_year_only"] == 1
    assert stats["by_offence"] == {"ROBO": 2, "LESIONES GRAVES": 1, "HURTO": 1, "(no offence given)": 1}
    assert stats["by_year_listed"] == {2019: 2, 2020: 2}
    assert stats["no_usable_entry_date"] == 1
    assert stats["youngest_age"] == 2
    assert stats["still_minors"] == 2  # the 2-year-old (now 10) and the 16-year-old
    lines = stats["lines"]
    assert lines[0] == "5 records listed as minors (under 18 at listing), 4 distinct national IDs"
    assert lines[1] == "by age at listing: 17: 2, 16: 1, 2: 1; partial birth date: 1"
    assert lines[2].startswith("by offence: ROBO: 2 (40%)")
    assert lines[3] == "by year listed: 2019: 2, 2020: 2; no usable entry date: 1"
    assert lines[4] == "youngest: age 2 at listing"
    assert lines[5] == "still minors on 2026-11-22: 2"
    assert not any("PEREZ" in line or "56123456" in line for line in lines)


def test_clean_adults_draw_no_finding(tmp_path):
    text = HEAD + "\n".join([
        "GOMEZ, ANA;21987654;14/02/1980;15/06/2019;HURTO;JUZGADO CRIMINAL 3",
        "PEREZ, JUAN;20123456;15/06/2002;15/06/2020;ROBO;JUZGADO CRIMINAL 1",  # 18 that very day
        "DIAZ, LUIS;22333444;29/02/2000;01/03/2018;ROBO;JUZGADO CRIMINAL 2",  # 18 on 1 March
        "ROJAS, EVA;23444555;1979-05-12;2019-05-12;ROBO;JUZGADO CRIMINAL 2",
    ]) + "\n"
    _, result = run(tmp_path, text, ["MN", "DB", "DE"], profile="ar")
    assert result.findings == []
    assert "MN01" not in result.stats


# ---------------------------------------------------------------- MN02 .. MN04

def test_mn02_reference_date_boundary(tmp_path):
    text = "nombre;fecha nacimiento\nA;23/11/2008\nB;22/11/2008\nC;2009\nD;2008\n"
    _, result = run(tmp_path, text, ["MN02"])
    found = by_row(result, "MN02")
    assert sorted(found) == [1, 3]  # 17; 18 today; 2009 -> 16-17; 2008 -> 17-18 is not certain
    assert found[1].message == "Still a minor on the reference date 2026-11-22: age 17 (under 18)"
    _, result = run(tmp_path, text, ["MN02"], as_of=dt.date(2026, 11, 21))
    assert rows(result) == [1, 2, 3]


def test_mn03_threshold_by_profile_and_option(tmp_path):
    text = "nombre;fecha nacimiento;fecha alta\nA;15/03/2003;10/01/2019\nB;10/01/2003;10/01/2019\n" \
           "C;11/01/2005;10/01/2019\n"
    _, result = run(tmp_path, text, ["MN03"], profile="ar")
    found = by_row(result, "MN03")
    assert sorted(found) == [1, 3]  # 15 and 13 under 16; 16 exactly is not
    assert "16 (Argentina Law 22.278, art. 1)" in found[1].message
    _, result = run(tmp_path, text, ["MN03"])  # generic: 14 (GC24)
    found = by_row(result, "MN03")
    assert sorted(found) == [3]
    assert "14 (UN CRC General Comment No. 24 (2019))" in found[3].message
    _, result = run(tmp_path, text, ["MN03"], profile="ar",
                    rule_options={"MN03": {"min_age_criminal_responsibility": 14, "source": "bill of 2025"}})
    assert rows(result) == [3] and "14 (bill of 2025)" in result.findings[0].message


def test_mn04_implausibly_young(tmp_path):
    text = "nombre;fecha nacimiento;fecha alta\nA;17/10/2016;01/05/2019\nB;01/05/2009;01/05/2019\n" \
           "C;02/05/2009;01/05/2019\nD;15/05/2021;01/02/2020\n"
    _, result = run(tmp_path, text, ["MN04"])
    found = by_row(result, "MN04")
    # 2 and 9; exactly 10 is not; born after listing: the entry date is unusable, so the age (5) is
    # taken on the reference date with medium confidence
    assert sorted(found) == [1, 3, 4]
    assert found[1].message.startswith("Age 2 at listing on 2019-05-01, under 10")
    assert found[4].message.startswith("Age 5 on the reference date 2026-11-22") and found[4].confidence == "medium"


# ---------------------------------------------------------------- MN05 juvenile signal

def test_mn05_juvenile_terms(tmp_path):
    text = "nombre;fecha nacimiento;juzgado;delito\n" + "\n".join([
        "A;;JUZGADO NACIONAL DE MENORES N° 3;ROBO",
        "B;S/D;Vara da Infância e Juventude de Recife;FURTO",  # accent and case
        "C;31/02/2004;juzgado criminal 1;Ato infracional",  # invalid date; offence text
        "D;;JUZGADO CRIMINAL 4;CORRUPCION DE MENORES",  # offence against minors, adult suspect
        "E;12/03/2005;JUZGADO DE MENORES 1;ROBO",  # birth date present: the age rules apply
        "F;;JUZGADO CRIMINAL 5;ROBO",
        "G;;JUZGADO NACIONAL DE MENORES N° 3;ROBO",
    ]) + "\n"
    _, result = run(tmp_path, text, ["MN05"])
    found = by_row(result, "MN05")
    assert sorted(found) == [1, 2, 3, 7]
    assert found[1].field == "issuing_authority" and found[3].field == "offence"
    assert "'juzgado nacional de menores'" in found[1].message
    assert "'vara da infancia e juventude'" in found[2].message
    assert found[1].severity == "warning"
    assert found[1].message == "No usable birth date, but the issuing authority names 'juzgado nacional de menores': " \
                               "probably a child"
    assert (found[1].confidence, found[3].confidence) == ("medium", "low")
    assert found[3].message.endswith("'ato infracional': possibly a child")


@pytest.mark.parametrize("authority, offence", [
    ("JUZGADO CRIMINAL 4", "LESIONES A MENORES"),
    ("JUZGADO FEDERAL 2", "SUMINISTRO DE ESTUPEFACIENTES A MENORES"),
    ("JUZGADO FEDERAL 2", "Abuso sexual con acceso carnal a menor de edad"),
    ("JUZGADO CIVIL", "MENORES"),  # the bare word
    ("Family Court of Sydney", "CONTEMPT"),  # family courts hear adults' cases
    ("Family Division", "Child abduction"),
    ("JUZGADO CRIMINAL 4", "Corrupción de menores agravada"),
])
def test_mn05_offences_against_minors_and_family_courts_do_not_fire(tmp_path, authority, offence):
    text = f"nombre;fecha nacimiento;juzgado;delito\nA;;{authority};{offence}\n"
    _, result = run(tmp_path, text, ["MN05"])
    assert result.findings == []


@pytest.mark.parametrize("authority", [
    "Juzgado Nacional de Menores N° 3", "TRIBUNAL ORAL DE MENORES 2", "Juzgado Penal Juvenil de Rosario",
    "Youth Court, Leeds", "Juge des enfants de Lyon", "Fuero Penal Juvenil", "Juzgado de Menores",
])
def test_mn05_juvenile_courts_fire(tmp_path, authority):
    text = f"nombre;fecha nacimiento;juzgado;delito\nA;;{authority};ROBO\n"
    _, result = run(tmp_path, text, ["MN05"])
    assert [(f.row, f.field, f.confidence) for f in result.findings] == [(1, "issuing_authority", "medium")]


# ---------------------------------------------------------------- MN06 identifiable minor

def test_mn06_identifiable_minor(tmp_path):
    text = "nombre;dni;fecha nacimiento;fecha alta\n" + "\n".join([
        "PEREZ, JUAN;40123456;25/10/2002;15/06/2020",  # name and ID
        "M.G.;56123456;17/10/2016;01/05/2019",  # initials, but the ID
        "M. G.;;17/10/2016;01/05/2019",  # initials only: what the 2019 order asked for
        "SOSA, RAUL;;20/03/2010;",  # full name, minor now
        "GOMEZ, ANA;21987654;14/02/1980;15/06/2019",  # adult
    ]) + "\n"
    _, result = run(tmp_path, text, ["MN06"])
    found = by_row(result, "MN06")
    assert sorted(found) == [1, 2, 4]
    assert found[1].message == ("Minor (age 17 when listed) identifiable: full name, national ID and birth date in "
                                "clear (P. J., ******56)")
    assert found[2].field == "national_id" and "national ID and birth date" in found[2].message
    assert found[4].field == "full_name" and found[4].confidence == "medium"
    _, shown = run(tmp_path, text, ["MN06"], show_pii=True)
    assert "PEREZ, JUAN, 40123456" in by_row(shown, "MN06")[1].message


# ---------------------------------------------------------------- CLI

CLI_CSV = ("nombre;dni;fecha nacimiento;fecha alta;delito\n"
           "PEREZ, JUAN;40123456;25/10/2002;15/06/2020;ROBO\n"
           "GOMEZ, ANA;21987654;14/02/1980;15/06/2019;HURTO\n")


def test_cli_reports_minor_redacted_and_exits_1(tmp_path):
    path = tmp_path / "conarc.csv"
    path.write_text(CLI_CSV, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["check", str(path), "--as-of", "2026-11-22", "--profile", "ar", "--select", "MN"])
    assert result.exit_code == 1, result.output
    assert "MN01 minor-at-listing [error] ×1" in result.output
    assert "row 1: Age 17 at listing on 2020-06-15" in result.output
    assert "MN06 identifiable-minor" in result.output and "P. J., ******56" in result.output
    assert "still minors on 2026-11-22: 0" in result.output
    for secret in ("PEREZ", "JUAN", "40123456", "25/10/2002", "GOMEZ"):
        assert secret not in result.output

    shown = runner.invoke(cli, ["check", str(path), "--as-of", "2026-11-22", "--select", "MN06", "--show-pii"])
    assert shown.exit_code == 1
    assert "PEREZ, JUAN, 40123456" in shown.output

    as_json = runner.invoke(cli, ["check", str(path), "--as-of", "2026-11-22", "--select", "MN01", "-f", "json"])
    assert as_json.exit_code == 1
    data = json.loads(as_json.output)
    assert data["sources"][0]["stats"]["MN01"]["by_age"] == {"17": 1}
    assert "40123456" not in as_json.output


def test_cli_adult_only_exits_0(tmp_path):
    path = tmp_path / "adults.csv"
    path.write_text(CLI_CSV.splitlines()[0] + "\n" + CLI_CSV.splitlines()[2] + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), "--as-of", "2026-11-22", "--select", "MN,DB,DE"])
    assert result.exit_code == 0, result.output
    assert "0 findings" in result.output


def test_a_partial_entry_date_is_an_interval_of_listing_days(tmp_path):
    """Listed in "2019" (a year, no day): 16 on its first day, 17 on its last; the message names both
    ends. A full entry date in the same column is one day."""
    text = HEAD + "A;1;10/05/2002;2019;ROBO;J1\nB;2;10/05/2002;01/06/2019;ROBO;J1\n"
    _, result = run(tmp_path, text, ["MN01"], show_pii=True)
    found = by_row(result, "MN01")
    assert "16-17" in found[1].message and "between 2019-01-01 and 2019-12-31" in found[1].message
    assert found[2].message.startswith("Age 17 at listing on 2019-06-01")
