"""ID04's limits (max_pairs_compared, max_matching_pairs): a list of near-identical names under a few
birth dates makes nearly every pair of a block a candidate and a match, so without a bound the pairs
grow with the square of a block (a 10 MB file of 120,000 generated names under one date took 24 GB
and was killed by the kernel). With the limits the rule stops, says what it left in its figures, and
memory stays bounded; a list of real people never reaches them. All data invented."""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import check_text
from dbhygiene.checks.identity import _affix_block_pairs, _block_pairs, _blocking_entries, _name_tokens
from dbhygiene.textops import char_histograms
from test_identity_blocking import Memo, random_keys

SRC = str(Path(__file__).resolve().parents[1] / "src")
GiB = 1 << 30


def _blocks(seed: int):
    keys = random_keys(seed, 150)
    tokens = _name_tokens(pd.Index(keys, dtype="str"))
    entries = _blocking_entries(Memo(), tokens)
    hist, length = char_histograms(np.array(keys, dtype=object))
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 25, 60)
    key = rng.integers(0, len(keys), int(sizes.sum()))
    ids = np.arange(int(sizes.sum()))
    starts = np.cumsum(sizes) - sizes
    return starts, sizes, key, ids, entries, hist, length


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_budget_stops_at_a_chunk_and_keeps_the_blocks_before_it_whole(seed):
    starts, sizes, key, ids, entries, hist, length = _blocks(seed)
    lo, hi, _, done = _affix_block_pairs(starts, sizes, key, ids, entries, hist, length, 60.0, pair_space=200)
    assert done == len(sizes)
    budget = len(lo) // 3
    blo, bhi, _, bdone = _affix_block_pairs(starts, sizes, key, ids, entries, hist, length, 60.0, pair_space=200,
                                            budget=budget)
    assert 0 < bdone < len(sizes)
    end = starts[bdone]  # ranks before the first block left
    assert len(blo) >= budget
    assert (blo.tolist(), bhi.tolist()) == (lo[lo < end].tolist(), hi[lo < end].tolist())
    # the blocks it did are exactly what a run over them alone gives
    alone = _affix_block_pairs(starts[:bdone], sizes[:bdone], key, ids, entries, hist, length, 60.0, pair_space=200)
    assert alone[0].tolist() == blo.tolist() and alone[3] == bdone
    nothing = _affix_block_pairs(starts, sizes, key, ids, entries, hist, length, 60.0, pair_space=200, budget=0)
    assert len(nothing[0]) == 0 and nothing[3] == 0


