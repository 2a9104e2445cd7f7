"""Byte-level string operations against the plain pyarrow/RE2 forms they replace."""

from __future__ import annotations

import random

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from dbhygiene import textops
from dbhygiene.normalise import ID_SEPARATORS, normalise_id


def reference_clean(arr: pa.Array) -> pa.Array:
    """The definition: NFKD → remove \\p{Mn}+ → lower → [^\\p{L}\\p{N}]+ → ' ' → trim; '' stays ''."""
    out = pc.replace_substring_regex(pc.utf8_normalize(arr, "NFKD"), r"\p{Mn}+", "")
    out = pc.replace_substring_regex(pc.utf8_lower(out), r"[^\p{L}\p{N}]+", " ")
    return pc.utf8_trim_whitespace(out).cast(pa.large_string())


TRICKY = (list("abcXYZ019 ,.-'\t_\n") + [chr(cp) for cp in range(0x80, 0x800)]
          + ["\u2003", "\u2019", "\u2018", "\u00ab", "\u0301", "\u0327", "\u0345", "\u200b", "\u2164", "\ufb00",
             "\U0001d400", "\U0001f600", "\u1e9e", "\u0130", "\u0131", "\u01c5", "\u3000", "\u4e2d", "e\u0301",
             "\u0928\u093f", "\u0e01\u0e34"])


def random_strings(seed: int, n: int, pool: list[str], max_len: int = 12) -> list[str | None]:
    rng = random.Random(seed)
    out: list[str | None] = ["".join(rng.choice(pool) for _ in range(rng.randint(0, max_len))) for _ in range(n)]
    return out + [None, "", " ", "  a  ", "ÁÉÍ", "O'NEIL-PÉREZ, JOSÉ", "\u00a0JUAN\u00a0"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_names_equals_the_regex_definition(seed):
    arr = pa.array(random_strings(seed, 20_000, TRICKY), pa.large_string())
    expected, got = reference_clean(arr), textops.clean_names(arr)
    assert got.type == pa.large_string()
    mismatch = [(arr[i].as_py(), expected[i].as_py(), got[i].as_py())
                for i in range(len(arr)) if expected[i].as_py() != got[i].as_py()]
    assert mismatch == []


def test_clean_names_every_two_byte_character_alone_and_between_letters():
    chars = [chr(cp) for cp in range(0x80, 0x800)]
    arr = pa.array(chars + [f"A{ch}b" for ch in chars] + [f"{ch} {ch}" for ch in chars], pa.large_string())
    assert textops.clean_names(arr).to_pylist() == reference_clean(arr).to_pylist()


def test_clean_names_examples():
    arr = pa.array(["NAVARRO, HERNÁN HÉCTOR", "  o'neil--pérez ", "Ñandú", "Straße", "ªº", None, "", "..."],
                   pa.string())
    assert textops.clean_names(arr).to_pylist() == [
        "navarro hernan hector", "o neil perez", "nandu", "straße", "ao", None, "", ""]


def test_clean_names_on_sliced_and_chunked_arrays():
    base = pa.array(["x", "ÁLVAREZ, ANA", None, "pérez  gómez", "z"], pa.large_string())
    assert textops.clean_names(base.slice(1, 3)).to_pylist() == ["alvarez ana", None, "perez gomez"]
    chunked = pa.chunked_array([base.slice(0, 2), base.slice(3, 2)])
    assert textops.clean_names(chunked).to_pylist() == ["x", "alvarez ana", "perez gomez", "z"]
    assert textops.clean_names(pa.array([], pa.large_string())).to_pylist() == []
    assert textops.clean_names(pa.array([None, None], pa.large_string())).to_pylist() == [None, None]


def test_drop_ascii_equals_the_regex_definition():
    pool = list("0123456789.-_/ \t\n\r\f\vaAbZ") + ["\u00a0", "\u2003", "ñ", "·", "\u2010"]
    arr = pa.array(random_strings(4, 20_000, pool), pa.large_string())
    expected = pc.replace_substring_regex(arr, r"[\s.\-_/]+", "")
    assert textops.drop_ascii(arr, ID_SEPARATORS).to_pylist() == expected.to_pylist()


def test_normalise_id_keeps_nulls_and_blanks_become_null():
    got = normalise_id(pd.Series(["12.345.678", " 20-12345678-6 ", "ab/1", "..", None], dtype="str"))
    assert got.tolist()[:3] == ["12345678", "20123456786", "AB1"]
    assert got.isna().tolist() == [False, False, False, True, True]
