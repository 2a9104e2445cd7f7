"""Is the file itself protected? (FP family.) These rules judge the source file, not its rows: the
facts were gathered read-only while loading (``load/protection.py``); every finding is list-level.
"""

from __future__ import annotations

from pathlib import PurePath

import numpy as np
import pandas as pd

from ..engine import Context, implements

DIRECT_IDENTIFIERS = ("full_name", "surname", "given_name", "national_id", "passport", "birth_date")


def _list_level(**values) -> pd.DataFrame:
    """One list-level finding (pos -1) carrying the message's values."""
    return pd.DataFrame({"pos": np.array([-1], dtype=np.int64), **{k: [v] for k, v in values.items()}})


def _none() -> pd.DataFrame:
    return pd.DataFrame({"pos": np.array([], dtype=np.int64)})


def _posix(ctx: Context) -> bool:
    """Permission rules judge only where POSIX modes mean something (FP06 says when they do not)."""
    p = ctx.facts.protection
    return p.posix is None and ctx.facts.mode is not None


def _mode(ctx: Context) -> int:
    return int(ctx.facts.mode, 8)


@implements("FP01")
def personal_data_in_clear(ctx: Context, options: dict) -> pd.DataFrame:
    """An unencrypted file whose records carry direct identifiers (a name, an ID, a birth date)."""
    p = ctx.facts.protection
    if p.encrypted or not len(ctx.frame):
        return _none()
    fields = [f for f in DIRECT_IDENTIFIERS if f in ctx.frame.columns]
    if not fields:
        return _none()
    n = len(ctx.frame)
    present = np.zeros(n, dtype=bool)
    for f in fields:  # each field read only in the records no field before it filled (few after the first)
        todo = np.flatnonzero(~present)
        if not len(todo):
            break
        column = ctx.frame[f] if len(todo) == n else ctx.frame[f].iloc[todo]
        present[todo] = column.notna().to_numpy() & (column.astype("string").str.strip() != "").fillna(False).to_numpy()
    records = int(present.sum())
    if not records:
        return _none()
    minors = ctx.memo("stats").get("MN01")
    if minors is None:
        said = "minors not checked (MN01 not run)"
    else:
        sure, possible = int(minors.get("minors", 0)), int(minors.get("possible_minors", 0))
        said = (f"{sure} of them people listed as minors" + (f", {possible} more possibly" if possible else "")
                if sure or possible else "no minors found among them")
    kind = ctx.facts.format + (f" in {ctx.facts.compression}" if ctx.facts.compression else "")
    return _list_level(records=records, identifiers=", ".join(fields), format=kind, minors=said)


@implements("FP02")
def encrypted(ctx: Context, options: dict) -> pd.DataFrame:
    p = ctx.facts.protection
    if not p.encrypted:
        return _none()
    state = ("was decrypted in memory with the password given and checked" if p.decrypted
             else "is not assessable without the key")
    return _list_level(detail=p.encrypted, state=state)


@implements("FP03")
def world_readable(ctx: Context, options: dict) -> pd.DataFrame:
    if not _posix(ctx) or not _mode(ctx) & 0o004:
        return _none()
    # readable by everyone is a leak when the content is in clear; behind encryption, a weaker exposure
    severity = "warning" if ctx.facts.protection.encrypted else "error"
    return _list_level(mode=ctx.facts.mode, owner=ctx.facts.owner or "?").assign(severity=severity)


@implements("FP04")
def writable_by_others(ctx: Context, options: dict) -> pd.DataFrame:
    if not _posix(ctx):
        return _none()
    mode = _mode(ctx)
    if mode & 0o002:
        return _list_level(who="anyone on the system", mode=ctx.facts.mode).assign(severity="error")
    if mode & 0o020:
        return _list_level(who="members of its group", mode=ctx.facts.mode)
    return _none()


@implements("FP05")
def world_writable_folder(ctx: Context, options: dict) -> pd.DataFrame:
    p = ctx.facts.protection
    if not _posix(ctx) or p.dir_mode is None or not int(p.dir_mode, 8) & 0o002:
        return _none()
    sticky = ("; sticky, so others cannot delete or rename it, but they can put files beside it "
              "(a forged checksum among them)" if p.dir_sticky else "; anyone can replace or delete the file")
    return _list_level(folder=p.dir_path, mode=p.dir_mode, sticky=sticky)


