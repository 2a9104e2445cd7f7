"""The console entry point ends the process with os._exit after a run (cli.leave): these tests run it
in a real subprocess and check that nothing a normal exit does is lost: the exit code, every byte of
a large report on a pipe, and the atexit handlers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "conarc_sample.csv"
ENTRY = "import sys; from dbhygiene.cli import main; sys.argv[0] = 'dbhygiene'; main()"


def run(*args: str, code: str = ENTRY) -> subprocess.CompletedProcess:
    # buffered streams, as on a user's machine (this environment may set PYTHONUNBUFFERED)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, timeout=300, env=env)


def test_exit_codes_survive_the_fast_exit():
    findings = run("check", str(SAMPLE), "--profile", "ar", "--as-of", "2020-05-01", "-q")
    assert findings.returncode == 1, findings.stderr
    clean = run("check", str(SAMPLE), "--profile", "ar", "--as-of", "2020-05-01", "-q", "--fail-on", "never")
    assert clean.returncode == 0, clean.stderr
    usage = run("check", str(SAMPLE), "--profile", "no-such-profile", "-q")
    assert usage.returncode == 2 and usage.stderr.strip().count(b"\n") == 0


def test_a_large_report_on_a_pipe_arrives_whole():
    # the JSON report of the sample is far larger than a pipe's buffer: without the flush before
    # os._exit its tail would be lost
    done = run("check", str(SAMPLE), "--profile", "ar", "--as-of", "2020-05-01", "-q", "-f", "json",
               "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > 64 * 1024
    report = json.loads(done.stdout)
    assert report["findings"] and report["summary"]


def test_atexit_handlers_still_run():
    code = ("import atexit, sys; atexit.register(lambda: sys.stderr.write('handler ran\\n')); " + ENTRY)
    done = run("--version", code=code)
    assert done.returncode == 0
    assert b"dbhygiene" in done.stdout
    assert b"handler ran" in done.stderr


def test_a_text_exit_message_takes_the_normal_exit():
    from dbhygiene import cli

    try:
        cli.leave("stopped: reason")
    except SystemExit as exc:
        assert exc.code == "stopped: reason"
    else:  # pragma: no cover - leave() must not os._exit a text code
        raise AssertionError("leave() did not raise SystemExit for a text code")


def test_leave_flushes_what_is_still_buffered():
    # click.echo flushes its own writes; leave() must also flush anything else still buffered
    # (small writes: one large write would go straight through the buffer)
    code = "import sys; from dbhygiene.cli import leave; [sys.stdout.write('x' * 9) for _ in range(999)]; leave(3)"
    done = run(code=code)
    assert done.returncode == 3
    assert done.stdout == b"x" * 8991


@pytest.mark.parametrize("closed", ["stdout", "stderr"])
def test_a_closed_standard_stream_is_no_traceback(tmp_path, closed):
    # started with the stream closed (`>&-`), Python gives sys.stdout (or stderr) as None
    out = tmp_path / "report.json"
    streams = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
    streams[closed] = subprocess.DEVNULL
    code = ("import os, sys; os.close({fd}); sys.{name} = None; " + ENTRY).format(
        fd=1 if closed == "stdout" else 2, name=closed)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run([sys.executable, "-c", code, "check", str(SAMPLE), "--profile", "ar", "--as-of",
                           "2020-05-01", "-q", "-f", "json", "-o", str(out), "--fail-on", "never"],
                          timeout=300, env=env, **streams)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["findings"]
