"""Property-based fuzzing of the real CLI with hostile CSV, JSON and xlsx bytes.

Hypothesis builds exports the way leaks and untrusted systems produce them: random encodings
(UTF-8 with and without BOM, cp1252, Latin-1, UTF-16 with and without BOM), delimiters, quoting,
line endings, ragged rows, newlines inside cells, huge cells, terminal escapes (CSI, OSC titles
and hyperlinks, BEL, C1 controls), bidi overrides, zero-width characters, NULs, damaged JSON and
hand-built workbooks with hostile sheet names. Every generated file is run through
``dbhygiene check`` (text with ``--show-pii``, JSON) and ``dbhygiene columns --show-pii``, and:

* the exit code is 0, 1 or 2, with no traceback and no "internal error";
* an exit 2 prints exactly one line on stderr; a run that succeeds prints nothing there;
* the input file keeps its content, mode and mtime;
* ``-f json`` prints valid JSON;
* no raw ESC, BEL, other C0 or C1 control, or bidi control reaches the text report, ``columns`` or
  stderr, and no forged report line (a cell holding a newline and a fake summary) starts a line.

Profiles (registered in conftest.py): ``default`` runs a few examples per test (the whole file
in well under a minute); ``long`` (``DBHYGIENE_FUZZ=long`` or ``--hypothesis-profile=long``) runs
hundreds. Most cases run in-process through click's CliRunner; a sample runs as a real
subprocess (``python -m dbhygiene``), which also catches library warnings printed to stderr.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from click.testing import CliRunner
from conftest import file_state
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbhygiene.cli import cli

SRC = Path(__file__).resolve().parents[1] / "src"

# Characters that must never reach a terminal raw: C0 controls but the newline, DEL, C1 controls,
# bidi embeddings/overrides/isolates and marks.
RAW_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FORGED = "0 findings FORGED"

HOSTILE = [
    "\x1b[2J", "\x1b[31mred\x1b[0m", "\x1b]0;pwned title\x07", "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "\x07", "\x00", "\x08\x08\x08", "\x7f", "\x9b31m", "\x85", "\x90q\x9c", "\u202e", "\u2066", "\u200f", "\u200b",
    "\ufeff", "\u2028", "\r", "\n", "\r\n", "\t", '"', "'", ";", ",", "|", "x\n" + FORGED + " (0 errors)\n",
    "\U0001F600", "\ufffd", "é", "ñ", "ß", "€",
]
HEADERS = [
    "APELLIDO Y NOMBRE", "NOMBRE", "NRO DOC", "DNI", "FECHA NACIMIENTO", "FECHA_NAC", "DELITO", "JUZGADO",
    "FECHA ALTA", "PASAPORTE", "SEXO", "ESTADO", "ID", "name", "birth_date", "national_id", "passport",
    "offence", "entry_date", "status", "Group ID", "",
]
VALUES = [
    "NÚÑEZ, JOSÉ MARÍA", "GÓMEZ, ANA", "Smith John", "20.123.456", "21987654", "15/03/1980", "1985-07-14",
    "31/02/1990", "2019", "ROBO", "JUZGADO 1", "01/06/2015", "", " ", "N/A", "0", "-", "AB123456", "M", "F",
    "ACTIVO", "=A1", "1e308", "NaN", "null",
]

piece = st.one_of(st.sampled_from(VALUES), st.sampled_from(HOSTILE), st.text(max_size=6))
short_cell = st.lists(piece, max_size=3).map("".join)
cell = st.builds(lambda text, times: text * times, short_cell,
                 st.sampled_from([1] * 12 + [40, 3000, 60000]))  # now and then a huge cell
header_cell = st.one_of(st.sampled_from(HEADERS), st.sampled_from(HEADERS), short_cell)
file_stem = st.one_of(st.just("export"), st.lists(st.one_of(st.sampled_from(["lista", "a b", "x"]),
                                                            st.sampled_from(HOSTILE)), min_size=1, max_size=3)
                      .map("".join).map(lambda s: s.replace("/", "_").replace("\x00", "_") or "export"))

ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be"]


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def filler(width: int, count: int, seed: int) -> list[list[str]]:
    ordinary = [v for v in VALUES if v.strip()]
    return [[ordinary[(seed + 7 * r + 3 * c) % len(ordinary)] for c in range(width)] for r in range(count)]


@st.composite
def csv_export(draw) -> tuple[str, bytes]:
    width = draw(st.integers(1, 7))
    header = draw(st.lists(header_cell, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=width + 2), max_size=7))  # ragged
    # ordinary records around the hostile ones, as in a real export (and so that a few control
    # characters do not make the whole file look binary)
    rows += filler(width, draw(st.sampled_from([0, 150, 150])), draw(st.integers(0, 10**6)))
    draw(st.randoms()).shuffle(rows)
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", ":", " "]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    style = draw(st.sampled_from(["minimal", "all", "naive"]))
    if style == "naive":  # joined blindly: delimiters, quotes and newlines inside cells break the rows
        text = newline.join(delimiter.join(r) for r in [header, *rows])
    else:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline,
                            quoting=csv.QUOTE_ALL if style == "all" else csv.QUOTE_MINIMAL)
        writer.writerows([header, *rows])
        text = buf.getvalue()
    data = encode(text, draw(st.sampled_from(ENCODINGS)))
    damage = draw(st.sampled_from(["none"] * 6 + ["truncate", "garbage"]))
    if damage == "truncate" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "garbage":
        data += draw(st.binary(max_size=40))
    suffix = draw(st.sampled_from(["csv", "csv", "txt", "tsv", "dat"]))
    return suffix, data


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), cell)
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(header_cell, inner, max_size=3)), max_leaves=8)


@st.composite
def json_export(draw) -> tuple[str, bytes]:
    records = draw(st.lists(st.dictionaries(header_cell, st.one_of(cell, json_value), max_size=6), max_size=6))
    if records and draw(st.booleans()):
        keys = list(records[0]) or ["NOMBRE"]
        records += [dict(zip(keys, row)) for row in filler(len(keys), 150, draw(st.integers(0, 10**6)))]
        draw(st.randoms()).shuffle(records)
    shape = draw(st.sampled_from(["list", "wrapped", "ndjson", "deep", "value", "truncated"]))
    suffix = "json"
    if shape == "list":
        text = json.dumps(records, ensure_ascii=draw(st.booleans()))
    elif shape == "wrapped":
        text = json.dumps({"meta": {"n": len(records)}, "data": {"items": records}}, ensure_ascii=False)
    elif shape == "ndjson":
        suffix = draw(st.sampled_from(["ndjson", "jsonl", "json"]))
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    elif shape == "deep":
        depth = draw(st.sampled_from([50, 1000, 5000, 100_000]))
        text = "[" * depth + json.dumps(records[:1]) + "]" * draw(st.sampled_from([depth, 0]))
    elif shape == "value":
        text = json.dumps(draw(json_value), ensure_ascii=False)
    else:
        text = json.dumps(records, ensure_ascii=False)
        text = text[: draw(st.integers(0, len(text)))]
    return suffix, encode(text, draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"])))


def _xml_text(value: str, mode: str) -> str:
    """Cell text for sheet XML: characters XML 1.0 cannot hold either as OOXML ``_xHHHH_`` escapes
    (which readers turn back into the raw character) or left raw (an invalid part)."""
    if mode == "raw":
        return xml_escape(value)
    out = []
    for ch in value:
        cp = ord(ch)
        if (cp < 0x20 and ch not in "\t\n\r") or 0xD800 <= cp <= 0xDFFF or cp in (0xFFFE, 0xFFFF):
            out.append(f"_x{cp:04X}_")
        else:
            out.append(xml_escape(ch))
    return "".join(out)


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def build_xlsx(rows: list[list[str]], sheet_name: str, mode: str, shared: bool) -> bytes:
    strings: list[str] = []
    sheet_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_col(c)}{r}"
            if shared:
                strings.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(value, mode)}</t></is></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' if shared else "")
            + "</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rel_ns}><sheets>'
            f'<sheet name={quoteattr(_xml_text(sheet_name, mode))} sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            + ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>' if shared else "")
            + "</Relationships>"),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>'),
    }
    if shared:
        items = "".join(f'<si><t xml:space="preserve">{_xml_text(s, mode)}</t></si>' for s in strings)
        parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="{len(strings)}" '
                                         f'uniqueCount="{len(strings)}">{items}</sst>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8", errors="surrogatepass"))
    return buf.getvalue()


@st.composite
def xlsx_export(draw) -> tuple[str, bytes]:
    width = draw(st.integers(1, 6))
    header = draw(st.lists(header_cell, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=width + 1), max_size=6))
    rows += filler(width, draw(st.sampled_from([0, 60])), draw(st.integers(0, 10**6)))
    draw(st.randoms()).shuffle(rows)
    sheet_name = draw(st.one_of(st.just("Sheet1"), short_cell.filter(bool)))
    mode = draw(st.sampled_from(["ooxml", "ooxml", "raw"]))
    return "xlsx", build_xlsx([header, *rows], sheet_name, mode, draw(st.booleans()))


# ---------------------------------------------------------------------------------------------------
# the properties

@contextlib.contextmanager
def export_file(stem: str, suffix: str, data: bytes):
    """The export in a fresh directory that is also the working directory (no stray config)."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem}.{suffix}"
        path.write_bytes(data)
        os.chmod(path, 0o640)
        os.chdir(tmp)
        try:
            yield path
        finally:
            os.chdir(old)


