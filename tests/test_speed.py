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


def test_id_shapes_by_byte_table_match_the_re2_reference():
    from dbhygiene.checks.id_shape import _shapes_re2, shapes

    values = pa.array(["CJ11021747671", "12.345.678", None, "ÑA12", "", "x-9", "ΔΣ12", "Ab", "١٢3"],
                      type=pa.large_string())
    assert shapes(values).to_pylist() == _shapes_re2(values).to_pylist()
    assert shapes(values.slice(3, 4)).to_pylist() == ["AA99", "", "A-9", "AA99"]


def test_mask_id_fast_path_matches_the_character_walk():
    import re

    from dbhygiene.redact import mask_id

    alnum = re.compile(r"[^\W_]")

    def walk(value: str) -> str:
        value = value.strip()
        hide = len(alnum.findall(value)) - len(alnum.findall(value)) // 3
        out, seen = [], 0
        for ch in value:
            out.append("*" if alnum.match(ch) and seen < hide else ch)
            seen += bool(alnum.match(ch))
        return "".join(out)

    for value in ["20123456", "AB12", "x", " 123 ", "12.345.678", "Ñ12", "²3", "", "a_b", "١٢٣٤", "ab cd"]:
        assert mask_id(value) == walk(value)


def test_db09_prefilter_splits_exactly_the_values_the_regex_splits():
    from dbhygiene.checks.several import _pieces, _split_distinct

    values = ["01/02/1980", "1970-01-18; 1965-03-29", "April 18, 1948, April 15, 1950", "(a) 3.3.1965, (b) 1.1.1965",
              "01 Jan 1961 to 31 Dec 1962", "1951", "circa 1951", "1980 1981", "18 Apr 1948 / 1949-01-02", "",
              "19801981", "2/3/1950 y 4/5/1950"]
    assert _pieces(pa.array(values)) == _split_distinct(values)
    assert _pieces(pa.array(values))[1] == ["1970-01-18", "1965-03-29"]
