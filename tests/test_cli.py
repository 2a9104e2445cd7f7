"""The command line: exit codes, one-line errors, the report file, redaction and the JSON contract."""

from __future__ import annotations

import gzip
import json
import os
import stat

import numpy as np
import pytest
from conftest import SPANISH_EXPORT, error_line, file_state, refuse_open, zip_bytes

from dbhygiene.catalogue import load_catalogue

pytestmark = pytest.mark.usefixtures("in_tmp")

FULL_NAME = "NÚÑEZ, JOSÉ MARÍA"
FULL_ID = "20.123.456"
AS_OF = "2026-11-22"


# --- a Spanish cp1252 export end to end -------------------------------------------------------

def test_spanish_cp1252_export_text_report(run_cli, spanish_cp1252):
    result = run_cli("check", spanish_cp1252, "--as-of", AS_OF, "--select", "DU01")
    assert result.exit_code == 0, result.stderr  # DU01 is a warning; default --fail-on is error
    out = result.stdout
    assert "cp1252" in out and "delimiter ';'" in out
    assert "APELLIDO Y NOMBRE→full_name" in out and "NRO DOC→national_id" in out
    assert "DU01 exact-duplicate-record" in out
    assert "row 3: Exact copy of row 1" in out
    assert result.stderr == ""


def test_default_output_never_shows_the_name_or_id_of_a_duplicated_person(run_cli, spanish_cp1252):
    for fmt in ("text", "json"):
        result = run_cli("check", spanish_cp1252, "--as-of", AS_OF, "-f", fmt)
        assert "DU01" in result.stdout
        for secret in (FULL_NAME, "NÚÑEZ", "JOSÉ MARÍA", FULL_ID, "20123456", "123.456", "15/03/1980"):
            assert secret not in result.stdout, (fmt, secret)
            assert secret not in result.stderr


def test_columns_command_is_redacted_by_default(run_cli, spanish_cp1252):
    result = run_cli("columns", spanish_cp1252)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for secret in (FULL_NAME, "NÚÑEZ", FULL_ID, "21987654", "GÓMEZ", "15/03/1980"):
        assert secret not in out
    lines = {ln.split()[0] + " " + ln.split()[1]: ln for ln in out.splitlines() if ln.startswith(("NRO", "FECHA"))}
    assert "national_id" in lines["NRO DOC"] and "synonym 100" in lines["NRO DOC"]
    assert "**.***.*56" in lines["NRO DOC"]
    assert "birth_date" in lines["FECHA NACIMIENTO"] and "1980" in lines["FECHA NACIMIENTO"]
    name_line = next(ln for ln in out.splitlines() if ln.startswith("APELLIDO Y NOMBRE"))
    assert "full_name" in name_line and "N. J. M." in name_line
    shown = run_cli("columns", spanish_cp1252, "--show-pii").stdout
    assert FULL_NAME in shown and FULL_ID in shown


def test_columns_shows_fuzzy_confidence(run_cli, write):
    path = write("x.csv", "Apelido y Nombre;DNI;Fecha de Nacimento\nPEREZ, JUAN;20123456;01/02/1980\n")
    out = run_cli("columns", path).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("Fecha de Nacimento"))
    assert "birth_date" in line and "fuzzy" in line
    score = int(line.split("fuzzy")[1].split()[0])
    assert 86 <= score < 100


# --- exit codes -------------------------------------------------------------------------------

@pytest.mark.parametrize(("fail_on", "code"), [(None, 0), ("error", 0), ("warning", 1), ("info", 1), ("never", 0)])
def test_exit_code_follows_fail_on(run_cli, spanish_cp1252, fail_on, code):
    args = ["check", spanish_cp1252, "--as-of", AS_OF, "--select", "DU01"]
    if fail_on:
        args += ["--fail-on", fail_on]
    assert run_cli(*args).exit_code == code


def test_clean_file_exits_zero_even_with_fail_on_info(run_cli, write):
    path = write("x.csv", "nombre;dni\nPEREZ, JUAN;20123456\nGOMEZ, ANA;21987654\n")
    result = run_cli("check", path, "--select", "DU01,LD01", "--fail-on", "info")
    assert result.exit_code == 0, result.stdout
    assert "0 findings" in result.stdout


