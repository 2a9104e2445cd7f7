"""CSV report: one finding per row, for a spreadsheet. Cells are formula-safe (``escape.csv_cell``:
a text cell starting with ``= + - @``, tab or CR gets a leading apostrophe, as OWASP advises)."""

from __future__ import annotations

import csv
from operator import attrgetter

from ..catalogue import load_catalogue
from . import RenderOptions, Report
from .common import capped, gc_paused, statistics
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
    if not shown:
        return
    names = ("source", "row", "line", "rule", "name", "severity", "field", "message", "related_rows", "confidence",
             "score")
    with gc_paused():
        col = dict(zip(names, zip(*map(attrgetter(*names), shown))))
        requirements = {code: " ".join(catalogue[code].requirements) if code in catalogue else ""
                        for code in set(col["rule"])}
        columns = [cells(col["source"]), cells(col["row"]), cells(col["line"]), cells(col["rule"]),
                   cells(col["name"]), cells(col["severity"]), cells([requirements[code] for code in col["rule"]]),
                   cells([v or "" for v in col["field"]]), cells(col["message"]),
                   cells([" ".join(map(str, r)) if r else "" for r in col["related_rows"]]), cells(col["confidence"]),
                   cells(col["score"])]
        del col
        lines = list(map(",".join, zip(*columns)))
        del columns
        for start in range(0, len(lines), _CHUNK):
            out.write("\n".join(lines[start:start + _CHUNK]) + "\n")


_CHUNK = 4096  # rows written at once


def field_text(value) -> str:
    """One cell as ``csv.writer`` writes ``csv_cell(value)``: blank for None, ``repr`` of a float, ``str``
    of anything else, in double quotes (inner ones doubled) when it holds a comma, a quote or a newline."""
    cell = csv_cell(value)
    text = "" if cell is None else repr(cell) if isinstance(cell, float) else str(cell)
    if '"' in text or "," in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def cells(values) -> list[str]:
    """``field_text`` of each value of a column: numbers and blanks by one conversion each, text once
    per distinct value where values repeat (rule codes, severities, fields, the source path), else
    ``csv_cell`` of each and the quoting of the few that need it."""
    values = list(values)
    types = set(map(type, values))
    if types <= {int, type(None)}:
        return ["" if v is None else int.__repr__(v) for v in values]
    if types <= {float, int, type(None)}:  # csv_cell passes numbers; csv.writer writes repr of a float
        return ["" if v is None else float.__repr__(v) if type(v) is float else int.__repr__(v) for v in values]
    if types != {str}:
        return list(map(field_text, values))
    distinct = set(values)
    if 4 * len(distinct) <= len(values):
        table = {v: field_text(v) for v in distinct}
        return list(map(table.__getitem__, values))
    return [('"' + t.replace('"', '""') + '"') if '"' in t or "," in t or "\n" in t else t
            for t in map(csv_cell, values)]
