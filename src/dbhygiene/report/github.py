"""GitHub Actions workflow annotations: ``::error file=…,line=…,title=…::message`` per finding,
then one per requirement that fails or raises concerns. Values are percent-encoded as GitHub's
toolkit does (``%``, CR, LF; in properties also ``:`` and ``,``)."""

from __future__ import annotations

from ..verdict import STATUS_LABEL
from . import RenderOptions, Report
from .common import capped
from .escape import gh_data, gh_property

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    w = out.write
    shown, left = capped(report.findings, options.max_per_rule)
    for f in shown:
        props = [f"file={gh_property(f.source)}"]
        if f.line is not None:
            props.append(f"line={f.line}")
        props.append(f"title={gh_property(f'{f.rule} {f.name}')}")
        where = f"row {f.row}: " if f.row is not None else ""
        w(f"::{LEVELS[f.severity]} {','.join(props)}::{gh_data(where + f.message)}\n")
    for code, n in sorted(left.items()):
        w(f"::notice title={gh_property(code)}::{gh_data(f'{n} more {code} findings not annotated (all are counted)')}\n")
    verdict = report.verdict
    for req in verdict["requirements"]:
        if req["status"] in ("fails", "concerns"):
            level = "error" if req["status"] == "fails" else "warning"
            msg = (f"Principle 6, {req['title']}: {STATUS_LABEL[req['status']]} "
                   f"({req['records']} records, {req['people']} people; {req['reason']})")
            w(f"::{level} title={gh_property('principle 6: ' + req['id'])}::{gh_data(msg)}\n")
