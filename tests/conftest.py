"""Shared helpers for the loader, CLI, configuration and mapping tests.

All personal data here is invented.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings as hypothesis_settings

from dbhygiene.cli import cli

# Hypothesis profiles (tests/test_fuzz.py): "default" keeps the whole suite quick; "long" is for a
# run by hand: DBHYGIENE_FUZZ=long pytest tests/test_fuzz.py, or --hypothesis-profile=long.
hypothesis_settings.register_profile("default", max_examples=20, deadline=None, print_blob=True)
hypothesis_settings.register_profile("long", max_examples=400, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("DBHYGIENE_FUZZ", "default"))

def pytest_configure(config):
    """Every frame normalise hands to the checks, anywhere in the suite, honours the contract's
    columns and dtypes (normalised_contract.py): the stage boundary is checked where the code is."""
    import dbhygiene.api as api
    from normalised_contract import check_at_boundary

    import dbhygiene.normalise as stage

    if getattr(api.normalise, "checks_the_contract", False):
        return

    def normalise_then_check(*args, **kwargs):
        norm = stage.normalise(*args, **kwargs)
        check_at_boundary(norm.frame)
        return norm

    normalise_then_check.checks_the_contract = True
    api.normalise = normalise_then_check


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in an empty temporary folder so that no dbhygiene.toml or pyproject.toml is picked up."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run_cli():
    """Invoke the real command group; stdout and stderr are kept apart."""

    def invoke(*args, **kwargs):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def write(tmp_path):
    """Write bytes (or text as UTF-8) to a file in tmp_path and return its path."""

    def put(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return put


def refuse_open(monkeypatch, path: Path) -> None:
    """Make the loader's open of ``path`` fail with EACCES, as a mode-000 file does for anyone but root."""
    import errno

    from dbhygiene.load import source

    real_open = os.open

    def fake_open(target, flags, *args, **kwargs):
        if Path(target) == Path(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
        return real_open(target, flags, *args, **kwargs)

    monkeypatch.setattr(source.os, "open", fake_open)


def file_state(path: Path) -> tuple[str, int, int, int]:
    """sha256, mode, size and mtime of a file: what must not change after a run."""
    st = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mode, st.st_size, st.st_mtime_ns


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


AS_OF = __import__("datetime").date(2026, 11, 22)


def check_text(tmp_path: Path, text: str, select, **kw):
    """Check ``text`` written as export.csv with the rules ``select`` (Settings keywords in ``kw``,
    as-of 2026-11-22 unless given); no rule may crash. Returns (ctx, result)."""
    from dbhygiene.api import Settings, check_path

    kw.setdefault("as_of", AS_OF)
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    ctx, result = check_path(path, Settings(select=select, **kw))
    assert not result.crashed, result.crashed
    return ctx, result


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx with one sheet per item (title -> rows)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def error_line(result) -> str:
    """The single stderr line of a failed run (asserting there is exactly one)."""
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dbhygiene: error: "), lines[0]
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    return lines[0]


# A small Spanish-language export: ';'-separated, accented names, one exact duplicate (rows 1 and 3).
SPANISH_EXPORT = (
    "APELLIDO Y NOMBRE;NRO DOC;FECHA NACIMIENTO;DELITO;JUZGADO;FECHA ALTA\n"
    "NÚÑEZ, JOSÉ MARÍA;20.123.456;15/03/1980;ROBO;JUZGADO 1;01/06/2015\n"
    "GÓMEZ, ANA;21987654;03/04/1985;HURTO;JUZGADO 2;02/07/2016\n"
    "NÚÑEZ, JOSÉ MARÍA;20.123.456;15/03/1980;ROBO;JUZGADO 1;01/06/2015\n"
)


@pytest.fixture
def spanish_cp1252(write):
    return write("padron.csv", SPANISH_EXPORT.encode("cp1252"))


@pytest.fixture(autouse=True)
def _restore_umask():
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)
