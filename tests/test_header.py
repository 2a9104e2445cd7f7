"""Header detection, headerless files, ragged rows and trailing control bytes (issue 11).

Small synthetic files only; all names, numbers and dates are invented.
"""

from __future__ import annotations

import io
import json

import pytest
from conftest import error_line

from dbhygiene.load import load
from conftest import xlsx_bytes

AS_OF = "2026-11-22"




def report_of(run_cli, path, *extra):
    result = run_cli("check", path, "--as-of", AS_OF, "-f", "json", "--show-pii", *extra)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def mapping(report):
    return {f: m["column"] for f, m in report["sources"][0]["mapping"].items()}


def findings(report, rule):
    return [f for f in report["findings"] if f["rule"] == rule]


def cells(loaded):
    return loaded.frame.astype(object).where(loaded.frame.notna(), None).values.tolist()


# --- header under title / preamble rows ---------------------------------------------------------

PREAMBLE_CSV = ("Listado de profugos;;\n"
                "Last Updated;10/04/2025;\n"
                "\n"
                "nombre;dni;fecha nacimiento\n"
                "PEREZ, JUAN;20123456;32/01/1980\n"
                "GOMEZ, ANA;21987654;02/02/1985\n")


def test_csv_header_found_under_title_and_preamble_rows(write):
    loaded = load(write("x.csv", PREAMBLE_CSV))
    assert list(loaded.frame.columns) == ["nombre", "dni", "fecha nacimiento"]
    assert cells(loaded) == [["PEREZ, JUAN", "20123456", "32/01/1980"], ["GOMEZ, ANA", "21987654", "02/02/1985"]]
    assert loaded.lines.tolist() == [5, 6]  # physical lines, the preamble counted
    assert "header on line 4; 3 line(s) above it skipped" in loaded.notes


def test_csv_header_found_under_a_title_line_without_delimiters(write, run_cli, in_tmp):
    path = write("x.csv", "Report of the list, 2026\nnombre;dni;fecha nacimiento\nPEREZ, JUAN;20123456;32/01/1980\n")
    report = report_of(run_cli, path)
    assert mapping(report) == {"full_name": "nombre", "national_id": "dni", "birth_date": "fecha nacimiento"}
    db02 = findings(report, "DB02")
    assert [f["line"] for f in db02] == [3]  # the impossible date, on its physical line


def test_csv_preamble_with_quoted_newlines_keeps_line_numbers(write):
    text = ('"Exported\non";01/02/2026\nnombre;dni\n"PEREZ,\nJUAN";1\nGOMEZ;2\n')
    loaded = load(write("x.csv", text))
    assert list(loaded.frame.columns) == ["nombre", "dni"]
    assert loaded.lines.tolist() == [4, 6]


def test_xlsx_last_updated_preamble_is_not_the_header(write, run_cli, in_tmp):
    rows = [["Last Updated", "10/04/2025", None, None],
            ["Name 6", "Name 1", "DOB", "Group ID"],
            ["PEREZ", "Juan", "00/00/1980", "101"],
            ["PEREZ", "Juan", "00/00/1980", "101"],
            ["GOMEZ", "Ana", "31/02/1985", "102"]]
    path = write("list.xlsx", xlsx_bytes({"Data": rows}))
    loaded = load(path)
    assert list(loaded.frame.columns) == ["Name 6", "Name 1", "DOB", "Group ID"]
    assert loaded.lines.tolist() == [3, 4, 5]
    assert loaded.notes[0] == "header on sheet row 2; 1 row(s) above it skipped"
    report = report_of(run_cli, path)
    assert mapping(report)["birth_date"] == "DOB" and mapping(report)["group_id"] == "Group ID"
    assert report["sources"][0]["stats"]["DU01"]["duplicate_rows"] == 1
    assert [f["line"] for f in findings(report, "DB02")] == [5]


# --- headerless files ---------------------------------------------------------------------------

HEADERLESS = "12345;ALI KHAN;01/01/1980\n12346;SARA AHMED;02/02/1985\n12347;OMAR FARUQ;30/02/1990\n"


def test_headerless_csv_is_detected_and_mapped_by_content(write, run_cli, in_tmp):
    path = write("x.csv", HEADERLESS)
    loaded = load(path)
    assert list(loaded.frame.columns) == ["column_1", "column_2", "column_3"]
    assert len(loaded.frame) == 3 and loaded.lines.tolist() == [1, 2, 3]  # the first record is data
    assert any(n.startswith("no header row found: line 1 holds data") for n in loaded.notes)
    assert {f: c for f, (c, _) in loaded.suggested.items()} == {"full_name": "column_2", "birth_date": "column_3"}
    report = report_of(run_cli, path)
    src = report["sources"][0]
    assert mapping(report) == {"full_name": "column_2", "birth_date": "column_3"}
    assert src["mapping"]["birth_date"]["method"] == "content"
    # a name from the first record is no column of a headerless file: the error says how to map
    named = run_cli("check", path, "--map", "ALI KHAN=full_name")
    assert named.exit_code == 2 and 'map a column by its number, e.g. --map "2=full_name"' in error_line(named)
    assert [f["line"] for f in findings(report, "DB02")] == [3]  # 30/02/1990, read as a birth date
    assert not findings(report, "GN02")


def test_headerless_xlsx_is_detected(write):
    path = write("x.xlsx", xlsx_bytes({"S": [["12345", "ALI KHAN", "01/01/1980"], ["12346", "SARA AHMED", "02/02/1985"]]}))
    loaded = load(path)
    assert list(loaded.frame.columns) == ["column_1", "column_2", "column_3"]
    assert cells(loaded)[0] == ["12345", "ALI KHAN", "01/01/1980"] and loaded.lines.tolist() == [1, 2]
    assert {f: c for f, (c, _) in loaded.suggested.items()} == {"full_name": "column_2", "birth_date": "column_3"}


def test_a_header_of_unknown_words_is_still_a_header(write):
    loaded = load(write("x.csv", "foo;bar\nx;y\n"))
    assert list(loaded.frame.columns) == ["foo", "bar"] and cells(loaded) == [["x", "y"]]
    # a data row that happens to hold header words does not displace a full-width first row
    loaded = load(write("x.csv", "parent;note\nA3001;comments1\nName;DOB\n"))
    assert list(loaded.frame.columns) == ["parent", "note"] and len(loaded.frame) == 2


def test_no_header_and_positional_map_through_the_cli(write, run_cli, in_tmp):
    path = write("x.csv", "20123456;PEREZ JUAN;X\n21987654;GOMEZ ANA;Y\n20123456;LOPEZ LUIS;Z\n")
    report = report_of(run_cli, path, "--no-header", "--map", "2=full_name", "--map", "1=national_id")
    assert mapping(report) == {"full_name": "column_2", "national_id": "column_1"}
    assert "no header row (--no-header)" in report["sources"][0]["notes"][0]
    assert [sorted(f["related_rows"]) for f in findings(report, "ID03")] == [[1, 3]]  # first record is data
    bad = run_cli("check", path, "--no-header", "--map", "4=full_name")
    assert bad.exit_code == 2 and "column number 4" in error_line(bad)


def test_header_row_option_forces_the_header(write, run_cli, in_tmp):
    path = write("x.csv", "id;who\nnombre;dni\nPEREZ, JUAN;20123456\n")
    report = report_of(run_cli, path, "--header-row", "2")
    assert mapping(report) == {"full_name": "nombre", "national_id": "dni"}
    assert "header on line 2 (--header-row); 1 line(s) above it skipped" in report["sources"][0]["notes"]
    assert report["sources"][0]["rows"] == 1
    beyond = run_cli("check", path, "--header-row", "9")
    assert beyond.exit_code == 2 and "--header-row 9 is beyond" in error_line(beyond)
    both = run_cli("check", path, "--header-row", "2", "--no-header")
    assert both.exit_code == 2 and "exclude each other" in error_line(both)


def test_header_options_from_the_config_file(write, run_cli, in_tmp):
    path = write("x.csv", "id;who\nnombre;dni\nPEREZ, JUAN;20123456\n")
    (in_tmp / "dbhygiene.toml").write_text("header-row = 2\n", encoding="utf-8")
    assert mapping(report_of(run_cli, path)) == {"full_name": "nombre", "national_id": "dni"}
    (in_tmp / "dbhygiene.toml").write_text('no-header = true\n[columns]\nfull_name = "1"\n', encoding="utf-8")
    report = report_of(run_cli, path)
    assert mapping(report) == {"full_name": "column_1"} and report["sources"][0]["rows"] == 3
    (in_tmp / "dbhygiene.toml").write_text("header-row = 0\n", encoding="utf-8")
    assert run_cli("check", path).exit_code == 2


# --- ragged rows --------------------------------------------------------------------------------

def test_short_and_long_records_are_ld01_findings_with_their_lines(write, run_cli, in_tmp):
    text = ("nombre;dni;fecha nacimiento\n"
            "PEREZ, JUAN;20123456;01/02/1980\n"
            "GOMEZ, ANA;21987654\n"
            "LOPEZ, LUIS;22000111;03/04/1975;EXTRA\n")
    report = report_of(run_cli, write("x.csv", text))
    ld01 = sorted(findings(report, "LD01"), key=lambda f: f["line"])
    assert [(f["line"], f["message"][:44]) for f in ld01] == [
        (3, "Record has 2 fields where the header has 3: "), (4, "Record has 4 fields where the header has 3: ")]
    assert "read as blank" in ld01[0]["message"] and "dropped" in ld01[1]["message"]


def test_every_record_missing_the_unnamed_header_field_is_read_aligned(write, run_cli, in_tmp):
    # the header has an empty first name; every record has one field fewer: no shift, no LD01
    text = (",nombre,fecha nacimiento,lugar de nacimiento\n"
            "PEREZ JUAN,00/00/1980,Rosario\n"
            "GOMEZ ANA,02/02/1985,Salta\n")
    loaded = load(write("x.csv", text))
    assert list(loaded.frame.columns) == ["nombre", "fecha nacimiento", "lugar de nacimiento"]
    assert cells(loaded)[0] == ["PEREZ JUAN", "00/00/1980", "Rosario"]
    assert loaded.malformed_rows == []
    assert any("unnamed field(s) at position 1 hold no data and were dropped" in n for n in loaded.notes)
    report = report_of(run_cli, write("x.csv", text))
    assert not findings(report, "LD01")
    assert [f["line"] for f in findings(report, "DB07")] == [2]  # 00/00/1980 is a partial date, not a town


def test_one_short_record_under_an_unnamed_header_field_is_still_a_finding(write):
    text = ",nombre,dni\nx,PEREZ JUAN,1\nGOMEZ ANA,2\n"
    loaded = load(write("x.csv", text))
    assert list(loaded.frame.columns) == ["column_1", "nombre", "dni"]
    assert (loaded.malformed_rows, loaded.malformed_fields) == ([2], [2])


# --- trailing DOS end-of-file byte and control characters --------------------------------------

@pytest.mark.parametrize("tail", [b"\r\n\x1a", b"\x1a", b"\n\x1a\x04\r\n"])
def test_trailing_eof_byte_is_tolerated_and_noted(write, tail):
    body = "nombre;dni\nPEREZ, JUAN;20123456\nGOMEZ, ANA;21987654".encode("cp1252")
    loaded = load(write("x.csv", body + tail))
    assert cells(loaded) == [["PEREZ, JUAN", "20123456"], ["GOMEZ, ANA", "21987654"]]
    assert any("at the end of the file ignored, not read as a record" in n and "0x1A (DOS end of file)" in n
               for n in loaded.notes)


def test_trailing_eof_byte_in_a_single_byte_file_and_in_a_ragged_one(write):
    cp1252 = "nombre;dni\nMU\xd1OZ, JOS\xc9;1\n".encode("cp1252") + b"\x1a"
    loaded = load(write("a.csv", cp1252))
    assert cells(loaded) == [["MU\xd1OZ, JOS\xc9", "1"]] and loaded.facts.encoding == "cp1252"
    ragged = load(write("b.csv", b"nombre;dni\nPEREZ\nGOMEZ;2\r\n\x1a"))
    assert cells(ragged) == [["PEREZ", None], ["GOMEZ", "2"]] and ragged.malformed_rows == [1]


def test_a_file_without_trailing_controls_has_no_note(write):
    loaded = load(write("x.csv", "nombre;dni\nPEREZ, JUAN;20123456\n"))
    assert not any("control character" in n for n in loaded.notes)


# --- a known headerless layout (rules/formats/headerless) ---------------------------------------

SDN_LIKE = ('101,"DOE, John",individual,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 01 Jan 1970; alt. DOB 1971; '
            'POB Nowhere."\r\n'
            '102,"ACME TRADING",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Website example.org."\r\n'
            '103,"ROE, Jane",individual,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
            '\x1a')


def test_ofac_sdn_shaped_headerless_file_uses_the_layout(write, run_cli, in_tmp):
    path = write("sdn.csv", SDN_LIKE)
    loaded = load(path)
    assert list(loaded.frame.columns)[:3] == ["ent_num", "SDN_Name", "SDN_Type"]
    assert loaded.frame["SDN_Type"].tolist() == ["individual", "entity", "individual"]  # -0- is an entity
    assert loaded.frame["Title"].isna().all()  # the null token is blank
    assert loaded.frame["DOB"].tolist()[0] == "01 Jan 1970" and loaded.frame["DOB"].isna().tolist()[1:] == [True, True]
    assert loaded.multi["DOB"].to_pylist()[0] == ["01 Jan 1970", "1971"]
    report = report_of(run_cli, path)
    assert mapping(report) == {"record_id": "ent_num", "full_name": "SDN_Name", "subject_type": "SDN_Type",
                               "birth_date": "DOB"}
    assert report["sources"][0]["rows"] == 3
    assert [f["row"] for f in findings(report, "DB01")] == [3]  # the person without a DOB; not the entity


def test_a_headerless_file_of_another_shape_does_not_take_the_layout(write):
    other = SDN_LIKE.replace('101,"DOE', 'X101,"DOE')  # ent_num must be a number
    loaded = load(write("sdn.csv", other))
    assert "SDN_Name" not in loaded.frame.columns


# --- the vectorised repair of ragged text agrees with a csv-module reading -----------------------

def _oracle(text: str, width: int):
    """Records as Python's csv module reads them, padded or cut to ``width``; malformed records."""
    import csv as _csv

    records, malformed, counts = [], [], []
    for fields in list(_csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]:
        if not fields:
            continue
        if len(fields) != width:
            malformed.append(len(records) + 1)
            counts.append(len(fields))
        records.append([(v if v != "" else None) for v in (fields + [""] * width)[:width]])
    return records, malformed, counts


def test_ragged_repair_matches_the_csv_module(write):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    value = st.one_of(st.sampled_from(["A", "PEREZ, JUAN", "x y", "1980", "", "ÑANDÚ"]),
                      st.sampled_from(['"a;b"', '"two\nlines"', '"say ""hi"""']))
    record = st.lists(value, min_size=1, max_size=6)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.one_of(record, st.just(None)), min_size=1, max_size=12), st.sampled_from(["\n", "\r\n"]))
    def check(rows, eol):
        body = [";".join(r) if r is not None else "" for r in rows]
        if not any(r for r in rows if r and any(v for v in r)):
            return
        text = eol.join(["nombre;dni;delito;extra", *body]) + eol
        loaded = load(write("r.csv", text))
        records, malformed, counts = _oracle(text, 4)
        kept = [r for r in records if any(v is not None for v in r)]
        assert cells(loaded) == [[None if v is None else v for v in r] for r in kept]
        assert sorted(loaded.malformed_fields) == sorted(c for c, m in zip(counts, malformed)
                                                         if any(v is not None for v in records[m - 1]))

    check()


