"""Opening the input: the facts about the file (size, mode, owner, sha256) and its bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..opening import read_source  # noqa: F401 (the loader's way in; see opening)
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


def new_facts(path: Path, data: bytes, st: os.stat_result) -> SourceFacts:
    return SourceFacts(path=str(path), size=len(data), sha256="", format="",
                       mode=f"{st.st_mode & 0o777:04o}", owner=_owner(st))
