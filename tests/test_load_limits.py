"""Unbounded reads (issue 10, item 2): non-regular inputs are refused before any read, and
decompression bombs stop at the documented limits with memory under about twice the limit.

Every hostile case runs the real CLI in a subprocess with its own caps on address space and CPU
time (resource.setrlimit) and a wall-clock timeout, so a regression fails the test instead of
taking the machine down. All data here is zeros or invented.
"""

from __future__ import annotations

import gzip
import io
import os
import resource
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import error_line

from dbhygiene.errors import ConfigError, LoadError
from dbhygiene.load import Limits, load, parse_size
from dbhygiene.load.limits import DEFAULT_MAX_RATIO, DEFAULT_MAX_SIZE, RATIO_GRACE

SRC = str(Path(__file__).resolve().parents[1] / "src")
# Runs the CLI and writes the process's peak resident and virtual memory to a file on exit.
PEAK = """
import atexit, sys
out = sys.argv.pop(1)
def report():
    status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
    open(out, "w").write(status["VmHWM"].split()[0])
atexit.register(report)
from dbhygiene.cli import main
sys.argv = ["dbhygiene"] + sys.argv[1:]
main()
"""
MiB = 1 << 20
GiB = 1 << 30


def run_capped(tmp_path: Path, *args, address_space: int = 3 * GiB, cpu: int = 60, timeout: float = 90):
    """The CLI in a child capped at ``address_space`` bytes of virtual memory and ``cpu`` seconds.
    Returns (exit code, stderr, peak resident bytes)."""
    peak_file = tmp_path / "peak.txt"

    def caps():
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))

    proc = subprocess.run([sys.executable, "-c", PEAK, str(peak_file), *map(str, args)], preexec_fn=caps,
                          capture_output=True, text=True, timeout=timeout, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": SRC})
    peak = int(peak_file.read_text()) * 1024 if peak_file.exists() else None
    return proc.returncode, proc.stderr, peak


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("dbhygiene: error: ") and "Traceback" not in stderr
    return lines[0]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> int:
    """Peak resident memory of the CLI checking a tiny file: what a bomb run is compared with."""
    folder = tmp_path_factory.mktemp("baseline")
    small = folder / "small.csv.gz"
    small.write_bytes(gzip.compress(b"nombre;dni\nPEREZ, JUAN;1\n"))
    code, stderr, peak = run_capped(folder, "check", small)
    assert code in (0, 1), stderr
    return peak


def gzip_bomb(path: Path, expanded: int, member: int = 64 * MiB) -> Path:
    """Many gzip members of zeros, concatenated: cheap to build, ``expanded`` bytes when read."""
    one = gzip.compress(b"\0" * member, compresslevel=9)
    with path.open("wb") as fh:
        for _ in range(expanded // member):
            fh.write(one)
    return path


def zip_bomb(path: Path, expanded: int, name: str = "lista.csv") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            zero = b"\0" * (16 * MiB)
            for _ in range(expanded // len(zero)):
                fh.write(zero)
    return path


# ---- non-regular inputs -------------------------------------------------------------------------

def test_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "lista.csv"
    os.mkfifo(fifo)
    code, stderr, _ = run_capped(tmp_path, "check", fifo, timeout=30)  # opening a FIFO for reading blocks
    assert code == 2
    assert "not a regular file (a FIFO)" in one_line(stderr)


def test_dev_zero_is_refused_before_reading(tmp_path):
    code, stderr, peak = run_capped(tmp_path, "check", "/dev/zero", cpu=20, timeout=30)
    assert code == 2
    assert "not a regular file (a character device)" in one_line(stderr)


def test_socket_is_refused(tmp_path):
    path = tmp_path / "s.csv"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(path))
        with pytest.raises(LoadError, match=r"not a regular file \(a socket\)"):
            load(path)
    finally:
        sock.close()


def test_symlink_to_a_regular_file_is_still_read(write, tmp_path):
    target = write("real.csv", "nombre;dni\nPEREZ, JUAN;1\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert load(link).frame.shape == (1, 2)


def test_symlink_to_a_device_is_refused(tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(LoadError, match="character device"):
        load(link)


# ---- decompression bombs through the CLI, memory and time capped ---------------------------------

def test_gzip_bomb_stops_at_the_ratio_limit_with_little_memory(tmp_path, baseline):
    bomb = gzip_bomb(tmp_path / "lista.csv.gz", 8 * GiB)  # ~8 MB on disk, 8 GiB of zeros
    assert bomb.stat().st_size < 16 * MiB
    code, stderr, peak = run_capped(tmp_path, "check", bomb)
    assert code == 2
    line = one_line(stderr)
    assert f"expands more than {DEFAULT_MAX_RATIO}-fold" in line and "--max-input-size" in line
    # refused at the first piece past the 64 MiB grace: far below the 1 GiB size limit
    assert peak - baseline < 2 * RATIO_GRACE + 64 * MiB, (peak, baseline)


def test_gzip_bomb_under_a_raised_limit_stops_at_the_size_limit(tmp_path, baseline):
    bomb = gzip_bomb(tmp_path / "lista.csv.gz", 4 * GiB)
    limit = 256 * MiB
    code, stderr, peak = run_capped(tmp_path, "check", bomb, "--max-input-size", "256M")
    assert code == 2
    assert "exceeds the input size limit of 256 MiB" in one_line(stderr)
    assert peak - baseline < 2 * limit, (peak, baseline)


def test_zip_bomb_is_refused_from_its_declared_size(tmp_path, baseline):
    bomb = zip_bomb(tmp_path / "lista.zip", 256 * MiB)
    assert bomb.stat().st_size < MiB
    code, stderr, peak = run_capped(tmp_path, "check", bomb)
    assert code == 2
    assert "expands more than" in one_line(stderr)
    assert peak - baseline < 64 * MiB + bomb.stat().st_size * 2


def test_zip_bomb_under_a_raised_limit_stops_at_the_size_limit(tmp_path, baseline):
    bomb = zip_bomb(tmp_path / "lista.zip", 256 * MiB)
    code, stderr, peak = run_capped(tmp_path, "columns", bomb, "--max-input-size", "100M")
    assert code == 2
    assert "zip member content exceeds the input size limit of 100 MiB" in one_line(stderr)
    assert peak - baseline < 200 * MiB


def test_zip_member_that_lies_about_its_size_is_cut_at_the_declared_size(write):
    """zipfile never returns more than the central directory declares; a member that declares
    less than it holds fails its CRC check: corrupt, not a bomb."""
    body = b"nombre;dni\n" + b"PEREZ, JUAN;1\n" * 1000
    data = bytearray(zip_bytes_one("a.csv", body))
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (100).to_bytes(4, "little")  # uncompressed size in the directory
    local = 0
    data[local + 22:local + 26] = (100).to_bytes(4, "little")
    with pytest.raises(LoadError, match="corrupt"):
        load(write("a.zip", bytes(data)))


def zip_bytes_one(name: str, body: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, body)
    return buf.getvalue()


def test_xlsx_bomb_is_refused_before_openpyxl_reads_it(tmp_path, baseline):
    path = tmp_path / "lista.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            spaces = b" " * (16 * MiB)
            for _ in range(128 * MiB // len(spaces)):
                fh.write(spaces)
    code, stderr, peak = run_capped(tmp_path, "check", path, cpu=30)
    assert code == 2
    assert "workbook content expands more than" in one_line(stderr)


@pytest.mark.parametrize("where", ["option", "config"])
def test_plain_file_over_the_limit_is_refused_before_reading(tmp_path, baseline, where):
    big = tmp_path / "lista.csv"
    with big.open("wb") as fh:
        fh.write(b"nombre;dni\n")
        fh.truncate(300 * MiB)  # sparse: costs no disk
    if where == "config":  # nothing read early either (the command line's prefetch yields to the limit)
        (tmp_path / "dbhygiene.toml").write_text('max-input-size = "100M"\n', encoding="utf-8")
    limit = ["--max-input-size", "100M"] if where == "option" else []
    code, stderr, peak = run_capped(tmp_path, "check", big, *limit)
    assert code == 2
    assert "input exceeds the input size limit of 100 MiB" in one_line(stderr)
    assert peak - baseline < 50 * MiB  # judged from stat: nothing was read


# ---- what the limits let through ----------------------------------------------------------------

def test_highly_compressible_but_small_export_is_read(write):
    body = b"nombre;dni\n" + b"PEREZ, JUAN;12345678\n" * 200_000  # ~4 MiB, expands ~300-fold
    data = gzip.compress(body, compresslevel=9)
    assert len(body) > DEFAULT_MAX_RATIO * len(data)
    loaded = load(write("a.csv.gz", data))
    assert len(loaded.frame) == 200_000


def test_multi_member_gzip_reads_every_member(write):
    first = b"nombre;dni\nPEREZ, JUAN;1\n"
    second = b"GOMEZ, ANA;2\n"
    loaded = load(write("a.csv.gz", gzip.compress(first) + gzip.compress(second) + b"\0" * 512))
    assert loaded.frame["nombre"].tolist() == ["PEREZ, JUAN", "GOMEZ, ANA"]


def test_gzip_followed_by_garbage_is_corrupt(write):
    with pytest.raises(LoadError, match="trailing data is not gzip"):
        load(write("a.csv.gz", gzip.compress(b"a;b\n1;2\n") + b"junk"))


def test_gzip_read_in_pieces_equals_one_decompress(write):
    body = os.urandom(3 * MiB).hex().encode()  # 6 MiB of text, several output pieces
    body = b"hex\n" + b"\n".join(body[i:i + 4000] for i in range(0, len(body), 4000)) + b"\n"
    loaded = load(write("a.csv.gz", gzip.compress(body, compresslevel=1)))
    assert "".join(loaded.frame["hex"]) == body.decode().replace("\n", "")[3:]


@pytest.mark.parametrize("text,expected", [("500M", 500 * MiB), ("2G", 2 * GiB), ("1.5GiB", 3 * GiB // 2),
                                           ("1048576", MiB), ("64 kb", 64 << 10), (4096, 4096)])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "5X", "-1G", "0", True])
def test_parse_size_rejects(text):
    with pytest.raises(ConfigError):
        parse_size(text)


def test_limits_defaults_and_explicit_option():
    assert Limits() == Limits(DEFAULT_MAX_SIZE, DEFAULT_MAX_RATIO)
    assert Limits.from_option(None) == Limits()
    assert Limits.from_option(5 * GiB) == Limits(5 * GiB, None)  # an explicit size lifts the ratio limit
    Limits.from_option(5 * GiB).check_expansion("x", 4 * GiB, 1, "gzip")  # no ratio limit: passes
    with pytest.raises(LoadError, match="expands more than"):
        Limits().check_expansion("x", RATIO_GRACE + 1, (RATIO_GRACE + 1) // (DEFAULT_MAX_RATIO + 1), "gzip")
    Limits().check_expansion("x", RATIO_GRACE, 1, "gzip")  # within the grace: not judged


def test_config_key_sets_the_limit(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dbhygiene.toml").write_text('max-input-size = "1K"\n')
    (tmp_path / "a.csv").write_bytes(b"nombre;dni\n" + b"PEREZ, JUAN;1\n" * 200)
    result = run_cli("check", "a.csv")
    assert result.exit_code == 2
    assert "input size limit of 1 KiB" in result.stderr
    assert run_cli("check", "a.csv", "--max-input-size", "1M").exit_code in (0, 1)


def test_bad_size_option_is_a_usage_error(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_bytes(b"nombre;dni\nPEREZ, JUAN;1\n")
    result = run_cli("check", "a.csv", "--max-input-size", "huge")
    assert result.exit_code == 2
    assert "--max-input-size must be a size" in result.stderr



def _parquet_of_equal_cells(path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    value = "NÚÑEZ, JOSÉ MARÍA " * 6  # ~110 bytes a cell, dictionary- and run-length-encoded to nothing
    table = pa.table({"nombre": pa.array([value] * rows), "dni": pa.array(["20123456"] * rows)})
    pq.write_table(table, path, compression="zstd")


def test_parquet_over_the_size_limit_is_refused_from_its_footer(tmp_path, run_cli, in_tmp):
    path = tmp_path / "big.parquet"
    _parquet_of_equal_cells(path, 100_000)  # ~11 MB of cells in a file of a few KB
    assert path.stat().st_size < 100_000
    result = run_cli("check", path, "--max-input-size", "2M")
    assert result.exit_code == 2
    line = error_line(result)
    assert "input size limit of 2 MiB" in line and "Parquet" in line
    ok = run_cli("columns", path, "--max-input-size", "64M")
    assert ok.exit_code == 0, ok.output


def test_parquet_bomb_is_refused_by_the_ratio_limit():
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dbhygiene.load.parquet import check_parquet_size

    buf = io.BytesIO()
    rows = 40_000_000  # 2 x 40M equal cells: a table of 80 MB and more from a file of a few hundred KB
    zeros = pa.array(np.zeros(rows, dtype=np.int8))
    pq.write_table(pa.table({"x": zeros, "y": zeros}), buf, compression="zstd")
    del zeros
    data = buf.getvalue()
    assert len(data) < 1 << 20
    with pytest.raises(LoadError, match="expands more than 100-fold"):
        check_parquet_size(data, "bomb.parquet", Limits())
    check_parquet_size(data, "bomb.parquet", Limits.from_option(1 << 30))  # --max-input-size lifts the ratio


@pytest.mark.parametrize("mappable", [False, True])
def test_a_100k_column_file_is_refused_in_seconds(tmp_path, mappable):
    """100,000 columns (3 of them mappable, or none) is no export of a list of people: exit 2 naming
    the column limit, within a CPU cap of 20 s (it used to take minutes)."""
    names = (["nombre", "dni", "fecha nacimiento"] if mappable else []) + [f"x{i}" for i in range(100_000 - 3 * mappable)]
    row = ";".join(["PEREZ, JUAN", "20123456", "01/02/1980"] if mappable else []) + ";1" * (100_000 - 3 * mappable)
    path = tmp_path / "wide.csv"
    path.write_text(";".join(names) + "\n" + row.lstrip(";") + "\n", encoding="utf-8")
    code, stderr, _ = run_capped(tmp_path, "check", path, cpu=20, timeout=60)
    assert code == 2 and "column limit of 16,384" in one_line(stderr)


def test_a_file_just_within_the_column_limit_is_read(tmp_path):
    from dbhygiene.load.limits import MAX_COLUMNS

    path = tmp_path / "w.csv"
    path.write_text(";".join(["nombre", "dni"] + [f"x{i}" for i in range(MAX_COLUMNS - 2)]) + "\n"
                    + ";".join(["PEREZ, JUAN", "20123456"] + ["1"] * (MAX_COLUMNS - 2)) + "\n", encoding="utf-8")
    assert len(load(path).frame.columns) == MAX_COLUMNS
    path.write_text(";".join(["nombre", "dni"] + [f"x{i}" for i in range(MAX_COLUMNS - 1)]) + "\n", encoding="utf-8")
    with pytest.raises(LoadError, match="column limit"):
        load(path)
