"""Edge cases of the identity rules (ID01-ID05) beyond their YAML examples."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from click.testing import CliRunner

from dbhygiene.api import Settings, check_path, prepare
from dbhygiene.catalogue import load_catalogue
from dbhygiene.cli import cli
from dbhygiene.engine import run, select_rules

AS_OF = dt.date(2026, 11, 22)
WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]


def cuil(first10: str) -> str:
    """A CUIL/CUIT with its check digit, computed here independently of the code under test."""
    check = 11 - sum(int(d) * w for d, w in zip(first10, WEIGHTS)) % 11
    assert check != 10, "pick another base: check digit 10 is not issued"
    return first10 + str(0 if check == 11 else check)


def findings(tmp_path, csv: str, code: str, profile: str = "generic", options: dict | None = None, show_pii=True):
    path = tmp_path / "export.csv"
    path.write_text(csv, encoding="utf-8")
    settings = Settings(select=[code], profile=profile, as_of=AS_OF, show_pii=show_pii,
                        rule_options={code: options or {}})
    _, result = check_path(path, settings)
    assert not result.crashed, result.crashed
    return [f for f in result.findings if f.rule == code]


def table(rows: list[tuple], header="nombre;dni;fecha nacimiento") -> str:
    return header + "\n" + "\n".join(";".join(r) for r in rows) + "\n"


# ------------------------------------------------------------------------------------------------ ID01

@pytest.mark.parametrize(("value", "kind"), [
    ("S/D", "placeholder"),
    ("0", "placeholder"),
    ("99999999", "placeholder"),
    ("S/D\u00a0", "placeholder"),  # a no-break space: not an ID separator, but stripped before the profile's list
    ("1.2345678E7", "scientific notation"),
    ("2.0123456E+07", "scientific notation"),
    ("20123456.0", "trailing '.0'"),
    ("2O123456", "letter O for digit 0"),
    ("2l123456", "l or I for digit 1"),
    ("2I123456", "l or I for digit 1"),
    ("123456", "wrong length: 6 digits"),
    ("123456789", "wrong length: 9 digits"),
    ("20-12A456", "does not match"),
])
def test_id01_names_the_kind_of_damage(tmp_path, value, kind):
    found = findings(tmp_path, table([("PEREZ, JUAN", value, "01/02/1980"), ("GOMEZ, ANA", "21987654", "")]),
                     "ID01", profile="ar")
    assert [f.row for f in found] == [1]
    assert kind in found[0].message


def test_id01_cuil_check_digit_and_lost_leading_zero(tmp_path):
    good = cuil("2012345678")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    lost = cuil("0812345678")  # written as a number: the leading zero disappears
    csv = table([("A, B", "CUIL", good), ("C, D", "CUIL", bad), ("E, F", "CUIL", lost[1:]),
                 ("G, H", "CUIT", f"{good[:2]}-{good[2:10]}-{good[10]}")], header="nombre;tipo doc;nro doc")
    found = {f.row: f.message for f in findings(tmp_path, csv, "ID01", profile="ar")}
    assert set(found) == {2, 3}
    assert "bad check digit" in found[2]
    assert "lost leading zeros" in found[3] and "10 digits" in found[3]


def test_id01_without_type_column_accepts_dni_and_checked_cuil_only(tmp_path):
    good = cuil("2712345678")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    csv = table([("A, B", "21.987.654", ""), ("C, D", good, ""), ("E, F", bad, "")])
    found = findings(tmp_path, csv, "ID01", profile="ar")
    assert [(f.row, "bad check digit" in f.message) for f in found] == [(3, True)]


def test_id01_generic_profile_accepts_letters_and_unknown_document_types(tmp_path):
    csv = table([("A, B", "PASAPORTE", "AB1234O"), ("C, D", "DNI", "2O123456"), ("E, F", "", "X12345")],
                header="nombre;tipo doc;nro doc")
    assert findings(tmp_path, csv, "ID01", profile="generic") == []
    # in the ar profile a DNI with a letter O is damage, a passport number is left alone
    found = findings(tmp_path, csv, "ID01", profile="ar")
    assert [f.row for f in found] == [2, 3]


ID01_SPELLINGS = [  # (document type, raw ID, expected problem or None): one normalised ID, 219876540
    ("DNI", "21987654.0", "trailing '.0'"),
    ("DNI", "219876540", "wrong length: 9 digits (DNI"),
    ("DNI", "21.987.654,0", "does not match"),
    ("CUIL", "219876540", "wrong length: 9 digits (CUIL"),
    ("DNI", "21987654", None),  # and one normalised ID, 21987654, under two types
    ("CUIL", "21987654", "wrong length: 8 digits (CUIL"),
    ("DNI", "21.987.654", None),
    ("DNI", "2198765O", "letter O for digit 0"),
]


@pytest.mark.parametrize("reverse", [False, True])
def test_id01_judges_each_spelling_and_document_type_of_one_normalised_id(tmp_path, reverse):
    # the verdict is worked out once per normalised ID and broadcast: records whose raw spelling
    # or document type differ from the first record of their normalised ID must keep their own
    rows = ID01_SPELLINGS[::-1] if reverse else ID01_SPELLINGS
    csv = table([(f"P{i}, X", t, v) for i, (t, v, _) in enumerate(rows)] * 2, header="nombre;tipo doc;nro doc")
    found = {f.row: f.message for f in findings(tmp_path, csv, "ID01", profile="ar")}
    expected = {i + 1 + rep * len(rows): kind for rep in (0, 1) for i, (_, _, kind) in enumerate(rows) if kind}
    assert set(found) == set(expected)
    for row, kind in expected.items():
        assert kind in found[row], (row, found[row])


def test_id01_a_profile_placeholder_written_with_thousands_dots(tmp_path):
    # "12.345.678" is plain digits with dots, yet the profile lists it verbatim: a placeholder
    path = tmp_path / "x.csv"
    path.write_text(table([("A, B", "12.345.678", ""), ("C, D", "12.345.679", ""), ("E, F", "12345678", "")]))
    ctx = prepare(path, Settings(as_of=AS_OF, profile="ar"))
    ctx.profile["id_placeholders"] = ["12.345.678"]
    found = {f.row: f.message for f in run(ctx, select_rules(load_catalogue(), ["ID01"], None)).findings}
    assert set(found) == {1, 3} and all("placeholder" in m for m in found.values())


def test_id01_message_redacts_the_id(tmp_path):
    found = findings(tmp_path, table([("PEREZ, JUAN", "2O123456", "")]), "ID01", profile="ar", show_pii=False)
    assert "2O123456" not in found[0].message and "******56" in found[0].message


# ------------------------------------------------------------------------------------------------ ID02

def test_id02_blank_and_whitespace_ids(tmp_path):
    csv = table([("A, B", "", ""), ("C, D", "   ", ""), ("E, F", "S/D", ""), ("G, H", " - ", "")])
    assert [f.row for f in findings(tmp_path, csv, "ID02")] == [1, 2, 4]


# ------------------------------------------------------------------------------------------------ ID03

def test_id03_planted_conflicts_listed_with_every_row(tmp_path):
    rows = [
        ("PEREZ, JUAN CARLOS", "20123456", "01/02/1980"),  # 1
        ("SOSA, MARIA", "20123456", "01/02/1980"),  # 2: other name, same ID
        ("DIAZ, EVA", "22333444", "05/06/1979"),  # 3
        ("DIAZ, EVA", "22333444", "05/06/1989"),  # 4: other birth date
        ("RUIZ, LEO", "23444555", "07/08/1970"),  # 5
        ("PEREZ, JUAN CARLOS", "20.123.456", "01/02/1980"),  # 6: same ID written with dots
    ]
    found = findings(tmp_path, table(rows), "ID03")
    by_row = {f.row: f for f in found}
    assert set(by_row) == {1, 3}
    assert by_row[1].related_rows == (1, 2, 6) and "names disagree" in by_row[1].message
    assert by_row[1].score is not None and by_row[1].score < 80
    assert by_row[3].related_rows == (3, 4) and "birth dates disagree" in by_row[3].message


def test_id03_several_warrants_typos_and_copies_are_not_conflicts(tmp_path):
    rows = [
        ("PÉREZ, Juan Carlos", "20123456", "01/02/1980", "ROBO"),
        ("JUAN CARLOS PEREZ", "20123456", "01/02/1980", "HURTO"),
        ("PEREZ JUAN CARLOS", "20123456", "", "AMENAZAS"),
        ("PEREZ, JUAN CARLOS", "20123456", "1980", "ESTAFA"),  # partial date: not a parsed date
        ("PERES, JUAN CARLOS", "20123456", "01/02/1980", "ROBO"),  # one-letter typo
        ("PEREZ, JUAN", "20123456", "01/02/1980", "ROBO"),  # missing middle name
        ("PÉREZ, Juan Carlos", "20123456", "01/02/1980", "ROBO"),  # exact copy of row 1
    ]
    assert findings(tmp_path, table(rows, "nombre;dni;fecha nacimiento;delito"), "ID03") == []


def test_id03_exact_copies_reported_once(tmp_path):
    rows = [("PEREZ, JUAN", "20123456", "01/02/1980"), ("PEREZ, JUAN", "20123456", "01/02/1980"),
            ("SOSA, MARIA", "20123456", "03/04/1990")]
    found = findings(tmp_path, table(rows), "ID03")
    assert len(found) == 1 and found[0].related_rows == (1, 2, 3)


def test_id03_placeholder_ids_do_not_form_conflicts(tmp_path):
    names = ["PEREZ, JUAN", "SOSA, MARIA", "DIAZ, EVA", "RUIZ, LEO", "LUNA, SOL"]
    rows = [(n, ph, f"0{i + 1}/02/198{i}") for ph in ("S/D", "0", "00000000", "N/A") for i, n in enumerate(names)]
    assert findings(tmp_path, table(rows), "ID03") == []


def test_id03_threshold_is_an_option(tmp_path):
    rows = [("GONZALEZ, JUAN", "20123456", "01/02/1980"), ("GONZALES, JUANA", "20123456", "01/02/1980")]
    assert findings(tmp_path, table(rows), "ID03") == []
    assert len(findings(tmp_path, table(rows), "ID03", options={"name_similarity_min": 99})) == 1


# ------------------------------------------------------------------------------------------------ ID04

BASE = "GONZALEZ, JUAN CARLOS"


@pytest.mark.parametrize("variant", [
    "GONZALEZ, JUAN CARLOS",  # exact
    "González, Juan Carlos",  # accents and case
    "GONZALEZ JUAN-CARLOS",  # punctuation
    "JUAN CARLOS GONZALEZ",  # token order
    "GONZALES, JUAN CARLOS",  # typo
    "XONZALEZ, JUAN CARLOS",  # first-letter typo
    "JUAN CARLOS XONZALEZ",  # first-letter typo and token order
    "GONZALEZ, JAUN CARLOS",  # transposition
])
def test_id04_variants_of_one_person_found(tmp_path, variant):
    rows = [(BASE, "20123456", "01/02/1980"), ("DIAZ, EVA", "22333444", "01/02/1980"), (variant, "31999888", "01/02/1980")]
    found = findings(tmp_path, table(rows), "ID04")
    assert [(f.row, f.related_rows) for f in found] == [(3, (1, 3))]
    assert found[0].score is not None and found[0].score >= 90
    # the score decides: high from high_confidence_score (95), medium below
    assert found[0].confidence == ("high" if found[0].score >= 95 else "medium"), (found[0].score, found[0].confidence)


def test_id04_recall_on_random_one_edit_typos(tmp_path):
    rng = random.Random(7)
    surnames = ["GONZALEZ", "RODRIGUEZ", "FERNANDEZ", "LOPEZ", "MARTINEZ", "SOSA", "DIAZ", "ROMERO", "RUIZ", "VERA"]
    given = ["JUAN", "ANA", "MARIA", "LUCAS", "SOFIA", "PEDRO", "CARLA", "LUIS", "EVA", "TOMAS"]
    rows, expected = [], []
    start = dt.date(1950, 1, 1)
    for k in range(150):
        name = f"{rng.choice(surnames)} {rng.choice(given)} {rng.choice(given)}"
        pos = rng.randrange(len(name))
        while name[pos] == " ":
            pos = rng.randrange(len(name))
        op = k % 3
        letter = rng.choice([c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != name[pos]])
        typo = (name[:pos] + letter + name[pos + 1:] if op == 0 else
                name[:pos] + name[pos + 1:] if op == 1 else name[:pos] + letter + name[pos:])
        day = (start + dt.timedelta(days=37 * k)).strftime("%d/%m/%Y")
        rows.append((name, str(20000000 + 2 * k), day))
        rows.append((typo, str(40000000 + 2 * k), day))
        expected.append(len(rows))
    found = findings(tmp_path, table(rows), "ID04")
    assert sorted(f.row for f in found) == expected


def test_id04_twins_rank_strictly_below_typo_matches(tmp_path):
    rows = [
        ("GOMEZ, MARIA LAURA", "40111222", "03/03/2001"),  # 1
        ("GOMEZ, MARIA LUCIA", "40111223", "03/03/2001"),  # 2: twin sister, consecutive ID
        ("PEREZ, LUCAS", "38000001", "04/04/1995"),  # 3
        ("PEREZ, LUCIA", "38000002", "04/04/1995"),  # 4: twins, names one letter apart
        ("FERNANDEZ, PABLO ANDRES", "30555666", "05/05/1985"),  # 5
        ("FERNANDEZ, PABLO ANDRES", "30555666", "05/05/1985"),  # 6
        ("FERNANDES, PABLO ANDRES", "31777888", "05/05/1985"),  # 7: typo, another ID
        ("FERNANDEZ PABLO ANDRES", "31777889", "05/05/1985"),  # 8: same name, another ID
    ]
    found = findings(tmp_path, table(rows), "ID04")
    twins = [f for f in found if "twins" in f.message]
    typos = [f for f in found if "twins" not in f.message]
    assert sorted(f.row for f in twins) == [2, 4]
    assert typos and {f.row for f in typos} >= {7, 8}
    assert max(f.score for f in twins) < min(f.score for f in typos)
    assert all(f.confidence == "low" for f in twins)
    assert all(f.confidence in ("high", "medium") for f in typos)


def test_id04_common_names_with_other_birth_dates_not_matched(tmp_path):
    rows = [("GONZALEZ, JUAN", str(20000000 + i), f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1960 + i}") for i in range(30)]
    assert findings(tmp_path, table(rows), "ID04") == []


def test_id04_exact_copies_and_repeat_warrants_reported_once(tmp_path):
    rows = [("SOSA, EVA", "20123456", "01/02/1980", "ROBO"), ("SOSA, EVA", "20123456", "01/02/1980", "ROBO"),
            ("SOSA, EVA", "20123456", "01/02/1980", "HURTO"), ("SOSA, EVA", "30999888", "01/02/1980", "ROBO")]
    found = findings(tmp_path, table(rows, "nombre;dni;fecha nacimiento;delito"), "ID04")
    assert [(f.row, f.related_rows) for f in found] == [(4, (1, 2, 3, 4))]


def test_id04_without_birth_date_only_identical_names_low_confidence(tmp_path):
    rows = [("SOSA, EVA", "20123456", ""), ("EVA SOSA", "30999888", ""), ("SOSA, EVO", "31999888", ""),
            *[("PEREZ, JUAN", str(25000000 + i), "") for i in range(6)]]  # common name, many IDs
    found = findings(tmp_path, table(rows), "ID04")
    assert [(f.row, f.confidence) for f in found] == [(2, "low")]
    assert findings(tmp_path, table(rows), "ID04", options={"match_without_birth_date": False}) == []


def test_id04_placeholder_date_and_ids_do_not_explode(tmp_path):
    rng = np.random.default_rng(1)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    names = ["".join(rng.choice(letters, 7)) + ", " + "".join(rng.choice(letters, 6)) for _ in range(3000)]
    rows = [(n, str(20000000 + 7 * i), "01/01/1900") for i, n in enumerate(names)]
    rows += [(names[0], "S/D", "02/02/1990"), (names[0], "0", "02/02/1990")]
    assert findings(tmp_path, table(rows), "ID04") == []


def test_id04_oversized_block_uses_windows_and_still_finds_typos(tmp_path):
    rng = np.random.default_rng(2)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    names = ["".join(rng.choice(letters, 8)) + ", " + "".join(rng.choice(letters, 6)) for _ in range(1500)]
    rows = [(n, str(20000000 + 7 * i), "05/05/1975") for i, n in enumerate(names)]
    rows.append(("X" + names[100][1:], "45000000", "05/05/1975"))  # first-letter typo
    rows.append((names[900][:-1] + "Q", "45000007", "05/05/1975"))  # last-letter typo
    path = tmp_path / "big.csv"
    path.write_text(table(rows))
    settings = Settings(select=["ID04"], as_of=AS_OF, rule_options={"ID04": {"max_block": 200, "window": 100}})
    _, result = check_path(path, settings)
    assert sorted(f.row for f in result.findings) == [1501, 1502]
    assert result.stats["ID04"]["blocks_capped"] == 1
    assert result.stats["ID04"]["evaluations"] < 1501 ** 2


# ------------------------------------------------------------------------------------------------ ID05

def _sequence_rows(n: int, seed: int = 5) -> list[tuple]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        year = 1950 + i % 50
        dni = int(4_000_000 + (year - 1950) * 700_000 + rng.randint(-200_000, 200_000))
        rows.append((f"PERSONA{chr(65 + i % 26)}, NOMBRE", str(dni), f"15/06/{year}"))
    return rows


def test_id05_flags_planted_ids_far_from_their_cohort(tmp_path):
    rows = _sequence_rows(600)
    rows[10] = (rows[10][0], "45123456", "15/06/1960")  # a 2000s number for someone born 1960
    rows[20] = (rows[20][0], "5123456", "15/06/1998")  # a 1950s number for someone born 1998
    rows[30] = (rows[30][0], "93123456", "15/06/1970")  # foreign residents' range: not checked
    rows[3] = (rows[3][0], "", rows[3][2])  # no DNI and no birth date: left out of the fit, rows still counted
    rows[4] = (rows[4][0], rows[4][1], "")
    found = findings(tmp_path, table(rows), "ID05", profile="ar")
    assert [f.row for f in found] == [11, 21]
    assert "higher" in found[0].message and "lower" in found[1].message


def test_id05_needs_enough_data_and_the_profile_flag(tmp_path):
    rows = _sequence_rows(100)
    rows[10] = (rows[10][0], "45123456", "15/06/1960")
    assert findings(tmp_path, table(rows), "ID05", profile="ar") == []  # below min_rows
    enough = {"min_rows": 50, "min_per_year": 2}
    assert [f.row for f in findings(tmp_path, table(rows), "ID05", profile="ar", options=enough)] == [11]
    assert findings(tmp_path, table(rows), "ID05", profile="generic", options=enough) == []


def test_id05_tolerance_option(tmp_path):
    rows = _sequence_rows(600)
    rows[10] = (rows[10][0], str(int(rows[10][1]) + 1_500_000), rows[10][2])
    assert [f.row for f in findings(tmp_path, table(rows), "ID05", profile="ar", options={"tolerance": 4})] == [11]
    assert findings(tmp_path, table(rows), "ID05", profile="ar", options={"tolerance": 50}) == []


# ------------------------------------------------------------------------------------------------ engine / CLI

def test_identity_rules_run_on_a_prepared_context(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(table([("PEREZ, JUAN", "20123456", "01/02/1980"), ("SOSA, MARIA", "20123456", "01/02/1980"),
                           ("JUAN PEREZ", "30123456", "01/02/1980")]))
    ctx = prepare(path, Settings(as_of=AS_OF))
    result = run(ctx, select_rules(load_catalogue(), ["ID"], None))
    assert not result.crashed
    assert {f.rule for f in result.findings} == {"ID03", "ID04"}


def test_cli_reports_identity_findings_redacted(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(table([("GONZALEZ, JUAN CARLOS", "20123456", "01/02/1980"),
                           ("JUAN CARLOS GONZALEZ", "31999888", "01/02/1980"),
                           ("SOSA, MARIA", "", "03/04/1985")]))
    result = CliRunner().invoke(cli, ["check", str(path), "--select", "ID", "--as-of", "2026-11-22"])
    assert result.exit_code == 1, result.output
    assert "ID04" in result.output and "ID02" in result.output
    assert "GONZALEZ" not in result.output and "31999888" not in result.output and "20123456" not in result.output
    assert "S. M." in result.output and "[rows 1, 2]" in result.output


# ---------------------------------------------------------------- ID04: name commonness, severity, internals

def _filler(n: int, dob: str = "05/05/1975", start: int = 0) -> list[tuple]:
    """n people with distinct, mutually dissimilar names and IDs."""
    words = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF", "HOTEL", "INDIA", "JULIET", "KILO",
             "LIMA", "MIKE", "NOVEMBER", "OSCAR", "PAPA", "QUEBEC", "ROMEO", "SIERRA", "TANGO", "UNIFORM", "VICTOR"]
    return [(f"{words[(i + start) % 22]}{i + start} {words[(3 * i + start + 5) % 22]}", str(40000000 + i + start), dob)
            for i in range(n)]


def test_id04_common_name_without_birth_date_is_a_notice_rare_name_a_warning(tmp_path):
    common = [(f"MUHAMMAD KHAN {s}", str(30000000 + k), "") for k, s in enumerate(["ALI", "RAZA", "AHMED", "BILAL"])]
    rows = [("KHAN, MUHAMMAD", "20000001", ""), ("KHAN, MUHAMMAD", "20000002", ""),  # common tokens
            ("ZBIGNIEW QUOXTAL", "21000001", ""), ("ZBIGNIEW QUOXTAL", "21000002", ""),  # rare
            *common, *[(n, i, "") for n, i, _ in _filler(6)]]
    found = {f.row: f for f in findings(tmp_path, table(rows), "ID04")}
    assert sorted(found) == [2, 4]
    assert (found[2].confidence, found[2].severity) == ("low", "info")
    assert "a common name" in found[2].message
    assert (found[4].confidence, found[4].severity) == ("low", "warning")
    assert "a rare name" in found[4].message
    assert all(f.score is not None for f in found.values())


def test_id04_same_name_and_common_birth_date_in_a_big_file_is_not_high(tmp_path):
    # the name's tokens are everywhere and half the file shares the birth date: chance explains it
    rows = [("KHAN, MUHAMMAD", "20000001", "01/01/1980"), ("KHAN, MUHAMMAD", "20000002", "01/01/1980")]
    rows += [(f"MUHAMMAD KHAN {w}{k}", str(30000000 + k), "01/01/1980" if k % 2 else "02/02/1981")
             for k, w in enumerate(["ALI", "RAZA", "AHMED", "BILAL", "USMAN", "HAMZA"] * 3)]
    [f] = [f for f in findings(tmp_path, table(rows), "ID04") if f.row == 2]
    assert f.confidence == "low" and "by chance" in f.message
    assert f.severity == "warning"
    # a rare name with the same date is strong evidence
    rows[0] = ("QUOXTAL, ZBIGNIEW", "20000001", "01/01/1980")
    rows[1] = ("QUOXTAL, ZBIGNIEW", "20000002", "01/01/1980")
    [f] = [f for f in findings(tmp_path, table(rows), "ID04") if f.row == 2]
    assert (f.confidence, f.severity) == ("high", "error")


def test_id04_no_error_below_medium_confidence(tmp_path):
    rows = [("PEREZ, JUAN", "20000001", ""), ("PEREZ, JUAN", "20000002", ""),
            ("GOMEZ, ANA MARIA", "21000001", "03/04/1985"), ("GOMEZ, ANA LUCIA", "21000002", "03/04/1985")]
    for f in findings(tmp_path, table(rows), "ID04"):
        assert f.confidence != "low" or f.severity in ("warning", "info")


def test_id04_same_id_is_never_two_ids(tmp_path):
    # a typo in the name under one ID is one ID: not "one person under several IDs"
    rows = [(BASE, "20123456", "01/02/1980"), ("GONZALES, JUAN CARLOS", "20123456", "01/02/1980"),
            ("GONZALEZ, JUAN CARLO", "20.123.456", "01/02/1980")]
    assert findings(tmp_path, table(rows), "ID04") == []
    rows[2] = ("GONZALEZ, JUAN CARLO", "20123457", "01/02/1980")
    assert {f.row for f in findings(tmp_path, table(rows), "ID04")} == {3}


@pytest.mark.parametrize(("ids", "fires"), [(2, True), (3, True), (4, False)])
def test_id04_cap_on_ids_per_name_without_birth_date(tmp_path, ids, fires):
    rows = [("QUOXTAL, ZBIGNIEW", str(21000001 + k), "") for k in range(ids)] + [(n, i, "") for n, i, _ in _filler(5)]
    found = findings(tmp_path, table(rows), "ID04", options={"max_ids_without_birth_date": 3})
    assert bool(found) == fires
    if fires:
        assert len(found) == ids * (ids - 1) // 2


def test_id04_windows_overlap_on_oversized_blocks(tmp_path):
    # 13 people born the same day, a block above max_block: compared in windows of 4 over each sorted
    # order. The typo pair sorts to positions 3 and 4 in both orders, across a window edge: only
    # overlapping windows see it.
    names = ["AAAB ZZZZA", "AAAC ZZZZB", "AAAD ZZZZC", "MMMM QQQQX", "MMMM QQQQY", "PPPA XXXXD", "PPPB XXXXE",
             "PPPC XXXXF", "PPPD XXXXG", "PPPE XXXXH", "PPPF XXXXI", "PPPG XXXXJ", "PPPH XXXXK"]
    rows = [(nm, str(40000000 + 7 * k), "05/05/1975") for k, nm in enumerate(names)]
    found = findings(tmp_path, table(rows), "ID04", options={"max_block": 6, "window": 4})
    assert [(f.row, f.related_rows) for f in found] == [(5, (4, 5))]


# ------------------------------------------------------------------------------ ID01 helpers

FULLMATCH_VALUES = ["1234567", "12345678", "123456789", "123456", "", None, "1234567\n", "12a4567", "20123456789",
                    "\u0661\u0662\u0663\u0664\u0665\u0666\u0667",  # Arabic-Indic digits: Unicode \d
                    "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "AB12345"]


@pytest.mark.parametrize("pattern", [r"\d{7,8}", r"[0-9]{11}", r"\d{8}", r"[A-Z0-9]{4,20}", r"\d{7,}"])
@pytest.mark.parametrize("ascii_only", [False, True])
def test_fullmatch_shortcut_agrees_with_pandas(pattern, ascii_only):
    # digit runs are checked by class and length; pandas reads \d as any Unicode digit once a
    # value is not ASCII, and the shortcut must give the same answers
    import pandas as pd

    from dbhygiene.checks.identity import _fullmatch

    values = [v for v in FULLMATCH_VALUES if not ascii_only or v is None or v.isascii()]
    norm = pd.Series(values, dtype="str")
    expected = norm.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
    assert _fullmatch(norm, pattern).tolist() == expected.tolist()


def test_repeated_digit_placeholders():
    import pandas as pd

    from dbhygiene.checks.identity import is_placeholder_id

    values = ["00000", "0000", "11111111", "1111112", "2111111", "1211111", "55555", "AAAAA", None,
              "\u0661\u0661\u0661\u0661\u0661", "99999"]
    got = is_placeholder_id(pd.Series(values, dtype="str"), {}).tolist()
    assert got == [True, False, True, False, False, False, True, False, False, False, True]


def test_dni_number_reads_dnis_and_the_middle_of_cuils_only():
    import pandas as pd

    from dbhygiene.checks.identity import dni_number

    values = {"1234567": 1234567, "01234567": 1234567, "123456": None, "123456789": None,
              "20123456789": 12345678, "23012345679": 1234567, "24999999991": 99999999, "27123456780": 12345678,
              "21123456789": None, "2012345678": None, "201234567890": None, "2O123456": None,
              "\u0661\u0662\u0663\u0664\u0665\u0666\u0667": None, "": None}
    got = dni_number(pd.Series(list(values) + [None], dtype="str"))
    assert [None if v != v else int(v) for v in got.tolist()] == list(values.values()) + [None]
