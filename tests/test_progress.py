"""Progress display: only on a terminal, after a delay, never with --quiet or machine output on stdout."""

import io
import os
import time

from dbhygiene.progress import Progress


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_nothing_is_shown_before_the_delay():
    out = Tty()
    p = Progress(enabled=True, delay=3600, stream=out)
    p.stage("checking rules", total=3)
    p.advance("rule MN01")
    p.close()
    assert out.getvalue() == ""


def test_a_long_run_shows_the_stage_and_rule_on_a_terminal():
    out = Tty()
    p = Progress(enabled=True, delay=0, stream=out)
    p.stage("checking rules", total=2)
    p.advance("rule MN01")
    p._rich.refresh()
    shown = out.getvalue()
    p.close()
    assert "rule MN01" in shown and "1/2" in shown


def test_disabled_progress_never_writes(monkeypatch):
    out = Tty()
    monkeypatch.setattr("sys.stderr", out)
    for quiet, machine in ((True, False), (False, True)):
        p = Progress.for_run(quiet=quiet, machine_to_stdout=machine)
        p.delay = 0
        p.stage("reading x")
        p.advance()
        p.close()
        assert not p.enabled
    assert out.getvalue() == ""
    p = Progress.for_run(quiet=False, machine_to_stdout=False)
    assert p.enabled  # a terminal, text to stdout, not quiet


def test_not_a_terminal_means_no_progress(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not Progress.for_run(quiet=False, machine_to_stdout=False).enabled


def test_the_wait_for_the_second_process_is_named(tmp_path, monkeypatch):
    """With the rules in two processes the bar says what the first is waiting for, and every rule
    still counts once."""
    import datetime as dt

    from dbhygiene import engine
    from dbhygiene.api import Settings, prepare
    from dbhygiene.catalogue import load_catalogue
    from dbhygiene.sample import write_sample

    path = tmp_path / "list.csv"
    write_sample(path, rows=300, seed=2, as_of=dt.date(2026, 11, 22))
    ctx = prepare(path, Settings(profile="ar", as_of=dt.date(2026, 11, 22)))
    specs = [load_catalogue()[c] for c in ("MN01", "ID01", "ID04")]
    out = Tty()
    p = Progress(enabled=True, delay=0, stream=out)
    seen = []
    real = p.describe

    def describe(label):
        real(label)
        p._rich.refresh()
        seen.append(label)

    p.describe = describe
    parent, real_mn01 = os.getpid(), engine.CHECKS["MN01"]

    def slow_mn01(ctx, options):  # the first process busy long enough for the second to claim its rules
        if os.getpid() == parent:
            time.sleep(2)
        return real_mn01(ctx, options)

    monkeypatch.setitem(engine.CHECKS, "MN01", slow_mn01)
    engine.run(ctx, specs, progress=p, jobs=2)
    done = p._rich.tasks[0].completed
    p.close()
    assert seen == ["rules ID04, ID01 (second process)"] and "(second process)" in out.getvalue()
    assert done == 3