def assert_inert(text: str, what: str) -> None:
    raw = RAW_UNSAFE.findall(text)
    assert not raw, f"{what}: raw control/bidi characters {sorted(set(raw))!r} reached the output"
    forged = [ln for ln in text.splitlines() if ln.lstrip().startswith(FORGED)]
    assert not forged, f"{what}: a cell forged a report line: {forged[:2]!r}"


def assert_run_ok(code: int, stdout: str, stderr: str, what: str) -> None:
    assert code in (0, 1, 2), f"{what}: exit {code}\n{stderr[-2000:]}"
    assert "Traceback" not in stderr and "Traceback" not in stdout, f"{what}: traceback\n{stderr[-3000:]}"
    assert "internal error" not in stderr, f"{what}: {stderr[:500]}"
    assert_inert(stderr, f"{what} stderr")
    if code == 2:
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("dbhygiene: error: "), f"{what}: stderr {stderr[:1000]!r}"
    else:
        assert stderr == "", f"{what}: exit {code} but stderr {stderr[:1000]!r}"


def invoke(args: list[str]):
    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # an exception that escaped the CLI's own handling: a traceback for the user
    return result.exit_code, result.stdout, result.stderr


AS_OF = ["--as-of", "2026-01-01"]


def run_everything(path: Path) -> None:
    """The three runs every example gets, and every property checked on them."""
    before = file_state(path)
    target = str(path)

    code, out, err = invoke(["check", target, "--show-pii", *AS_OF])
    assert_run_ok(code, out, err, "check -f text --show-pii")
    assert_inert(out, "check -f text --show-pii")

    code_json, out, err = invoke(["check", target, "-f", "json", *AS_OF])
    assert_run_ok(code_json, out, err, "check -f json")
    assert code_json == code, "the text and JSON runs of the same file disagree on the exit code"
    if code_json != 2:
        doc = json.loads(out)  # valid JSON, whatever the cells held
        assert isinstance(doc, dict)
        assert not RAW_UNSAFE.findall(out), "check -f json: raw control/bidi characters in the JSON text"
    else:
        assert out == ""

    code, out, err = invoke(["columns", target, "--show-pii", *AS_OF])
    assert_run_ok(code, out, err, "columns --show-pii")
    assert code in (0, 2), f"columns exits 0 or 2, got {code}"
    assert_inert(out, "columns --show-pii")

    assert file_state(path) == before, "the input file changed"