def test_ragged_file_is_read_by_the_fast_reader_not_record_by_record(write, monkeypatch):
    from dbhygiene.load import delimited

    def slow(*args, **kwargs):
        raise AssertionError("the record-by-record path was used")

    monkeypatch.setattr(delimited, "_read_ragged", slow)
    text = "nombre;dni;delito\r\nA;1\r\n\r\n\"B;\nB\";2;X;Y\r\nC;3;Z\r\n"
    loaded = load(write("x.csv", text))
    assert cells(loaded) == [["A", "1", None], ["B;\nB", "2", "X"], ["C", "3", "Z"]]
    assert loaded.lines.tolist() == [2, 4, 6]
    assert (loaded.malformed_rows, loaded.malformed_fields) == ([1, 2], [2, 4])
    assert "1 blank record(s) skipped" in loaded.notes


# --- a few ragged records: read again one by one and put in place (no repaired copy) -------------

def _both_ways(path, monkeypatch):
    """``load(path)`` through the patch of the few invalid records, and through the vectorised repair."""
    import numpy as np

    from dbhygiene.load import delimited

    patched = load(path)
    with monkeypatch.context() as m:
        m.setattr(delimited, "PATCH_MAX_RECORDS", -1)
        repaired = load(path)
    got = (cells(patched), list(patched.frame.columns), patched.lines.tolist(), patched.malformed_rows,
           patched.malformed_fields, patched.notes)
    want = (cells(repaired), list(repaired.frame.columns), repaired.lines.tolist(), repaired.malformed_rows,
            repaired.malformed_fields, repaired.notes)
    assert all(str(patched.frame[c].dtype) == str(repaired.frame[c].dtype) for c in patched.frame.columns)
    assert isinstance(patched.lines, np.ndarray)
    return got, want


@pytest.mark.parametrize("slices_max", [64, 0])  # put in place by slicing, and by one copy
@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_patched_records_read_as_the_repair_reads_them(write, monkeypatch, slices_max, encoding):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from dbhygiene.load import delimited

    monkeypatch.setattr(delimited, "PATCH_SLICES_MAX", slices_max)
    value = st.one_of(st.sampled_from(["A", "PEREZ, JUAN", "x y", "1980", "", "ÑANDÚ", " "]),
                      st.sampled_from(['"a;b"', '"two\nlines"', '"say ""hi"""', '""', '"\r\n"']))
    record = st.lists(value, min_size=1, max_size=6)

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.one_of(record, st.just(None)), min_size=1, max_size=12), st.sampled_from(["\n", "\r\n"]),
           st.sampled_from(["nombre;dni;delito;extra", ";nombre;dni;delito"]))
    def check(rows, eol, header):
        body = [";".join(r) if r is not None else "" for r in rows]
        if not any(r for r in rows if r and any(v for v in r)):
            return
        path = write("p.csv", (eol.join([header, *body]) + eol).encode(encoding))
        got, want = _both_ways(path, monkeypatch)
        assert got == want

    check()


def test_a_few_ragged_records_are_patched_without_the_repair(write, monkeypatch):
    from dbhygiene.load import delimited

    def repair(*args, **kwargs):
        raise AssertionError("the file was repaired and read again")

    monkeypatch.setattr(delimited, "_read_repaired", repair)
    monkeypatch.setattr(delimited, "_read_ragged", repair)
    text = "nombre;dni;delito\r\nA;1;R\r\nB;2\r\n\r\n\"C;\nC\";3;X;Y\r\nD;4;Z\r\n"
    loaded = load(write("x.csv", text.encode("cp1252")))
    assert cells(loaded) == [["A", "1", "R"], ["B", "2", None], ["C;\nC", "3", "X"], ["D", "4", "Z"]]
    assert loaded.lines.tolist() == [2, 3, 5, 7]
    assert (loaded.malformed_rows, loaded.malformed_fields) == ([2, 3], [2, 4])
    assert "1 blank record(s) skipped" in loaded.notes


