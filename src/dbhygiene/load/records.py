"""Records with list-valued fields (nested JSON, XML) to one frame row per record.

The rule, the same for every nested source:

* one row per record; nested objects become dotted column names (``_links.self.href``);
* a list-valued field (several dates of birth, aliases, identifiers; in XML an element that
  repeats) keeps ALL its values: the frame cell holds the first non-blank value, so every rule
  reads the primary value as before, and ``Loaded.multi[column]`` holds the whole list of every
  record as a pyarrow ``list<string>`` array (an empty list where the record has none), for the
  rules that understand several values (DB09);
* blank values (``""``, JSON null, an empty XML element) are not values: they are dropped from
  the lists; any other text is kept exactly as written, spaces included.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from .cells import unique_columns

Values = list[str]


def is_blank(value: str | None) -> bool:
    return value is None or value == ""


def build_frame(records: list[dict[str, Values]], list_valued: set[str] | None = None,
                order: list[str] | None = None) -> tuple[pd.DataFrame, dict[str, pa.ListArray], list[str]]:
    """(frame of first values, multi, notes). Columns in ``order`` first, then as first seen.

    ``list_valued``: columns that are lists in the source; None means any column where some record
    holds two or more values."""
    seen: dict[str, None] = dict.fromkeys(order or [])
    for record in records:
        seen.update(dict.fromkeys(record))
    keys = list(seen)
    columns = unique_columns([str(k).strip() for k in keys])
    frame_data: dict[str, pd.Series] = {}
    multi: dict[str, pa.ListArray] = {}
    widest: dict[str, int] = {}
    for key, column in zip(keys, columns):
        lists = [[v for v in record.get(key) or () if not is_blank(v)] for record in records]
        frame_data[column] = pd.Series([vals[0] if vals else None for vals in lists], dtype="str")
        most = max((len(vals) for vals in lists), default=0)
        if (key in list_valued) if list_valued is not None else most > 1:
            multi[column] = pa.array(lists, type=pa.list_(pa.string()))
            widest[column] = most
    frame = pd.DataFrame(frame_data) if frame_data else pd.DataFrame(index=range(len(records)))
    notes = []
    several = {c: n for c, n in widest.items() if n > 1}
    if several:
        listed = ", ".join(f"{c} (up to {n})" for c, n in several.items())
        notes.append(f"{len(several)} field(s) hold several values per record: {listed}; each cell shows "
                     "the first value and rules that read several values see them all")
    return frame, multi, notes
