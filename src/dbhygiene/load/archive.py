"""Containers: sniffing by magic bytes, gzip, single-member zip archives (xlsx is a zip too)."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

from ..errors import LoadError

MAGIC = {
    b"PK\x03\x04": "zip",
    b"\x1f\x8b": "gzip",
    b"PAR1": "parquet",
    b"\xd0\xcf\x11\xe0": "ole2",
}



def sniff_container(data: bytes) -> str | None:
    for magic, kind in MAGIC.items():
        if data.startswith(magic):
            return kind
    return None


def is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "[Content_Types].xml" in zf.namelist() and any(
                n.startswith("xl/") for n in zf.namelist())
    except zipfile.BadZipFile:
        return False


def unzip_single(path: Path, data: bytes) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [i for i in zf.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
            if len(members) != 1:
                listed = ", ".join(i.filename for i in members[:5]) or "none"
                raise LoadError(f"{path}: zip must hold exactly one file, found {len(members)} ({listed})")
            return zf.read(members[0]), members[0].filename
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise LoadError(f"{path}: zip archive is truncated or corrupt ({exc})") from None
    except RuntimeError as exc:  # encrypted member
        raise LoadError(f"{path}: cannot open zip member ({exc})") from None




def gunzip(path: Path, data: bytes) -> bytes:
    try:
        data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise LoadError(f"{path}: gzip stream is truncated or corrupt ({exc})") from None
    if not data:
        raise LoadError(f"{path}: compressed file holds no data")
    return data
