"""Offence, authority and legitimacy rules (OF): edge cases, the CLI per rule, recall on a sample.

All data here is invented.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from dbhygiene import api, sample
from dbhygiene.catalogue import load_catalogue
from dbhygiene.checks.legitimacy import spelling_keys

AS_OF = dt.date(2026, 11, 22)
OF_CODES = sorted(c for c in load_catalogue() if c.startswith("OF"))

pytestmark = pytest.mark.usefixtures("in_tmp")


def run(write, text, select, profile="generic", name="x.csv", **options):
    path = write(name, text)
    settings = api.Settings(select=select if isinstance(select, list) else [select], profile=profile, as_of=AS_OF,
                            rule_options=options)
    ctx, result = api.check_path(path, settings)
    assert not result.crashed, result.crashed
    return ctx, result


def triples(result, code=None):
    return sorted(((f.row, f.field, f.rule) for f in result.findings if code is None or f.rule == code),
                  key=lambda t: (t[0] or 0, str(t[1]), t[2]))


# ---------------------------------------------------------------- offence

def test_offence_column_empty_everywhere_is_one_finding_with_the_count(write):
    text = "name,offence\n" + "".join(f"Person Number{i} Smith,\n" for i in range(250))
    _, result = run(write, text, "OF01")
    [finding] = result.findings
    assert finding.row is None and finding.field == "offence"
    assert "all 250 records" in finding.message
    assert result.stats["OF01"]["offence_missing"] == 250


def test_one_offence_given_turns_the_list_level_finding_into_rows(write):
    text = "name,offence\n" + "".join(f"Person Number{i} Smith,\n" for i in range(5)) + "Ann Brown,fraud\n"
    _, result = run(write, text, "OF01")
    assert [f.row for f in result.findings] == [1, 2, 3, 4, 5]


def test_listing_reason_stands_in_for_the_offence(write):
    text = "name,reason\nACME LTD,\nJohn Smith,\n"
    _, result = run(write, text, "OF01")
    assert triples(result) == [(None, "listing_reason", "OF01")]
    assert "listing reason column 'reason'" in result.findings[0].message


def test_unspecified_offence_figures(write):
    text = ("nombre;delito\n" + "A B;OTROS\n" * 3 + "C D;SIN ESPECIFICAR\n" + "E F;ROBO\n" * 5 + "G H;\n")
    _, result = run(write, text, "OF02")
    stats = result.stats["OF02"]
    assert stats["without_specified_offence"] == 5  # 3 OTROS, 1 SIN ESPECIFICAR, 1 blank
    assert stats["share_without_specified_offence"] == 0.5
    assert stats["most_common_vague_values"] == {"OTROS": 3, "SIN ESPECIFICAR": 1}
    assert [f.row for f in result.findings] == [1, 2, 3, 4]


def test_a_bare_statute_is_specified_under_an_option_but_numbers_never_are(write):
    text = "nombre;delito\nA B;ART. 164\nC D;164\nE F;Ley 23.737 y 24.424\nG H;ROBO\n"
    _, result = run(write, text, "OF02")
    assert [f.row for f in result.findings] == [1, 2, 3]
    _, result = run(write, text, "OF02", OF02={"bare_statute_is_unspecified": False})
    assert [f.row for f in result.findings] == [2]


# ---------------------------------------------------------------- minimum identifiers

def test_no_birth_date_column_is_an_error_that_can_never_come_out_clean(write, run_cli):
    path = write("nodob.csv", "nombre;dni\nPEREZ, JUAN;20123456\nGOMEZ, ANA;21987654\n")
    result = run_cli("check", path, "--select", "OF05", "--profile", "ar", "--as-of", AS_OF.isoformat(), "-f", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["row"], f["field"], f["severity"]) for f in findings] == [(None, "birth_date", "error")]
    assert "no birth date column" in findings[0]["message"] and "Law 22.117" in findings[0]["message"]
    # and not merely "not assessable"
    assert json.loads(result.stdout)["summary"]["not_assessable"] == []


def test_minimum_identifiers_skip_entity_rows_when_a_type_column_says_so(write):
    text = ("name;type;date of birth;id number\n"
            "ACME TRADING LTD;entity;;\n"
            "John Smith;individual;;X123\n"
            "Mary Jones;individual;01/02/1980;Y456\n")
    _, result = run(write, text, "OF05")
    assert triples(result) == [(2, "birth_date", "OF05")]


def test_one_finding_per_record_names_everything_missing(write):
    text = "nombre;dni;fecha nacimiento\n;S/D;31/02/1980\nPEREZ, JUAN;20123456;01/02/1980\n"
    _, result = run(write, text, "OF05", profile="ar")
    [finding] = result.findings
    assert "name, birth date, DNI" in finding.message and finding.field == "full_name"


# ---------------------------------------------------------------- subject category

def test_entity_markers_whole_words_and_suffixes_only_at_the_end(write):
    text = ("name,offence\n"
            "ACME S.A.,fraud\n"           # suffix S.A.
            "GOMEZ S. A.,theft\n"         # initials, not a company
            "SANDRA SA LOPEZ,theft\n"     # SA inside a name
            "LTDA TRADING,fraud\n"        # trading anywhere
            "Grouper Fish,theft\n"        # 'group' only as a whole word
            "John Smith,theft\n")
    ctx, result = run(write, text, "OF06")
    assert [f.row for f in result.findings] == [1, 4]
    assert result.stats["OF06"]["entities_by_name_marker"] == 2 and result.stats["OF06"]["people"] == 4


def test_an_all_entity_list_is_not_mixed(write):
    _, result = run(write, "name\nACME LTD\nGLOBEX LLC\n", "OF06")
    assert result.findings == []


def test_a_subject_type_column_tells_them_apart(write):
    _, result = run(write, "name,type\nACME LTD,entity\nJohn Smith,individual\n", "OF06")
    assert result.findings == []


# ---------------------------------------------------------------- retention and review

@pytest.mark.parametrize(("entry", "flagged"), [("22/11/2021", True), ("23/11/2021", False), ("29/02/2020", True)])
def test_review_period_boundary(write, entry, flagged):
    _, result = run(write, f"name;entry date;review date\nJohn Smith;{entry};\nAnn Brown;01/01/2010;01/01/2030\n",
                    "OF07")
    assert (triples(result) == [(1, "review_date", "OF07")]) is flagged
    if not flagged:
        assert result.findings == []


def test_oldest_unreviewed_listings_in_the_stats(write):
    text = "name;entry date\nA B;01/01/2015\nC D;01/01/2010\nE F;01/01/2026\n"
    _, result = run(write, text, "OF07")
    stats = result.stats["OF07"]
    assert stats["unreviewed_beyond_period"] == 2
    assert [o["row"] for o in stats["oldest_unreviewed"]] == [2, 1]
    assert [f.row for f in result.findings] == [None]


def test_review_date_equal_to_the_reference_date_is_not_past(write):
    _, result = run(write, "name;review date\nA B;22/11/2026\nC D;21/11/2026\n", "OF08")
    assert triples(result) == [(2, "review_date", "OF08")]


# ---------------------------------------------------------------- status

def test_status_words_negated_or_inside_other_words_do_not_match(write):
    text = ("name,status\nA B,Capturado\nC D,NO CAPTURADO\nE F,captura pendiente\nG H,Vigente\n"
            "I J,orden levantada el 3/4/2020\nK L,not revoked\n")
    _, result = run(write, text, "OF10")
    assert [f.row for f in result.findings] == [1, 5]


# ---------------------------------------------------------------- proportionality

@pytest.mark.parametrize(("birth", "flagged"), [("2002", True), ("2003", False), ("01/06/2001", False)])
def test_birth_year_only_counts_when_the_whole_bracket_is_16_or_17(write, birth, flagged):
    text = f"nombre;fecha nacimiento;fecha alta;delito\nPEREZ, JUAN;{birth};01/06/2019;HURTO\n"
    _, result = run(write, text, "OF12", profile="ar")
    assert bool(result.findings) is flagged


def test_age_band_follows_the_options(write):
    text = "nombre;fecha nacimiento;fecha alta;delito\nPEREZ, JUAN;10/05/2004;09/05/2019;HURTO\n"  # 14
    _, result = run(write, text, "OF12", profile="ar")
    assert result.findings == []
    _, result = run(write, text, "OF12", profile="ar", OF12={"min_age_criminal_responsibility": 14})
    assert [f.row for f in result.findings] == [1]


# ---------------------------------------------------------------- spellings

def test_spelling_keys_merge_case_accents_spacing_and_abbreviations():
    abbr = {"juzg": "juzgado", "nro": "n", "no": "n"}
    keys = spelling_keys(np.array(["juzgado n 12", "juzg no12", "juzgado nro 12", "juzgado n 2", "juzgadon 12"],
                                  dtype=object), abbr)
    assert keys[0] == keys[1] == keys[2] == keys[4] != keys[3]


def test_one_finding_per_variant_group_with_counts_and_the_rows_to_fix(write):
    text = ("nombre;juzgado\n" + "A B;JUZGADO N° 12\n" * 3 + "C D;JUZG. Nº12\nE F;Juzgado Nro. 12\n"
            + "G H;JUZGADO N° 2\n")
    _, result = run(write, text, "OF13")
    [finding] = result.findings
    assert finding.row is None and finding.field == "issuing_authority"
    assert "'JUZGADO N° 12' (3)" in finding.message and "'JUZG. Nº12' (1)" in finding.message
    assert finding.message.startswith("3 spellings")
    assert finding.related_rows == (4, 5)


# ---------------------------------------------------------------- the CLI, one rule at a time

def _example(code, prefix):
    return next(e for e in load_catalogue()[code].examples if e["name"].startswith(prefix))


@pytest.mark.parametrize("code", OF_CODES)
def test_cli_per_rule(code, write, run_cli):
    spec = load_catalogue()[code]
    fail = _example(code, "fail_")
    path = write(f"{code}.csv", fail["csv"])
    args = ["check", path, "--select", code, "--profile", fail.get("profile", "generic"), "--as-of", AS_OF.isoformat(),
            "-f", "json", "--fail-on", spec.severity]
    assert not fail.get("options"), "CLI test uses the defaults"
    result = run_cli(*args)
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    got = sorted(((f["row"] or 0), f["field"] or "", f["rule"]) for f in report["findings"])
    assert got == sorted(((r or 0), f or "", c) for r, f, c in fail["findings"])
    assert all(f["severity"] == spec.severity for f in report["findings"])
    passing = next(e for e in spec.examples if e["name"].startswith("pass_") and not e.get("options"))
    path = write(f"{code}_pass.csv", passing["csv"])
    args[1], args[5] = path, passing.get("profile", "generic")
    result = run_cli(*args)
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["findings"] == []


# ---------------------------------------------------------------- recall on a generated export

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("of") / "wl.csv"
    key = json.loads(sample.write_sample(path, rows=4000, seed=11, as_of=AS_OF).read_text(encoding="utf-8"))
    _, result = api.check_path(path, api.Settings(profile="ar", as_of=AS_OF, select=["OF"]))
    return key, result


def test_every_planted_of_case_is_found(generated):
    key, result = generated
    assert not result.crashed and not result.not_assessable
    found: dict[str, set] = {}
    for f in result.findings:
        found.setdefault(f.rule, set()).update({f.row} if f.row is not None else set(f.related_rows))
    planted = [e for e in key["planted"] if e["code"].startswith("OF")]
    assert {e["code"] for e in planted} == {c for c in sample.PLANTED_CODES if c.startswith("OF")}
    missed = {(e["code"], e["kind"]): sorted(set(e["rows"]) - found.get(e["code"], set())) for e in planted}
    assert not {k: v for k, v in missed.items() if v}
    for e in key["controls"]:
        if e["code"].startswith("OF"):
            assert not set(e["rows"]) & found.get(e["code"], set()), e


def test_clean_records_are_untouched(generated):
    key, result = generated
    special = {r for e in key["planted"] + key["controls"] for r in e["rows"] + e["related_rows"]}
    touched = {f.row for f in result.findings if f.row is not None}
    touched |= {r for f in result.findings for r in f.related_rows}
    assert touched and touched <= special, sorted(touched - special)[:10]
    assert all(f.row is not None or f.rule == "OF13" for f in result.findings)  # no list-level noise


def test_age_without_a_usable_entry_date_is_medium_confidence(write):
    """OF12 judges the age at listing; with no usable entry date it falls back to the reference date, a
    weaker signal: confidence medium (high with the entry date)."""
    text = ("nombre;fecha nacimiento;fecha alta;delito\nPEREZ, JUAN;10/05/2002;09/05/2019;HURTO\n"
            "GOMEZ, ANA;10/05/2009;;HURTO\n")
    _, result = run(write, text, "OF12", profile="ar")
    assert {f.row: f.confidence for f in result.findings} == {1: "high", 2: "medium"}


@pytest.mark.parametrize("values, distinct_values, codes", [
    (["ROBO", " ROBO ", None, "HURTO", "ROBO\t"], ["ROBO", "HURTO"], [0, 0, -1, 1, 0]),  # padding is not a value
    (["ROBO", None, "HURTO", "ROBO"], ["ROBO", "HURTO"], [0, -1, 1, 0]),  # nothing to strip
    ([None, None], [], [-1, -1]),
])
def test_distinct_values_are_the_stripped_ones(values, distinct_values, codes):
    from dbhygiene.checks.legitimacy import Distinct

    d = Distinct(pd.Series(values, dtype="str"))
    assert list(d.raw) == distinct_values
    assert d.codes.tolist() == codes
    assert d.counts.tolist() == [codes.count(i) for i in range(len(distinct_values))]


# ---------------------------------------------------------------- blank or no-data values: the byte screen

MISSING_PROBES = ["S/D", " s/d ", "SIN DATOS", "Sin Datos.", "", "   ", None, "-", "?", "81383/2016", "N/A", "NA",
                  "ÑA", "Ná", "nd1", "N\u00a0D", "no  consta", "NO CONSTA 2", "Desconocído", "UNKNOWN", "X", "\t",
                  "", "S D", "12", "N°", None, ""]


def test_the_byte_screen_keeps_every_value_that_cleans_to_a_mark():
    """may_be_missing may keep too much, never too little: every value cleaning to blank or a mark
    (upper case, accents, padding, NA) is kept; values holding a letter or digit no mark has are not."""
    from dbhygiene.checks.legitimacy import Distinct, clean_terms, may_be_missing
    from dbhygiene.catalogue import load_profile

    marks = clean_terms(load_profile("generic")["no_data_tokens"])
    values = pd.Series(MISSING_PROBES, dtype="str")
    d = Distinct(values)
    truth = d.broadcast(d.missing(marks), True)
    maybe = may_be_missing(values, marks)
    assert not (truth & ~maybe).any(), values[truth & ~maybe].tolist()
    assert truth.sum() == 22
    assert not maybe[[9, 14, 17, 24]].any()  # 81383/2016, nd1, NO CONSTA 2, 12: a digit, which no mark has


def test_with_a_digit_in_a_mark_the_screen_rules_values_out_by_letters_and_digits_no_mark_holds():
    from dbhygiene.checks.legitimacy import Distinct, clean_terms, may_be_missing
    from dbhygiene.catalogue import load_profile

    marks = clean_terms(load_profile("generic")["no_data_tokens"]) | {"0"}
    values = pd.Series(MISSING_PROBES + ["0", "00", "N/0"], dtype="str")
    d = Distinct(values)
    truth = d.broadcast(d.missing(marks), True)
    maybe = may_be_missing(values, marks)
    assert not (truth & ~maybe).any(), values[truth & ~maybe].tolist()
    assert truth[-3] and maybe[-3:].all()  # "0" is a mark; "00" and "N/0" hold only characters marks have
    assert not maybe[[9, 14, 17, 20, 24]].any()  # a digit other than 0, or an 'x'


def test_a_null_slot_holding_bytes_is_still_missing():
    """Arrow lets a null record's slot hold bytes; the screen must not judge them."""
    import pyarrow as pa

    from dbhygiene.checks.legitimacy import may_be_missing

    arr = pa.LargeStringArray.from_buffers(2, pa.py_buffer(np.array([0, 4, 8], dtype=np.int64)),
                                           pa.py_buffer(b"1234abc1"), pa.py_buffer(np.packbits([0, 1], bitorder="little")),
                                           1)
    values = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arr])))
    assert may_be_missing(values, {"s d"}).tolist() == [True, False]


