"""Delimited text (CSV, TSV, ...): delimiter sniffing, pyarrow's fast reader, the exact slow path."""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import LoadError
from .cells import unique_columns
from .content import guess_by_content
from .header import SCAN, find_header, is_header_word, positional_names
from .layouts import match_layout
from .ragged import drops_unnamed, repair, scan
from .source import Loaded, Options, SourceFacts
from .text import Text, Transcoding

DELIMITERS = [",", ";", "\t", "|"]


def sniff_delimiter(text: str) -> str:
    """Pick the field delimiter among , ; tab |. It must occur in the header line: a single-column
    file with commas inside its values is not comma-separated."""
    sample = text[: 1 << 16]
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    header = _header_line(lines)
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


_TRAILING = bytes(range(0, 32)) + b"\x7f"  # newlines, the DOS end-of-file byte 0x1A, other controls
_TRAILING_STR = _TRAILING.decode("ascii")


def _header_line(lines: list[str]) -> str:
    """The line to sniff the delimiter on: the first, unless it does not split into two known header
    words and a later line (one of the first ``SCAN``) does: a title line above the header
    ("Report of the list, 2026") is not the header."""
    for line in lines[:SCAN]:
        for cand in DELIMITERS:
            if cand in line and sum(is_header_word(cell.strip().strip('"')) for cell in line.split(cand)) >= 2:
                return line
    return lines[0]


def load_delimited(doc: Text, facts: SourceFacts, options: Options) -> Loaded:
    head = doc.head(1 << 20)
    if not head.strip() and (not doc.utf8 or doc.text.isspace()):
        raise LoadError(f"{facts.path}: file holds no text")
    facts.delimiter = options.delimiter or sniff_delimiter(head)
    # scans run on bytes (byte search is several times faster than on a str)
    payload = doc.scan
    end = len(payload)  # trailing newlines are not blank records; nothing is copied
    while end and payload[end - 1] in _TRAILING:
        end -= 1
    notes: list[str] = []
    junk = payload[end:].translate(None, b"\r\n")
    if junk:
        what = ", ".join(sorted({f"0x{b:02X}" + (" (DOS end of file)" if b == 0x1A else "") for b in junk}))
        notes.append(f"{len(junk)} control character(s) at the end of the file ignored, not read as a record: {what}")
    has_quotes = payload.find(b'"', 0, end) != -1
    if has_quotes and payload.count(b'"', 0, end) % 2:
        raise LoadError(f"{facts.path}: truncated or malformed: a quoted field is never closed")
    layout = None
    first = _first_records(head.rstrip(_TRAILING_STR), facts.delimiter)
    if first:
        options.limits.check_columns(facts.path, max(len(r) for r in first))
    choice = find_header(first, header_row=options.header_row, no_header=options.no_header, where=facts.path,
                         unit="line")
    if choice.index is None and choice.positional and first:
        width = max(len(r) for r in first)
        layout = match_layout(first, width)
        names = layout.columns if layout else positional_names(width)
        skip_lines = _lines_through(head, facts.delimiter, _first_filled(first)) if _first_filled(first) else 0
    else:
        names = None
        skip_lines = _lines_through(head, facts.delimiter, (choice.index or 0) + 1)
    notes.extend(choice.notes if layout is None else [layout.note])
    malformed: list[int] = []
    counts: list[int] = []
    read = _read_table(head, doc, end, facts.delimiter, has_quotes, junk != b"", skip_lines, names)
    frame = lines = None
    if read is not None and not read.invalid:
        frame = _frame_of(read)
    elif read is not None:  # a few short or over-long records, blank lines: those read again and put in place
        patched = _read_patched(read, head, doc, end, facts.delimiter, has_quotes, skip_lines, names)
        if patched is not None:
            frame, lines, malformed, counts = patched
    del read
    if frame is None:  # many of them: made regular (vectorised), read again
        frame, lines, malformed, counts, dropped = _read_repaired(head, doc, end, facts.delimiter, has_quotes,
                                                                   skip_lines, names)
        if dropped:
            notes.append(dropped)
    if frame is None:  # one column, odd line endings, a repair pyarrow still refuses: the exact, slower path
        frame, lines, malformed, counts, skipped, dropped = _read_ragged(
            doc.text.rstrip(_TRAILING_STR), facts.delimiter, facts.path, skip_lines, names)
        if skipped:
            notes.append(f"{skipped} blank line(s) skipped")
        if dropped:
            notes.append(dropped)
    elif lines is None:
        # every record on one line (as many newlines as lines): no value holds a newline to count
        one_line_each = not has_quotes or payload.count(b"\n", 0, end) == skip_lines + len(frame) - 1
        lines = np.arange(2, len(frame) + 2, dtype=np.int64) if one_line_each else _physical_lines(frame)
        lines += skip_lines - 1
    if malformed:
        width = frame.shape[1]
        longer = sum(c > width for c in counts)
        notes.append(f"{len(malformed)} record(s) do not have the header's {width} fields "
                     f"({longer} more, {len(malformed) - longer} fewer): see LD01; extra fields were "
                     "dropped and missing ones read as blank")
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
            kept = [(int(new_row[r - 1]), c) for r, c in zip(malformed, counts) if keep_mask[r - 1]]
            malformed, counts = [r for r, _ in kept], [c for _, c in kept]
    loaded = Loaded(frame=frame, facts=facts, lines=lines, notes=notes, malformed_rows=malformed,
                    malformed_fields=counts)
    if layout is not None:
        layout.apply(loaded)
    elif choice.positional:
        loaded.suggested = guess_by_content(frame)
        loaded.notes.extend(why for _, why in loaded.suggested.values())
    return loaded