def test_overlong_record_is_ld01_with_row_and_line(run_cli, write):
    path = write("x.csv", 'nombre;dni;delito\nA;1;"ROBO\nAGRAVADO"\n\nB;2;ROBO; AGRAVADO\nC;3;HURTO\n')
    result = run_cli("check", path, "--select", "LD01", "-f", "json", "--fail-on", "warning")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["row"], f["line"]) for f in findings] == [("LD01", 2, 5)]
    text = run_cli("check", path, "--select", "LD01").stdout
    assert "row 2 (line 5):" in text


# --- errors: one line on stderr, exit 2 -------------------------------------------------------

def _bad_files(write):
    rng = np.random.default_rng(7)
    return {
        "missing": write("ok.csv", "a\n1\n").with_name("missing.csv"),
        "directory": write("sub/ok.csv", "a\n1\n").parent,
        "empty": write("empty.csv", b""),
        "binary": write("blob.csv", bytes(rng.integers(0, 256, 4000, dtype=np.uint8)) + b"\x00"),
        "truncated_gzip": write("t.csv.gz", gzip.compress(SPANISH_EXPORT.encode() * 30)[:-50]),
        "truncated_csv": write("t.csv", 'a;b\n1;"never closed\n2;3\n'),
        "truncated_json": write("t.json", '[{"a": "1"}, {"a": '),
        "ole2": write("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000)),
        "two_member_zip": write("two.zip", zip_bytes({"a.csv": b"a\n1\n", "b.csv": b"b\n2\n"})),
    }


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "binary", "truncated_gzip", "truncated_csv",
                                  "truncated_json", "ole2", "two_member_zip"])
@pytest.mark.parametrize("command", ["check", "columns"])
def test_bad_input_file_is_one_line_and_exit_2(run_cli, write, case, command):
    path = _bad_files(write)[case]
    result = run_cli(command, path)
    assert result.exit_code == 2
    line = error_line(result)
    assert path.name in line
    assert result.stdout == ""


def test_unreadable_file(run_cli, write, monkeypatch):
    path = write("locked.csv", "a\n1\n")
    os.chmod(path, 0)
    try:
        if os.access(path, os.R_OK):  # root reads a mode-000 file: make the open fail as it would for others
            refuse_open(monkeypatch, path)
        result = run_cli("check", path)
        assert result.exit_code == 2
        assert "cannot read" in error_line(result)
    finally:
        os.chmod(path, 0o600)


@pytest.mark.parametrize(("args", "needle"), [
    (["--profile", "atlantis"], "unknown profile 'atlantis'"),
    (["--as-of", "2020-13-01"], "--as-of"),
    (["--as-of", "22/11/2026"], "--as-of"),
    (["--select", "ZZ99"], "ZZ99"),
    (["--ignore", "nothing-like-this"], "nothing-like-this"),
    (["--map", "NRO DOC"], "--map expects COLUMN=field"),
    (["--map", "NRO DOCUMENTO=national_id"], "'NRO DOCUMENTO'"),
    (["--map", "NRO DOC=shoe_size"], "unknown field 'shoe_size'"),
    (["--sheet", "Hoja1"], "--sheet"),
    (["--delimiter", ";;"], "--delimiter"),
    (["--encoding", "klingon"], "klingon"),
    (["--encoding", "utf-8"], "cannot decode as utf-8"),
    (["--config", "nowhere.toml"], "nowhere.toml"),
    (["--fail-on", "sometimes"], "--fail-on"),
    (["--format", "xml"], "--format"),
    (["--no-such-option"], "no-such-option"),
])
def test_bad_options_are_one_line_and_exit_2(run_cli, spanish_cp1252, args, needle):
    before = file_state(spanish_cp1252)
    result = run_cli("check", spanish_cp1252, *args)
    assert result.exit_code == 2, result.stdout
    assert needle in error_line(result)
    assert result.stdout == ""
    assert file_state(spanish_cp1252) == before


