"""Excel .xlsx workbooks (openpyxl, read-only, cached values)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from ..errors import LoadError
from .cells import cell_text, unique_columns
from .source import Loaded, SourceFacts


def load_xlsx(data: bytes, facts: SourceFacts, sheet: str | None) -> Loaded:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise LoadError(f"{facts.path}: cannot open workbook ({type(exc).__name__}: {exc})") from None
    try:
        names = workbook.sheetnames
        if sheet is None:
            target = names[0]
        elif sheet in names:
            target = sheet
        else:
            raise LoadError(f"{facts.path}: no sheet named '{sheet}' (sheets: {', '.join(names)})")
        facts.sheet = target
        rows = workbook[target].iter_rows(values_only=True)  # from sheet row 1, gaps filled
        header, header_row, notes = _xlsx_header(rows, facts.path, target)
        width = len(header)
        while width and header[width - 1] is None:
            width -= 1
        columns = unique_columns([(cell_text(h) or "").strip() or f"column_{i + 1}"
                                   for i, h in enumerate(header[:width])])
        body = [[cell_text(v) for v in r[:width]] for r in rows]
    finally:
        workbook.close()
    frame = pd.DataFrame(body, columns=columns, dtype="str") if body else pd.DataFrame(
        {c: pd.Series([], dtype="str") for c in columns})
    lines = np.arange(header_row + 1, header_row + 1 + len(frame), dtype=np.int64)  # the sheet's row numbers
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        notes.append(f"{int(blank.sum())} blank row(s) skipped")
        frame = frame.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    return Loaded(frame=frame, facts=facts, lines=lines, notes=notes)


def _xlsx_header(rows, where: str, sheet: str) -> tuple[tuple, int, list[str]]:
    """The header is the first row with two or more filled cells (in a one-column sheet, the first
    filled row): title and blank rows above it are skipped, and the notes say so."""
    seen_filled = False
    for number, row in enumerate(rows, start=1):
        filled = sum(1 for v in row if v is not None and str(v).strip())
        if filled >= 2 or (filled == 1 and len(row) == 1):
            notes = [f"header on sheet row {number}; {number - 1} row(s) above it skipped"] if number > 1 else []
            return row, number, notes
        seen_filled = seen_filled or filled > 0
        if number >= 50:
            break
    if not seen_filled:
        raise LoadError(f"{where}: sheet '{sheet}' is empty")
    raise LoadError(f"{where}: sheet '{sheet}' has no header row (two or more filled cells) in its first 50 rows")


