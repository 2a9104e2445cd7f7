"""JSON: a list of objects (or an object holding one such list), and NDJSON."""

from __future__ import annotations

import json

import pandas as pd

from ..errors import LoadError
from .cells import cell_text, unique_columns
from .source import Loaded, SourceFacts
from .text import Text


def _json_loads(text: str):
    # Numbers stay as written: a DNI 20123456 is "20123456", an amount 1.50 is "1.50".
    return json.loads(text, parse_int=str, parse_float=str)


def load_json(doc: Text, facts: SourceFacts, options=None) -> Loaded:
    text = doc.text.lstrip()
    try:
        if facts.format == "ndjson":
            records = [_json_loads(ln) for ln in text.splitlines() if ln.strip()]
        else:
            try:
                records = _json_loads(text)
            except json.JSONDecodeError as exc:
                if "Extra data" in str(exc):
                    facts.format = "ndjson"
                    records = [_json_loads(ln) for ln in text.splitlines() if ln.strip()]
                else:
                    raise
    except json.JSONDecodeError as exc:
        raise LoadError(f"{facts.path}: invalid or truncated JSON (line {exc.lineno}: {exc.msg})") from None
    if isinstance(records, dict):
        lists = [v for v in records.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise LoadError(f"{facts.path}: JSON object must hold exactly one list of records")
        records = lists[0]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise LoadError(f"{facts.path}: JSON must be a list of objects (one record each)")
    if not records:
        raise LoadError(f"{facts.path}: JSON holds no records")
    keys = list(dict.fromkeys(k for r in records for k in r))
    columns = unique_columns([str(k).strip() for k in keys])
    frame = pd.DataFrame({col: pd.Series([cell_text(r.get(key)) for r in records], dtype="str")
                          for key, col in zip(keys, columns)})
    frame = frame.replace("", pd.NA)
    return Loaded(frame=frame, facts=facts, lines=None)