def test_unknown_sheet_in_workbook(run_cli, write):
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Hoja1"
    wb.active.append(["DNI"])
    wb.active.append([20123456])
    buf = io.BytesIO()
    wb.save(buf)
    path = write("x.xlsx", buf.getvalue())
    columns = run_cli("columns", path)
    assert columns.exit_code == 0
    assert "(xlsx, sheet Hoja1)" in columns.stdout and "None" not in columns.stdout
    assert "20123456" not in columns.stdout and "******56" in columns.stdout
    result = run_cli("check", path, "--sheet", "Hoja2")
    assert result.exit_code == 2
    assert "no sheet named 'Hoja2'" in error_line(result)
    assert run_cli("check", path, "--sheet", "Hoja1", "--select", "DU01").exit_code == 0


def test_missing_argument_and_unknown_command(run_cli):
    for args in (["check"], ["frobnicate"]):
        result = run_cli(*args)
        assert result.exit_code == 2
        error_line(result)


def test_unknown_rule_in_rule_command(run_cli):
    result = run_cli("rule", "XX42")
    assert result.exit_code == 2
    assert "XX42" in error_line(result)


# --- the report file and the input file -------------------------------------------------------

@pytest.mark.parametrize("target", ["input", "input_via_dot", "input_via_symlink", "input_via_hardlink"])
def test_output_over_the_input_is_refused(run_cli, spanish_cp1252, target):
    before = file_state(spanish_cp1252)
    out = {
        "input": spanish_cp1252,
        "input_via_dot": spanish_cp1252.parent / "." / spanish_cp1252.name,
        "input_via_symlink": spanish_cp1252.with_name("link.csv"),
        "input_via_hardlink": spanish_cp1252.with_name("hard.csv"),
    }[target]
    if target == "input_via_symlink":
        out.symlink_to(spanish_cp1252)
    if target == "input_via_hardlink":
        os.link(spanish_cp1252, out)
    result = run_cli("check", spanish_cp1252, "-o", out)
    assert result.exit_code == 2
    assert "refusing to write the report over the input" in error_line(result)
    assert file_state(spanish_cp1252) == before


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_output_file_is_private_even_with_open_umask(run_cli, spanish_cp1252, tmp_path, fmt):
    before = file_state(spanish_cp1252)
    out = tmp_path / "reports" / "report.out"
    out.parent.mkdir()
    os.umask(0)
    result = run_cli("check", spanish_cp1252, "--as-of", AS_OF, "-f", fmt, "-o", out, "--fail-on", "warning",
                     "--select", "DU01")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "DU01" in out.read_text(encoding="utf-8")
    assert FULL_NAME not in out.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(out.read_text(encoding="utf-8"))["summary"]["by_rule"]["DU01"] == 1
    assert file_state(spanish_cp1252) == before


def test_existing_world_readable_report_is_made_private(run_cli, spanish_cp1252, tmp_path):
    out = tmp_path / "report.json"
    out.write_text("old content that is much longer than nothing " * 100)
    os.chmod(out, 0o644)
    result = run_cli("check", spanish_cp1252, "-f", "json", "-o", out, "--select", "DU01")
    assert result.exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text(encoding="utf-8"))["schema_version"]  # replaced, not appended


def test_error_run_leaves_an_existing_report_alone(run_cli, spanish_cp1252, tmp_path):
    out = tmp_path / "report.json"
    out.write_text("previous report")
    result = run_cli("check", spanish_cp1252, "--profile", "atlantis", "-o", out)
    assert result.exit_code == 2
    assert out.read_text() == "previous report"


@pytest.mark.parametrize("args", [
    [], ["-f", "json"], ["--show-pii"], ["--fail-on", "warning"], ["--select", "nope"], ["-o", "r.txt"],
    ["--map", "NRO DOC=full_name"], ["--encoding", "utf-8"],
])
def test_input_bytes_and_mode_never_change(run_cli, spanish_cp1252, args):
    os.chmod(spanish_cp1252, 0o640)
    before = file_state(spanish_cp1252)
    run_cli("check", spanish_cp1252, *args)
    run_cli("columns", spanish_cp1252)
    assert file_state(spanish_cp1252) == before


# --- JSON contract ----------------------------------------------------------------------------