def _window_pairs_reference(k, c, cutoff, window):
    """The sorted-neighbourhood pairs as the rule made them before the limits (2-column unique)."""
    from rapidfuzz import fuzz, process

    n, step, fi, fj = len(k), max(1, window // 2), [], []
    for strings in (k, c):
        order = np.argsort(np.asarray(strings, dtype=object), kind="stable")
        for s in range(0, max(1, n - step), step):
            idx = order[s:s + window]
            win = [strings[t] for t in idx]
            m = process.cdist(win, list(win), scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32)
            a, b = np.nonzero(m)
            fi.append(idx[a[a < b]]); fj.append(idx[b[a < b]])  # noqa: E702
    i, j = np.concatenate(fi), np.concatenate(fj)
    pairs = np.unique(np.stack([np.minimum(i, j), np.maximum(i, j)], axis=1), axis=0)
    lo, hi = pairs[:, 0], pairs[:, 1]
    sc = np.maximum(np.array([fuzz.ratio(k[a], k[b]) for a, b in zip(lo, hi)]),
                    np.array([fuzz.ratio(c[a], c[b]) for a, b in zip(lo, hi)]))
    return lo[sc >= cutoff].tolist(), hi[sc >= cutoff].tolist()


@pytest.mark.parametrize("seed", [1, 2])
def test_sorted_windows_give_the_pairs_they_gave_and_stop_at_the_limit(seed):
    rng = random.Random(seed)
    base = ["juan perez", "ana gomez", "luis rojas", "maria diaz"]
    k = [rng.choice(base) + " " + "".join(rng.choice("abcde") for _ in range(3)) for _ in range(300)]
    c = [" ".join(sorted(x.split(), key=lambda t: t[::-1])) for x in k]
    lo, hi, sc, ev, stopped = _block_pairs(k, c, 80.0, 40)
    assert not stopped
    assert (lo.tolist(), hi.tolist()) == _window_pairs_reference(k, c, 80.0, 40)
    limit = len(lo) // 4
    llo, lhi, _, lev, lstopped = _block_pairs(k, c, 80.0, 40, limit=limit)
    assert lstopped and lev < ev
    assert limit <= len(llo) < len(lo)
    assert set(zip(llo.tolist(), lhi.tolist())) <= set(zip(lo.tolist(), hi.tolist()))


def _generated(n: int, dates: int) -> str:
    rows = ["nombre;dni;fecha nacimiento"]
    rows += [f"PEREZ{i}, JUAN;{30000000 + i};{1 + i % dates:02d}/02/1990" for i in range(n)]
    return "\n".join(rows) + "\n"


def test_the_limits_are_options_and_say_what_was_left(tmp_path):
    text = _generated(600, 2)
    _, full = check_text(tmp_path, text, ["ID04"])
    assert "incomplete" not in full.stats["ID04"]
    # the blocks' pairs come in one chunk (the budget is looked at between chunks): more match than 300
    _, cut = check_text(tmp_path, text, ["ID04"],
                        rule_options={"ID04": {"max_pairs_compared": 500, "max_matching_pairs": 300}})
    stats = cut.stats["ID04"]
    assert stats["incomplete"] and stats["blocks_not_compared"] == 0
    assert stats["pairs_matched_beyond_limit"] == full.stats["ID04"]["candidate_pairs"] > 300
    assert stats["lines"] == [f"{stats['pairs_matched_beyond_limit']:,} pairs of identities matched; only the first "
                              "300 are reported (raise max_matching_pairs for all)"]
    assert stats["candidate_pairs"] == 300 and len(cut.findings) < len(full.findings)
    # blocks over max_block go through sorted windows, which stop at the limit
    _, windows = check_text(tmp_path, text, ["ID04"], rule_options={"ID04": {
        "max_block": 100, "window": 40, "max_pairs_compared": 500, "max_matching_pairs": 300}})
    stats = windows.stats["ID04"]
    assert stats["incomplete"] and stats["blocks_not_compared"] == 2 and stats["identities_not_compared"] == 600
    assert any("stopped at its limits (500 name pairs compared, 300 matching): 2 birth-date block(s) of 600 "
               "identities were not compared, or only in part" in line for line in stats["lines"])


def test_a_real_list_never_reaches_them(tmp_path):
    people = [("GONZALEZ, JUAN CARLOS", "20123456", "01/02/1980"), ("Juan Carlos González", "21999888", "01/02/1980"),
              ("DIAZ, EVA", "22333444", "05/06/1979")]
    text = "nombre;dni;fecha nacimiento\n" + "".join(f"{a};{b};{c}\n" for a, b, c in people)
    _, result = check_text(tmp_path, text, ["ID04"])
    assert "incomplete" not in result.stats["ID04"] and [f.row for f in result.findings] == [2]


def test_near_identical_names_under_one_date_stay_bounded(tmp_path):
    """30,000 generated names under one birth date: before the limits the rule needed more than the
    3 GiB this child may map and crashed (exit 2); now it finishes under the cap and says it stopped."""
    path = tmp_path / "lista.csv"
    path.write_text(_generated(30_000, 1), encoding="utf-8")

    def caps():
        resource.setrlimit(resource.RLIMIT_AS, (3 * GiB, 3 * GiB))
        resource.setrlimit(resource.RLIMIT_CPU, (120, 120))

    proc = subprocess.run([sys.executable, "-m", "dbhygiene", "check", str(path), "--select", "ID04", "-f", "json",
                           "-o", str(tmp_path / "r.json")], preexec_fn=caps, capture_output=True, text=True,
                          timeout=240, cwd=tmp_path, env={**os.environ, "PYTHONPATH": SRC})
    assert proc.returncode == 1, proc.stderr
    source = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["sources"][0]
    assert not source["crashed_rules"]
    stats = source["stats"]["ID04"]
    assert stats["incomplete"] and stats["identities_not_compared"] == 30_000
    assert stats["candidate_pairs"] <= 2_000_000
