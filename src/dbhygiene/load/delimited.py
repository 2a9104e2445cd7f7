"""Delimited text (CSV, TSV, ...): delimiter sniffing, pyarrow's fast reader, the exact slow path."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from ..errors import LoadError
from .cells import unique_columns
from .source import Loaded, SourceFacts
from .text import Text, Transcoding

DELIMITERS = [",", ";", "\t", "|"]


def sniff_delimiter(text: str) -> str:
    """Pick the field delimiter among , ; tab |. It must occur in the header line: a single-column
    file with commas inside its values is not comma-separated."""
    sample = text[: 1 << 16]
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    header = lines[0]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and sniffed in header:
        return sniffed
    if not any(cand in header for cand in DELIMITERS):
        # one column: pick a delimiter that occurs nowhere, so commas in values stay in the value
        return next((cand for cand in DELIMITERS if cand not in sample), ",")
    best, best_score = ",", -1.0
    for cand in DELIMITERS:
        count = header.count(cand)
        if count == 0:
            continue
        consistent = sum(1 for ln in lines[1:] if ln.count(cand) == count)
        score = count + consistent * 2
        if score > best_score:
            best, best_score = cand, score
    return best


def load_delimited(doc: Text, facts: SourceFacts, delimiter: str | None) -> Loaded:
    head = doc.head(1 << 20)
    if not head.strip() and (not doc.utf8 or doc.text.isspace()):
        raise LoadError(f"{facts.path}: file holds no text")
    facts.delimiter = delimiter or sniff_delimiter(head)
    # scans run on bytes (byte search is several times faster than on a str)
    payload = doc.scan
    end = len(payload)  # trailing newlines are not blank records; nothing is copied
    while end and payload[end - 1] in b"\r\n":
        end -= 1
    has_quotes = payload.find(b'"', 0, end) != -1
    if has_quotes and payload.count(b'"', 0, end) % 2:
        raise LoadError(f"{facts.path}: truncated or malformed: a quoted field is never closed")
    notes: list[str] = []
    malformed: list[int] = []
    frame = _read_fast(head, doc, end, facts.delimiter, has_quotes)
    if frame is None:  # over-long or short records, blank lines, one column: the exact, slower path
        frame, lines, malformed, skipped = _read_ragged(doc.text, facts.delimiter, facts.path)
        if skipped:
            notes.append(f"{skipped} blank line(s) skipped")
        if malformed:
            notes.append(f"{len(malformed)} record(s) had more fields than the header; extra fields were dropped")
    else:
        lines = _physical_lines(frame) if has_quotes else np.arange(2, len(frame) + 2, dtype=np.int64)
    if frame.shape[1] == 0:
        raise LoadError(f"{facts.path}: no header row found")
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        notes.append(f"{int(blank.sum())} blank record(s) skipped")
        keep_mask = ~blank
        frame = frame.loc[keep_mask].reset_index(drop=True)
        lines = lines[keep_mask]
        if malformed:
            new_row = np.cumsum(keep_mask)
            malformed = [int(new_row[r - 1]) for r in malformed if keep_mask[r - 1]]
    return Loaded(frame=frame, facts=facts, lines=lines, notes=notes, malformed_rows=malformed)


def _header(text: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(text[: 1 << 20], newline=""), delimiter=delimiter)
    try:
        return next(reader)
    except (StopIteration, csv.Error):
        return []



def _read_fast(head: str, doc: Text, end: int, delimiter: str, has_quotes: bool) -> pd.DataFrame | None:
    """pyarrow's multithreaded CSV reader, every column as text. None when a record's field count
    differs from the header's, blank lines included (the caller then takes the exact slow path, which
    keeps such records and counts physical lines right). A single-byte export is streamed through
    ``Transcoding``, so transcoding and parsing overlap."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = _header(head, delimiter)
    if len(header) < 2:  # a blank line would read as a valid one-field record; take the exact path
        return None
    names = [f"c{i}" for i in range(len(header))]
    invalid: list[int] = []

    def on_invalid(row) -> str:
        invalid.append(row.number)
        return "skip"

    if doc.single_byte:
        source = pa.PythonFile(Transcoding(doc.raw, end, doc.transcode), mode="r")
    else:
        payload = doc.utf8
        source = pa.BufferReader(pa.py_buffer(payload[:end] if end < len(payload) - 2 else payload))  # zero-copy
    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=has_quotes,
                                             ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True,
                                                 null_values=[""]),
        )
    except pa.ArrowInvalid:
        return None
    if invalid:
        return None
    columns = unique_columns([h.strip() for h in header])
    return pd.DataFrame({col: pd.Series(pd.array(table.column(i), dtype="str"))
                         for i, col in enumerate(columns)})


def _read_ragged(text: str, delimiter: str, where: str = "input") -> tuple[pd.DataFrame, np.ndarray, list[int], int]:
    """Slow path for files with over-long records: keep every record, cut to the header's width."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        width = len(header)
        records, lines, malformed, skipped = [], [], [], 0
        start = reader.line_num + 1
        for fields in reader:
            if not fields:
                start = reader.line_num + 1
                skipped += 1
                continue
            if len(fields) > width:
                malformed.append(len(records) + 1)
            records.append((fields + [None] * width)[:width])
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LoadError(f"{where}: malformed delimited text near line {reader.line_num}: {exc}") from None
    frame = pd.DataFrame(records, columns=unique_columns([h.strip() for h in header]), dtype="str").replace("", pd.NA)
    return frame, np.asarray(lines, dtype=np.int64), malformed, skipped


def _physical_lines(frame: pd.DataFrame) -> np.ndarray:
    """Line where each record starts: header is line 1; quoted newlines push later records down."""
    import pyarrow as pa
    import pyarrow.compute as pc

    extra = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns:
        arr = pa.array(frame[column].array)
        if not pc.any(pc.fill_null(pc.match_substring(arr, "\n"), False)).as_py():
            continue
        extra += pc.fill_null(pc.count_substring(arr, "\n"), 0).to_numpy(zero_copy_only=False)
    # newlines inside the header itself
    header_extra = sum(str(c).count("\n") for c in frame.columns)
    before = np.concatenate(([0], np.cumsum(extra)[:-1])) if len(extra) else extra
    return np.arange(2, len(frame) + 2, dtype=np.int64) + before + header_extra


