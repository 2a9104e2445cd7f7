"""JUnit XML for CI dashboards: per source, one test case per selected rule (failed when it found
warnings or errors: the count and the first findings; skipped when it could not run), and one
suite with a test case per principle-6 requirement. Built with ElementTree (markup escaped);
text passes ``escape.xml_text`` first (controls shown visibly, nothing XML 1.0 cannot hold)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..catalogue import load_catalogue
from ..verdict import STATUS_LABEL
from . import RenderOptions, Report
from .common import where
from .escape import xml_text

FIRST_FINDINGS = 10


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    catalogue = load_catalogue()
    first = options.max_per_rule if options.max_per_rule is not None else FIRST_FINDINGS
    root = ET.Element("testsuites", name="dbhygiene")
    total_tests = total_failures = 0
    for s in report.sources:
        by_rule: dict[str, list] = {}
        for f in s.result.findings:
            by_rule.setdefault(f.rule, []).append(f)
        missing = {i["rule"]: i["missing_fields"] for i in s.result.not_assessable}
        crashed = {c["rule"]: c["error"] for c in s.result.crashed}
        suite = ET.SubElement(root, "testsuite", name=xml_text(f"dbhygiene {s.ctx.facts.path}"))
        tests = failures = skipped = errors = 0
        for code in report.selected_rules:
            spec = catalogue[code]
            if spec.shape == "notice":
                continue
            tests += 1
            case = ET.SubElement(suite, "testcase", classname=f"dbhygiene.{spec.family}", name=f"{code} {spec.name}",
                                 file=xml_text(s.ctx.facts.path))
            items = by_rule.get(code, [])
            serious = [f for f in items if f.severity != "info"]
            if code in crashed:
                errors += 1
                ET.SubElement(case, "error", message=xml_text(f"rule crashed: {crashed[code]}"))
            elif code in missing:
                skipped += 1
                ET.SubElement(case, "skipped", message=f"not assessable: needs {', '.join(missing[code])}")
            elif serious:
                failures += 1
                node = ET.SubElement(case, "failure", type=spec.severity,
                                     message=f"{len(items)} finding{'s' if len(items) != 1 else ''}: {spec.summary}")
                lines = [f"{where(f)}: {xml_text(f.message)}" for f in items[:first]]
                if len(items) > first:
                    lines.append(f"... and {len(items) - first} more (all are counted)")
                node.text = "\n".join(lines)
            elif items:
                ET.SubElement(case, "system-out").text = "\n".join(
                    f"{where(f)}: {xml_text(f.message)}" for f in items[:first])
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
        suite.set("errors", str(errors))
        total_tests += tests
        total_failures += failures
    verdict = report.verdict
    suite = ET.SubElement(root, "testsuite", name="principle 6 verdict")
    failures = skipped = 0
    for req in verdict["requirements"]:
        case = ET.SubElement(suite, "testcase", classname="dbhygiene.principle6", name=req["id"])
        if req["status"] in ("fails", "concerns"):
            failures += 1
            node = ET.SubElement(case, "failure", type=req["status"],
                                 message=f"{req['title']}: {STATUS_LABEL[req['status']]}")
            node.text = (f"{req['records']} records, {req['people']} people; {req['findings']['error']} errors, "
                         f"{req['findings']['warning']} warnings; {req['reason']}")
        elif req["status"] in ("not_assessable", "no_rule"):
            skipped += 1
            ET.SubElement(case, "skipped", message=f"{STATUS_LABEL[req['status']]}: {req['reason']}")
    suite.set("tests", str(len(verdict["requirements"])))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    root.set("tests", str(total_tests + len(verdict["requirements"])))
    root.set("failures", str(total_failures + failures))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
