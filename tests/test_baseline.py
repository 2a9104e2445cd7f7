"""Baselines and waivers: keyed fingerprints, row order irrelevant, no personal data in the files."""

from __future__ import annotations

import json
import os
import random
import shutil
import stat
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbhygiene.baseline import KEY_ENV, identity_tokens, waiver_toml
from dbhygiene.cli import cli

SAMPLE = Path(__file__).parents[1] / "sample_data" / "conarc_sample.csv"
KEY_TEXT = json.loads((SAMPLE.with_name("conarc_sample.key.json")).read_text(encoding="utf-8"))
KEY = "a test secret of thirty-two bytes!"
ARGS = ["--profile", "ar", "--as-of", "2026-11-22"]


def invoke(*args, key: str | None = KEY, cwd: Path | None = None):
    env = {KEY_ENV: key} if key is not None else {}
    runner = CliRunner(env=env)
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        if key is None:
            os.environ.pop(KEY_ENV, None)
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(old)


def shuffled_copy(src: Path, dst: Path, seed: int = 1) -> Path:
    lines = src.read_bytes().split(b"\r\n")
    header, body = lines[0], [x for x in lines[1:] if x]
    random.Random(seed).shuffle(body)
    dst.write_bytes(b"\r\n".join([header, *body]) + b"\r\n")
    return dst


@pytest.fixture
def work(tmp_path):
    shutil.copy(SAMPLE, tmp_path / "wl.csv")
    return tmp_path


def test_refuses_without_a_key(work):
    result = invoke("check", work / "wl.csv", *ARGS, "--write-baseline", work / "b.json", key=None, cwd=work)
    assert result.exit_code == 2
    assert "need a secret key" in result.output and not (work / "b.json").exists()
    result = invoke("check", work / "wl.csv", *ARGS, "--write-baseline", work / "b.json", key="short", cwd=work)
    assert result.exit_code == 2 and "too short" in result.output


def test_shuffled_rows_give_zero_new_findings(work):
    b = work / "baseline.json"
    first = invoke("check", work / "wl.csv", *ARGS, "-f", "json", "--write-baseline", b, cwd=work)
    assert first.exit_code == 1  # the sample has errors
    total = json.loads(first.output)["summary"]["findings"]
    assert stat.S_IMODE(os.stat(b).st_mode) == 0o600
    shuffled = shuffled_copy(work / "wl.csv", work / "shuffled.csv")
    again = invoke("check", shuffled, *ARGS, "-f", "json", "--baseline", b, cwd=work)
    report = json.loads(again.output)
    assert report["summary"]["baseline"] == {"new": 0, "unchanged": total, "fixed": 0}
    assert again.exit_code == 0  # --fail-on counts new findings only
    assert all(f["extra"]["baseline"] == "unchanged" for f in report["findings"])


def test_new_and_fixed_findings_are_counted(work):
    b = work / "baseline.json"
    invoke("check", work / "wl.csv", *ARGS, "--write-baseline", b, cwd=work)
    lines = (work / "wl.csv").read_bytes().split(b"\r\n")
    # a new child: listed at 15; and drop the last record (fixing whatever it had)
    child = "PEREYRA, TOMÁS;DNI;51.222.333;01/03/2005;M;ROBO;JUZGADO DE MENORES N° 1;1/2020;01/03/2020;SALTA"
    body = [x for x in lines[1:] if x]
    changed = [lines[0], *body[:-1], child.encode("cp1252")]
    (work / "v2.csv").write_bytes(b"\r\n".join(changed) + b"\r\n")
    result = invoke("check", work / "v2.csv", *ARGS, "-f", "json", "--baseline", b, cwd=work)
    report = json.loads(result.output)
    base = report["summary"]["baseline"]
    assert base["new"] >= 1 and result.exit_code == 1
    new_rules = {f["rule"] for f in report["findings"] if f["extra"]["baseline"] == "new"}
    assert "MN01" in new_rules
    last_row = len(body)
    had = invoke("check", work / "wl.csv", *ARGS, "-f", "json", cwd=work)
    lost = [f for f in json.loads(had.output)["findings"] if f["row"] == last_row]
    assert base["fixed"] >= len([f for f in lost if f["rule"] not in ("DU01",)]) - 1


