"""Multi-table datasets read as one list: a main table (one row per subject) and child tables
(several birth dates, identifiers, names per subject) joined on a key.

Two ways in:

* ``--join FILE`` (repeatable) with ``--join-on KEY``: the checked file is the main table, each
  FILE a child table holding KEY too;
* a Frictionless Data Package (``datapackage.json``): the main table is the resource the others'
  ``foreignKeys`` reference, each referencing resource a child joined on its foreign key. Resource
  paths must be relative and stay inside the package's folder (no URLs, no ``..``).

The result is the main table's rows, each child's columns added as list-valued fields (see
``records.py``): the cell holds the subject's first value in the child file's order, and
``multi`` every value. A child column keeps its own name unless the main table (or an earlier
child) has it, then it is ``<child file stem>.<column>``. Child rows whose key matches no subject
are counted in the notes. Everything is vectorised: the child's keys are looked up once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import LoadError
from .source import Loaded


@dataclass(frozen=True)
class Child:
    path: Path
    key: str  # the child's column holding the subject key
    main_key: str  # the main table's key column


def attach(main: Loaded, child: Loaded, spec: Child) -> None:
    """Add the child's columns to ``main`` as list-valued fields (in place)."""
    frame = main.frame
    where = spec.path
    if spec.main_key not in frame.columns:
        raise LoadError(f"{main.facts.path}: no key column '{spec.main_key}' to join {where} on "
                        f"(columns: {', '.join(map(str, frame.columns))})")
    if spec.key not in child.frame.columns:
        raise LoadError(f"{where}: no key column '{spec.key}' (columns: {', '.join(map(str, child.frame.columns))})")
    main_keys = pd.Index(frame[spec.main_key].astype("str").str.strip())
    child_keys = child.frame[spec.key].astype("str").str.strip()
    if main_keys.has_duplicates:
        positions = pd.Series(np.arange(len(main_keys)), index=main_keys)
        positions = positions[~positions.index.duplicated()]  # a repeated main key gets its first row
        target = positions.reindex(child_keys).to_numpy(dtype=float)
        dup = int(main_keys.duplicated().sum())
        main.notes.append(f"{dup} row(s) repeat a key of '{spec.main_key}': children of that key join its first row")
    else:
        target = main_keys.get_indexer(child_keys).astype(float)
        target[target < 0] = np.nan
    matched = ~np.isnan(target)
    orphans = int((~matched & child_keys.notna().to_numpy()).sum())
    order = np.argsort(np.where(matched, target, np.inf), kind="stable")[: int(matched.sum())]
    owner = target[order].astype(np.int64)
    counts = np.bincount(owner, minlength=len(frame))
    stem = spec.path.stem
    added = []
    for column in child.frame.columns:
        if column == spec.key:
            continue
        name = column if column not in frame.columns else f"{stem}.{column}"
        values = pa.array(child.frame[column].array, type=pa.string()).take(pa.array(order))
        keep = np.asarray(values.is_valid(), dtype=bool)  # blanks are not values, as in nested JSON and XML
        kept = np.bincount(owner[keep], minlength=len(frame))
        lists = pa.ListArray.from_arrays(pa.array(np.concatenate(([0], np.cumsum(kept))).astype(np.int32)),
                                         values.filter(pa.array(keep)))
        frame[name] = pd.Series(_first_values(lists), dtype="str")
        main.multi[name] = lists
        added.append(name)
    most = int(counts.max()) if len(counts) else 0
    note = (f"joined {spec.path.name} on {spec.key}: {int(matched.sum())} row(s) onto {int((counts > 0).sum())} "
            f"subject(s), up to {most} each; columns {', '.join(added)} are list-valued")
    if orphans:
        note += f"; {orphans} row(s) match no subject and are not checked"
    main.notes.append(note)


def _first_values(lists: pa.ListArray) -> np.ndarray:
    """The first value of each list, None for an empty list."""
    offsets = np.asarray(lists.offsets)
    present = np.diff(offsets) > 0
    out = np.full(len(lists), None, dtype=object)
    if present.any():
        out[present] = lists.flatten().take(pa.array(offsets[:-1][present] - offsets[0])).to_numpy(zero_copy_only=False)
    return out


def read_package(path: Path) -> tuple[Path, list[Child]]:
    """The main resource's path and the children of a Frictionless ``datapackage.json``."""
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LoadError(f"{path}: cannot read the data package descriptor ({exc})") from None
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not resources:
        raise LoadError(f"{path}: a data package needs a list of resources")
    folder = path.parent.resolve()
    by_name: dict[str, Path] = {}
    for i, resource in enumerate(resources):
        rpath = resource.get("path") if isinstance(resource, dict) else None
        if not isinstance(rpath, str) or "://" in rpath or Path(rpath).is_absolute():
            raise LoadError(f"{path}: resource {i + 1} must have a relative local path (got {rpath!r})")
        target = (folder / rpath).resolve()
        if folder not in target.parents:
            raise LoadError(f"{path}: resource path {rpath!r} leaves the package's folder")
        by_name[str(resource.get("name", rpath))] = target
    links: list[tuple[str, str, str, str]] = []  # child resource, child field, parent resource, parent field
    for resource in resources:
        for fk in ((resource.get("schema") or {}).get("foreignKeys") or []):
            ref = fk.get("reference") or {}
            fields, ref_fields = fk.get("fields"), ref.get("fields")
            fields = [fields] if isinstance(fields, str) else fields
            ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields
            if not fields or not ref_fields or len(fields) != 1 or len(ref_fields) != 1:
                raise LoadError(f"{path}: only single-field foreign keys are supported")
            parent = ref.get("resource") or resource.get("name")
            links.append((str(resource.get("name")), fields[0], str(parent), ref_fields[0]))
    if not links:
        return by_name[next(iter(by_name))], []
    parents = {p for _, _, p, _ in links}
    children_names = {c for c, _, _, _ in links}
    roots = [p for p in parents if p not in children_names] or [links[0][2]]
    main = roots[0]
    if main not in by_name:
        raise LoadError(f"{path}: foreign key references unknown resource '{main}'")
    children = [Child(by_name[c], field, parent_field) for c, field, p, parent_field in links
                if p == main and c != main]
    return by_name[main], children


def is_package(path: Path) -> bool:
    return path.name.lower() == "datapackage.json"


def load_dataset(path: str | Path, joins: tuple[str, ...] | list[str] = (), join_on: str | None = None,
                 **read) -> Loaded:
    """The checked file, a data package's main resource with its children, or a file with
    ``--join`` children: one ``Loaded`` either way. ``read``: the options of ``load``."""
    from . import load

    path = Path(path)
    if joins and not join_on:
        raise LoadError("--join needs --join-on KEY (the column the files share)")
    if is_package(path) and not joins:
        main_path, children = read_package(path)
        loaded = load(main_path, **read)
        loaded.notes.insert(0, f"data package {path}: main resource {main_path.name}, "
                               f"{len(children)} resource(s) joined by their foreign keys")
    else:
        loaded = load(path, **read)
        children = [Child(Path(j), join_on, join_on) for j in joins]
    for child in children:
        attach(loaded, load(child.path, **read), child)
    return loaded
