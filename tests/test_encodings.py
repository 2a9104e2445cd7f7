"""Every branch of the loader's encoding choice (load/encoding.py) on small synthetic exports: the
names come out right and the JSON report says how the file was read; where the bytes cannot be
read for sure, a note says so. Replacement characters the reader would invent never reach the
name checks unexplained (NM04 would blame them on the data).

All names are invented.
"""

from __future__ import annotations

import json

import pytest

from dbhygiene.load import load
from dbhygiene.load.encoding import LATIN_CODEPAGES, latin_reading_score

NAMES = ["NÚÑEZ, JOSÉ MARÍA", "GONÇALVES, JOÃO", "MÜLLER, JÜRGEN", "IBÁÑEZ, ÁNGELA", "PEÑA, FRANÇOIS"]
MIXED_CASE = ["Núñez, José María", "Gonçalves, João", "Müller, Jürgen", "Ibáñez, Ángela", "Peña, François"]


def export(names, note="sin novedad") -> str:
    rows = "".join(f"{name};{20123450 + i};15/03/1980;ROBO;{note};01/06/2015\n" for i, name in enumerate(names))
    return "APELLIDO Y NOMBRE;NRO DOC;FECHA NACIMIENTO;DELITO;NOTA;FECHA ALTA\n" + rows


