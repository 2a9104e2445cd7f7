"""The input read early (``opening.prefetch``): ``check`` starts reading and hashing its first file on
another thread while it imports pandas and pyarrow. What the loader then gets must be what it would
have read itself: the same bytes, the same SHA-256, the same errors and limits, and nothing stale."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from dbhygiene import opening
from dbhygiene.errors import LoadError
from dbhygiene.load import Limits, load

TEXT = "APELLIDO Y NOMBRE;NRO DOC;F. NAC.\nPEREZ, JUAN;30111222;01/02/1990\nGOMEZ, ANA;30111223;03/04/1991\n"


@pytest.fixture(autouse=True)
def _nothing_pending():
    yield
    opening._pending.clear()
    opening._digests.clear()


def _prefetched(path):
    """Prefetch ``path`` and wait until its thread is done."""
    opening.prefetch(path)
    _, thread, _ = opening._pending[0]
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_load_takes_the_prefetched_bytes_and_digest(write, monkeypatch):
    path = write("lista.csv", TEXT.encode("cp1252"))
    plain = load(path)
    _prefetched(path)
    read_here = []
    real_read = opening._read
    monkeypatch.setattr(opening, "_read", lambda *a: read_here.append(a) or real_read(*a))
    early = load(path)
    assert read_here == []  # nothing read a second time
    assert not opening._pending and not opening._digests  # handed over once
    assert early.facts.sha256 == plain.facts.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert early.frame.equals(plain.frame)
    assert (early.facts.size, early.facts.mode, early.facts.encoding) == (plain.facts.size, plain.facts.mode,
                                                                          plain.facts.encoding)


def test_a_file_written_after_the_prefetch_is_read_afresh(write):
    path = write("lista.csv", TEXT)
    _prefetched(path)
    path.write_text(TEXT + "ROJAS, LUIS;30111224;05/06/1992\n", encoding="utf-8")
    loaded = load(path)
    assert len(loaded.frame) == 3
    assert loaded.facts.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_replaced_after_the_prefetch_is_read_afresh(write, tmp_path):
    path = write("lista.csv", TEXT)
    _prefetched(path)
    other = write("otra.csv", TEXT.replace("PEREZ", "PERES"))
    os.utime(other, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))  # same size and time, another file
    os.replace(other, path)
    assert load(path).frame.iloc[0, 0] == "PERES, JUAN"


def test_another_path_is_not_given_the_prefetched_bytes(write):
    first = write("a.csv", TEXT)
    second = write("b.csv", TEXT.replace("GOMEZ", "GOMES"))
    _prefetched(first)
    assert load(second).frame.iloc[1, 0] == "GOMES, ANA"
    assert opening._pending  # still there for its own path
    assert load(first).frame.iloc[1, 0] == "GOMEZ, ANA"


def test_the_callers_size_limit_still_applies(write):
    path = write("lista.csv", TEXT)
    _prefetched(path)
    with pytest.raises(LoadError, match="exceeds the input size limit"):
        opening.read_source(path, Limits(max_size=10))


def test_a_file_over_the_prefetch_limit_is_read_by_the_loader(write, monkeypatch):
    path = write("lista.csv", TEXT)
    monkeypatch.setattr(opening._Limit, "max_size", 10)
    _prefetched(path)
    assert "read" not in opening._pending[0][2]
    data, _ = opening.read_source(path, Limits())
    assert data == path.read_bytes()


@pytest.mark.parametrize("kind", ["missing", "folder", "empty"])
def test_errors_are_the_loaders_own(tmp_path, kind):
    path = tmp_path / "lista.csv"
    if kind == "folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    expected = {"missing": "no such file", "folder": "is a directory", "empty": "file is empty"}[kind]
    _prefetched(path)
    with pytest.raises(LoadError, match=expected):
        load(path)


def test_a_fifo_is_not_opened_by_the_prefetch(tmp_path):
    fifo = tmp_path / "lista.csv"
    os.mkfifo(fifo)
    opening.prefetch(fifo)
    _, thread, outcome = opening._pending[0]
    thread.join(timeout=10)
    assert not thread.is_alive()  # opening a FIFO for reading would block until a writer came
    assert outcome == {}
    with pytest.raises(LoadError, match=r"not a regular file \(a FIFO\)"):
        load(fifo)


def test_known_sha256_is_for_that_bytes_object_only(write):
    path = write("lista.csv", TEXT)
    _prefetched(path)
    data, _ = opening.read_source(path, Limits())
    assert opening.known_sha256(bytes(bytearray(data))) is None  # equal bytes, another object
    assert opening.known_sha256(data) == hashlib.sha256(data).hexdigest()
    assert opening.known_sha256(data) is None  # taken once


def test_the_prefetch_runs_on_another_thread(write, monkeypatch):
    path = write("lista.csv", TEXT)
    seen = []
    real_read = opening._read
    monkeypatch.setattr(opening, "_read", lambda *a: seen.append(threading.current_thread().name) or real_read(*a))
    _prefetched(path)
    assert seen == ["dbhygiene-prefetch"]


def test_check_reports_the_digest_of_the_file(spanish_cp1252, run_cli, in_tmp):
    import json

    result = run_cli("check", spanish_cp1252, "-f", "json", "--fail-on", "never", "--select", "DU01")
    assert result.exit_code == 0, result.stderr
    (source,) = json.loads(result.stdout)["sources"]
    assert source["sha256"] == hashlib.sha256(spanish_cp1252.read_bytes()).hexdigest()
    assert not opening._pending  # the check took what it prefetched


@pytest.mark.parametrize("limit", [None, "option", "config", "bad config"])
def test_check_reads_early_only_without_a_size_limit(write, tmp_path, in_tmp, limit):
    from dbhygiene.cli import prefetch_first

    path = write("lista.csv", TEXT)
    if limit in ("config", "bad config"):
        (tmp_path / "dbhygiene.toml").write_text(
            'max-input-size = "1M"\n' if limit == "config" else "max-input-size = [\n", encoding="utf-8")
    prefetch_first([path], None, "1M" if limit == "option" else None)
    assert bool(opening._pending) == (limit is None)
