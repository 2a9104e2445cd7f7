"""The synthetic sample: deterministic, CONARC-like, private, and its key agrees with the rules."""

from __future__ import annotations

import datetime as dt
import json
import re
import stat

import numpy as np
import pytest
from click.testing import CliRunner

from dbhygiene import api, sample
from dbhygiene.catalogue import load_catalogue
from dbhygiene.cli import cli
from dbhygiene.engine import CHECKS

AS_OF = dt.date(2026, 11, 22)
MAPPED = {"full_name", "national_id", "birth_date", "entry_date", "offence", "issuing_authority"}


def write(tmp_path, name="s.csv", rows=1000, seed=3):
    path = tmp_path / name
    key_path = sample.write_sample(path, rows=rows, seed=seed, as_of=AS_OF, encoding="cp1252")
    return path, key_path, json.loads(key_path.read_text(encoding="utf-8"))


def rows_of(entries) -> set[int]:
    return {r for e in entries for r in e["rows"]}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a, ka, _ = write(tmp_path, "a.csv", seed=5)
    b, kb, _ = write(tmp_path, "b.csv", seed=5)
    c, _, _ = write(tmp_path, "c.csv", seed=6)
    assert a.read_bytes() == b.read_bytes()
    assert json.loads(ka.read_text())["planted"] == json.loads(kb.read_text())["planted"]
    assert a.read_bytes() != c.read_bytes()