def _header_and_unnamed(head: str, delimiter: str, skip_lines: int,
                        names: list[str] | None) -> tuple[list[str], list[int]]:
    """The header's fields (``names`` for a headerless file) and the positions of its unnamed ones."""
    if names is not None:
        return list(names), []
    header = _header(head, delimiter, skip_lines)
    return header, [i for i, h in enumerate(header) if not h.strip()]


def _read_repaired(head: str, doc: Text, end: int, delimiter: str, has_quotes: bool, skip_lines: int,
                   names: list[str] | None) -> tuple:
    """(frame, lines, malformed rows, their field counts, note) through ``ragged.repair``; frame None
    when the repair does not apply or pyarrow still refuses the result."""
    header, unnamed = _header_and_unnamed(head, delimiter, skip_lines, names)
    fixed = repair(doc.scan, end, delimiter, has_quotes, skip_lines, len(header), unnamed)
    if fixed is None or len(header) < 2:
        return None, None, [], [], ""
    note = ""
    if fixed.dropped:
        note = _dropped_note(len(header), fixed.dropped)
        header = [h for i, h in enumerate(header) if i not in set(fixed.dropped)]
        names = unique_columns([h.strip() or f"column_{i + 1}" for i, h in enumerate(header)])
    frame = _read_fast(head, doc, len(fixed.data), delimiter, has_quotes, False, skip_lines, names, data=fixed.data)
    if frame is None or len(frame) != len(fixed.lines):
        return None, None, [], [], ""
    return frame, fixed.lines, fixed.malformed, fixed.counts, note


def _dropped_note(width: int, dropped: list[int]) -> str:
    return (f"the header has {width} fields but every record {width - len(dropped)}: the header's unnamed "
            f"field(s) at position {', '.join(str(i + 1) for i in dropped)} hold no data and were dropped")


def _first_records(head: str, delimiter: str) -> list[list[str | None]]:
    """The first ``SCAN`` records (blank lines as empty records), cells blank as None."""
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    rows = []
    try:
        for fields in itertools.islice(reader, SCAN):
            rows.append([f if f.strip() else None for f in fields])
    except csv.Error:
        pass
    if len(rows) > 1 and len(head) >= (1 << 20) - 1:
        rows.pop()  # the last record read may be cut by the end of the head
    return rows


def _first_filled(rows: list[list]) -> int:
    """Records before the first non-blank one."""
    return next((i for i, r in enumerate(rows) if any(v is not None for v in r)), 0)


def _lines_through(head: str, delimiter: str, records: int) -> int:
    """Physical lines taken by the first ``records`` records (quoted newlines counted)."""
    if records <= 0:
        return 0
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    try:
        for _ in itertools.islice(reader, records):
            pass
    except csv.Error:
        return records
    return reader.line_num


def _header(text: str, delimiter: str, skip_lines: int) -> list[str]:
    reader = csv.reader(io.StringIO(text[: 1 << 20], newline=""), delimiter=delimiter)
    try:
        for fields in reader:
            if reader.line_num >= skip_lines:
                return fields
    except csv.Error:
        pass
    return []