def test_warrant_references_missing_match_cleaning_every_value(write):
    """OF04 through the screen flags exactly the records whose reference cleans to blank or a mark."""
    refs = [v if v is not None else "" for v in MISSING_PROBES if v is None or (v.strip() == v and ";" not in v)]
    text = "nombre;nro causa\n" + "".join(f"PEREZ, JUAN{i};{v}\n" for i, v in enumerate(refs))
    _, result = run(write, text, "OF04")
    expected = ["S/D", "SIN DATOS", "Sin Datos.", "", "-", "?", "N/A", "NA", "ÑA", "Ná", "N\u00a0D", "no  consta",
                "Desconocído", "UNKNOWN", "S D"]
    assert [f.row for f in result.findings] == [i + 1 for i, v in enumerate(refs) if v in expected]
    assert len(result.findings) == 19


def test_entity_markers_the_first_one_wins_and_multi_word_ones_count(write):
    text = ("name,offence\n"
            "GRUPO TRADING,fraud\n"          # two markers: the first one names it
            "ACME SOCIEDAD ANONIMA,fraud\n"  # a multi-word marker
            "ANONIMA PEREZ,theft\n"          # its last word alone is not a marker
            "GRUPO ACME S.A.,fraud\n"        # a marker word before a suffix: the word names it
            "John Smith,theft\n")
    _, result = run(write, text, "OF06")
    assert [(f.row, f.message.split("'")[1]) for f in result.findings] == [(1, "grupo"), (2, "sociedad anonima"),
                                                                           (4, "grupo")]


@pytest.mark.parametrize("names, rows", [(["ACME S.A.", "ACME S A"], [1, 2]), (["ACME S A", "ACME S.A."], [])])
def test_a_name_cleaning_alike_is_judged_as_its_first_record_writes_it(write, names, rows):
    """"ACME S.A." and "ACME S A" clean alike: the suffix is read (dots removed) from the first record."""
    text = "name,offence\n" + "".join(f"{n},fraud\n" for n in names) + "John Smith,theft\n"
    _, result = run(write, text, "OF06")
    assert [f.row for f in result.findings] == rows


def test_review_dates_passed_whether_full_ambiguous_or_a_year(write):
    """Day-first or month-first, 05/06/2020 has passed (status ambiguous); so has the year 2021; 2030
    and 03/04/2031 have not."""
    text = "name;review date\nA B;05/06/2020\nC D;2021\nE F;2030\nG H;03/04/2031\nI J;\n"
    _, result = run(write, text, "OF08")
    assert [(f.row, f.message.split(" ")[3]) for f in result.findings] == [(1, "2020-06-05"), (2, "2021")]