@implements("FP06")
def permissions_not_assessable(ctx: Context, options: dict) -> pd.DataFrame:
    p = ctx.facts.protection
    if p.posix is None and ctx.facts.mode is not None:
        return _none()
    return _list_level(reason=p.posix or "the file's mode could not be read")


def _exposed(path: str, folders: dict) -> tuple[str, str] | None:
    """(folder, kind) of the first path component naming a web root or a synced/shared folder."""
    lowered = {str(k).casefold(): v for k, v in folders.items()}
    for part in PurePath(path).parent.parts:
        key = part.casefold()
        if key in lowered:
            return part, lowered[key]
        for name, kind in lowered.items():  # "OneDrive - Ministerio", "Dropbox (Personal)"
            if key.startswith(name + " - ") or key.startswith(name + " ("):
                return part, kind
    return None


@implements("FP07")
def public_folder(ctx: Context, options: dict) -> pd.DataFrame:
    import os

    hit = _exposed(os.path.abspath(ctx.facts.path), ctx.profile.get("exposed_folders") or {})
    if hit is None:
        return _none()
    return _list_level(folder=hit[0], kind=hit[1])


@implements("FP08")
def no_integrity_check(ctx: Context, options: dict) -> pd.DataFrame:
    p = ctx.facts.protection
    if any(s["status"] == "matches" or s["kind"] == "signature" for s in p.sidecars):
        return _none()
    if any(s["status"] == "mismatch" for s in p.sidecars):
        return _none()  # FP09 says worse
    return _list_level(looked_for=", ".join(p.looked_for) or "a checksum or signature file")


@implements("FP09")
def checksum_problem(ctx: Context, options: dict) -> pd.DataFrame:
    p = ctx.facts.protection
    problems = {"mismatch": ("the SHA-256 it states does not match the file: the file changed or is not the one "
                             "that was published", "error"),
                "unreadable": ("no SHA-256 digest could be read from it", "warning"),
                "no entry": ("it lists no checksum for this file", "warning")}
    rows = [(s["path"], *problems[s["status"]]) for s in p.sidecars if s["status"] in problems]
    if not rows:
        return _none()
    return pd.DataFrame({"pos": np.full(len(rows), -1, dtype=np.int64), "sidecar": [r[0] for r in rows],
                         "problem": [r[1] for r in rows], "severity": [r[2] for r in rows]})


def _workbook(ctx: Context) -> dict:
    return ctx.facts.protection.workbook or {}


@implements("FP10")
def hidden_content(ctx: Context, options: dict) -> pd.DataFrame:
    wb = _workbook(ctx)
    parts = []
    if wb.get("hidden_sheets"):
        parts.append(f"hidden sheet(s) {', '.join(repr(s) for s in wb['hidden_sheets'])}")
    if wb.get("very_hidden_sheets"):
        parts.append(f"very hidden sheet(s) {', '.join(repr(s) for s in wb['very_hidden_sheets'])} "
                     "(invisible in Excel's own menus)")
    for sheet, n in (wb.get("hidden_rows") or {}).items():
        parts.append(f"{n} hidden row(s) holding values on sheet {sheet!r}")
    for sheet, n in (wb.get("hidden_columns") or {}).items():
        parts.append(f"{n} hidden column(s) holding values on sheet {sheet!r}")
    if not parts:
        return _none()
    return _list_level(what="; ".join(parts))


@implements("FP11")
def external_links(ctx: Context, options: dict) -> pd.DataFrame:
    n = _workbook(ctx).get("external_links", 0)
    return _list_level(links=n) if n else _none()


@implements("FP12")
def macros(ctx: Context, options: dict) -> pd.DataFrame:
    return _list_level() if _workbook(ctx).get("macros") else _none()


@implements("FP13")
def formulas(ctx: Context, options: dict) -> pd.DataFrame:
    counts = _workbook(ctx).get("formulas") or {}
    if not counts:
        return _none()
    where = ", ".join(f"{n} on sheet {sheet!r}" for sheet, n in counts.items())
    return _list_level(count=sum(counts.values()), where=where)


@implements("FP14")
def people_in_properties(ctx: Context, options: dict) -> pd.DataFrame:
    programs = {str(a).casefold() for a in ctx.profile.get("non_person_authors") or ()}
    props = {k: v for k, v in (_workbook(ctx).get("people_properties") or {}).items()
             if v.strip().casefold() not in programs}
    if not props:
        return _none()
    named = ", ".join(f"{k} {ctx.redaction.value('full_name', v)}" for k, v in props.items())
    return _list_level(properties=named)
