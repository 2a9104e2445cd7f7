"""Containers: sniffing by magic bytes, gzip, single-member zip archives (xlsx is a zip too)."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from ..errors import LoadError
from .limits import Limits

CHUNK = 1 << 22  # bytes of decompressed output per step

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


def unzip_single(path: Path, data: bytes, limits: Limits, password: str | None = None) -> tuple[bytes, str]:
    """The one member of a zip archive (decrypted with ``password`` when it is ZipCrypto-encrypted),
    decompressed a piece at a time under the size and expansion limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [i for i in zf.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
            if len(members) != 1:
                listed = ", ".join(i.filename for i in members[:5]) or "none"
                raise LoadError(f"{path}: zip must hold exactly one file, found {len(members)} ({listed})")
            member = members[0]
            # zipfile never returns more than the size the archive declares; judge that first
            limits.check_expansion(str(path), member.file_size, member.compress_size, "zip member")
            with zf.open(member, pwd=password.encode("utf-8") if password is not None else None) as fh:
                pieces = ((piece, member.compress_size) for piece in iter(lambda: fh.read(CHUNK), b""))
                return _bounded(path, pieces, limits, "zip member"), member.filename
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, zlib.error) as exc:
        raise LoadError(f"{path}: zip archive is truncated or corrupt ({exc})") from None
    except RuntimeError as exc:  # encrypted member: no password, or the wrong one
        if password is not None and "password" in str(exc).lower():
            raise LoadError(f"{path}: cannot decrypt the zip member (wrong password)") from None
        raise LoadError(f"{path}: cannot open zip member ({exc})") from None
    except NotImplementedError as exc:  # compression method zipfile cannot read
        raise LoadError(f"{path}: cannot open zip member ({exc})") from None


def check_workbook(path: Path, data: bytes, limits: Limits) -> None:
    """An .xlsx is a zip of XML parts; its declared sizes bound what openpyxl will read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            expanded = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise LoadError(f"{path}: workbook is truncated or corrupt ({exc})") from None
    limits.check_expansion(str(path), expanded, len(data), "workbook")


def gunzip(path: Path, data: bytes, limits: Limits) -> bytes:
    """Decompress every gzip member, a piece at a time, judging the limits after each piece."""
    return _bounded(path, _gzip_pieces(path, data), limits, "gzip")


def _gzip_pieces(path: Path, data: bytes, feed: int = 1 << 20):
    """(output, compressed bytes consumed) of each gzip member in turn (bgzip and `cat a.gz b.gz` write several). Input is fed a
    piece at a time, so nothing is copied but the piece being inflated."""
    view, pos, size = memoryview(data), 0, len(data)
    inflater, pending = zlib.decompressobj(wbits=31), b""
    while True:
        if inflater.eof:
            start = pos - len(inflater.unused_data)
            if data.count(b"\x00", start) == size - start:  # nothing left, or zeros padding the end
                return
            if data[start:start + 2] != b"\x1f\x8b":
                raise LoadError(f"{path}: gzip stream is truncated or corrupt (trailing data is not gzip)")
            inflater, pending, pos = zlib.decompressobj(wbits=31), b"", start
            continue
        if not pending:
            if pos >= size:
                raise LoadError(f"{path}: gzip stream is truncated or corrupt (it ends inside a member)")
            pending = view[pos:pos + feed]
            pos += len(pending)
        try:
            piece = inflater.decompress(pending, CHUNK)
        except zlib.error as exc:
            raise LoadError(f"{path}: gzip stream is truncated or corrupt ({exc})") from None
        pending = inflater.unconsumed_tail
        if piece:
            yield piece, pos - len(pending)  # output, and compressed bytes consumed so far


def _bounded(path: Path, pieces, limits: Limits, kind: str) -> bytes:
    """Join decompressed pieces, judging the limits on each (the ratio against the compressed
    bytes that produced the output so far, so a bomb after a genuine start is caught too)."""
    parts, total = [], 0
    for piece, compressed in pieces:
        total += len(piece)
        limits.check_expansion(str(path), total, compressed, kind)
        parts.append(piece)
    if not total:
        raise LoadError(f"{path}: compressed file holds no data")
    return parts[0] if len(parts) == 1 else b"".join(parts)
