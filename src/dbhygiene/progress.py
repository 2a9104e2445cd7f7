"""Progress on stderr for long runs: the stage, and a bar over the rules.

Shown only when stderr is a terminal, ``--quiet`` is not given and the report does not go to
stdout in a machine format; and only once a run has lasted about a second, so short runs print
nothing. rich draws it (imported only then); it is transient: it vanishes when the run ends.
"""

from __future__ import annotations

import sys
import time

DELAY = 1.0  # seconds before anything is shown


class Progress:
    def __init__(self, enabled: bool, delay: float = DELAY, stream=None):
        self.enabled = enabled
        self.delay = delay
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._rich = None
        self._task = None
        self._label = ""

    @classmethod
    def for_run(cls, *, quiet: bool, machine_to_stdout: bool) -> Progress:
        try:
            tty = sys.stderr.isatty()
        except (AttributeError, ValueError):
            tty = False
        return cls(enabled=tty and not quiet and not machine_to_stdout)

    def _show(self) -> bool:
        if not self.enabled:
            return False
        if self._rich is None:
            if time.monotonic() - self.started < self.delay:
                return False
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn

            self._rich = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      console=Console(file=self.stream), transient=True)
            self._rich.start()
            self._task = self._rich.add_task(self._label, total=None)
        return True

    def stage(self, label: str, total: int | None = None) -> None:
        """A new stage (``label`` is ours, never input-derived text)."""
        self._label = label
        if self._show():
            self._rich.update(self._task, description=label, total=total, completed=0)

    def advance(self, label: str | None = None) -> None:
        if self._show():
            self._rich.update(self._task, advance=1, **({"description": label} if label else {}))

    def describe(self, label: str) -> None:
        """What the run is doing now, without a step done (``label`` is ours, never input-derived)."""
        if self._show():
            self._rich.update(self._task, description=label)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


SILENT = Progress(enabled=False)
