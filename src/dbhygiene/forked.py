"""Run a function in a forked copy of this process and take back its result.

The check stage runs its rules in two processes on a machine with two or more cores: the fork
shares the normalised frame with the parent page by page (copy on write), so nothing is copied or
serialised on the way in; only the result (the second process's findings) comes back, pickled
through a pipe. A child that dies (killed, out of memory, a crash in a C extension) is reported by
``join`` raising ``ForkFailed``, and the caller does the work itself: the run never loses findings
to a failed child.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import Any


class ForkFailed(RuntimeError):
    """The child gave no result (it died, or its result could not be pickled)."""


def available() -> bool:
    """A fork is safe here: POSIX fork on Linux (macOS forbids forking a process that has
    started threads in some system libraries; Windows has no fork)."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


class Forked:
    """``fn()`` running in a child process; ``join()`` returns what it returned."""

    def __init__(self, fn: Callable[[], Any]):
        read_fd, write_fd = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: run, write the pickled outcome, leave without cleanup
            os.close(read_fd)
            status = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the child at once
                try:
                    payload = pickle.dumps(("ok", fn()), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
                    payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(payload)
            except BaseException:  # noqa: BLE001 - the parent sees the missing result
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        self._read_fd: int | None = read_fd

    def join(self) -> Any:
        """The child's result; ``ForkFailed`` when it gave none, re-raised as it was when it raised."""
        if self._read_fd is None:
            raise ForkFailed("already joined")
        outcome = None
        try:
            with os.fdopen(self._read_fd, "rb", buffering=1 << 20) as pipe:
                self._read_fd = None
                try:  # unpickled as it comes (not gathered first: a big result would be held twice)
                    outcome = pickle.load(pipe)
                except Exception:  # noqa: BLE001 - nothing or a torn message: the child died
                    pass
        finally:
            _, status = os.waitpid(self._pid, 0)
        try:
            kind, value = outcome
        except (TypeError, ValueError):
            raise ForkFailed(f"the second process ended without a result (wait status {status})") from None
        if kind == "error":
            raise ForkFailed(f"the second process failed: {value}")
        return value

    def cancel(self) -> None:
        """Stop the child (when the parent gives up: an error or Ctrl-C) and reap it."""
        if self._read_fd is None:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(self._read_fd)
        self._read_fd = None
        os.waitpid(self._pid, 0)


class Claims:
    """The indices ``0 .. n-1``, each handed once, in order, to whichever process asks first.

    A pipe filled with one byte per index before the fork, its write end then closed: a one-byte
    read from a pipe is atomic, so two processes reading it never get the same index, and once it
    is empty a read says so at once (no writer is left). No lock, no shared memory."""

    def __init__(self, n: int):
        if not 0 <= n <= 255:
            raise ValueError("at most 255 claims")
        self._read_fd, write_fd = os.pipe()
        try:
            os.write(write_fd, bytes(range(n)))  # far below a pipe's capacity (64 KiB)
        finally:
            os.close(write_fd)

    def __iter__(self):
        """Claim indices until none is left."""
        while self._read_fd is not None:
            got = os.read(self._read_fd, 1)
            if not got:
                return
            yield got[0]

    def close(self) -> None:
        if self._read_fd is not None:
            os.close(self._read_fd)
            self._read_fd = None
