"""`-o` writes atomically, owner-only, and never through a link or onto a device (issue 10, item 3)."""

from __future__ import annotations

import os
import stat

import pytest
from click.testing import CliRunner
from conftest import error_line, file_state

from dbhygiene.cli import cli
from dbhygiene.errors import ConfigError
from dbhygiene.output import private_file, write_private


def test_dev_null_is_refused_and_keeps_its_mode(spanish_cp1252, run_cli, in_tmp):
    before = os.stat("/dev/null")
    result = run_cli("check", spanish_cp1252, "-o", "/dev/null")
    after = os.stat("/dev/null")
    assert result.exit_code == 2
    assert "not a regular file" in error_line(result)
    assert stat.S_ISCHR(after.st_mode) and after.st_mode == before.st_mode
    assert after.st_rdev == before.st_rdev


def test_symlink_destination_is_refused_and_its_target_untouched(spanish_cp1252, run_cli, in_tmp):
    target = in_tmp / "precious.txt"
    target.write_text("keep me\n")
    os.chmod(target, 0o644)
    state = file_state(target)
    link = in_tmp / "report.json"
    link.symlink_to(target)
    result = run_cli("check", spanish_cp1252, "-f", "json", "-o", link)
    assert result.exit_code == 2
    assert "symbolic link" in error_line(result)
    assert file_state(target) == state
    assert link.is_symlink()


def test_dangling_symlink_is_refused_and_nothing_is_created(spanish_cp1252, run_cli, in_tmp):
    link = in_tmp / "report.json"
    link.symlink_to(in_tmp / "nowhere.json")
    result = run_cli("check", spanish_cp1252, "-o", link)
    assert result.exit_code == 2
    assert not (in_tmp / "nowhere.json").exists()


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_fifo_or_folder_destination_is_refused(spanish_cp1252, run_cli, in_tmp, kind):
    dest = in_tmp / "out"
    if kind == "fifo":
        os.mkfifo(dest, 0o644)
    else:
        dest.mkdir(mode=0o755)
    mode = os.lstat(dest).st_mode
    result = run_cli("check", spanish_cp1252, "-o", dest)  # a FIFO would block forever if opened
    assert result.exit_code == 2
    line = error_line(result)
    assert {"fifo": "not a regular file", "folder": "is a directory"}[kind] in line, line
    assert os.lstat(dest).st_mode == mode


def test_existing_regular_file_is_replaced_by_a_new_0600_file(spanish_cp1252, run_cli, in_tmp):
    dest = in_tmp / "report.txt"
    dest.write_text("old report\n")
    os.chmod(dest, 0o644)
    other = in_tmp / "hardlink.txt"
    os.link(dest, other)
    old_inode = os.stat(dest).st_ino
    result = run_cli("check", spanish_cp1252, "-o", dest)
    assert result.exit_code in (0, 1), result.stderr
    st = os.stat(dest)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_ino != old_inode  # a new file renamed into place, not the old one truncated
    assert "findings" in dest.read_text()
    # the other name of the old file still holds the old bytes and mode: not ours to change
    assert other.read_text() == "old report\n" and stat.S_IMODE(os.stat(other).st_mode) == 0o644
    assert [p.name for p in in_tmp.iterdir() if p.name.endswith(".tmp")] == []


def test_new_file_is_0600_even_under_a_permissive_umask(spanish_cp1252, run_cli, in_tmp):
    os.umask(0)
    dest = in_tmp / "new.json"
    result = run_cli("check", spanish_cp1252, "-f", "json", "-o", dest)
    assert result.exit_code in (0, 1)
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600


def test_failed_write_leaves_no_temporary_file_and_the_old_report(in_tmp, monkeypatch):
    dest = in_tmp / "report.txt"
    dest.write_text("old\n")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ConfigError, match="No space left on device"):
        write_private(dest, "new")
    assert dest.read_text() == "old\n"
    assert [p.name for p in in_tmp.iterdir()] == ["report.txt"]


