"""The check stage in two processes (engine.run with jobs=2, forked.Forked): the same findings, in
the same order, as one process; a child that dies or fails costs nothing but time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest

from dbhygiene import engine, forked
from dbhygiene.api import Settings, prepare
from dbhygiene.catalogue import load_catalogue
from dbhygiene.sample import write_sample

pytestmark = pytest.mark.skipif(not forked.available(), reason="no safe fork on this platform")
AS_OF = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def sample_ctx(tmp_path_factory):
    path = tmp_path_factory.mktemp("parallel") / "rebeldias.csv"
    write_sample(path, rows=3000, seed=5, as_of=AS_OF)
    settings = Settings(profile="ar", as_of=AS_OF)
    return lambda: prepare(path, settings)


def outcome(result: engine.RunResult) -> tuple:
    return ([dataclasses.asdict(f) for f in result.findings], result.not_assessable, result.stats, result.crashed)


def test_two_processes_give_the_same_findings_in_the_same_order(sample_ctx):
    specs = list(load_catalogue().values())
    apart = [s.code for s in specs if engine.second_process_takes(s)]
    assert "ID04" in apart and "MN01" not in apart and not any(c.startswith("FP") for c in apart)
    assert "DB06" in apart and "DU01" not in apart  # a cross rule goes when it compares records by ID
    one = engine.run(sample_ctx(), specs, jobs=1)
    two = engine.run(sample_ctx(), specs, jobs=2)
    assert {f.rule for f in one.findings} & set(apart), "the sample must give the second process findings to return"
    assert outcome(two) == outcome(one)


def _crash_in_child(code: str, monkeypatch, how):
    parent = os.getpid()
    real = engine.CHECKS[code]

    def check(ctx, options):
        if os.getpid() != parent:
            how()
        return real(ctx, options)

    monkeypatch.setitem(engine.CHECKS, code, check)


@pytest.mark.parametrize("how", [lambda: os.kill(os.getpid(), signal.SIGKILL),  # killed (the OOM killer)
                                 lambda: os._exit(3)],  # gone without a word
                         ids=["killed", "exited"])
def test_a_dead_second_process_is_replaced_by_the_parent(sample_ctx, monkeypatch, how):
    specs = list(load_catalogue().values())
    one = engine.run(sample_ctx(), specs, jobs=1)
    _crash_in_child("ID04", monkeypatch, how)
    assert outcome(engine.run(sample_ctx(), specs, jobs=2)) == outcome(one)


def test_the_second_process_really_runs_its_rules(sample_ctx, monkeypatch):
    # a rule that fails only outside the parent: with jobs=2 it crashes (in the child), with jobs=1 not
    def fail():
        raise RuntimeError("ran in the second process")

    specs = [load_catalogue()["ID01"], load_catalogue()["MN01"]]
    _crash_in_child("ID01", monkeypatch, fail)
    assert engine.run(sample_ctx(), specs, jobs=1).crashed == []
    crashed = engine.run(sample_ctx(), specs, jobs=2).crashed
    assert crashed == [{"rule": "ID01", "error": "RuntimeError: ran in the second process"}]


def test_the_second_process_sheds_the_fields_its_rules_do_not_read(sample_ctx, monkeypatch):
    parent = os.getpid()
    seen = {}
    real = engine.CHECKS["ID01"]

    def check(ctx, options):
        if os.getpid() != parent:  # what the rule sees in the second process; the parent's stays whole
            columns = set(ctx.frame.columns) | set(ctx.raw.columns)
            if "offence" in columns or "entry_date__lo" in columns or "DELITO" in columns:
                raise RuntimeError(f"not shed: {sorted(columns)}")
            if "national_id__norm" not in columns or "NRO DOC" not in columns:
                raise RuntimeError("a declared field was shed")
        seen["ran"] = True
        return real(ctx, options)

    monkeypatch.setitem(engine.CHECKS, "ID01", check)
    ctx = sample_ctx()
    specs = [load_catalogue()["ID01"], load_catalogue()["OF01"]]
    result = engine.run(ctx, specs, jobs=2)
    assert result.crashed == []
    assert "offence" in ctx.frame.columns and "DELITO" in ctx.raw.columns  # the parent kept them


def test_shed_columns_keeps_what_the_rules_declare(sample_ctx):
    ctx = sample_ctx()
    spec = load_catalogue()["ID05"]  # requires national_id and birth_date
    dropped = engine.shed_columns(ctx, [spec])
    assert "offence" in dropped and "entry_date__lo" in dropped and "full_name__key" in dropped
    assert {"national_id", "national_id__norm", "birth_date__date", "birth_date__lo"} <= set(ctx.frame.columns)
    assert set(ctx.raw.columns) == {"NRO DOC", "F. NAC."}
    assert engine.shed_columns(ctx, [spec]) == []  # nothing more to drop


SECOND = [s for s in load_catalogue().values() if engine.second_process_takes(s)]


def _without(ctx, field: str | None):
    if field is not None:
        ctx.frame = ctx.frame.drop(columns=[c for c in ctx.frame.columns if c.split("__")[0] == field])
    return ctx


@pytest.mark.parametrize("code,absent", [(s.code, None) for s in SECOND] + [(s.code, f) for s in SECOND for f in s.uses])
def test_each_second_process_rule_reads_only_the_fields_it_declares(sample_ctx, code, absent):
    """The second process keeps only the fields its rules declare (requires, uses, the message's
    placeholders): a rule reading an undeclared field would crash or change there. Each rule alone,
    on a context shed for it alone, gives what it gives on the whole context; also with each field
    it may use absent (a rule falls back on another field then: DB06 counts people by name without IDs)."""
    spec = load_catalogue()[code]
    whole = engine.run(_without(sample_ctx(), absent), [spec], jobs=1)
    ctx = _without(sample_ctx(), absent)
    assert engine.shed_columns(ctx, [spec]), "the sample has fields this rule does not read"
    shed = engine.run(ctx, [spec], jobs=1)
    assert shed.crashed == []
    assert outcome(shed) == outcome(whole)


GROUPED = """GROUP ID;RECORD TYPE;APELLIDO Y NOMBRE;NRO DOC;F. NAC.;DELITO
G1;person;PEREZ, JUAN;20123456;01/02/1980;ROBO
G1;person;PERES, JUAN CARLOS;20123456;01/02/1980;ROBO
G2;person;GOMEZ, ANA;30111222;05/06/1990;ESTAFA
G3;person;LOPEZ, MARIA;30111222;07/08/1970;ESTAFA
G4;entity;ACME SA;40111222;;FRAUDE
G5;entity;ACME DOS SA;40111222;;FRAUDE
"""


def test_the_second_process_keeps_the_subject_group_and_type(tmp_path):
    """Read for every rule though no rule declares them: one subject's records (group id) are one
    person under aliases, and entities are no people. Shed, ID03 would flag both shared IDs."""
    path = tmp_path / "grouped.csv"
    path.write_text(GROUPED, encoding="utf-8")
    ctx = prepare(path, Settings(profile="ar", as_of=AS_OF))
    whole = engine.run(ctx, SECOND, jobs=1)
    assert [(f.rule, f.row) for f in whole.findings if f.rule == "ID03"] == [("ID03", 3)]
    ctx = prepare(path, Settings(profile="ar", as_of=AS_OF))
    assert "offence" in engine.shed_columns(ctx, SECOND)
    assert outcome(engine.run(ctx, SECOND, jobs=1)) == outcome(whole)


def test_the_first_process_takes_the_second_ones_rules_it_has_not_started(sample_ctx, monkeypatch):
    """The second process starts on ID04 (the slowest); when it is slower than the first process's
    own rules, the first runs the second's other rules itself. Same outcome as one process."""
    specs = list(load_catalogue().values())
    one = engine.run(sample_ctx(), specs, jobs=1)
    parent = os.getpid()
    ran_here = []
    real_run_one = engine._run_one
    slow_id04 = engine.CHECKS["ID04"]

    def check(ctx, options):
        if os.getpid() != parent:
            time.sleep(3)  # the second process is busy long after the first ends its own rules
        return slow_id04(ctx, options)

    def spy(ctx, spec, *args, **kwargs):
        if os.getpid() == parent:
            ran_here.append(spec.code)
        return real_run_one(ctx, spec, *args, **kwargs)

    monkeypatch.setitem(engine.CHECKS, "ID04", check)
    monkeypatch.setattr(engine, "_run_one", spy)
    two = engine.run(sample_ctx(), specs, jobs=2)
    assert outcome(two) == outcome(one)
    apart = [s.code for s in specs if engine.second_process_takes(s)]
    assert "ID04" not in ran_here and {"ID01", "ID05", "DB06"} <= set(ran_here)
    assert set(ran_here) >= set(apart) - {"ID04"}


