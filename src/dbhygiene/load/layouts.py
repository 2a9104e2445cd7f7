"""Known headerless layouts: data files in ``rules/formats/headerless/`` (one YAML per layout),
recognised by shape (the number of fields and a regex per column that every one of the first rows
fits). A match names the columns as published, turns the layout's null token into blanks, fills
blanks where the layout gives them a meaning, and derives columns by regex from free text (OFAC
SDN's dates of birth live in ``Remarks``). Every step is a vectorised string operation.

```yaml
name: ofac_sdn_csv
title: OFAC SDN list, legacy CSV without a header row
columns: [ent_num, SDN_Name, ...]      # as published, in file order
match: {ent_num: '\\d+'}                # column -> regex (re.fullmatch); blank cells ignored
null_values: ['-0-']                   # cells equal to one of these (spaces stripped) are blank
fill: {SDN_Type: entity}               # blank cells of the column mean this value
derive: {DOB: {from: Remarks, regex: 'DOB ([^;]+)'}}   # every match of group 1, list-valued
```
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..errors import LoadError
from .source import Loaded

KEYS = {"name", "title", "columns", "match", "null_values", "fill", "derive"}


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    columns: list[str]
    match: dict[str, str] = field(default_factory=dict)
    null: tuple[str, ...] = ()
    fill: dict[str, str] = field(default_factory=dict)
    derive: dict[str, dict] = field(default_factory=dict)

    @property
    def note(self) -> str:
        return (f"no header row: read as {self.title} (rules/formats/headerless/{self.name}.yml), "
                f"columns {', '.join(self.columns)}")

    def fits(self, rows: list[list], width: int) -> bool:
        if width != len(self.columns):
            return False
        rows = [r for r in rows if any(v is not None for v in r)]
        if not rows:
            return False
        for column, pattern in self.match.items():
            j = self.columns.index(column)
            regex = re.compile(pattern, re.I)
            if not all(r[j] is None or regex.fullmatch(r[j]) for r in rows if j < len(r)):
                return False
        return True

    def apply(self, loaded: Loaded) -> None:
        frame = loaded.frame
        if self.null:
            nulls = set(self.null)
            for column in frame.columns:
                stripped = frame[column].str.strip()
                frame[column] = frame[column].mask(stripped.isin(nulls) | (stripped == ""))
        for column, value in self.fill.items():
            blank = frame[column].isna()
            if blank.any():
                frame[column] = frame[column].fillna(value)
                loaded.notes.append(f"{int(blank.sum())} blank {column} read as '{value}' (the layout says so)")
        for name, spec in self.derive.items():
            found = frame[spec["from"]].fillna("").str.findall(spec["regex"])
            frame[name] = found.str[0].astype("str")
            loaded.multi[name] = pa.array(found.tolist(), type=pa.list_(pa.string()))
            n = found.str.len()
            loaded.notes.append(f"{name} read from {spec['from']} (rules/formats/headerless/{self.name}.yml): "
                                f"{int((n > 0).sum())} record(s) have one or more, {int((n > 1).sum())} several")


def _folder() -> Path:
    from ..catalogue import rules_dir

    return rules_dir() / "formats" / "headerless"


@functools.cache
def known_layouts() -> tuple[Layout, ...]:
    from ..catalogue import safe_load

    layouts = []
    for path in sorted(_folder().glob("*.yml")):
        spec = safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = set(spec) - KEYS
        if unknown or not {"name", "columns"} <= set(spec):
            raise LoadError(f"{path.name}: a headerless layout needs name and columns "
                            f"(keys: {', '.join(sorted(KEYS))}); unknown: {', '.join(sorted(map(str, unknown))) or 'none'}")
        columns = [str(c) for c in spec["columns"]]
        for key in ("match", "fill"):
            missing = set(spec.get(key) or {}) - set(columns)
            if missing:
                raise LoadError(f"{path.name}: {key} names unknown column(s) {', '.join(sorted(missing))}")
        layouts.append(Layout(name=spec["name"], title=spec.get("title", spec["name"]), columns=columns,
                              match=dict(spec.get("match") or {}), null=tuple(spec.get("null_values") or ()),
                              fill=dict(spec.get("fill") or {}), derive=dict(spec.get("derive") or {})))
    return tuple(layouts)


def match_layout(rows: list[list], width: int) -> Layout | None:
    return next((layout for layout in known_layouts() if layout.fits(rows, width)), None)
