"""Regressions found while speeding up the 1M-row check (issue 15). All people here are invented."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from dbhygiene.checks.several import birth_date_lists


class _Ctx:
    def __init__(self, frame):
        self.frame = frame
        self.multi = {}


def test_db09_reads_a_birth_date_column_held_in_several_arrow_chunks():
    # a big file's text column is a ChunkedArray of several chunks; DB09 crashed on it at 1M rows
    chunked = pa.chunked_array([["01/02/1980", None], ["1970-01-18; 1965-03-29"]])
    frame = pd.DataFrame({"birth_date": pd.Series(pd.arrays.ArrowStringArray(chunked))})
    lists = birth_date_lists(_Ctx(frame))
    assert lists.to_pylist() == [["01/02/1980"], [], ["1970-01-18; 1965-03-29"]]