def test_a_renderer_failing_half_way_leaves_the_old_report_and_no_temporary_file(in_tmp):
    """The report is streamed into the temporary file as it is rendered: a crash part-way through
    removes the half-written file and the destination keeps its old content."""
    dest = in_tmp / "report.json"
    dest.write_text("old\n")
    with pytest.raises(ValueError, match="renderer broke"):
        with private_file(dest) as stream:
            stream.write("{" + "x" * (3 << 20))  # more than the stream's buffer: some reached the disk
            raise ValueError("renderer broke")
    assert dest.read_text() == "old\n"
    assert [p.name for p in in_tmp.iterdir()] == ["report.json"]


def test_streamed_text_is_utf8_with_newlines_as_written(in_tmp):
    dest = in_tmp / "report.csv"
    with private_file(dest) as stream:
        stream.write("a;b\r\nñandú;\u2028x\n")
    assert dest.read_bytes() == "a;b\r\nñandú;\u2028x\n".encode("utf-8")
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600


def test_unwritable_folder_is_one_line_exit_2_for_an_ordinary_user(tmp_path):
    """As uid 65534 in a forked child (we run as root, which may write anywhere): a folder it
    cannot write gives one line and exit 2, and nothing is left behind."""
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o755)
    data = tmp_path / "in.csv"
    data.write_text("APELLIDO Y NOMBRE;NRO DOC\nPEREZ, JUAN;20123456\n")
    os.chmod(tmp_path, 0o755)
    os.chmod(data, 0o644)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop to nobody, run the command in-process, report through the pipe
        code = 99
        try:
            os.close(read_end)
            os.setgid(65534)
            os.setuid(65534)
            result = CliRunner().invoke(cli, ["check", str(data), "-o", str(folder / "r.txt")])
            os.write(write_end, result.stderr.encode("utf-8", "replace"))
            code = result.exit_code
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        stderr = fh.read().decode("utf-8")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0], stderr
    assert list(folder.iterdir()) == []


TERM_PROBE = """
import os, sys, time
from dbhygiene.output import private_file
with private_file(sys.argv[1]) as stream:
    stream.write("x" * (3 << 20))  # some of it on disk already
    print("writing", flush=True)
    time.sleep(30)
"""


def test_a_terminated_write_leaves_no_temporary_file(in_tmp):
    """SIGTERM while the report is written: exit 143, the half-written temporary file (personal
    data) removed, no report."""
    import signal
    import subprocess
    import sys

    import dbhygiene

    dest = in_tmp / "report.json"
    here = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(dbhygiene.__file__))}  # this very code
    proc = subprocess.Popen([sys.executable, "-c", TERM_PROBE, str(dest)], stdout=subprocess.PIPE, text=True, env=here)
    assert proc.stdout.readline().strip() == "writing"
    assert any(p.name.endswith(".tmp") for p in in_tmp.iterdir())  # the temporary file exists now
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 143
    assert list(in_tmp.iterdir()) == []


def test_piped_output_drops_what_a_failed_render_had_not_written(capsys):
    """Standard output (not a terminal) is written a megabyte at a time; when the renderer fails,
    the rest it had written is dropped, not flushed later when the stream object is collected."""
    import gc

    from dbhygiene.cli import deliver

    def render(stream):
        stream.write("a" * (1 << 20))  # a full chunk: written at once
        stream.write("TAIL")
        raise RuntimeError("renderer broke")

    with pytest.raises(RuntimeError):
        deliver(render, None, [])
    gc.collect()
    out = capsys.readouterr().out
    assert out == "a" * (1 << 20)


def test_piped_output_is_the_whole_report(capsys):
    from dbhygiene.cli import deliver

    text = "".join(f"línea {i}\n" for i in range(300_000))  # several chunks
    deliver(lambda stream: [stream.write(line) for line in text.splitlines(keepends=True)], None, [])
    assert capsys.readouterr().out == text
