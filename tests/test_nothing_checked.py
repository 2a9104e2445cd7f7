"""A run that checked nothing never exits 0 (issue 10, item 6). All data here is invented."""

from __future__ import annotations

import json

import pytest
from conftest import error_line


@pytest.mark.parametrize("content", [
    # headerless, read with its first record as the header (issue 11 detects headerless files and
    # maps them by content: tests/test_header.py)
    "12345;ALI KHAN;01/01/1980\n12346;SARA AHMED;02/02/1985\n",
    "1;2;3\n20123456;PEREZ, JUAN;15/03/1980\n",  # all-numeric headers
    "foo;bar\nx;y\n",  # nothing recognisable
])
def test_no_column_mapped_is_an_input_error(write, run_cli, in_tmp, content):
    path = write("x.csv", content)
    result = run_cli("check", path, "--as-of", "2026-11-22", "--header-row", "1")
    assert result.exit_code == 2
    line = error_line(result)
    assert "maps to a known field" in line
    assert "dbhygiene columns" in line and "--map" in line and "header row" in line
    assert "PEREZ" not in line and "ALI KHAN" not in line  # the message names no cell
    # `columns` is the way out, so it still works on that file
    assert run_cli("columns", path, "--header-row", "1").exit_code == 0


def test_without_header_row_forced_junk_still_maps_nothing(write, run_cli, in_tmp):
    for content in ("1;2;3\n20123456;PEREZ, JUAN;15/03/1980\n", "foo;bar\nx;y\n"):
        result = run_cli("check", write("x.csv", content), "--as-of", "2026-11-22")
        assert result.exit_code == 2 and "maps to a known field" in error_line(result)


def test_an_explicit_mapping_makes_it_a_run(write, run_cli, in_tmp):
    path = write("x.csv", "12345;ALI KHAN;01/01/1980\n12346;SARA AHMED;02/02/1985\n")
    result = run_cli("check", path, "--as-of", "2026-11-22", "--header-row", "1", "--map", "ALI KHAN=full_name")
    assert result.exit_code in (0, 1), result.stderr
    result = run_cli("check", path, "--as-of", "2026-11-22", "--no-header", "--map", "1=record_id",
                     "--map", "2=full_name")
    assert result.exit_code in (0, 1), result.stderr


@pytest.mark.parametrize("name, content", [
    ("header_only.csv", "APELLIDO Y NOMBRE;NRO DOC;FECHA NACIMIENTO\n"),
    ("header_only_no_newline.csv", "APELLIDO Y NOMBRE;NRO DOC;FECHA NACIMIENTO"),
    ("blank_lines.csv", "APELLIDO Y NOMBRE;NRO DOC;FECHA NACIMIENTO\n\n\n"),
])
def test_zero_records_is_reported_and_fails_by_default(write, run_cli, in_tmp, name, content):
    path = write(name, content)
    result = run_cli("check", path, "--as-of", "2026-11-22", "-f", "json")
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    ld02 = [f for f in report["findings"] if f["rule"] == "LD02"]
    assert len(ld02) == 1 and ld02[0]["row"] is None and ld02[0]["severity"] == "error"
    text = run_cli("check", path, "--as-of", "2026-11-22")
    assert "LD02 no-records" in text.stdout and text.exit_code == 1
    assert run_cli("check", path, "--as-of", "2026-11-22", "--fail-on", "never").exit_code == 0


def test_zero_records_in_a_sheet(tmp_path, run_cli, in_tmp):
    import openpyxl  # a runtime dependency
    wb = openpyxl.Workbook()
    wb.active.append(["APELLIDO Y NOMBRE", "NRO DOC", "FECHA NACIMIENTO"])
    path = tmp_path / "empty.xlsx"
    wb.save(path)
    result = run_cli("check", path, "--as-of", "2026-11-22", "--select", "LD02")
    assert result.exit_code == 1, result.stderr
    assert "LD02 no-records" in result.stdout


def test_one_record_draws_no_ld02(write, run_cli, in_tmp):
    path = write("one.csv", "APELLIDO Y NOMBRE;NRO DOC\nPEREZ, JUAN;20123456\n")
    result = run_cli("check", path, "--select", "LD02", "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []
