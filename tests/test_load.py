"""Stage 1: formats, encodings, delimiters, containers, row/line numbers and file facts."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import os
import pwd
import random

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SPANISH_EXPORT, refuse_open, zip_bytes

from dbhygiene.errors import LoadError
from dbhygiene.load import cp1252_to_utf8, load
from dbhygiene.load import first_invalid_utf8 as _first_invalid_utf8
from dbhygiene.load import text as load_text_module
from conftest import xlsx_bytes

TRICKY = "nombre;dni;fecha;legajo\nPEREZ, JUAN;12.345.678;01/02/1980;007\nGOMEZ, ANA;0020123456;1985;010\n"
TRICKY_ROWS = [["PEREZ, JUAN", "12.345.678", "01/02/1980", "007"], ["GOMEZ, ANA", "0020123456", "1985", "010"]]


def cells(loaded) -> list[list]:
    return [[None if v is None or v != v else v for v in row] for row in loaded.frame.astype(object).values.tolist()]




# --- delimiters and text cells ---------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed_and_cells_stay_text(write, delimiter):
    rows = [["nombre", "dni", "fecha", "legajo"], ["PEREZ JUAN", "12.345.678", "01/02/1980", "007"],
            ["GOMEZ ANA", "0020123456", "1985", "010"]]
    path = write("x.csv", "\n".join(delimiter.join(r) for r in rows) + "\n")
    loaded = load(path)
    assert loaded.facts.delimiter == delimiter
    assert list(loaded.frame.columns) == rows[0]
    assert cells(loaded) == rows[1:]
    assert all(pd_is_text(loaded.frame[c]) for c in loaded.frame.columns)


def pd_is_text(series) -> bool:
    import pandas as pd

    return pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype)


def test_semicolon_file_with_commas_inside_names(write):
    loaded = load(write("x.csv", TRICKY))
    assert loaded.facts.delimiter == ";"
    assert cells(loaded) == TRICKY_ROWS


def test_single_column_file_with_commas_in_values_is_not_comma_separated(write):
    loaded = load(write("x.csv", "nombre\nPEREZ, JUAN\nGOMEZ, ANA\n"))
    assert list(loaded.frame.columns) == ["nombre"]
    assert cells(loaded) == [["PEREZ, JUAN"], ["GOMEZ, ANA"]]
    assert loaded.malformed_rows == []


def test_explicit_delimiter_wins(write):
    loaded = load(write("x.csv", "a;b,c\n1;2,3\n"), delimiter=",")
    assert list(loaded.frame.columns) == ["a;b", "c"]


# --- encodings --------------------------------------------------------------------------------

@pytest.mark.parametrize(("codec", "expected"), [
    ("utf-8", {"utf-8"}),
    ("utf-8-sig", {"utf-8-sig"}),
    ("cp1252", {"cp1252"}),
    ("latin-1", {"cp1252"}),  # latin-1 text without C1 bytes is read as cp1252 (identical on those bytes)
    ("utf-16", {"utf-16"}),
])
def test_encoding_detected_and_text_decoded(write, codec, expected):
    path = write("x.csv", SPANISH_EXPORT.encode(codec))
    loaded = load(path)
    assert loaded.facts.encoding in expected
    assert loaded.frame.columns[0] == "APELLIDO Y NOMBRE"  # no BOM glued to the first header
    assert loaded.frame.iloc[0, 0] == "NÚÑEZ, JOSÉ MARÍA"
    assert loaded.facts.delimiter == ";"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_either_byte_order(write, codec):
    bom = "\ufeff".encode(codec)
    loaded = load(write("x.csv", bom + SPANISH_EXPORT.encode(codec)))
    assert loaded.frame.columns[0] == "APELLIDO Y NOMBRE"
    assert loaded.frame.iloc[1, 0] == "GÓMEZ, ANA"
    assert len(loaded.frame) == 3


def test_tiny_cp1252_file_is_not_read_as_mac_roman(write):
    loaded = load(write("x.csv", "nombre;dni\nNUÑEZ;1\n".encode("cp1252")))
    assert loaded.facts.encoding == "cp1252"
    assert loaded.frame.iloc[0, 0] == "NUÑEZ"


def test_cp1252_specific_characters(write):
    # 0x80-0x9F: euro sign, curly quotes and dashes only exist in cp1252, not latin-1
    text = "nombre;nota\nD’ALESSANDRO – “EL RUSO”;€ 5\n"
    loaded = load(write("x.csv", text.encode("cp1252")))
    assert loaded.facts.encoding == "cp1252"
    assert cells(loaded) == [["D’ALESSANDRO – “EL RUSO”", "€ 5"]]


@pytest.mark.parametrize("seed", [1, 2])
def test_cp1252_transcoder_matches_the_codec_byte_for_byte(seed):
    defined = bytes(b for b in range(256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
    rng = np.random.default_rng(seed)
    data = bytes(rng.choice(np.frombuffer(defined, dtype=np.uint8), 200_000))
    assert cp1252_to_utf8(data) == data.decode("cp1252").encode("utf-8")
    no_c1 = bytes(b for b in data if not 0x80 <= b <= 0x9F)
    assert cp1252_to_utf8(no_c1) == no_c1.decode("cp1252").encode("utf-8")
    assert cp1252_to_utf8(b"") == b""


@pytest.mark.parametrize("undefined", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_cp1252_transcoder_refuses_bytes_cp1252_leaves_undefined(undefined):
    assert cp1252_to_utf8(b"abc \x93x\x94 " + bytes([undefined])) is None
    lenient = cp1252_to_utf8(b"abc \x93x\x94 " + bytes([undefined]), strict=False)
    assert lenient.decode("utf-8") == "abc \u201cx\u201d " + chr(undefined)


def test_cp1252_file_with_an_undefined_byte_is_read_as_cp1252(write):
    rows = "".join(f"{name};sin novedad\n" for name in ["NUÑEZ", "PÉREZ", "GÓMEZ", "MUÑOZ", "ÁLVAREZ"] * 20)
    loaded = load(write("x.csv", ("nombre;nota\n" + rows).encode("cp1252") + b"X;a\x81\n"))
    assert loaded.facts.encoding == "cp1252"
    assert loaded.frame.iloc[0, 0] == "NUÑEZ"
    assert loaded.frame.iloc[-1].tolist() == ["X", "a\x81"]  # kept as Windows decodes it
    assert len(loaded.frame) == 101


def test_utf8_with_stray_cp1252_bytes_keeps_both_readable(write):
    body = "nombre;dni\n" + "PÉREZ, ANA;123\n" * 90_000  # > 1 MiB of valid UTF-8, then a line typed on Windows
    data = body.encode("utf-8") + "NUÑEZ, MARÍA;9\n".encode("cp1252") + "GÓMEZ;10\n".encode("utf-8")
    loaded = load(write("x.csv", data))
    assert loaded.facts.encoding == "utf-8+cp1252"
    assert loaded.frame.iloc[:, 0].tolist()[-3:] == ["PÉREZ, ANA", "NUÑEZ, MARÍA", "GÓMEZ"]
    assert loaded.notes[0] == "mixed encoding: 2 byte(s) that are not UTF-8 were read as cp1252 (line 90002)"


def test_cp1252_file_with_a_long_ascii_head_is_judged_where_the_accents_are(write):
    body = "nombre;dni\n" + "PEREZ, ANA;123\n" * 80_000 + "NUÑEZ, JOSÉ;9\nMUÑOZ, INÉS;10\n" * 20
    loaded = load(write("x.csv", body.encode("cp1252")))
    assert loaded.facts.encoding == "cp1252"
    assert loaded.frame.iloc[:, 0].tolist()[-2:] == ["NUÑEZ, JOSÉ", "MUÑOZ, INÉS"]
    assert loaded.notes == []


def test_cp1252_pairs_that_form_non_latin_utf8_are_not_evidence_of_utf8(write):
    # É + no-break space is C9 A0 in cp1252, which is also well-formed UTF-8 for 'ɠ'
    rows = "JOSÉ\u00a0PÉREZ,1\nJOSÉ\u00a0MUÑOZ,2\nJOSÉ\u00a0IBÁÑEZ,3\nMARÍA GÓMEZ,4\n"
    loaded = load(write("x.csv", ("name,id\n" + rows).encode("cp1252")))
    assert loaded.facts.encoding == "cp1252"
    assert loaded.frame.iloc[:, 0].tolist()[:2] == ["JOSÉ\u00a0PÉREZ", "JOSÉ\u00a0MUÑOZ"]


def test_cp1252_file_with_an_accidental_utf8_pair_stays_cp1252(write):
    # 'É' followed by a closing curly quote is C9 94 in cp1252, which is also well-formed UTF-8 (ɔ)
    body = "nombre;alias\n" + "NUÑEZ, JOSÉ;“EL RUSO”\n" * 50 + "PÉREZ;“JOSÉ”\n"
    loaded = load(write("x.csv", body.encode("cp1252")))
    assert loaded.facts.encoding == "cp1252"
    assert loaded.frame.iloc[-1].tolist() == ["PÉREZ", "“JOSÉ”"]


def test_first_invalid_utf8_byte_found_window_by_window_as_one_decode_finds_it():
    rng = random.Random(5)
    for _ in range(400):
        text = "".join(rng.choice(["a", "é", "€", "😀", "\n"]) for _ in range(rng.randint(0, 40))).encode()
        if text and rng.random() < 0.7:
            at = rng.randrange(len(text) + 1)
            text = text[:at] + bytes([rng.choice([0x80, 0xA9, 0xC3, 0xE9, 0xF0, 0xFF])]) + text[at:]
        try:
            expected = len(text) if text.decode("utf-8") is not None else None
        except UnicodeDecodeError as exc:
            expected = exc.start
        assert {_first_invalid_utf8(text, window) for window in (1, 2, 3, 5, 64)} == {expected}


@pytest.mark.parametrize("piece", [7, 64, 1000])
def test_cp1252_streamed_in_small_pieces_equals_one_read(write, monkeypatch, piece):
    rows = [f'{i};"NUÑEZ; ""EL {i}""\nRUSO";{"x" * (i % 5)}' for i in range(300)]
    rows[100] = '5" TUBO;O"NEIL;"varias\nlíneas; sí"'  # quotes inside unquoted fields are plain characters
    path = write("x.csv", ("n;nombre;nota\n" + "\n".join(rows) + "\n\n").encode("cp1252"))
    whole = load(path)
    assert whole.frame.iloc[6].tolist() == ["6", 'NUÑEZ; "EL 6"\nRUSO', "x"]
    assert whole.frame.iloc[100].tolist() == ['5" TUBO', 'O"NEIL', "varias\nlíneas; sí"]
    monkeypatch.setattr(load_text_module, "PIECE", piece)
    pieces = load(path)
    pd.testing.assert_frame_equal(pieces.frame, whole.frame)
    assert pieces.lines.tolist() == whole.lines.tolist() == list(range(2, 601, 2))
    assert pieces.facts.encoding == "cp1252"


def test_large_utf8_file_detected_and_hashed(write):
    data = ("nombre;dni\n" + "GÓMEZ, JOSÉ;1\n" * 100_000).encode("utf-8")
    loaded = load(write("x.csv", data))
    assert loaded.facts.encoding == "utf-8"
    assert loaded.facts.sha256 == hashlib.sha256(data).hexdigest()
    assert loaded.frame.iloc[-1, 0] == "GÓMEZ, JOSÉ"


def test_explicit_encoding_that_does_not_fit_is_an_error(write):
    path = write("x.csv", "nombre\nNUÑEZ\n".encode("cp1252"))
    with pytest.raises(LoadError, match="cannot decode as utf-8"):
        load(path, encoding="utf-8")


# --- row and line numbers ---------------------------------------------------------------------

def test_lines_count_quoted_newlines_and_skipped_blank_lines(write):
    text = 'nombre;nota\nA;"first\nsecond"\n\nB;x\r\n\n\nC;y\n'
    loaded = load(write("x.csv", text))
    assert cells(loaded) == [["A", "first\nsecond"], ["B", "x"], ["C", "y"]]
    assert loaded.lines.tolist() == [2, 5, 8]
    assert loaded.rows.tolist() == [1, 2, 3]
    assert any("blank" in n for n in loaded.notes)


def test_crlf_lines(write):
    loaded = load(write("x.csv", b'a,b\r\n1,2\r\n3,"x\r\ny"\r\n5,6\r\n'))
    assert loaded.lines.tolist() == [2, 3, 5]


def test_overlong_records_are_kept_and_located(write):
    text = 'nombre;dni;delito\nA;1;ROBO\n\nB;2;"ROBO\nAGRAVADO"\nC;3;ROBO; AGRAVADO\nD;4;HURTO\nE;5;X;Y;Z\n'
    loaded = load(write("x.csv", text))
    assert cells(loaded) == [["A", "1", "ROBO"], ["B", "2", "ROBO\nAGRAVADO"], ["C", "3", "ROBO"],
                             ["D", "4", "HURTO"], ["E", "5", "X"]]
    assert loaded.malformed_rows == [3, 5]
    assert loaded.lines.tolist() == [2, 4, 6, 7, 8]
    assert pd_is_text(loaded.frame["dni"])


def test_short_records_are_padded_with_blanks_and_reported(write):
    # issue 11: a short record is a finding (LD01) with its field count, never a silent shift
    loaded = load(write("x.csv", "a;b;c\n1;2\n3;4;5\n"))
    assert cells(loaded) == [["1", "2", None], ["3", "4", "5"]]
    assert (loaded.malformed_rows, loaded.malformed_fields) == ([1], [2])


# --- file facts -------------------------------------------------------------------------------

def test_file_facts(write):
    data = SPANISH_EXPORT.encode("cp1252")
    path = write("padron.csv", data)
    os.chmod(path, 0o640)
    facts = load(path).facts
    assert facts.path == str(path)
    assert facts.size == len(data)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert (facts.format, facts.encoding, facts.delimiter) == ("csv", "cp1252", ";")
    assert facts.mode == "0640"
    assert facts.owner == pwd.getpwuid(os.getuid()).pw_name
    assert facts.rows == 3


# --- Excel ------------------------------------------------------------------------------------

def test_xlsx_first_sheet_dates_and_numeric_ids(write):
    data = xlsx_bytes({
        "Padron": [["APELLIDO Y NOMBRE", "DNI", "FECHA NACIMIENTO", "FECHA ALTA", "LEGAJO"],
                   ["PEREZ, JUAN", 20123456, dt.datetime(1980, 2, 1), dt.datetime(2015, 6, 1, 10, 30), "007"],
                   [None, None, None, None, None],
                   ["GOMEZ, ANA", "21.987.654", dt.date(1985, 4, 3), None, 7.5]],
        "Otra": [["x"], ["y"]],
    })
    loaded = load(write("padron.xlsx", data))
    assert loaded.facts.format == "xlsx"
    assert loaded.facts.sheet == "Padron"
    assert cells(loaded) == [["PEREZ, JUAN", "20123456", "1980-02-01", "2015-06-01 10:30:00", "007"],
                             ["GOMEZ, ANA", "21.987.654", "1985-04-03", None, "7.5"]]
    assert all(pd_is_text(loaded.frame[c]) for c in loaded.frame.columns)
    assert loaded.lines.tolist() == [2, 4]  # the sheet's own row numbers, blank row 3 skipped


def test_xlsx_title_rows_above_the_header_are_skipped_and_rows_keep_sheet_numbers(write):
    data = xlsx_bytes({"Hoja1": [["LISTADO DE PROFUGOS - CONARC"], [None], ["DNI", "NOMBRE"],
                                 ["20123456", "PEREZ"], ["21987654", "GOMEZ"]]})
    loaded = load(write("x.xlsx", data))
    assert list(loaded.frame.columns) == ["DNI", "NOMBRE"]
    assert cells(loaded) == [["20123456", "PEREZ"], ["21987654", "GOMEZ"]]
    assert loaded.lines.tolist() == [4, 5]
    assert loaded.notes == ["header on sheet row 3; 2 row(s) above it skipped"]


def test_xlsx_one_column_sheet_and_sheets_without_a_header(write):
    loaded = load(write("one.xlsx", xlsx_bytes({"S": [[None], ["DNI"], ["1"]]})))
    assert (list(loaded.frame.columns), cells(loaded), loaded.lines.tolist()) == (["DNI"], [["1"]], [3])
    with pytest.raises(LoadError, match="is empty"):
        load(write("empty.xlsx", xlsx_bytes({"S": [[None, None], [None, None]]})))
    with pytest.raises(LoadError, match="no header row"):
        load(write("titles.xlsx", xlsx_bytes({"S": [["a", None]] * 60 + [["x", "y"]]})))


def test_xlsx_named_sheet_and_unknown_sheet(write):
    path = write("padron.xlsx", xlsx_bytes({"Uno": [["a"], ["1"]], "Dos": [["b"], ["2"]]}))
    loaded = load(path, sheet="Dos")
    assert (loaded.facts.sheet, list(loaded.frame.columns), cells(loaded)) == ("Dos", ["b"], [["2"]])
    with pytest.raises(LoadError, match="no sheet named 'Tres'.*Uno, Dos"):
        load(path, sheet="Tres")


def test_xlsx_duplicate_and_missing_headers_stay_distinct(write):
    path = write("x.xlsx", xlsx_bytes({"S": [["DNI", None, "DNI", "x"], ["1", "2", "3", "4"]]}))
    loaded = load(path)
    assert list(loaded.frame.columns) == ["DNI", "column_2", "DNI.1", "x"]


def test_sheet_option_on_csv_is_an_error(write):
    with pytest.raises(LoadError, match="--sheet"):
        load(write("x.csv", "a\n1\n"), sheet="Hoja1")


# --- JSON and Parquet -------------------------------------------------------------------------

def test_json_list_of_objects_keeps_numbers_as_written(write):
    path = write("x.json", '[{"dni": 20123456, "legajo": "007", "monto": 1.50, "ok": true},'
                           ' {"dni": null, "fecha": "01/02/1980"}]')
    loaded = load(path)
    assert loaded.facts.format == "json"
    assert list(loaded.frame.columns) == ["dni", "legajo", "monto", "ok", "fecha"]
    assert cells(loaded) == [["20123456", "007", "1.50", "TRUE", None], [None, None, None, None, "01/02/1980"]]


def test_json_object_wrapping_one_list(write):
    loaded = load(write("x.json", '{"meta": {"n": 1}, "registros": [{"a": "1"}, {"a": "2"}]}'))
    assert cells(loaded) == [["1"], ["2"]]


@pytest.mark.parametrize("name", ["x.ndjson", "x.jsonl", "x.json"])
def test_ndjson(write, name):
    loaded = load(write(name, '{"dni": "007"}\n\n{"dni": 12345678901234567890}\n'))
    assert loaded.facts.format == "ndjson"
    assert cells(loaded) == [["007"], ["12345678901234567890"]]


def parquet_bytes() -> bytes:
    table = pa.table({
        "dni": ["12.345.678", "007", None],
        "numero": pa.array([20123456, None, 9007199254740993], pa.int64()),
        "nacimiento": pa.array([dt.date(1980, 2, 1), None, dt.date(1999, 12, 31)], pa.date32()),
        "monto": [1.5, 2.0, None],
    })
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


PARQUET_CELLS = [["12.345.678", "20123456", "1980-02-01", "1.5"], ["007", None, None, "2"],
                 [None, "9007199254740993", "1999-12-31", None]]


def test_parquet_cells_become_text(write):
    loaded = load(write("x.parquet", parquet_bytes()))
    assert loaded.facts.format == "parquet"
    assert cells(loaded) == PARQUET_CELLS
    assert loaded.lines is None


# --- containers -------------------------------------------------------------------------------

def _payloads():
    return {
        "csv": ("padron.csv", SPANISH_EXPORT.encode("cp1252")),
        "xlsx": ("padron.xlsx", xlsx_bytes({"Hoja1": [["DNI", "NOMBRE"], [20123456, "PEREZ"]]})),
        "json": ("padron.json", b'[{"DNI": "007"}]'),
        "ndjson": ("padron.ndjson", b'{"DNI": "007"}\n{"DNI": "008"}\n'),
        "parquet": ("padron.parquet", parquet_bytes()),
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "ndjson", "parquet"])
@pytest.mark.parametrize("container", ["gzip", "zip"])
def test_formats_inside_gzip_and_zip(write, fmt, container):
    name, data = _payloads()[fmt]
    plain = load(write(name, data))
    if container == "gzip":
        path = write(name + ".gz", gzip.compress(data))
    else:
        path = write("export.zip", zip_bytes({f"carpeta/{name}": data}))
    packed = load(path)
    assert packed.facts.format == fmt
    assert packed.facts.compression == container
    assert packed.facts.encoding == plain.facts.encoding
    assert packed.facts.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert cells(packed) == cells(plain)
    assert list(packed.frame.columns) == list(plain.frame.columns)
    if container == "zip":
        assert packed.facts.member == f"carpeta/{name}"


def test_zip_with_two_members_is_refused(write):
    path = write("x.zip", zip_bytes({"a.csv": b"a\n1\n", "b.csv": b"b\n2\n"}))
    with pytest.raises(LoadError, match="exactly one file, found 2"):
        load(path)


def test_zip_ignores_macos_metadata_folder(write):
    path = write("x.zip", zip_bytes({"a.csv": b"a\n1\n", "__MACOSX/._a.csv": b"\x00\x05junk"}))
    assert cells(load(path)) == [["1"]]


# --- bad input is a LoadError with the path, never another exception --------------------------

BAD = {
    "empty": ("x.csv", b""),
    "binary": ("x.csv", bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8)) + b"\x00\x00"),
    "binary_no_nul_in_head": ("x.dat", bytes(np.random.default_rng(2).integers(1, 256, 6000, dtype=np.uint8))),
    "truncated_gzip": ("x.csv.gz", gzip.compress(SPANISH_EXPORT.encode() * 50)[:-40]),
    "unclosed_quote": ("x.csv", b'a;b\n1;"never closed\n2;3\n'),
    "unclosed_quote_after_overlong": ("x.csv", b'a;b\n1;2;3\n4;"never closed\n5;6\n'),
    "truncated_json": ("x.json", b'[{"a": "1"}, {"a": '),
    "truncated_ndjson": ("x.ndjson", b'{"a": "1"}\n{"a": '),
    "json_scalars": ("x.json", b'[1, 2, 3]'),
    "empty_json_list": ("x.json", b'[]'),
    "ole2_xls": ("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
    "truncated_zip": ("x.zip", zip_bytes({"a.csv": SPANISH_EXPORT.encode() * 20})[:-60]),
    "empty_gzip": ("x.csv.gz", gzip.compress(b"")),
    "nested_gzip": ("x.csv.gz.gz", gzip.compress(gzip.compress(b"a\n1\n"))),
    "truncated_parquet": ("x.parquet", parquet_bytes()[:-30]),
    "truncated_xlsx": ("x.xlsx", xlsx_bytes({"S": [["a"], ["1"]]})[:-200]),
    "whitespace_only": ("x.csv", b"\n\n   \n"),
    "truncated_utf16": ("x.csv", b"\xff\xfe" + "a;b\n1;2\n".encode("utf-16-le") + b"\x00"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_a_load_error(write, case):
    name, data = BAD[case]
    path = write(name, data)
    with pytest.raises(LoadError) as info:
        load(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        load(tmp_path / "nope.csv")
    with pytest.raises(LoadError, match="directory"):
        load(tmp_path)


def test_unreadable_file(write, monkeypatch):
    path = write("x.csv", "a\n1\n")
    os.chmod(path, 0)
    try:
        if os.access(path, os.R_OK):  # root reads a mode-000 file: make the open fail as it would for others
            refuse_open(monkeypatch, path)
        with pytest.raises(LoadError, match="cannot read \\(Permission denied\\)"):
            load(path)
    finally:
        os.chmod(path, 0o600)


def test_html_is_refused_with_a_clear_message(tmp_path):
    from dbhygiene.errors import LoadError

    path = tmp_path / "list.html"
    path.write_text('<!DOCTYPE html>\n<html><body><table><tr><td>A</td></tr></table></body></html>\n',
                    encoding="utf-8")
    with pytest.raises(LoadError, match="HTML is not a supported input"):
        load(path)
