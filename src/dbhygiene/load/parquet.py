"""Apache Parquet (pyarrow)."""

from __future__ import annotations

import io

from ..errors import LoadError
from .cells import stringify, unique_columns
from .limits import Limits
from .source import Loaded, SourceFacts


def load_parquet(data: bytes, facts: SourceFacts, limits: Limits | None = None) -> Loaded:
    import pyarrow.parquet as pq

    try:
        table = read_bounded(data, facts.path, limits or Limits())
    except LoadError:
        raise
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for damaged files
        raise LoadError(f"{facts.path}: cannot read Parquet ({exc})") from None
    try:
        frame = table.to_pandas(integer_object_nulls=True, date_as_object=True, timestamp_as_object=True)
    except Exception as exc:  # e.g. out-of-range timestamps
        raise LoadError(f"{facts.path}: cannot convert Parquet columns ({exc})") from None
    frame.columns = unique_columns([str(c).strip() for c in frame.columns])
    return Loaded(frame=stringify(frame), facts=facts, lines=None)


def check_parquet_size(data: bytes, where: str, limits: Limits) -> None:
    """Parquet is compressed column by column: a small file can decode to gigabytes. Its footer
    states each row group's uncompressed size and row count; the larger of the stated bytes and
    one byte per cell (run-length encoding packs millions of equal cells into a few bytes) is held
    to the same limits as any compressed input, before a page is decoded."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
    except Exception as exc:  # damaged footer
        raise LoadError(f"{where}: cannot read Parquet ({exc})") from None
    stated = sum(max(meta.row_group(i).total_byte_size, 0) for i in range(meta.num_row_groups))
    expanded = max(stated, meta.num_rows * max(meta.num_columns, 1))
    limits.check_expansion(where, expanded, len(data), "Parquet")


def read_bounded(data: bytes, where: str, limits: Limits):
    """The table, decoded a batch at a time with the decoded bytes held to the input limits as they
    grow (a footer can understate, and dictionary pages expand beyond any stated size): memory stays
    within the limit and one batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    check_parquet_size(data, where, limits)
    parquet = pq.ParquetFile(io.BytesIO(data))
    batches, decoded = [], 0
    for batch in parquet.iter_batches(batch_size=1 << 16):
        decoded += batch.nbytes
        limits.check_expansion(where, decoded, len(data), "Parquet")
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=parquet.schema_arrow)