def test_file_is_cp1252_semicolon_crlf_with_spanish_headers(tmp_path):
    path, key_path, key = write(tmp_path)
    assert key_path == tmp_path / "s.key.json"
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # Ñ and accents are single cp1252 bytes, not UTF-8
    text = data.decode("cp1252")
    assert "Ñ" in text and b"\xd1" in data
    lines = text.split("\r\n")
    assert lines[-1] == "" and "\n" not in text.replace("\r\n", "")
    assert lines[0].split(";") == sample.HEADERS
    assert all(ln.count(";") == len(sample.HEADERS) - 1 for ln in lines[1:-1])
    assert len(lines) - 2 == key["rows"] == 1000
    births = [ln.split(";")[3] for ln in lines[1:-1]]
    assert sum(bool(re.fullmatch(r"\d{2}/\d{2}/\d{4}", b)) for b in births) > 700
    assert sum(bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", b)) for b in births) > 50
    ids = [ln.split(";")[2] for ln in lines[1:-1]]
    assert sum(bool(re.fullmatch(r"\d{1,2}\.\d{3}\.\d{3}", i)) for i in ids) > 200
    assert sum(bool(re.fullmatch(r"\d{7,8}", i)) for i in ids) > 400


def test_files_are_private(tmp_path):
    path, key_path, _ = write(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


def test_maps_without_help(tmp_path):
    path, _, _ = write(tmp_path)
    ctx = api.prepare(path, api.Settings(profile="ar", as_of=AS_OF))
    assert MAPPED <= set(ctx.mapping.matches)
    assert ctx.facts.encoding == "cp1252"
    assert ctx.facts.delimiter == ";"
    assert ctx.date_notes["birth_date"].order == "dmy"


def test_cli_writes_sample_and_key(tmp_path):
    out = tmp_path / "x.csv"
    result = CliRunner().invoke(cli, ["sample", "--rows", "300", "--seed", "2", "--as-of", "2025-01-31", "-o", str(out)])
    assert result.exit_code == 0, result.output
    key = json.loads((tmp_path / "x.key.json").read_text())
    assert key["rows"] == 300 and key["seed"] == 2 and key["as_of"] == "2025-01-31"
    assert "x.key.json" in result.output


def test_planted_defects_are_disjoint_and_a_small_share(tmp_path):
    _, _, key = write(tmp_path, rows=5000, seed=7)
    owner: dict[int, str] = {}
    for entry in key["planted"] + key["controls"]:
        for r in entry["rows"]:
            assert owner.setdefault(r, entry["defect"]) == entry["defect"], f"row {r} carries two defects"
    related = {r for e in key["planted"] + key["controls"] for r in e["related_rows"]}
    planted = rows_of(key["planted"])
    assert not (related & planted), "a related (original) row is itself planted"
    assert 0.03 <= len(planted | related | rows_of(key["controls"])) / 5000 <= 0.05
    assert {e["code"] for e in key["planted"]} == set(sample.PLANTED_CODES)
    assert all(1 <= r <= 5000 for r in owner)


def test_clean_rows_are_clean(tmp_path):
    path, _, key = write(tmp_path, rows=3000, seed=9)
    ctx = api.prepare(path, api.Settings(profile="ar", as_of=AS_OF))
    f = ctx.frame
    special = rows_of(key["planted"]) | rows_of(key["controls"])
    clean = np.array([p for p in range(len(f)) if p + 1 not in special])
    c = f.iloc[clean]
    assert (c["birth_date__status"] == "ok").all() and (c["entry_date__status"] == "ok").all()
    age_days = (c["entry_date__date"] - c["birth_date__date"]).dt.days
    assert (age_days >= 18 * 366).all()  # 18 full years at listing, whatever the leap days
    assert (c["entry_date__date"] <= np.datetime64(AS_OF)).all()
    assert c["national_id__norm"].str.fullmatch(r"\d{7,8}").all()
    assert c["national_id__norm"].is_unique
    assert (c["full_name"].str.split().str.len() >= 2).all()
    assert not c["issuing_authority"].str.contains("MENORES").any()
    # DNIs follow birth year: the rank correlation is high.
    years = c["birth_date__date"].dt.year.to_numpy()
    ids = c["national_id__norm"].astype(int).to_numpy()
    assert np.corrcoef(np.argsort(np.argsort(years)), np.argsort(np.argsort(ids)))[0, 1] > 0.95


def test_minor_codes_boundary():
    birth = dt.date(2003, 5, 10)
    assert sample.minor_codes(birth, dt.date(2021, 5, 9), AS_OF) == ["MN01", "MN06"]
    assert sample.minor_codes(birth, dt.date(2021, 5, 10), AS_OF) == []
    assert sample.minor_codes(dt.date(2019, 1, 1), dt.date(2021, 6, 1), AS_OF) == \
        ["MN01", "MN02", "MN03", "MN04", "MN06"]


# ---- end to end: every implemented rule finds every row planted for it ------------------------

@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    path = tmp / "e2e.csv"
    key_path = sample.write_sample(path, rows=3000, seed=42, as_of=AS_OF)
    key = json.loads(key_path.read_text(encoding="utf-8"))
    catalogue = load_catalogue()
    runnable = [c for c, s in catalogue.items() if c in CHECKS or s.shape == "notice"]
    settings = api.Settings(profile=key["profile"], as_of=dt.date.fromisoformat(key["as_of"]), select=runnable)
    _, result = api.check_path(path, settings)
    found: dict[str, set[int]] = {}
    for finding in result.findings:  # a row appears in a finding as its row or as a related row
        if finding.row is not None:
            found.setdefault(finding.rule, set()).update({finding.row, *finding.related_rows})
        elif finding.related_rows:  # a list-level finding (OF13) names the rows it is about
            found.setdefault(finding.rule, set()).update(finding.related_rows)
    return key, catalogue, result, found


def _assessable(code, catalogue, result):
    assert code in catalogue and code in CHECKS, f"{code} is planted by the sample but no rule implements it"
    crashed = [c for c in result.crashed if c["rule"] == code]
    assert not crashed, f"{code} crashed: {crashed}"
    assert code not in {n["rule"] for n in result.not_assessable}, f"{code} not assessable on the sample"


@pytest.mark.parametrize("code", sample.PLANTED_CODES)
def test_rule_finds_every_planted_row(code, checked):
    key, catalogue, result, found = checked
    _assessable(code, catalogue, result)
    missed = {e["kind"]: sorted(set(e["rows"]) - found.get(code, set()))
              for e in key["planted"] if e["code"] == code}
    missed = {k: v for k, v in missed.items() if v}
    assert not missed, f"{code} missed planted rows: {missed}"


@pytest.mark.parametrize("code", sorted({e["code"] for e in sample.generate(3000, 42, AS_OF)[1]["controls"]}))
def test_controls_draw_no_finding(code, checked):
    key, catalogue, result, found = checked
    _assessable(code, catalogue, result)
    flagged = {e["kind"]: sorted(set(e["rows"]) & found.get(code, set()))
               for e in key["controls"] if e["code"] == code}
    flagged = {k: v for k, v in flagged.items() if v}
    assert not flagged, f"{code} flagged control rows: {flagged}"


def test_every_planted_code_is_implemented():
    missing = [c for c in sample.PLANTED_CODES if c not in load_catalogue() or c not in CHECKS]
    assert not missing, f"planted codes no rule implements: {', '.join(missing)}"