def test_json_contract(run_cli, spanish_cp1252):
    # rules other than DU01/LD01/GN01 are tested by their own authors; keep this test about the contract
    result = run_cli("check", spanish_cp1252, "--as-of", AS_OF, "-f", "json", "--profile", "generic",
                     "--fail-on", "never", "--select", "DU01,LD01,GN01")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"schema_version", "tool", "as_of", "profile", "sources", "summary", "findings"} <= set(report)
    assert report["as_of"] == AS_OF and report["profile"] == "generic"
    assert report["tool"]["name"] == "dbhygiene"
    (source,) = report["sources"]
    assert {"path", "format", "encoding", "delimiter", "rows", "sha256", "mapping", "mode"} <= set(source)
    import hashlib

    assert source["sha256"] == hashlib.sha256(spanish_cp1252.read_bytes()).hexdigest()
    assert (source["format"], source["encoding"], source["delimiter"], source["rows"]) == ("csv", "cp1252", ";", 3)
    assert source["mapping"]["national_id"]["column"] == "NRO DOC"
    summary = report["summary"]
    assert set(summary) == {"findings", "by_rule", "by_severity", "not_assessable"}
    assert summary["findings"] == len(report["findings"])
    assert sum(summary["by_rule"].values()) == summary["findings"]
    assert sum(summary["by_severity"].values()) == summary["findings"]
    dup = [f for f in report["findings"] if f["rule"] == "DU01"]
    assert len(dup) == 1
    finding = dup[0]
    assert {"rule", "name", "severity", "principles", "source", "row", "line", "field", "message",
            "related_rows"} <= set(finding)
    assert (finding["row"], finding["line"], finding["related_rows"]) == (3, 4, [1, 3])
    assert finding["severity"] == "warning" and finding["name"] == "exact-duplicate-record"
    assert finding["source"] == str(spanish_cp1252)


def test_file_level_findings_have_null_row(run_cli, write):
    assert "GN01" in load_catalogue()
    requiring = [s for s in load_catalogue().values() if s.requires and "offence" not in s.requires]
    assert requiring, "no catalogue rule requires a field"
    spec = requiring[0]
    path = write("x.csv", "delito;columna_rara\nROBO;valor\n")  # one column mapped: a run, not an input error
    result = run_cli("check", path, "--select", f"GN01,{spec.code}", "-f", "json")
    report = json.loads(result.stdout)
    notices = [f for f in report["findings"] if f["rule"] == "GN01"]
    assert notices and all(f["row"] is None and f["line"] is None for f in notices)
    assert [item["rule"] for item in report["summary"]["not_assessable"]] == [spec.code]


def test_not_assessable_listed_once_for_two_sources(run_cli, write):
    requiring = [s for s in load_catalogue().values() if s.requires and "offence" not in s.requires]
    assert requiring, "no catalogue rule requires a field"
    spec = requiring[0]
    a = write("a.csv", "delito;columna_rara\nROBO;valor\n")
    b = write("b.csv", "delito;otra_columna\nHURTO;valor\n")
    report = json.loads(run_cli("check", a, b, "--select", spec.code, "-f", "json").stdout)
    items = report["summary"]["not_assessable"]
    assert [i["rule"] for i in items] == [spec.code]
    assert set(items[0]["missing_fields"]) <= set(spec.requires)
    text = run_cli("check", a, b, "--select", spec.code).stdout
    assert text.count(f"  {spec.code} {spec.name}: needs") == 1


def test_redaction_in_messages_via_engine(write):
    """A message naming {full_name}, {national_id} and {birth_date} is redacted unless show_pii."""
    from dbhygiene.api import Settings, prepare
    from dbhygiene.catalogue import RuleSpec
    from dbhygiene.engine import CHECKS, run

    path = write("x.csv", SPANISH_EXPORT.encode("cp1252"))
    ctx = prepare(path, Settings(as_of=__import__("datetime").date(2026, 11, 22)))
    spec = RuleSpec(code="ZZ98", name="test-shows-person", family="test", severity="error", shape="row",
                    summary="s", rationale="r", message="{full_name} / {national_id} / {birth_date}",
                    principles=(6,), legal_anchors=("x",), requires=("full_name",), uses=(), group_by=(),
                    options={}, examples=(), path=path)
    CHECKS["ZZ98"] = lambda ctx, options: np.array([True, False, False])
    try:
        hidden = run(ctx, [spec]).findings[0].message
        shown = run(ctx, [spec], show_pii=True).findings[0].message
    finally:
        del CHECKS["ZZ98"]
    assert hidden == "N. J. M. / **.***.*56 / **/**/1980"
    assert shown == f"{FULL_NAME} / {FULL_ID} / 15/03/1980"
