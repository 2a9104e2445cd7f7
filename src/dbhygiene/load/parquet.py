"""Apache Parquet (pyarrow)."""

from __future__ import annotations

import io

from ..errors import LoadError
from .cells import stringify, unique_columns
from .source import Loaded, SourceFacts


def load_parquet(data: bytes, facts: SourceFacts) -> Loaded:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for damaged files
        raise LoadError(f"{facts.path}: cannot read Parquet ({exc})") from None
    try:
        frame = table.to_pandas(integer_object_nulls=True, date_as_object=True, timestamp_as_object=True)
    except Exception as exc:  # e.g. out-of-range timestamps
        raise LoadError(f"{facts.path}: cannot convert Parquet columns ({exc})") from None
    frame.columns = unique_columns([str(c).strip() for c in frame.columns])
    return Loaded(frame=stringify(frame), facts=facts, lines=None)
