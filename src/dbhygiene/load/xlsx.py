"""Excel .xlsx workbooks (openpyxl, read-only, cached values)."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pandas as pd

from ..errors import LoadError
from .cells import cell_text, unique_columns
from .content import guess_by_content
from .header import SCAN, find_header, positional_names
from .source import Loaded, Options, SourceFacts


def load_xlsx(data: bytes, facts: SourceFacts, options: Options) -> Loaded:
    import openpyxl

    sheet = options.sheet

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
        head = [[cell_text(v) for v in r] for r in itertools.islice(rows, SCAN)]
        if not any(any(v is not None and v.strip() for v in r) for r in head):
            raise LoadError(f"{facts.path}: sheet '{target}' is empty")
        choice = find_header(head, header_row=options.header_row, no_header=options.no_header,
                             where=f"{facts.path}: sheet '{target}'", unit="sheet row")
        notes = choice.notes
        if choice.index is None and not choice.positional:
            raise LoadError(f"{facts.path}: sheet '{target}' has no header row (two or more filled cells) in its "
                            f"first {SCAN} rows")
        if choice.index is None:
            skip = next(i for i, r in enumerate(head) if any(v is not None and v.strip() for v in r))
            width = max(len(r) for r in head)
            header: list = [None] * width
            header_row = skip  # the first record is on sheet row skip + 1
        else:
            header, header_row = head[choice.index], choice.index + 1
            skip = header_row
        width = len(header)
        while width and header[width - 1] is None and choice.index is not None:
            width -= 1
        columns = (positional_names(width) if choice.index is None else
                   unique_columns([(h or "").strip() or f"column_{i + 1}" for i, h in enumerate(header[:width])]))
        pad = [None] * width  # short and empty sheet rows padded to the header's width
        body = ([(list(r) + pad)[:width] for r in head[skip:]]
                + [([cell_text(v) for v in r[:width]] + pad)[:width] for r in rows])
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
    loaded = Loaded(frame=frame, facts=facts, lines=lines, notes=notes)
    if choice.positional:
        loaded.suggested = guess_by_content(frame)
        loaded.notes.extend(why for _, why in loaded.suggested.values())
    return loaded
