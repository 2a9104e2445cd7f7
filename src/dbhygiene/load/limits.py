"""Bounds on what one input may cost: its size after decompression and, for compressed inputs, how
many times it expands. A decompression bomb (a small file that expands to gigabytes) is an input
error raised while it is being decompressed, never after: memory stays under about twice the limit.

Defaults: 1 GiB after decompression, and 100-fold expansion once the expanded data passes 64 MiB
(text exports compress 5 to 20-fold; zeros 1000-fold). ``--max-input-size SIZE`` sets the size
limit and lifts the ratio limit: the user has said how much data to expect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ConfigError, LoadError
from ..opening import DEFAULT_MAX_SIZE  # one figure for the loader and a prefetch

DEFAULT_MAX_RATIO = 100
RATIO_GRACE = 64 << 20  # expanded bytes below which the ratio is not judged
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40}


def parse_size(value: str | int, what: str = "--max-input-size") -> int:
    """``500M``, ``2G``, ``1.5GiB`` or a number of bytes (units are powers of 1024)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number, unit = float(value), ""
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
        if not match or match.group(2).lower() not in _UNITS:
            raise ConfigError(f"{what} must be a size such as 500M or 2G, got '{value}'")
        number, unit = float(match.group(1)), match.group(2).lower()
    size = int(number * _UNITS[unit])
    if size < 1:
        raise ConfigError(f"{what} must be at least one byte")
    return size


def human(size: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


MAX_COLUMNS = 16_384  # Excel's widest sheet (XFD)


@dataclass(frozen=True)
class Limits:
    max_size: int = DEFAULT_MAX_SIZE
    max_ratio: float | None = DEFAULT_MAX_RATIO
    max_columns: int = MAX_COLUMNS

    @classmethod
    def from_option(cls, max_input_size: int | None) -> Limits:
        return cls() if max_input_size is None else cls(max_size=max_input_size, max_ratio=None)

    def check_columns(self, where: str, columns: int) -> None:
        """A table wider than a spreadsheet can be (Excel's 16,384 columns) is no export of a list of
        people; refusing it before the table is built keeps a 100k-column file from taking minutes."""
        if columns > self.max_columns:
            raise LoadError(f"{where}: {columns} columns exceed the column limit of {self.max_columns:,} "
                            "(Excel's maximum); is the delimiter right? (--delimiter)")

    def check_size(self, where: str, size: int, what: str = "input") -> None:
        if size > self.max_size:
            raise LoadError(f"{where}: {what} exceeds the input size limit of {human(self.max_size)} "
                            "(raise it with --max-input-size)")

    def check_expansion(self, where: str, expanded: int, compressed: int, kind: str) -> None:
        """Called as decompression proceeds, with the bytes out so far and the compressed bytes."""
        if (self.max_ratio is not None and expanded > RATIO_GRACE
                and expanded > self.max_ratio * max(compressed, 1)):
            raise LoadError(f"{where}: {kind} content expands more than {self.max_ratio:g}-fold, the expansion "
                            "ratio limit (a decompression bomb?); if the file is genuine, give --max-input-size")
        self.check_size(where, expanded, f"{kind} content")
