"""Ragged delimited text made regular, vectorised, so pyarrow's fast reader can read it.

A record with fewer fields than the header gets the missing (blank) fields appended; one with more
is cut after the header's last field; a blank line becomes a record of blanks (dropped later as a
blank record). Records are found on the bytes with numpy: newlines and delimiters outside quotes
(a quote toggles "inside", so ``""`` escapes keep the parity right) split the text, so the field
count of every record is known without a Python loop over records. Only the records that need a
repair are touched, each one slice. When every record lacks exactly the header's unnamed fields,
nothing is repaired: those header fields are dropped instead (the caller notes it).

Bytes whose line endings are not ``\\n`` or ``\\r\\n``, or a non-ASCII delimiter, are left to the exact
slow path (``None``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Repaired:
    data: bytes  # the repaired text, header lines included, same encoding as the input bytes
    lines: np.ndarray  # physical line where each data record starts
    malformed: list[int]  # 1-based data records whose field count differed from the header's
    counts: list[int]  # their field counts
    dropped: list[int]  # 0-based header fields dropped (unnamed, in no record)


@dataclass
class Records:
    """Where each data record of delimited bytes is (``scan``): all arrays one entry per record."""
    starts: np.ndarray  # byte offset of the record's first byte
    body_end: np.ndarray  # byte offset after its last field (before its \r\n or \n)
    lines: np.ndarray  # physical line where it starts
    counts: np.ndarray  # its field count
    blank: np.ndarray  # an empty line
    dpos: np.ndarray  # offsets of the delimiters outside quotes (all records)


def scan(buf: bytes, end: int, delimiter: str, has_quotes: bool, skip_lines: int) -> Records | None:
    """The data records of ``buf[:end]`` after ``skip_lines`` physical lines, found array-wise; None
    for a delimiter that is not one byte or old Mac line endings."""
    if len(delimiter.encode("utf-8")) != 1:
        return None
    if buf.count(b"\r", 0, end) > buf.count(b"\n", 0, end):  # old Mac line endings: the slow path
        return None
    a = np.frombuffer(buf, dtype=np.uint8, count=end)
    quotes = _positions(a, 34) if has_quotes else None
    every_nl = _positions(a, 10)
    nl = every_nl if quotes is None else every_nl[(np.searchsorted(quotes, every_nl) & 1) == 0]
    dpos = _positions(a, ord(delimiter), quotes)
    starts = np.concatenate(([0], nl + 1))
    stops = np.concatenate((nl, [end]))
    lines = np.searchsorted(every_nl, starts) + 1
    data = lines > skip_lines
    starts, stops, lines = starts[data], stops[data], lines[data]
    counts = np.searchsorted(dpos, stops) - np.searchsorted(dpos, starts) + 1
    body_end = stops - ((stops > starts) & (a[np.maximum(stops - 1, 0)] == 13))  # before a \r
    return Records(starts=starts, body_end=body_end, lines=lines, counts=counts, blank=body_end == starts,
                   dpos=dpos)


SCAN_PIECE = 1 << 24  # bytes compared at once: the temporaries stay small (a whole 1M-row file: 160 MB each)


def _positions(a: np.ndarray, byte: int, quotes: np.ndarray | None = None) -> np.ndarray:
    """Offsets of ``byte`` in ``a`` (outside quotes when ``quotes``, the offsets of every quote, is
    given: an even number of quotes before it), found piece by piece."""
    parts = []
    for s in range(0, len(a), SCAN_PIECE):
        at = np.flatnonzero(a[s:s + SCAN_PIECE] == byte)
        at += s
        if quotes is not None:
            at = at[(np.searchsorted(quotes, at) & 1) == 0]
        parts.append(at)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def drops_unnamed(records: Records, width: int, unnamed: list[int]) -> bool:
    """Every non-blank record lacks exactly the header's unnamed fields: drop those, repair nothing."""
    filled = records.counts[~records.blank]
    return bool(unnamed) and bool(len(filled)) and bool((filled == width - len(unnamed)).all())


def repair(buf: bytes, end: int, delimiter: str, has_quotes: bool, skip_lines: int, width: int,
           unnamed: list[int]) -> Repaired | None:
    if width < 1:
        return None
    found = scan(buf, end, delimiter, has_quotes, skip_lines)
    if found is None:
        return None
    starts, lines, counts, body_end, blank, dpos = (found.starts, found.lines, found.counts, found.body_end,
                                                    found.blank, found.dpos)
    dropped: list[int] = []
    if drops_unnamed(found, width, unnamed):
        width -= len(unnamed)
        dropped = list(unnamed)
    fix = np.flatnonzero(counts != width)
    short = counts[fix] < width
    cut_from = np.where(short, body_end[fix],
                        dpos[np.minimum(np.searchsorted(dpos, starts[fix]) + width - 1, len(dpos) - 1)]
                        if len(dpos) else body_end[fix])
    pieces, prev, pad = [], 0, delimiter.encode("ascii")
    for at, upto, missing in zip(cut_from.tolist(), body_end[fix].tolist(), (width - counts[fix]).tolist()):
        pieces.append(buf[prev:at])
        if missing > 0:
            pieces.append(pad * missing)
        prev = upto
    pieces.append(buf[prev:end])
    bad = fix[~blank[fix]]
    return Repaired(data=b"".join(pieces) if len(fix) else buf[:end], lines=lines,
                    malformed=(bad + 1).tolist(), counts=counts[bad].tolist(), dropped=dropped)