def test_many_ragged_records_and_a_dropped_unnamed_field_take_the_repair(write, monkeypatch):
    from dbhygiene.load import delimited

    used = []
    real = delimited._read_repaired
    monkeypatch.setattr(delimited, "_read_repaired", lambda *a, **k: used.append(1) or real(*a, **k))
    monkeypatch.setattr(delimited, "PATCH_MAX_RECORDS", 2)
    loaded = load(write("many.csv", "nombre;dni;delito\nA;1\nB;2\nC;3\nD;4;X\n"))
    assert used and loaded.malformed_rows == [1, 2, 3]
    used.clear()
    monkeypatch.setattr(delimited, "PATCH_MAX_RECORDS", 10_000)
    loaded = load(write("unnamed.csv", ",nombre,dni\nPEREZ JUAN,1\nGOMEZ ANA,2\n"))
    assert used and list(loaded.frame.columns) == ["nombre", "dni"] and loaded.malformed_rows == []


@pytest.mark.parametrize("piece", [1, 3, 7, 64])
def test_record_scan_is_the_same_piece_by_piece(monkeypatch, piece):
    """``ragged.scan`` compares the bytes a piece at a time (small temporaries); any piece size finds
    the same records, fields and lines as one piece for the whole text."""
    import random

    import numpy as np

    from dbhygiene.load import ragged

    rng = random.Random(piece)
    for _ in range(200):
        text = "".join(rng.choice(['a', ';', '"', '\n', '\r\n', 'ñ', ' ', '""']) for _ in range(rng.randint(0, 60)))
        buf = text.encode("utf-8")
        if buf.count(b'"') % 2:
            buf += b'"'
        with monkeypatch.context() as m:
            m.setattr(ragged, "SCAN_PIECE", 1 << 24)
            whole = ragged.scan(buf, len(buf), ";", b'"' in buf, 1)
        with monkeypatch.context() as m:
            m.setattr(ragged, "SCAN_PIECE", piece)
            pieces = ragged.scan(buf, len(buf), ";", b'"' in buf, 1)
        assert (whole is None) == (pieces is None)
        if whole is not None:
            for name in ("starts", "body_end", "lines", "counts", "blank", "dpos"):
                assert np.array_equal(getattr(whole, name), getattr(pieces, name)), (buf, name)


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("preamble", ["", "Lista de personas\n"])
def test_quoted_file_lines_without_and_with_newlines_in_values(write, monkeypatch, eol, preamble):
    """A quoted file whose records are one line each gets its lines without searching every value
    for newlines; one newline inside a value pushes the later records down a line."""
    from dbhygiene.load import delimited

    real = delimited._physical_lines
    calls = []
    monkeypatch.setattr(delimited, "_physical_lines", lambda frame: calls.append(1) or real(frame))
    rows = ['"nombre";"dni";"delito"', '"PEREZ, JUAN";"1";"ROBO"', '"GOMEZ";"2";"HURTO"', '"DIAZ";"3";"ESTAFA"']
    plain = load(write("plain.csv", preamble + eol.join(rows) + eol))
    first = 3 if preamble else 2
    assert plain.lines.tolist() == [first, first + 1, first + 2] and not calls
    rows[2] = '"GOMEZ";"2";"HURTO' + eol + 'CALIFICADO"'
    split = load(write("split.csv", preamble + eol.join(rows) + eol))
    assert split.lines.tolist() == [first, first + 1, first + 3] and calls
    assert split.frame["delito"].tolist()[1] == "HURTO" + eol + "CALIFICADO"


def test_a_ragged_record_with_a_huge_field_is_read_as_the_repair_reads_it(write, monkeypatch):
    """The csv module refuses a field over 128 KiB; such a record is left to the repair (found by the
    fuzz test: an internal error, exit 2)."""
    huge = "NÚÑEZ JOSÉ " * 20_000  # 220 KB in one quoted field
    path = write("huge.csv", f'nombre;dni\nA;1\nX;;"{huge}"\nB;2\n'.encode("utf-8"))
    got, want = _both_ways(path, monkeypatch)
    assert got == want
    loaded = load(path)
    assert loaded.malformed_rows == [2] and loaded.malformed_fields == [3]
    assert cells(loaded)[1] == ["X", None]
