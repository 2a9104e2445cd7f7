"""Every registered format, rendered from the shipped sample: redaction, hostile content, SARIF
validity, JUnit and CSV shape, the CLI's --format/--statistics/--max-findings-per-rule."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dbhygiene.api import Settings, check_path
from dbhygiene.catalogue import load_catalogue
from dbhygiene.engine import select_rules
from dbhygiene.report import RenderOptions, Report, SourceReport, renderers

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "conarc_sample.csv"
KEY = ROOT / "sample_data" / "conarc_sample.key.json"
SARIF_SCHEMA = Path("/work/shared/schemas/sarif-schema-2.1.0.json")
AS_OF = dt.date(2026, 11, 22)
FORMATS = list(renderers())


def build_report(path, show_pii=False, select=("ALL",), profile="ar", **settings) -> Report:
    s = Settings(select=list(select), profile=profile, as_of=AS_OF, show_pii=show_pii, **settings)
    ctx, result = check_path(path, s)
    specs = select_rules(load_catalogue(), s.select, s.ignore)
    return Report(tool={"name": "dbhygiene", "version": "test"}, as_of=AS_OF.isoformat(), profile=profile,
                  sources=[SourceReport(ctx, result)], selected_rules=[x.code for x in specs], show_pii=show_pii)


def render(report: Report, fmt: str, **options) -> str:
    buf = io.StringIO()
    renderers()[fmt].render(report, buf, RenderOptions(**options))
    return buf.getvalue()


@pytest.fixture(scope="module")
def sample_outputs():
    """Every format of the sample, redacted (default) and with --show-pii."""
    out = {}
    for show_pii in (False, True):
        report = build_report(SAMPLE, show_pii=show_pii)
        out[show_pii] = {fmt: render(report, fmt) for fmt in FORMATS}
    return out


def _sample_people():
    """Planted names, IDs and birth dates of the sample, read from the file and its key."""
    key = json.loads(KEY.read_text(encoding="utf-8"))
    with SAMPLE.open(encoding=key["encoding"], newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    planted = {r for item in key["planted"] for r in [*item["rows"], *item.get("related_rows", [])]}
    names = {rows[r - 1]["APELLIDO Y NOMBRE"].strip() for r in planted}
    names = {n for n in names if re.search(r"[^\W\d_]{3}", n)}  # "B. C." is initials already
    ids = set()
    for r in rows:
        raw = r["NRO DOC"].strip()
        digits = re.sub(r"\D", "", raw)
        if len(digits) >= 6:
            ids.update({raw, digits})
    entry_dates = {r["FECHA ALTA"].strip() for r in rows}
    births = set()
    for r in rows:
        m = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", r["F. NAC."].strip())
        if m and r["F. NAC."].strip() not in entry_dates:  # a listing date is not personal data
            births.update({m.group(0), f"{m.group(3)}-{m.group(2)}-{m.group(1)}"})
    iso_entries = {f"{d[6:]}-{d[3:5]}-{d[:2]}" for d in entry_dates if re.fullmatch(r"\d{2}/\d{2}/\d{4}", d)}
    # values the rules' own documentation uses as examples ("01/01/1900", "00000000") are not a leak
    docs = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "rules" / "catalogue").glob("*.yml"))
    return ({n for n in names if n not in docs}, {i for i in ids if i not in docs},
            {b for b in births - iso_entries if b not in docs})


PEOPLE = _sample_people()


def leaks(text: str) -> list[str]:
    names, ids, births = PEOPLE
    # digests (sha256, keyed fingerprints) are random hex: a run of their digits may spell an 8-digit ID
    text = re.sub(r"(?<![0-9A-Za-z])[0-9a-f]{32,}(?![0-9A-Za-z])", "<digest>", text)
    found = [n for n in names if n in text]
    found += sorted(set(re.findall(r"\d[\d.]{5,}\d", text)) & ids)
    found += sorted(set(re.findall(r"\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}", text)) & births)
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_leaks_a_planted_name_id_or_birth_date(sample_outputs, fmt):
    assert len(PEOPLE[0]) > 100 and len(PEOPLE[1]) > 1000 and len(PEOPLE[2]) > 1000
    assert leaks(sample_outputs[False][fmt]) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_show_pii_shows_them_so_the_search_can_see_a_leak(sample_outputs, fmt):
    assert leaks(sample_outputs[True][fmt])


def test_every_format_is_in_the_cli_and_writes_a_private_file(run_cli, in_tmp):
    for fmt in FORMATS:
        out = in_tmp / f"r.{fmt}"
        result = run_cli("check", SAMPLE, "--profile", "ar", "--as-of", "2026-11-22", "--select", "MN01",
                         "-f", fmt, "-o", out)
        assert result.exit_code == 1, (fmt, result.stderr)
        assert out.stat().st_mode & 0o777 == 0o600
        assert "MN01" in out.read_text(encoding="utf-8")


# --- SARIF ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sarif(sample_outputs):
    return json.loads(sample_outputs[False]["sarif"])


def test_sarif_is_valid_against_the_official_schema(sarif):
    import jsonschema  # the test extra

    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"{SARIF_SCHEMA} not available")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(sarif, schema)
    assert sarif["version"] == "2.1.0"


def test_sarif_rules_results_and_locations(sarif):
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    catalogue = load_catalogue()
    assert [r["id"] for r in rules] == list(catalogue)
    for r in rules:
        assert r["helpUri"] == f"docs/rules/{r['id']}.md" and (ROOT / r["helpUri"]).is_file()
        assert r["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning",
                                                      "info": "note"}[catalogue[r["id"]].severity]
    results = run["results"]
    assert len(results) == sum(1 for _ in build_report(SAMPLE).findings)
    mn01 = [x for x in results if x["ruleId"] == "MN01"]
    assert mn01 and all(rules[x["ruleIndex"]]["id"] == "MN01" for x in mn01)
    loc = mn01[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("conarc_sample.csv")
    assert loc["region"]["startLine"] == mn01[0]["properties"]["row"] + 1
    assert run["artifacts"][0]["hashes"]["sha-256"] == __import__("hashlib").sha256(SAMPLE.read_bytes()).hexdigest()


def test_sarif_fingerprints_are_keyed_hashes_without_personal_data(monkeypatch):
    monkeypatch.setenv("DBHYGIENE_FINGERPRINT_KEY", "k1")
    report = build_report(SAMPLE, show_pii=True, select=["ID03", "MN01"])
    one = json.loads(render(report, "sarif"))["runs"][0]["results"]
    again = json.loads(render(report, "sarif"))["runs"][0]["results"]
    monkeypatch.setenv("DBHYGIENE_FINGERPRINT_KEY", "k2")
    other = json.loads(render(report, "sarif"))["runs"][0]["results"]
    monkeypatch.delenv("DBHYGIENE_FINGERPRINT_KEY")
    monkeypatch.setenv("DBHYGIENE_BASELINE_KEY", "k1")  # the baseline's key serves when no SARIF key is set
    baseline_keyed = json.loads(render(report, "sarif"))
    assert baseline_keyed["runs"][0]["properties"]["fingerprintKey"] == "DBHYGIENE_BASELINE_KEY"
    assert [r["partialFingerprints"]["dbhygieneRecord/v1"] for r in baseline_keyed["runs"][0]["results"]] == [
        r["partialFingerprints"]["dbhygieneRecord/v1"] for r in one]
    prints = [r["partialFingerprints"]["dbhygieneRecord/v1"] for r in one]
    assert prints == [r["partialFingerprints"]["dbhygieneRecord/v1"] for r in again]  # stable for a key
    assert set(prints).isdisjoint(r["partialFingerprints"]["dbhygieneRecord/v1"] for r in other)
    assert all(re.fullmatch(r"[0-9a-f]{64}", p) for p in prints)
    # the same person under two rules has different fingerprints; hashing the bare ID would not be keyed
    import hashlib
    _, ids, _ = PEOPLE
    plain = {hashlib.sha256(i.encode()).hexdigest() for i in ids} | {hashlib.sha256(f"id:{i}".encode()).hexdigest()
                                                                     for i in ids}
    assert plain.isdisjoint(prints)


# --- JUnit, CSV, GitHub, Markdown ----------------------------------------------------------------

def test_junit_one_case_per_rule_with_counts_and_first_findings(sample_outputs):
    root = ET.fromstring(sample_outputs[False]["junit"])
    suites = root.findall("testsuite")
    rules = suites[0].findall("testcase")
    catalogue = load_catalogue()
    assert [c.get("name").split()[0] for c in rules] == [c for c in catalogue if catalogue[c].shape != "notice"]
    mn01 = next(c for c in rules if c.get("name").startswith("MN01"))
    failure = mn01.find("failure")
    assert failure.get("message").startswith("44 findings")
    assert len(failure.text.splitlines()) == 11 and failure.text.endswith("... and 34 more (all are counted)")
    verdict = suites[-1]
    assert verdict.get("name") == "principle 6 verdict"
    assert {c.get("name"): c.find("failure") is not None for c in verdict}["children"] is True


def test_csv_one_finding_per_row(sample_outputs):
    rows = list(csv.DictReader(io.StringIO(sample_outputs[False]["csv"])))
    report = build_report(SAMPLE)
    assert len(rows) == len(report.findings)
    assert {r["rule"] for r in rows} == set(report.summary()["by_rule"])
    assert rows[0].keys() >= {"source", "row", "line", "rule", "severity", "message", "requirements"}


def test_github_annotations(sample_outputs):
    lines = sample_outputs[False]["github"].splitlines()
    first = next(ln for ln in lines if ln.startswith("::error file=") and ",line=" in ln)
    assert re.match(r"::error file=[^,]+conarc_sample\.csv,line=\d+,title=[A-Z]{2}\d{2} [a-z-]+::row \d+: ", first)
    assert any(ln.startswith("::error title=principle 6%3A children::") for ln in lines)
    assert any(ln.startswith("::notice ") for ln in lines)  # info findings are notices


def test_max_findings_per_rule_caps_what_is_shown_never_what_is_counted():
    report = build_report(SAMPLE, select=["MN01", "MN02"])
    full = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    capped = list(csv.DictReader(io.StringIO(render(report, "csv", max_per_rule=3))))
    assert len(full) == 64 and len(capped) == 6
    md = render(report, "markdown", max_per_rule=3)
    assert "*… and 41 more" in md and "| **fails** | 47 |" not in md  # counts stay those of all findings
    assert "| Children and other vulnerable persons | **fails** | 44 | 44 | 64 |" in md
    sarif = json.loads(render(report, "sarif", max_per_rule=3))
    assert len(sarif["runs"][0]["results"]) == 6
    assert sarif["runs"][0]["properties"]["resultsNotShown"] == {"MN01": 41, "MN02": 17}
    data = json.loads(render(report, "json", max_per_rule=3))
    assert len(data["findings"]) == 64  # the JSON is never capped


def test_statistics_counts_per_rule(run_cli, in_tmp):
    result = run_cli("check", SAMPLE, "--profile", "ar", "--as-of", "2026-11-22", "--select", "MN01,MN02",
                     "--statistics")
    assert result.stdout.splitlines() == ["44  MN01  [error]  minor-at-listing",
                                          "20  MN02  [error]  minor-at-reference-date", "64 findings"]
    result = run_cli("check", SAMPLE, "--select", "MN01", "--statistics", "-f", "sarif")
    assert result.exit_code == 2 and "--statistics is not available with --format sarif" in result.stderr
    result = run_cli("check", SAMPLE, "--profile", "ar", "--as-of", "2026-11-22", "--select", "MN01",
                     "--statistics", "-f", "csv")
    assert result.stdout.splitlines() == ["count,rule,severity,name", "44,MN01,error,minor-at-listing"]


# --- hostile content ------------------------------------------------------------------------

HOSTILE_NAME = '<script>alert(1)</script> 7 [click](http://evil.example) =HYPERLINK("http://evil.example","x")\x1b[2J\x07'
HOSTILE_OFFENCE = '<img src=x onerror=alert(2)>|`rm`|[a](javascript:alert(3))'


@pytest.fixture(scope="module")
def hostile_outputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "=HYPERLINK(1).csv"
    text = ("APELLIDO Y NOMBRE;NRO DOC;FECHA NACIMIENTO;DELITO;JUZGADO;FECHA ALTA;<b onmouseover=alert(4)>x</b>\n"
            f'"{HOSTILE_NAME}";30111222;10/01/2010;{HOSTILE_OFFENCE};JUZGADO 1;01/02/2020;y\n'
            "PEREZ, JUAN;20123456;15/03/1980;ROBO;JUZGADO 1;01/06/2015;z\n")
    path.write_text(text, encoding="utf-8")
    import os
    old = os.getcwd()
    os.chdir(folder)
    try:
        report = build_report(Path(path.name), show_pii=True, profile="generic")
    finally:
        os.chdir(old)
    assert {f.rule for f in report.findings} >= {"NM01", "MN01"}
    return {fmt: render(report, fmt) for fmt in FORMATS}


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_raw_control_characters_in_any_format(hostile_outputs, fmt):
    assert "\x1b" not in hostile_outputs[fmt] and "\x07" not in hostile_outputs[fmt]


def test_hostile_cells_are_inert_html(hostile_outputs):
    import lxml.html

    page = hostile_outputs["html"]
    doc = lxml.html.fromstring(page)
    scripts = doc.xpath("//script")
    assert len(scripts) == 1 and "alert" not in scripts[0].text
    assert not [el.tag for el in doc.iter() if isinstance(el.tag, str)
                for attr in el.attrib if attr.lower().startswith("on")]
    assert doc.xpath("//img") == [] and doc.xpath("//b[@onmouseover]") == []
    assert all(a.get("href", "").startswith("#") for a in doc.xpath("//a"))
    assert "<script>alert(1)</script>" in doc.text_content()  # shown as text
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1]


def test_hostile_cells_are_inert_markdown(hostile_outputs):
    from markdown_it import MarkdownIt

    text = hostile_outputs["markdown"]
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    assert "<script" not in html and "<img" not in html and "<a " not in html and "<code>rm</code>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # visible as text
    # every table row keeps its column count: no '|' from a cell broke it
    for block in re.findall(r"<table>.*?</table>", html, flags=re.S):
        head = len(re.findall(r"<th[ >]", block.split("</thead>")[0]))
        for row in re.findall(r"<tr>(.*?)</tr>", block.split("</thead>")[1], flags=re.S):
            assert len(re.findall(r"<td", row)) == head


def test_hostile_cells_are_inert_csv(hostile_outputs):
    rows = list(csv.reader(io.StringIO(hostile_outputs["csv"])))
    cells = [c for r in rows[1:] for c in r]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK(1).csv" in cells  # the file name started with '='
    assert any("<script>alert(1)</script>" in c for c in cells)  # text stays text


def test_csv_cell_neutralises_every_formula_start():
    from dbhygiene.report.escape import csv_cell

    for lead in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(lead + "1+1").startswith("'")
    assert csv_cell("a=1") == "a=1" and csv_cell(-3) == -3 and csv_cell(None) is None


def test_github_escaping_follows_the_toolkit():
    from dbhygiene.report.escape import gh_data, gh_property

    assert gh_data("50%\nnext") == "50%25\\nnext"  # the newline is first shown visibly, then % encoded
    assert gh_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_streamed_json_is_the_documented_dict():
    from dbhygiene.report.json_report import as_dict

    for select in (["MN01", "ID03", "GN01"], ["LD01"]):
        report = build_report(SAMPLE, select=select)
        expected = json.loads(json.dumps(as_dict(report), ensure_ascii=False, default=str))
        assert json.loads(render(report, "json")) == expected
        assert [f.as_dict() for f in report.findings] == expected["findings"]
    assert expected["findings"] == []