def report(run_cli, path) -> dict:
    result = run_cli("check", path, "--format", "json", "--show-pii", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


CASES = {
    # name: (bytes, encoding reported, a note that must be present or None)
    "utf-16-le with BOM": (b"\xff\xfe" + export(NAMES).encode("utf-16-le"), "utf-16", None),
    "utf-16-be with BOM": (b"\xfe\xff" + export(NAMES).encode("utf-16-be"), "utf-16", None),
    "utf-16-le without BOM": (export(NAMES).encode("utf-16-le"), "utf-16-le", None),
    "utf-16-be without BOM": (export(NAMES).encode("utf-16-be"), "utf-16-be", None),
    "cp850": (export(NAMES).encode("cp850"), "cp850", None),
    "cp850 mixed case": (export(MIXED_CASE).encode("cp850"), "cp850", None),
    "iso-8859-15 with euro": (export(NAMES, "multa 50 €").encode("iso8859_15"), "iso8859-15", None),
    "mac roman": (export(NAMES).encode("mac_roman"), "mac-roman", None),
    "mac roman mixed case": (export(MIXED_CASE).encode("mac_roman"), "mac-roman", None),
    "cp1252": (export(NAMES, "“EL RUSO” – 50 €").encode("cp1252"), "cp1252", None),
    "utf-8 BOM then cp1252": (b"\xef\xbb\xbf" + export(NAMES).encode("cp1252"), "cp1252",
                              "UTF-8 byte-order mark, but the text is not UTF-8: read as cp1252"),
    "utf-8 then cp1252 lines": (export(NAMES[:3]).encode("utf-8") + "".join(
        export(NAMES[3:]).splitlines(keepends=True)[1:]).encode("cp1252"), "utf-8+cp1252",
        "mixed encoding: 5 byte(s) that are not UTF-8 were read as cp1252 (line 5, 6)"),
    "utf-8 BOM, utf-8 then cp1252 lines": (b"\xef\xbb\xbf" + export(NAMES[:3]).encode("utf-8") + "".join(
        export(NAMES[3:]).splitlines(keepends=True)[1:]).encode("cp1252"), "utf-8+cp1252",
        "UTF-8 byte-order mark, but the text is not UTF-8: read as utf-8+cp1252"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_encoding_is_read_and_reported(write, run_cli, case):
    data, encoding, note = CASES[case]
    path = write("export.csv", data)
    loaded = load(path)
    names = loaded.frame.iloc[:, 0].tolist()
    assert names in (NAMES, MIXED_CASE), names
    assert "\ufffd" not in "".join(names)
    assert loaded.frame.iloc[:, 4].str.contains("\ufffd").sum() == 0
    out = report(run_cli, path)
    source = out["sources"][0]
    assert source["encoding"] == encoding
    if note is None:
        assert not any("encod" in n or "byte-order" in n for n in source["notes"]), source["notes"]
    else:
        assert note in source["notes"]
    assert [f for f in out["findings"] if f["rule"] == "NM04"] == []  # nothing blamed on the names


def test_latin9_euro_sign_is_not_a_currency_sign(write):
    loaded = load(write("x.csv", export(NAMES, "multa 50 €").encode("iso8859_15")))
    assert loaded.frame.iloc[0, 4] == "multa 50 €"


def test_a_single_accented_letter_is_enough_for_cp850_and_mac_roman(write):
    # cp850 Ñ is A5, '¥' in cp1252; Mac Roman Ñ is 84, '„' in cp1252: neither fits inside a name
    for codec, reported in (("cp850", "cp850"), ("mac_roman", "mac-roman"), ("cp1252", "cp1252")):
        loaded = load(write(f"{codec}.csv", "nombre;dni\nNUÑEZ, ANA;1\n".encode(codec)))
        assert (loaded.facts.encoding, loaded.frame.iloc[0, 0]) == (reported, "NUÑEZ, ANA")


def test_undecidable_code_page_is_said(write, run_cli):
    # Mac Roman ñ (96) is û in cp850; both are small letters between small letters: nothing decides
    path = write("x.csv", "nombre;dni\nSmith, Luis;1\nMuñoz, Begoña;2\n".encode("mac_roman"))
    notes = report(run_cli, path)["sources"][0]["notes"]
    assert any(n.startswith("encoding: the non-ASCII characters read equally well as cp850 and mac_roman")
               for n in notes), notes


def test_utf16_without_bom_that_does_not_decode_is_said(write, run_cli):
    data = export(NAMES).encode("utf-16-le") + b"X"  # one byte short of a code unit
    path = write("x.csv", data)
    loaded = load(path)
    assert loaded.facts.encoding == "utf-16-le"
    assert loaded.frame.iloc[:, 0].tolist()[:5] == NAMES
    assert loaded.notes[0] == ("utf-16-le text with 1 undecodable unit(s) (odd length or a broken surrogate) shown "
                               "as U+FFFD by the reader, not in the data (first on line 7)")
    # the lone U+FFFD on line 7 is a record of one field: a short record (LD01), reported, not padded silently
    assert loaded.notes[1:] == ["1 record(s) do not have the header's 6 fields (0 more, 1 fewer): see LD01; "
                                "extra fields were dropped and missing ones read as blank"]
    assert loaded.notes[0] in report(run_cli, path)["sources"][0]["notes"]


def test_utf16_without_bom_is_judged_by_where_the_nuls_are(write):
    le = load(write("le.csv", export(NAMES).encode("utf-16-le")))
    be = load(write("be.csv", export(NAMES).encode("utf-16-be")))
    assert (le.facts.encoding, be.facts.encoding) == ("utf-16-le", "utf-16-be")
    assert le.frame.equals(be.frame)


@pytest.mark.parametrize("text, expected", [
    ("NUÑEZ", "cp1252"),  # D1: Ñ; cp850 ╤, Mac Roman —
    ("NÚÑEZ, MARÍA", "cp1252"),
    ("multa 50 € PEÑA", "iso8859_15"),
])
def test_scores_prefer_the_code_page_that_reads_as_latin_text(text, expected):
    data = text.encode(expected)
    scores = {codec: latin_reading_score(data, codec) for codec in LATIN_CODEPAGES}
    best = max(score for score, _, _ in scores.values())
    assert scores[expected][0] == best
    assert scores[expected][2] == 0  # nothing misfits in the right reading
    assert [c for c in LATIN_CODEPAGES if scores[c][0] == best][0] == expected


def test_score_penalises_symbols_and_wrong_case_inside_words():
    assert latin_reading_score("NUÑEZ".encode("cp1252"), "cp1252") == (2, 1, 0)
    assert latin_reading_score("NUÑEZ".encode("cp850"), "cp1252") == (-3, 0, 1)        # NU¥EZ
    assert latin_reading_score("MUÑOZ".encode("mac_roman"), "cp850") == (-3, 0, 1)     # MUäOZ
    assert latin_reading_score("José".encode("mac_roman"), "cp850") == (-3, 0, 1)      # JosÄ
    assert latin_reading_score("ÁLVAREZ".encode("mac_roman"), "cp1252") == (-3, 0, 1)  # çLVAREZ
    assert latin_reading_score(b"a \xd0 b", "cp1252") == (0, 1, 0)                     # Ð alone: 1 - 1
    assert latin_reading_score(b"x \xa4 5", "cp1252") == (-1, 0, 1)                    # ¤
    assert latin_reading_score(b"x \x81 5", "cp1252") == (-3, 0, 1)                    # undefined
    assert latin_reading_score("x ° 5".encode("cp1252"), "cp1252") == (0, 1, 0)
    assert latin_reading_score("D’ALES".encode("cp1252"), "cp1252") == (0, 1, 0)       # apostrophe in a word
    assert latin_reading_score("AB".encode("cp1252"), "cp1252") == (0, 0, 0)


def test_control_characters_beyond_a_stray_couple_are_binary(write):
    from dbhygiene.errors import LoadError

    ok = load(write("two.csv", b"nombre;dni\nANA\x01;1\nLUIS\x02;2\n"))  # two strays: still text
    assert ok.frame.iloc[0, 0] == "ANA\x01"
    with pytest.raises(LoadError, match="binary data"):
        load(write("three.csv", b"nombre;dni\nANA\x01;1\nLUIS\x02;2\nEVA\x03;3\n"))


def test_three_utf8_latin_letters_are_enough_to_read_stray_bytes_as_cp1252(write):
    data = "nombre;dni\nPÉREZ;1\nGÓMEZ;2\nMUÑOZ;3\n".encode("utf-8") + "IBÁÑEZ;4\n".encode("cp1252")
    loaded = load(write("x.csv", data))
    assert loaded.facts.encoding == "utf-8+cp1252"
    assert loaded.frame.iloc[:, 0].tolist() == ["PÉREZ", "GÓMEZ", "MUÑOZ", "IBÁÑEZ"]


def test_latin9_needs_a4_and_no_c1_byte():
    from dbhygiene.load.encoding import _euro_of_latin9

    assert _euro_of_latin9(b"multa 50 \xa4")
    assert not _euro_of_latin9(b"multa 50 \xa4 \x93x\x94")  # cp1252 quotes: cp1252 after all
    assert not _euro_of_latin9(b"PE\xd1A")
    assert not _euro_of_latin9(b"\x80 5")