def test_claims_are_shared_between_processes_each_index_once():
    claims = forked.Claims(200)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child claims as fast as it can and reports what it got
        got = bytes(i for i in claims)
        os.write(write_end, got)
        os._exit(0)
    os.close(write_end)
    mine = list(claims)
    os.waitpid(pid, 0)
    theirs = list(os.read(read_end, 1000))
    claims.close()
    assert sorted(mine + theirs) == list(range(200))  # each index exactly once
    assert mine == sorted(mine) and theirs == sorted(theirs)  # in order
    with pytest.raises(ValueError):
        forked.Claims(256)


def test_small_lists_and_explicit_jobs(sample_ctx):
    ctx = sample_ctx()
    assert engine.jobs_for(ctx, None) == 1  # 3,000 records: below PARALLEL_MIN_ROWS
    assert engine.jobs_for(ctx, 1) == 1 and engine.jobs_for(ctx, 2) == 2


def test_forked_returns_the_result_and_reports_failures():
    assert forked.Forked(lambda: {"pid": os.getpid()}).join()["pid"] != os.getpid()
    with pytest.raises(forked.ForkFailed, match="ValueError: bad input"):
        forked.Forked(lambda: (_ for _ in ()).throw(ValueError("bad input"))).join()
    with pytest.raises(forked.ForkFailed, match="without a result"):
        forked.Forked(lambda: os._exit(0)).join()
    big = forked.Forked(lambda: "x" * (8 << 20)).join()  # more than a pipe holds: read while it writes
    assert len(big) == 8 << 20


