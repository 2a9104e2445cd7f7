"""CSV report: one finding per row, for a spreadsheet. Cells are formula-safe (``escape.csv_cell``:
a text cell starting with ``= + - @``, tab or CR gets a leading apostrophe, as OWASP advises)."""

from __future__ import annotations

import csv

from ..catalogue import load_catalogue
from . import RenderOptions, Report
from .common import capped, statistics
from .escape import csv_cell

COLUMNS = ("source", "row", "line", "rule", "name", "severity", "requirements", "field", "message",
           "related_rows", "confidence", "score")


def render(report: Report, out, options: RenderOptions = RenderOptions()) -> None:
    writer = csv.writer(out, lineterminator="\n")
    if options.statistics:
        writer.writerow(("count", "rule", "severity", "name"))
        for r in statistics(report):
            writer.writerow((r["count"], r["rule"], r["severity"], r["name"]))
        return
    catalogue = load_catalogue()
    writer.writerow(COLUMNS)
    shown, _ = capped(report.findings, options.max_per_rule)
    for f in shown:
        spec = catalogue.get(f.rule)
        writer.writerow([csv_cell(v) for v in (
            f.source, f.row, f.line, f.rule, f.name, f.severity, " ".join(spec.requirements) if spec else "",
            f.field or "", f.message, " ".join(map(str, f.related_rows)), f.confidence, f.score)])
