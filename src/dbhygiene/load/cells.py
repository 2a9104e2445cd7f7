"""Turning typed cells (xlsx, JSON, Parquet) into text as written, and naming columns uniquely."""

from __future__ import annotations

import json

import pandas as pd


def stringify(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for column in frame.columns:
        col = frame[column]
        if pd.api.types.is_datetime64_any_dtype(col):
            values = col.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(col):
            values = col.map(lambda v: None if pd.isna(v) else (str(int(v)) if float(v).is_integer() else repr(v)))
        else:
            values = col.map(cell_text, na_action="ignore")
        out[str(column).strip()] = values.astype("str")
    result = pd.DataFrame(out)
    return result.replace("", pd.NA) if len(result) else result


def cell_text(value) -> str | None:
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)



def unique_columns(names: list[str]) -> list[str]:
    """Duplicate headers get a suffix, as pandas does for CSV: "a", "a.1"."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            candidate = f"{name}.{seen[name]}"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name}.{seen[name]}"
            seen[candidate] = 0
            out.append(candidate)
        else:
            seen[name] = 0
            out.append(name)
    return out