def test_baseline_and_waivers_hold_no_personal_data(work):
    b = work / "baseline.json"
    out = invoke("check", work / "wl.csv", *ARGS, "-f", "json", "--write-baseline", b, "--show-pii", cwd=work)
    report = json.loads(out.output)
    fp = report["findings"][0]["extra"]["fingerprint"]
    w = work / "dbhygiene-waivers.toml"
    r = invoke("waive", fp, "--rule", report["findings"][0]["rule"], "--reason", "checked", "--reviewer", "steward",
               "--expires", "2099-01-01", "--waivers", w, cwd=work)
    assert r.exit_code == 0, r.output
    blob = b.read_text(encoding="utf-8") + w.read_text(encoding="utf-8") + r.output
    import pandas as pd

    frame = pd.read_csv(SAMPLE, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    for column in ("APELLIDO Y NOMBRE", "NRO DOC", "F. NAC."):
        values = {v for v in frame[column] if len(v) >= 5}
        assert not [v for v in values if v in blob], column
        digits = {v.replace(".", "") for v in values if v.replace(".", "").isdigit() and len(v) >= 7}
        assert not [v for v in digits if v in blob], column


def test_a_wrong_key_is_refused(work):
    b = work / "baseline.json"
    invoke("check", work / "wl.csv", *ARGS, "--write-baseline", b, cwd=work)
    result = invoke("check", work / "wl.csv", *ARGS, "--baseline", b, key="another secret key, also long", cwd=work)
    assert result.exit_code == 2 and "another key" in result.output


def test_waived_finding_is_reported_as_suppressed_and_does_not_fail(tmp_path):
    path = tmp_path / "wl.csv"
    path.write_text("nombre;dni;f nac;fecha alta\nPEREZ, JUAN;20123456;01/03/1990;01/01/2020\n"
                    "GOMEZ, ANA;30111222;01/03/2005;01/01/2020\n", encoding="utf-8")
    first = invoke("check", path, "--select", "MN01", "-f", "json", "-o", tmp_path / "r.json", cwd=tmp_path)
    assert first.exit_code == 1
    report = json.loads((tmp_path / "r.json").read_text())
    [finding] = report["findings"]
    fp = finding["extra"]["fingerprint"]
    r = invoke("waive", fp[:10], "--report", tmp_path / "r.json", "--reason", "court confirms age error",
               "--reviewer", "steward", "--expires", "2099-12-31", cwd=tmp_path)
    assert r.exit_code == 0 and (tmp_path / "dbhygiene-waivers.toml").exists()
    entry = tomllib.loads((tmp_path / "dbhygiene-waivers.toml").read_text())["waiver"][0]
    assert entry["rule"] == "MN01" and entry["fingerprint"] == fp
    again = invoke("check", path, "--select", "MN01,WV", "-f", "json", cwd=tmp_path)
    assert again.exit_code == 0, again.output
    data = json.loads(again.output)
    [f] = data["findings"]
    assert f["extra"]["suppressed"]["reason"] == "court confirms age error"
    assert data["summary"]["waivers"]["suppressed"] == 1
    text = invoke("check", path, "--select", "MN01", cwd=tmp_path).output
    assert "[waived until 2099-12-31: court confirms age error]" in text
    # the same row moved elsewhere in the file keeps its waiver
    path.write_text("nombre;dni;f nac;fecha alta\nGOMEZ, ANA;30.111.222;01/03/2005;01/01/2020\n"
                    "PEREZ, JUAN;20123456;01/03/1990;01/01/2020\n", encoding="utf-8")
    assert invoke("check", path, "--select", "MN01", cwd=tmp_path).exit_code == 0


def test_expired_and_unused_waivers_are_findings(tmp_path):
    path = tmp_path / "wl.csv"
    path.write_text("nombre;dni;f nac;fecha alta\nGOMEZ, ANA;30111222;01/03/2005;01/01/2020\n", encoding="utf-8")
    report = json.loads(invoke("check", path, "--select", "MN01", "-f", "json", cwd=tmp_path).output)
    fp = report["findings"][0]["extra"]["fingerprint"]
    (tmp_path / "dbhygiene-waivers.toml").write_text(
        waiver_toml("MN01", fp, "old", "steward", __import__("datetime").date(2020, 1, 1),
                    __import__("datetime").date(2019, 1, 1))
        + waiver_toml("ID03", "f" * 32, "stale", "steward", __import__("datetime").date(2099, 1, 1),
                      __import__("datetime").date(2019, 1, 1)))
    result = invoke("check", path, "--select", "MN01,WV", "-f", "json", cwd=tmp_path)
    data = json.loads(result.output)
    rules = sorted(f["rule"] for f in data["findings"])
    assert rules == ["MN01", "WV01", "WV02"]
    assert result.exit_code == 1  # the expired waiver no longer covers the error
    assert not data["findings"][0]["extra"].get("suppressed")


def test_waivers_file_is_validated(tmp_path):
    path = tmp_path / "wl.csv"
    path.write_text("nombre;dni\nPEREZ, JUAN;20123456\n", encoding="utf-8")
    (tmp_path / "dbhygiene-waivers.toml").write_text('[[waiver]]\nrule = "MN01"\nfingerprint = "xyz"\n'
                                                     'reason = "r"\nreviewer = "s"\nexpires = 2099-01-01\n')
    result = invoke("check", path, cwd=tmp_path)
    assert result.exit_code == 2 and "fingerprint must be" in result.output


def test_identity_ignores_row_position_and_id_format(tmp_path):
    from dbhygiene.api import Settings, prepare

    a = tmp_path / "a.csv"
    a.write_text("nombre;dni\nPEREZ, JUAN;20.123.456\nSIN DATOS;\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("nombre;dni\nSIN DATOS;\nJUAN PEREZ;20123456\n", encoding="utf-8")
    ta, tb = identity_tokens(prepare(a, Settings())), identity_tokens(prepare(b, Settings()))
    assert ta[0] == tb[1] == "id:20123456"
    assert ta[1] == tb[0]
