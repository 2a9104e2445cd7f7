"""Opening the input: the facts about the file (size, mode, owner, sha256) and its bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LoadError


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

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Loaded:
    frame: pd.DataFrame  # text cells; RangeIndex; columns as in the header
    facts: SourceFacts
    lines: np.ndarray | None  # physical start line of each record (text sources only)
    notes: list[str] = field(default_factory=list)
    malformed_rows: list[int] = field(default_factory=list)  # rows whose field count was wrong

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


def read_source(path: Path) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its stat, opened for reading only."""
    if not path.exists():
        raise LoadError(f"{path}: no such file")
    if path.is_dir():
        raise LoadError(f"{path}: is a directory, not a file")
    try:
        st = path.stat()
        with path.open("rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not data:
        raise LoadError(f"{path}: file is empty")
    return data, st


def new_facts(path: Path, data: bytes, st: os.stat_result) -> SourceFacts:
    return SourceFacts(path=str(path), size=len(data), sha256="", format="",
                       mode=f"{st.st_mode & 0o777:04o}", owner=_owner(st))