def _read_fast(head: str, doc: Text, end: int, delimiter: str, has_quotes: bool, cut: bool, skip_lines: int,
               names: list[str] | None, data: bytes | None = None) -> pd.DataFrame | None:
    """``_read_table``'s frame; None when it gave none or a record was invalid."""
    read = _read_table(head, doc, end, delimiter, has_quotes, cut, skip_lines, names, data)
    return None if read is None or read.invalid else _frame_of(read)


@dataclass
class _Table:
    table: object  # pyarrow.Table, columns c0, c1, ... of large_string
    columns: list[str]  # the frame's column names
    invalid: int  # records pyarrow skipped: a field count other than the header's (a blank line is not one)


def _frame_of(read: _Table) -> pd.DataFrame:
    # read as large_string, pandas' own storage of "str": no cast (at 5M rows, 1-1.5 s of copying
    # every column's offsets into fresh memory)
    return pd.DataFrame({col: pd.Series(pd.array(read.table.column(i), dtype="str"))
                         for i, col in enumerate(read.columns)})


def _read_table(head: str, doc: Text, end: int, delimiter: str, has_quotes: bool, cut: bool, skip_lines: int,
                names: list[str] | None, data: bytes | None = None) -> _Table | None:
    """pyarrow's multithreaded CSV reader, every column as text; the records whose field count differs
    from the header's are skipped and counted (``invalid``: the caller puts them in place or repairs
    the file; a blank line reads as a blank record). None when pyarrow refuses the text or the header
    has fewer than two fields (the caller then takes the exact slow path). A single-byte export is streamed through
    ``Transcoding``, so transcoding and parsing overlap. ``skip_lines``: physical lines up to and
    including the header (0 for a headerless file, whose ``names`` are given). ``data``: bytes to
    read instead of the document's (a repaired copy, in the document's encoding)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = names if names is not None else _header(head, delimiter, skip_lines)
    if len(header) < 2:  # a blank line would read as a valid one-field record; take the exact path
        return None
    columns = list(header) if names is not None else unique_columns(
        [h.strip() or f"column_{i + 1}" for i, h in enumerate(header)])
    slots = [f"c{i}" for i in range(len(header))]
    invalid: list[int] = []

    def on_invalid(row) -> str:
        invalid.append(row.number)
        return "skip"

    if doc.single_byte:
        source = pa.PythonFile(Transcoding(doc.raw if data is None else data, end, doc.transcode), mode="r")
    elif data is not None:
        source = pa.BufferReader(pa.py_buffer(data))
    else:
        payload = doc.utf8
        source = pa.BufferReader(pa.py_buffer(payload[:end] if cut or end < len(payload) - 2 else payload))
    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=slots, skip_rows=skip_lines, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=has_quotes,
                                             ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in slots},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True,
                                                 null_values=[""]),
        )
    except pa.ArrowInvalid:
        return None
    return _Table(table=table, columns=columns, invalid=len(invalid))


PATCH_MAX_RECORDS = 10_000  # invalid records read one by one and put in place; more: the vectorised repair
PATCH_SLICES_MAX = 64  # up to this many, put in place by slicing (nothing copied); more: then one copy


def _read_patched(read: _Table, head: str, doc: Text, end: int, delimiter: str, has_quotes: bool, skip_lines: int,
                  names: list[str] | None) -> tuple[pd.DataFrame, np.ndarray, list[int], list[int]] | None:
    """The frame of a file with a few records of another field count than the header's (``read``:
    pyarrow's table of the valid ones, the others skipped): only those records are read again, one
    by one with Python's csv module, padded with blanks or cut to the header's width as
    ``ragged.repair`` would make them, and put in their places. The same result as the repair
    (tests compare them), without copying the file into a repaired one and parsing it a second time
    (a 1M-row export with 40 such records: reading 2.1-2.9 s through the repair, 1.3-1.9 s here; the
    whole check's peak 1.23 -> 0.99 GB).
    (frame, lines, malformed rows, their field counts); None when the repair must decide (the
    header's unnamed fields missing from every record, or the scan and pyarrow disagree)."""
    import pyarrow as pa

    if read.invalid > PATCH_MAX_RECORDS:
        return None
    width = len(read.columns)
    _, unnamed = _header_and_unnamed(head, delimiter, skip_lines, names)
    found = scan(doc.scan, end, delimiter, has_quotes, skip_lines)
    if found is None or drops_unnamed(found, width, unnamed):
        return None
    fix = np.flatnonzero((found.counts != width) & ~found.blank)  # pyarrow reads a blank line as a blank record
    n = len(found.counts)
    if len(fix) != read.invalid or read.table.num_rows + len(fix) != n:
        return None
    rows = []
    for start, stop, count in zip(found.starts[fix].tolist(), found.body_end[fix].tolist(), found.counts[fix].tolist()):
        piece = doc.scan[start:stop]
        text = (doc.transcode(piece) if doc.single_byte else piece).decode("utf-8")
        try:
            fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except (csv.Error, UnicodeError):  # e.g. a field over the csv module's limit (128 KiB): the repair decides
            return None
        if len(fields) != count:  # the csv module reads it otherwise: the repair decides
            return None
        rows.append([v if v else None for v in fields[:width]] + [None] * (width - len(fields)))
    patch = [pa.array([r[i] for r in rows], type=pa.large_string()) for i in range(width)]
    valid, columns = read.table, []
    for i in range(width):
        column, pieces, prev = valid.column(i), [], 0
        for j, at in enumerate((fix - np.arange(len(fix))).tolist()):  # valid records before each
            pieces.extend(column.slice(prev, at - prev).chunks)
            pieces.append(patch[i][j:j + 1])
            prev = at
        pieces.extend(column.slice(prev).chunks)
        pieces = [p for p in pieces if len(p)]
        if len(fix) > PATCH_SLICES_MAX:  # many pieces: one array (one copy) rather than thousands of chunks
            pieces = [pa.concat_arrays(pieces)]
        columns.append(pa.chunked_array(pieces, type=pa.large_string()))
    frame = pd.DataFrame({col: pd.Series(pd.array(columns[i], dtype="str")) for i, col in enumerate(read.columns)})
    return frame, found.lines, (fix + 1).tolist(), found.counts[fix].tolist()


def _read_ragged(text: str, delimiter: str, where: str, skip_lines: int, names: list[str] | None
                 ) -> tuple[pd.DataFrame, np.ndarray, list[int], list[int], int, str]:
    """Slow path for ragged files: every record kept, with its field count. Records wider than the
    header are cut to it, shorter ones padded with blanks; both are LD01 findings. One exception,
    noted: when EVERY record lacks exactly the header's unnamed fields (OFSI's subset: a header of 30
    fields starting with an empty name, records of 29), those header fields are dropped instead, so
    no column shifts. (frame, lines, malformed rows, their field counts, blank lines, note)"""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = None
        if names is None:
            for header in reader:
                if reader.line_num >= skip_lines:
                    break
            header = header or []
        else:
            for _ in reader:
                if reader.line_num >= skip_lines:
                    break
            if skip_lines == 0:
                reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        records, lines, skipped = [], [], 0
        start = reader.line_num + 1
        for fields in reader:
            if not fields:
                start = reader.line_num + 1
                skipped += 1
                continue
            records.append(fields)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LoadError(f"{where}: malformed delimited text near line {reader.line_num}: {exc}") from None
    columns = list(names) if names is not None else unique_columns([h.strip() for h in header])
    counts = np.fromiter((len(r) for r in records), dtype=np.int64, count=len(records))
    note = ""
    unnamed = [i for i, c in enumerate(columns) if not c] if names is None else []
    if unnamed and len(counts) and (counts == len(columns) - len(unnamed)).all():
        note = _dropped_note(len(columns), unnamed)
        columns = [c for c in columns if c]
    columns = [c or f"column_{i + 1}" for i, c in enumerate(columns)]
    width = len(columns)
    bad = np.flatnonzero(counts != width)
    malformed = [int(i) + 1 for i in bad]
    frame = pd.DataFrame([(r + [None] * width)[:width] for r in records], columns=unique_columns(columns),
                         dtype="str").replace("", pd.NA)
    return frame, np.asarray(lines, dtype=np.int64), malformed, [int(counts[i]) for i in bad], skipped, note


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
    before = np.concatenate(([0], np.cumsum(extra)[:-1])) if len(extra) else extra
    return np.arange(2, len(frame) + 2, dtype=np.int64) + before  # the header's own lines: the caller adds them


