"""Opening the input: its bytes and its stat, read once, perhaps early (``prefetch``).

Kept apart from ``dbhygiene.load`` (whose package imports pandas and pyarrow) so the command line can
start reading the file on another thread while it imports them: on the 1M-row benchmark that import
takes 0.25-0.3 s on one core, and reading 158 MB and hashing it 0.15-0.3 s more, which then overlap.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path
from typing import Protocol

from .errors import LoadError

DEFAULT_MAX_SIZE = 1 << 30  # the default input size limit (load.limits.Limits.max_size)


class SizeLimit(Protocol):
    max_size: int

    def check_size(self, where: str, size: int, what: str = ...) -> None: ...


class _Limit:
    """The default size limit alone, for a prefetch (``load.limits.Limits`` needs the load package)."""

    max_size = DEFAULT_MAX_SIZE

    def check_size(self, where: str, size: int, what: str = "") -> None:
        if size > self.max_size:
            raise LoadError(f"{where}: over the prefetch limit")


def read_source(path: Path, limits: SizeLimit) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its stat, opened for reading only. Only a regular file is read: a FIFO
    would block, and a device such as /dev/zero never ends. The file is opened without blocking
    and judged by ``fstat`` on what was opened, so nothing can be swapped in between. What a
    ``prefetch`` of the same path read is taken instead, judged by ``limits`` the same way."""
    early = _take(path)
    if early is not None:
        data, st = early
        limits.check_size(str(path), st.st_size)
        limits.check_size(str(path), len(data))
        return data, st
    return _read(path, limits)


def _read(path: Path, limits: SizeLimit) -> tuple[bytes, os.stat_result]:
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


# One prefetch at a time: (path as given, the thread, its outcome). The bytes are handed over once.
_pending: list = []
_digests: list = []  # (bytes object, its SHA-256 hex digest) of the last prefetch


def prefetch(path: str | os.PathLike) -> None:
    """Start reading ``path`` (and hashing it) on another thread; ``read_source`` of the same path
    takes the outcome. Up to the default size limit only: a larger file, a FIFO, a missing file or
    any error leaves the reading to ``read_source``, which says what is wrong."""
    outcome: dict = {}

    def work() -> None:
        try:
            data, st = _read(Path(path), _Limit())
        except (LoadError, OSError, ValueError):
            return
        outcome["read"] = (data, st)
        outcome["sha256"] = hashlib.sha256(data).hexdigest()  # releases the GIL on a large buffer

    thread = threading.Thread(target=work, name="dbhygiene-prefetch", daemon=True)
    _pending[:] = [(os.fspath(path), thread, outcome)]
    thread.start()


def _take(path: Path) -> tuple[bytes, os.stat_result] | None:
    if not _pending or _pending[0][0] != os.fspath(path):
        return None
    _, thread, outcome = _pending.pop()
    thread.join()
    if "read" not in outcome:
        return None
    data, early = outcome["read"]
    try:
        now = os.stat(path)
    except OSError:
        return None
    if (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) != (early.st_dev, early.st_ino, early.st_size,
                                                                   early.st_mtime_ns):
        return None  # replaced or written to since: read it afresh
    _digests[:] = [(data, outcome["sha256"])]
    return outcome["read"]


def known_sha256(data: bytes) -> str | None:
    """The SHA-256 a prefetch already computed of this very bytes object, if any (taken once)."""
    if _digests and _digests[0][0] is data:
        return _digests.pop()[1]
    return None