def test_cancel_stops_a_running_child_at_once():
    child = forked.Forked(lambda: time.sleep(60))
    started = time.monotonic()
    child.cancel()
    assert time.monotonic() - started < 5
    with pytest.raises(forked.ForkFailed, match="already joined"):
        child.join()


def test_cli_jobs_option(tmp_path):
    from click.testing import CliRunner

    from dbhygiene.cli import cli

    path = tmp_path / "rebeldias.csv"
    write_sample(path, rows=400, seed=9, as_of=AS_OF)
    args = ["check", str(path), "--profile", "ar", "--as-of", AS_OF.isoformat(), "-f", "json", "--quiet"]
    one, two = (CliRunner().invoke(cli, [*args, "--jobs", j]) for j in ("1", "2"))
    assert one.exit_code == two.exit_code == 1
    assert one.output == two.output and '"rule": "ID04"' in two.output
    bad = CliRunner().invoke(cli, [*args, "--jobs", "0"])
    assert bad.exit_code == 2 and "--jobs" in bad.output


def test_the_first_process_factorizes_the_verdicts_columns_while_it_waits(sample_ctx):
    from dbhygiene.verdict import person_key_columns

    specs = [load_catalogue()["ID04"], load_catalogue()["MN01"]]
    columns = person_key_columns(sample_ctx().frame.columns)
    assert columns == ("national_id__norm", "full_name__key", "birth_date__date")
    assert person_key_columns(["full_name__key", "birth_date"]) == ("full_name__key", "birth_date")
    plain, fetched = sample_ctx(), sample_ctx()
    engine.run(plain, specs, jobs=2)
    engine.run(fetched, specs, jobs=2, prefetch=columns)
    # nothing in the first process factorized the birth dates (the IDs' and the name key's come from normalise)
    assert "birth_date__date" not in plain.memo("factorized")
    assert set(columns) <= set(fetched.memo("factorized"))


FORKED_MEMORY_PROBE = """
import resource, sys
from dbhygiene import forked
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
before = peak()
out = forked.Forked(lambda: ["x" * 200 + str(i) for i in range(400_000)]).join()
held = sum(map(sys.getsizeof, out)) + sys.getsizeof(out)
print((peak() - before) / held)
"""


def test_a_big_result_is_taken_back_without_holding_it_twice():
    """The parent unpickles the child's result as it reads it: its peak grows by about the result's
    own size (gathering the pickle first, then joining it, held it three times over)."""
    done = subprocess.run([sys.executable, "-c", FORKED_MEMORY_PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 1.5
