"""The principle-6 verdict: one status per requirement, agreeing with the findings."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from dbhygiene import engine
from dbhygiene.api import Settings, check_path
from dbhygiene.catalogue import load_catalogue
from dbhygiene.principles import Principles, Requirement, load_principles
from dbhygiene.report import Report, SourceReport
from dbhygiene.verdict import compute_verdict

pytestmark = pytest.mark.usefixtures("in_tmp")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "conarc_sample.csv"
AS_OF = "2026-11-22"
HEADER = "APELLIDO Y NOMBRE;NRO DOC;FECHA NACIMIENTO;DELITO;JUZGADO;FECHA ALTA\n"
ADULTS = ("PEREZ, JUAN CARLOS;20123456;15/03/1980;ROBO;JUZGADO 1;01/06/2015\n"
          "GOMEZ, ANA MARIA;21987654;03/04/1985;HURTO;JUZGADO 2;02/07/2016\n")


def verdict_of(run_cli, path, *args):
    result = run_cli("check", path, "--as-of", AS_OF, "-f", "json", "--fail-on", "never", *args)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    return report, {r["id"]: r for r in report["verdict"]["requirements"]}


def test_json_schema_1_1_carries_the_verdict(run_cli, write):
    report, reqs = verdict_of(run_cli, write("a.csv", HEADER + ADULTS))
    assert report["schema_version"] == "1.2"
    assert list(reqs) == list(load_principles().requirements)
    for req in reqs.values():
        assert {"id", "title", "statement", "legal_anchors", "status", "reason", "records", "people",
                "findings", "by_rule", "rules", "rules_ran", "not_assessable"} <= set(req)
    assert report["verdict"]["headline"]["records"] == 2


def test_children_fail_on_one_minor_and_the_others_pass(run_cli, write):
    minor = "DIAZ, LUIS ALBERTO;45111222;10/01/2005;ROBO;JUZGADO 3;01/02/2020\n"
    report, reqs = verdict_of(run_cli, write("a.csv", HEADER + ADULTS + minor), "--select", "MN,DU")
    assert reqs["children"]["status"] == "fails"
    assert (reqs["children"]["records"], reqs["children"]["people"]) == (1, 1)
    assert "MN01" in reqs["children"]["by_rule"]
    assert reqs["identity-integrity"]["status"] == "not_assessable"  # ID03/ID04 not selected: no pass
    assert "not selected" in reqs["identity-integrity"]["reason"]
    assert report["verdict"]["overall"] == "fails"
    assert report["verdict"]["headline"]["minors_listed"]["value"] == 1
    assert report["verdict"]["headline"]["youngest_age"]["value"] == 15


def test_a_requirement_passes_only_when_all_its_rules_ran_clean(run_cli, write):
    # the children requirement is evidenced by the MN rules and by OF09/OF12 (issue 9)
    children = [c for c, s in load_catalogue().items() if "children" in s.requirements]
    assert {"MN01", "OF12"} <= set(children)
    report, reqs = verdict_of(run_cli, write("a.csv", HEADER + ADULTS), "--select", ",".join(children))
    assert reqs["children"]["status"] == "passes"
    assert sorted(reqs["children"]["rules_ran"]) == sorted(children)
    assert report["verdict"]["headline"]["minors_listed"]["value"] == 0
    assert "youngest_age" not in report["verdict"]["headline"]
    # other requirements were not selected, file protection may have no rule: never an overall pass
    assert report["verdict"]["overall"] == "not_assessable"


def test_missing_birth_date_makes_children_not_assessable_even_if_mn05_ran(run_cli, write):
    text = "APELLIDO Y NOMBRE;NRO DOC;DELITO;JUZGADO\nPEREZ, JUAN;20123456;ROBO;JUZGADO 1\n"
    report, reqs = verdict_of(run_cli, write("a.csv", text), "--select", "MN")
    child = reqs["children"]
    assert child["status"] == "not_assessable"
    assert "MN05" in child["rules_ran"]
    assert {i["rule"] for i in child["not_assessable"]} == {"MN01", "MN02", "MN03", "MN04", "MN06"}
    assert all(i["missing_fields"] == ["birth_date"] for i in child["not_assessable"])
    assert "missing birth_date" in child["reason"]
    assert "minors_listed" not in report["verdict"]["headline"]


def test_warnings_only_are_concerns(run_cli, write):
    text = HEADER + ADULTS + "SOSA;22333444;05/05/1975;ROBO;JUZGADO 1;01/06/2015\n"
    report, reqs = verdict_of(run_cli, write("a.csv", text), "--select", "NM02")
    assert reqs["minimum-identifiers"]["status"] == "concerns"
    assert reqs["minimum-identifiers"]["findings"] == {"error": 0, "warning": 1, "info": 0}
    assert report["verdict"]["overall"] == "concerns"


def test_people_are_counted_by_id_else_name_and_birth_date(run_cli, write):
    # two copies under one ID, and two copies without an ID: 4 records, 2 people (DU01 relates them)
    text = (HEADER + ADULTS
            + "DIAZ, LUIS;30111222;10/01/1970;ROBO;JUZGADO 3;01/02/2020\n" * 2
            + "ROJAS, EVA;;10/01/1971;ROBO;JUZGADO 3;01/02/2020\n" * 2)
    _, reqs = verdict_of(run_cli, write("a.csv", text), "--select", "DU01")
    assert (reqs["identity-integrity"]["records"], reqs["identity-integrity"]["people"]) == (4, 2)


def test_people_without_an_id_never_share_a_code_with_people_with_one(run_cli, write):
    # the first ID of the list and the first (name, birth date) pair both get code 0 in their own
    # factorization: the person codes must still keep them apart
    text = (HEADER + "DIAZ, LUIS;30111222;10/01/1970;ROBO;JUZGADO 3;01/02/2020\n" * 2
            + "ROJAS, EVA;;10/01/1971;ROBO;JUZGADO 3;01/02/2020\n" * 2 + ADULTS)
    _, reqs = verdict_of(run_cli, write("a.csv", text), "--select", "DU01")
    assert (reqs["identity-integrity"]["records"], reqs["identity-integrity"]["people"]) == (4, 2)


def test_records_without_name_or_id_are_one_person_each(run_cli, write):
    text = HEADER + ADULTS + ";;10/01/2010;ROBO;JUZGADO 3;01/02/2020\n" * 2
    _, reqs = verdict_of(run_cli, write("a.csv", text), "--select", "MN01")
    assert (reqs["children"]["records"], reqs["children"]["people"]) == (2, 2)


def test_verdict_agrees_with_the_findings_on_the_sample(run_cli):
    report, reqs = verdict_of(run_cli, SAMPLE, "--profile", "ar")
    catalogue = load_catalogue()
    for rid, req in reqs.items():
        mine = [f for f in report["findings"] if rid in catalogue[f["rule"]].requirements]
        errors = any(f["severity"] == "error" for f in mine)
        warnings = any(f["severity"] == "warning" for f in mine)
        assert (req["status"] == "fails") == errors, rid
        assert (req["status"] == "concerns") == (warnings and not errors), rid
        assert req["findings"]["error"] == sum(f["severity"] == "error" for f in mine)
        serious = Counter(f["rule"] for f in mine if f["severity"] != "info")
        assert req["by_rule"] == dict(sorted(serious.items())), rid
        if req["status"] == "fails":
            erring = sorted({f["rule"] for f in mine if f["severity"] == "error"})
            assert req["reason"] == "error-severity findings from " + ", ".join(erring), rid
        if req["status"] in ("fails", "concerns"):
            rows = {f["row"] for f in mine if f["severity"] != "info" and f["row"] is not None}
            rows |= {r for f in mine if f["severity"] != "info" for r in f["related_rows"]}
            assert req["records"] == len(rows), rid
            if rows:
                assert 0 < req["people"] <= req["records"]
            else:  # only list-level findings (the file itself): no record to count
                assert req["people"] == 0 and any(f["row"] is None for f in mine), rid
    minors = report["summary"]["by_rule"]["MN01"]
    assert report["verdict"]["headline"]["minors_listed"]["value"] == minors
    assert report["verdict"]["headline"]["youngest_age"]["value"] == report["sources"][0]["stats"]["MN01"]["youngest_age"]


def test_text_report_puts_the_verdict_before_the_findings(run_cli):
    result = run_cli("check", SAMPLE, "--profile", "ar", "--as-of", AS_OF)
    lines = result.stdout.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("Principle 6"))
    first_finding = next(i for i, ln in enumerate(lines) if ln.startswith("  row "))
    assert head < first_finding
    assert "FAILS" in lines[head]
    block = lines[head + 1: head + 1 + len(load_principles().requirements)]
    titles = [r.title for r in load_principles().requirements.values()]
    assert [any(t in ln for t in titles) for ln in block] == [True] * len(titles)
    children = next(ln for ln in block if "Children" in ln)
    assert children.strip().startswith("fails") and "records" in children and "people" in children


def _run(tmp_path, text, select):
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    settings = Settings(select=select, as_of=__import__("datetime").date(2026, 11, 22))
    ctx, result = check_path(path, settings)
    return ctx, result


def test_a_crashed_rule_is_not_assessable(tmp_path, monkeypatch):
    def boom(ctx, options):
        raise RuntimeError("boom")

    monkeypatch.setitem(engine.CHECKS, "DU01", boom)
    ctx, result = _run(tmp_path, HEADER + ADULTS, ["DU01"])
    report = Report(tool={}, as_of=AS_OF, profile="generic", sources=[SourceReport(ctx, result)],
                    selected_rules=["DU01"])
    req = next(r for r in report.verdict["requirements"] if r["id"] == "identity-integrity")
    assert req["status"] == "not_assessable" and req["crashed"] == ["DU01"]


def test_a_requirement_without_rules_never_passes(tmp_path):
    ctx, result = _run(tmp_path, HEADER + ADULTS, ["ALL"])
    base = load_principles()
    extra = Requirement("photo-quality", "Photo quality", "Photos are usable.", ("x",))
    principles = Principles(base.framework, base.principles, {**base.requirements, "photo-quality": extra},
                            base.headline_figures)
    verdict = compute_verdict([SourceReport(ctx, result)], list(load_catalogue()), load_catalogue(), principles)
    req = verdict["requirements"][-1]
    assert (req["id"], req["status"]) == ("photo-quality", "no_rule")
    assert verdict["overall"] != "passes"


def test_headline_share_of_records_without_an_offence(run_cli, write):
    text = HEADER + ADULTS + "DIAZ, LUIS;30111222;10/01/1970;;JUZGADO 3;01/02/2020\n"
    report, _ = verdict_of(run_cli, write("a.csv", text), "--select", "OF02")
    figure = report["verdict"]["headline"]["without_offence"]
    assert (figure["value"], figure["share"], figure["rule"]) == (1, round(1 / 3, 4), "OF02")
    report, _ = verdict_of(run_cli, write("b.csv", text), "--select", "MN01")
    assert "without_offence" not in report["verdict"]["headline"]  # OF02 did not run: no figure


def test_people_across_two_files_are_matched_by_id(run_cli, write):
    minor = "DIAZ, LUIS ALBERTO;45111222;10/01/2005;ROBO;JUZGADO 3;01/02/2020\n"
    nameless = ";;10/01/2006;ROBO;JUZGADO 3;01/02/2020\n"
    a = write("a.csv", HEADER + ADULTS + minor + nameless)
    b = write("b.csv", HEADER + minor + nameless)
    _, reqs = verdict_of(run_cli, a, b, "--select", "MN01")
    # 4 records: the minor twice (one person by ID), the nameless record twice (one person each)
    assert (reqs["children"]["records"], reqs["children"]["people"]) == (4, 3)


def test_list_level_findings_are_counted_apart_from_records(run_cli, write):
    text = "APELLIDO Y NOMBRE;NRO DOC;FECHA NACIMIENTO\nPEREZ, JUAN;20123456;15/03/1980\n"
    report, reqs = verdict_of(run_cli, write("a.csv", text), "--select", "OF01")
    req = reqs["minimum-identifiers"]
    assert req["status"] == "fails" and req["records"] == 0 and req["list_level"] == 1
    result = run_cli("check", write("b.csv", text), "--select", "OF01", "--as-of", "2026-11-22")
    line = next(ln for ln in result.stdout.splitlines() if "Minimum identifiers" in ln)
    assert "the list as a whole" in line


def test_source_findings_arrays_are_the_findings_field_for_field():
    """_SourceFindings' arrays hold each finding's rule, severity, row and related rows, in order."""
    import random
    from types import SimpleNamespace

    import numpy as np

    from dbhygiene.findings import Finding
    from dbhygiene.verdict import SEVERITY_CODE, _SourceFindings

    rng = random.Random(5)
    fs = [Finding(rule=rng.choice(["MN01", "ID04", "FP01"]), name="n", severity=rng.choice(list(SEVERITY_CODE)),
                  principles=(6,), source="a.csv", row=rng.choice([None, 0, *range(1, 50)]), line=None, field=None,
                  message="m", related_rows=tuple(rng.sample(range(1, 50), rng.choice([0, 0, 1, 2, 5]))))
          for _ in range(500)]
    got = _SourceFindings(0, SimpleNamespace(ctx=SimpleNamespace(frame=None), result=SimpleNamespace(findings=fs)))
    assert [got.rule_names[c] for c in got.rule_code] == [f.rule for f in fs]
    assert got.sev.tolist() == [SEVERITY_CODE[f.severity] for f in fs]
    assert got.row.tolist() == [f.row or 0 for f in fs]
    pairs = [(i, r) for i, f in enumerate(fs) for r in f.related_rows]
    assert list(zip(got.rel_finding.tolist(), got.rel_row.tolist())) == pairs and len(pairs) > 100
    assert got.rel_finding.dtype == got.rel_row.dtype == np.int64
    empty = _SourceFindings(0, SimpleNamespace(ctx=SimpleNamespace(frame=None), result=SimpleNamespace(findings=[])))
    assert len(empty.row) == len(empty.rel_finding) == len(empty.rel_row) == 0
