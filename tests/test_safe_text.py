"""Terminal and line injection: nothing from the input reaches a human raw (issue 10, item 1).

All personal data here is invented.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from conftest import error_line, zip_bytes

from dbhygiene.safe_text import escape, json_escape

HOSTILE = [
    "\x1b[2J",  # clear screen
    "\x1b]0;pwned\x07",  # OSC window title + BEL
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x9b31m",  # 8-bit CSI (C1)
    "\u202eevil",  # right-to-left override
    "a\u2066b\u2069",  # isolates
    "zero\u200bwidth\ufeff",
    "line\u2028sep",
    "\x7f\x00\x08",
]


def unsafe_chars(text: str) -> set[str]:
    """Characters a terminal would act on or hide: what must never appear in human output."""
    return {ch for ch in text if ch not in "\n " and not ch.isprintable()}


@pytest.mark.parametrize("value", HOSTILE)
def test_escape_leaves_no_control_bidi_or_invisible_character(value):
    out = escape(value)
    assert out.isprintable(), repr(out)
    assert "\n" not in out


def test_escape_shows_what_it_replaced():
    assert escape("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert escape("x\ny\rz\t") == "x\\ny\\rz\\t"
    assert escape("\u202eabc") == "<U+202E>abc"
    assert escape("a\u200bb") == "a<U+200B>b"
    assert escape("\x85") == "\\x85"
    assert escape("caf\udce9") == "caf\\xe9"  # a file name byte that was not UTF-8
    # ordinary text, accents and spaces pass unchanged
    assert escape("NÚÑEZ, JOSÉ MARÍA  Ñandú → ×") == "NÚÑEZ, JOSÉ MARÍA  Ñandú → ×"


def test_escape_every_code_point_is_printable_after():
    # each non-printable BMP code point is rendered printable and on one line
    for cp in range(0x10000):
        ch = chr(cp)
        if not ch.isprintable():
            out = escape(ch)
            assert out.isprintable() and out != ch, hex(cp)


def test_escape_cuts_huge_values_and_says_so():
    assert escape("x" * 50, max_len=10) == "x" * 10 + "… (+40 characters)"


def test_json_escape_keeps_the_value_and_hides_bidi_and_c1():
    value = {"name": "a\u202eb\x85c\u200bd\udcff\U000e0041", "n": "x\ny"}
    text = json.dumps(value, ensure_ascii=False, indent=2)
    safe = json_escape(text)
    assert json.loads(safe) == value
    assert not unsafe_chars(safe)


# --- through the command line -------------------------------------------------------------------

FORGED_SUMMARY = "01/01/20\n\n0 findings (0 errors, 0 warnings, 0 notices)\n"


def hostile_csv() -> str:
    rows = ['"APELLIDO Y NOMBRE\x1b[2J";NRO DOC;FECHA NACIMIENTO;DELITO;FECHA ALTA;"OBS\u202eX"']
    rows.append(f'"PEREZ\x1b]0;pwned\x07, JUAN";20123456;15/03/2010;"ROBO\x1b]8;;http://e.x\x1b\\\\";"{FORGED_SUMMARY}";a')
    rows.append('"GOMEZ\u202e, ANA\u200b";21987654;"03/04/1985\r\n\x1b[31m";"HURTO\n\nrow 1: forged";02/07/2016;b')
    # enough ordinary records that the few controls do not make the file look binary
    rows += [f"PEREZ{i}, JUAN;{20000000 + i};15/03/1980;ROBO;01/06/2015;x" for i in range(300)]
    return "\n".join(rows) + "\n"


def assert_inert(text: str):
    assert not unsafe_chars(text), sorted(unsafe_chars(text))


def test_text_report_escapes_cells_headers_and_notes(write, run_cli, in_tmp):
    path = write("hostile.csv", hostile_csv())
    result = run_cli("check", path, "--as-of", "2026-11-22", "--show-pii", "--select", "ALL")
    assert result.exit_code in (0, 1), result.stderr
    assert_inert(result.stdout)
    # the forged summary stays inside its finding line: exactly one summary line, the last one
    summaries = [ln for ln in result.stdout.splitlines() if ln.endswith("notices)") and "findings" in ln]
    assert len(summaries) == 1 and result.stdout.rstrip("\n").splitlines()[-1] == summaries[0]
    assert "\\x1b[2J" in result.stdout  # shown visibly, not dropped
    assert not any(ln.startswith("row 1: forged") for ln in result.stdout.splitlines())


def test_text_report_redacted_is_inert_too(write, run_cli, in_tmp):
    path = write("hostile.csv", hostile_csv())
    result = run_cli("check", path, "--as-of", "2026-11-22")
    assert_inert(result.stdout)


def test_columns_escapes_headers_and_examples(write, run_cli, in_tmp):
    path = write("hostile.csv", hostile_csv())
    for extra in ([], ["--show-pii"]):
        result = run_cli("columns", path, *extra)
        assert result.exit_code == 0, result.stderr
        assert_inert(result.stdout)
        assert "<U+202E>" in result.stdout


def test_json_report_is_valid_and_inert(write, run_cli, in_tmp):
    path = write("hostile.csv", hostile_csv())
    result = run_cli("check", path, "--as-of", "2026-11-22", "--show-pii", "-f", "json")
    data = json.loads(result.stdout)
    assert_inert(result.stdout)
    assert any("\x1b" in f["message"] or "\u202e" in f["message"] for f in data["findings"]) or \
        any("\u202e" in c for c in data["sources"][0]["unmapped_columns"])


def test_zip_member_names_in_errors_stay_on_one_line(write, run_cli, in_tmp):
    path = write("two.zip", zip_bytes({"a\n\x1b[2Jdbhygiene: error: forged.csv": b"a,b\n1,2\n",
                                       "b\u202ecsv.exe": b"a,b\n1,2\n"}))
    result = run_cli("check", path)
    assert result.exit_code == 2
    line = error_line(result)
    assert_inert(line)
    assert "\\x1b[2J" in line and "<U+202E>" in line


def test_paths_and_sheet_names_in_errors_stay_on_one_line(write, run_cli, in_tmp):
    path = write("ok.csv", "a,b\n1,2\n")
    result = run_cli("check", path, "--sheet", "Hoja\n\x1b]0;t\x07")
    assert result.exit_code == 2
    assert_inert(error_line(result))
    result = run_cli("check", in_tmp / "missing\n\x1b[2J.csv")
    assert result.exit_code == 2
    assert_inert(error_line(result))


def test_unknown_column_in_map_error_is_one_line(write, run_cli, in_tmp):
    path = write("hostile.csv", hostile_csv())
    result = run_cli("check", path, "--map", "NOPE\x1b[2J=national_id")
    assert result.exit_code == 2
    assert_inert(error_line(result))


def test_unicode_categories_escaped_match_isprintable():
    # the rule is "whatever str.isprintable rejects": spot-check the categories named in the issue
    for ch in ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
               "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x1b", "\x07", "\x7f", "\x9b"]:
        assert unicodedata.category(ch) in ("Cc", "Cf")
        assert escape(ch) != ch