FUZZ = dict(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])


@settings(**FUZZ)
@given(stem=file_stem, export=csv_export())
def test_fuzz_csv(stem, export):
    suffix, data = export
    with export_file(stem, suffix, data) as path:
        run_everything(path)


@settings(**FUZZ)
@given(stem=file_stem, export=json_export())
def test_fuzz_json(stem, export):
    suffix, data = export
    with export_file(stem, suffix, data) as path:
        run_everything(path)


@settings(**FUZZ)
@given(stem=file_stem, export=xlsx_export())
def test_fuzz_xlsx(stem, export):
    suffix, data = export
    with export_file(stem, suffix, data) as path:
        run_everything(path)


@settings(**FUZZ, max_examples=max(2, settings.default.max_examples // 6))
@given(stem=file_stem, export=st.one_of(csv_export(), json_export(), xlsx_export()))
def test_fuzz_subprocess(stem, export):
    """A sample through a real process: what reaches the real stderr (warnings included)."""
    suffix, data = export
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONWARNINGS": "default"}
    with export_file(stem, suffix, data) as path:
        before = file_state(path)
        for args in (["check", path.name, "--show-pii", *AS_OF], ["check", path.name, "-f", "json", *AS_OF]):
            proc = subprocess.run([sys.executable, "-m", "dbhygiene", *args], capture_output=True, timeout=120,
                                  env=env, cwd=path.parent)
            out = proc.stdout.decode("utf-8", errors="surrogateescape")
            err = proc.stderr.decode("utf-8", errors="surrogateescape")
            assert_run_ok(proc.returncode, out, err, " ".join(args[:1] + args[2:]))
            if "json" in args and proc.returncode != 2:
                json.loads(out)
            else:
                assert_inert(out, "check (subprocess)")
        assert file_state(path) == before
