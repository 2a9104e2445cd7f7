"""Writing report files: atomically, owner-only (0600), never through a link or onto a device.

A report names children and people on a watchlist. ``write_private`` creates a new file in the
destination's own folder with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600, writes and syncs
it, then renames it over the destination (``os.replace``): a reader sees the old file or the
whole new one, never half a report. It refuses, before writing anything:

* a destination that is a symbolic link (its target is left untouched);
* a destination that exists and is not a regular file (``/dev/null``, a FIFO, a socket, a folder):
  their mode and content are never touched;
* a destination that is one of the inputs (same path, hard link or bind mount).

It changes the mode of no file but the temporary one it created itself.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import ConfigError


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_destination(path: Path, inputs: list[Path] = ()) -> None:
    """Raise ConfigError when ``path`` may not be written (see the module's list)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
    for src in inputs:
        src = Path(src)
        if Path(os.path.abspath(path)) == Path(os.path.abspath(src)) or (st is not None and _same_file(path, src)):
            raise ConfigError(f"refusing to write the report over the input file {src}")
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise ConfigError(f"refusing to write {path}: it is a symbolic link (give the real path)")
        if not stat.S_ISREG(st.st_mode):
            kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                    or stat.S_ISBLK(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                    else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
            raise ConfigError(f"refusing to write {path}: it is {kind}, not a regular file")


def write_private(path: str | Path, data: str | bytes, inputs: list[Path] = ()) -> None:
    """Write ``data`` to ``path`` atomically as a new owner-only (0600) file."""
    with private_file(path, inputs, binary=isinstance(data, bytes)) as stream:
        stream.write(data)


@contextmanager
def private_file(path: str | Path, inputs: list[Path] = (), binary: bool = False) -> Iterator[IO]:
    """A stream onto a new owner-only (0600) temporary file beside ``path`` (UTF-8 text, newlines
    as written; bytes when ``binary``). When the block ends without an error the file is synced and
    renamed over ``path``; when it raises, the temporary file is removed and ``path`` is untouched.
    A report is written through it as it is rendered, never held whole in memory first."""
    path = Path(path)
    check_destination(path, inputs)
    folder = path.parent if str(path.parent) else Path(".")
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
    try:
        try:
            os.fchmod(fd, 0o600)  # our own new file: a umask can only have narrowed it
        except OSError:
            os.close(fd)
            raise
        mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}
        with open(fd, buffering=1 << 20, **mode) as stream, _terminate_as_exit():  # closes fd
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        check_destination(path, inputs)  # still not a link or device a moment later
        os.replace(tmp, path)
    except ConfigError:
        _unlink_quietly(tmp)
        raise
    except OSError as exc:
        _unlink_quietly(tmp)
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        _unlink_quietly(tmp)
        raise


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """While a report is written, SIGTERM (``kill``, a scheduler's timeout) ends the process as an
    exit (status 143) rather than on the spot, so the half-written temporary file, which holds
    personal data, is removed first. Only in the main thread and when SIGTERM has no handler yet;
    SIGKILL cannot be caught."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
