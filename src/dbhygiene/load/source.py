"""Opening the input: the facts about the file (size, mode, owner, sha256) and its bytes."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import LoadError
from .limits import Limits
from .protection import Protection


@dataclass
class SourceFacts:
    path: str
    size: int
    sha256: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    mode: str | None = None  # POSIX permission bits, e.g. "0644"
    owner: str | None = None
    sheet: str | None = None
    compression: str | None = None
    member: str | None = None
    rows: int = 0
    protection: Protection = field(default_factory=Protection)  # encryption, folder, sidecars

    def as_dict(self) -> dict:
        out = dict(self.__dict__)
        out["protection"] = self.protection.as_dict()
        return out


@dataclass
class Loaded:
    frame: pd.DataFrame  # text cells; RangeIndex; columns as in the header
    facts: SourceFacts
    lines: np.ndarray | None  # physical start line of each record (text sources only)
    notes: list[str] = field(default_factory=list)
    malformed_rows: list[int] = field(default_factory=list)  # rows whose field count was wrong
    malformed_fields: list[int] = field(default_factory=list)  # their field counts (same order)
    # fields suggested by the loader: a headerless file's columns mapped by content or by a known
    # layout: field -> (column, why)
    suggested: dict[str, tuple[str, str]] = field(default_factory=dict)
    # list-valued fields (nested JSON, XML): column -> every record's values (see records.py)
    multi: dict[str, pa.ListArray] = field(default_factory=dict)

    @property
    def rows(self) -> np.ndarray:
        return np.arange(1, len(self.frame) + 1)


def _owner(st: os.stat_result) -> str:
    try:
        import pwd

        return pwd.getpwuid(st.st_uid).pw_name
    except (ImportError, KeyError):
        return str(st.st_uid)



@dataclass
class Options:
    """How to read the input; every reader gets the same object (new options need no new parameters)."""

    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    limits: Limits = field(default_factory=Limits)
    record_path: str | None = None  # XML/JSON: where the records are (--record-path)
    password: str | None = field(default=None, repr=False)  # decrypts an encrypted input in memory
    header_row: int | None = None  # xlsx/CSV: 1-based row (record) holding the header (--header-row)
    no_header: bool = False  # xlsx/CSV: the file has no header row (--no-header)


def read_source(path: Path, limits: Limits) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its stat, opened for reading only. Only a regular file is read: a FIFO
    would block, and a device such as /dev/zero never ends. The file is opened without blocking
    and judged by ``fstat`` on what was opened, so nothing can be swapped in between."""
    if not path.exists():
        raise LoadError(f"{path}: no such file")
    if path.is_dir():
        raise LoadError(f"{path}: is a directory, not a file")
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise LoadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):  # a socket cannot even be opened; say what it is
        raise LoadError(f"{path}: not a regular file ({_kind(mode)}); only files are read")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise LoadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped after the check above
            raise LoadError(f"{path}: not a regular file ({_kind(st.st_mode)}); only files are read")
        limits.check_size(str(path), st.st_size)
        data = _read_at_most(fd, limits.max_size + 1, st.st_size)
    except OSError as exc:
        raise LoadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    limits.check_size(str(path), len(data))  # a file that grew, or one whose size stat does not tell
    if not data:
        raise LoadError(f"{path}: file is empty")
    return data, st


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def _read_at_most(fd: int, limit: int, expected: int) -> bytes:
    """Up to ``limit`` bytes; the size ``stat`` gave is read in one call (one buffer, no join)."""
    parts, total, want = [], 0, expected + 1
    while total < limit:
        chunk = os.read(fd, min(limit - total, max(want, 1 << 20)))
        want = 1 << 24
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def new_facts(path: Path, data: bytes, st: os.stat_result) -> SourceFacts:
    return SourceFacts(path=str(path), size=len(data), sha256="", format="",
                       mode=f"{st.st_mode & 0o777:04o}", owner=_owner(st))
