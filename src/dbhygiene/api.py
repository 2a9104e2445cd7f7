"""The whole pipeline in one call: load → map columns → normalise → check. Reporting is separate."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import checks  # noqa: F401  (registers the rule implementations)
from .catalogue import load_catalogue, load_profile
from .engine import Context, RunResult, run, select_rules
from .load.package import load_dataset
from .mapping import map_columns
from .normalise import normalise
from .errors import LoadError
from .progress import SILENT
from .redact import Redaction
from .runtime import arrow_pool_for, hand_back
from .verdict import person_key_columns


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    profile: str = "generic"
    as_of: dt.date = field(default_factory=dt.date.today)
    date_format: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> column
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    record_path: str | None = None  # XML/JSON: where the records are
    header_row: int | None = None  # xlsx/CSV: 1-based row holding the header
    no_header: bool = False  # xlsx/CSV: no header row; columns are column_1..column_N
    joins: list[str] = field(default_factory=list)  # child tables joined onto the checked file
    join_on: str | None = None  # the key column they share
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    show_pii: bool = False
    fail_on: str = "error"
    max_input_size: int | None = None  # bytes after decompression; None: the documented defaults
    password: str | None = field(default=None, repr=False)  # decrypts an encrypted input in memory
    jobs: int | None = None  # processes for the check stage; None: two on two cores for a large list


def prepare(path: str | Path, settings: Settings, progress=None) -> Context:
    progress = progress or SILENT
    progress.stage(f"reading {Path(path).name}"[:60])
    arrow_pool_for(size=_size(path))  # the command line's choice of allocator for a very long list
    loaded = load_dataset(path, settings.joins, settings.join_on, sheet=settings.sheet, encoding=settings.encoding,
                          delimiter=settings.delimiter, max_input_size=settings.max_input_size,
                          record_path=settings.record_path, password=settings.password,
                          header_row=settings.header_row, no_header=settings.no_header)
    arrow_pool_for(rows=len(loaded.frame))
    hand_back()
    profile = load_profile(settings.profile)
    mapping = map_columns(list(loaded.frame.columns), settings.columns, suggested=loaded.suggested)
    progress.stage("normalising dates, IDs and names")
    norm = normalise(loaded.frame, mapping, profile=profile, as_of=settings.as_of, date_format=settings.date_format)
    ctx = Context(frame=norm.frame, raw=loaded.frame, facts=loaded.facts, mapping=mapping, profile=profile,
                  as_of=settings.as_of, lines=loaded.lines, date_notes=norm.date_notes,
                  malformed_rows=loaded.malformed_rows, malformed_fields=loaded.malformed_fields,
                  load_notes=[*loaded.notes, *mapping.notes],
                  redaction=Redaction(settings.show_pii),
                  multi={f: loaded.multi[c] for f, c in mapping.as_dict().items() if c in loaded.multi})
    ctx.memo("factorized").update(norm.factorized)  # the name key's, known from its distinct names
    hand_back()
    return ctx


def _size(path: str | Path) -> int:
    try:
        return os.stat(path).st_size
    except (OSError, ValueError):  # the loader says what is wrong with it
        return 0


def raise_nothing_mapped(ctx: Context) -> None:
    """No column maps to any field: every rule would be 'not assessable' and the run would look clean.
    That is an input error (exit 2), never a pass."""
    n = len(ctx.raw.columns)
    raise LoadError(
        f"{ctx.facts.path}: none of its {n} column{'s' if n != 1 else ''} maps to a known field, so nothing "
        f"could be checked; see them with 'dbhygiene columns {ctx.facts.path}', map them with "
        f"--map \"COLUMN=field\" (or a [columns] table in dbhygiene.toml), check --delimiter, and add a header "
        f"row if the file has none")


def check_path(path: str | Path, settings: Settings, progress=None) -> tuple[Context, RunResult]:
    specs = select_rules(load_catalogue(), settings.select, settings.ignore)
    ctx = prepare(path, settings, progress)
    if not ctx.mapping.matches and ctx.facts.protection.readable:
        raise_nothing_mapped(ctx)
    return ctx, run(ctx, specs, settings.rule_options, show_pii=settings.show_pii, progress=progress,
                    jobs=settings.jobs, prefetch=person_key_columns(ctx.frame.columns))
