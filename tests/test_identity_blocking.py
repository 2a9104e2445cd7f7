"""ID04's candidate-pair machinery against plain definitions: blocking by token affixes inside
birth-date blocks, the character-count bound, key histograms and suffix keys built from the distinct
tokens, name commonness. All data invented (random names over a small syllable alphabet, so blocks
share tokens and affixes the way a real export's names do)."""

from __future__ import annotations

import itertools
import random
import unicodedata

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz

from dbhygiene.checks.identity import (BLOCK_AFFIX, _affix_block_pairs, _as_large_strings, _blocking_entries,
                                       _key_histograms, _key_texts, _lexsort2, _name_tokens, _pair_scores, member_within_groups,
                                       name_commonness, suffix_key)
from dbhygiene.textops import char_histograms, ratio_upper_bound
from conftest import check_text

SYLLABLES = ["ma", "ri", "a", "jo", "se", "lu", "is", "ez", "gon", "za", "lez", "pe", "dro", "ñe", "ca", "rlos", "o"]


class Memo:
    """The part of a Context the cached helpers use."""

    def __init__(self):
        self._memo = {}

    def memo(self, namespace):
        return self._memo.setdefault(namespace, {})


def random_keys(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    tokens = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(60)]
    keys = {" ".join(sorted(rng.choice(tokens) for _ in range(rng.randint(1, 4)))) for _ in range(n)}
    keys |= {"ana ana luis", "x", "", "a" * 300, "a" * 200 + " " + "a" * 100,
             " ".join(sorted(rng.choice(tokens) for _ in range(40)))}  # more tokens than a row-sorted table takes
    return sorted(keys)


def affix_pairs_by_definition(block, key, ids, keys, hist, length, cutoff):
    """Every pair of one block with different IDs where a token of one shares its first or last
    BLOCK_AFFIX characters with a token of the other, then the bound."""
    toks = [k.split(" ") for k in keys]
    pre = [{t[:BLOCK_AFFIX] for t in ts} for ts in toks]
    suf = [{t[-BLOCK_AFFIX:] for t in ts} for ts in toks]
    cand = []
    for i, j in itertools.combinations(range(len(block)), 2):
        if block[i] == block[j] and ids[i] != ids[j] and (pre[key[i]] & pre[key[j]] or suf[key[i]] & suf[key[j]]):
            cand.append((i, j))
    a = np.array([p[0] for p in cand], dtype=np.int64)
    c = np.array([p[1] for p in cand], dtype=np.int64)
    near = ratio_upper_bound(hist, length, key[a], key[c]) >= cutoff - 1e-9 if len(cand) else np.zeros(0, bool)
    return a[near].tolist(), c[near].tolist(), len(cand)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("variant", ["radix", "packed", "no_token", "small_chunks"])
def test_affix_block_pairs_equal_the_definition(seed, variant):
    keys = random_keys(seed, 150)
    tokens = _name_tokens(pd.Index(keys, dtype="str"))
    entries = dict(_blocking_entries(Memo(), tokens))
    if variant in ("packed", "no_token"):  # more codes than a 16-bit radix sort takes
        entries["n_codes"] = 1 << 17
    if variant == "no_token":  # codes, positions and tokens do not fit one int64
        entries["n_tokens"] = 1 << 50
    hist, length = char_histograms(np.array(keys, dtype=object))
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 25, 40)
    block = np.repeat(np.arange(len(sizes)), sizes)
    key = rng.integers(0, len(keys), len(block))
    ids = rng.integers(0, len(block) // 2, len(block))  # some identities of one block share an ID
    starts = np.cumsum(sizes) - sizes
    lo, hi, n, _ = _affix_block_pairs(starts, sizes, key, ids, entries, hist, length, 60.0,
                                      pair_space=50 if variant == "small_chunks" else 1 << 21)
    ref_lo, ref_hi, ref_n = affix_pairs_by_definition(block, key, ids, keys, hist, length, 60.0)
    assert (lo.tolist(), hi.tolist(), n) == (ref_lo, ref_hi, ref_n)
    assert len(ref_lo) > 20 and ref_n > len(ref_lo)  # the data exercise both the blocking and the bound


def test_a_pair_sharing_only_a_token_suffix_is_a_candidate():
    keys = ["martinez", "nartinez", "ramirez"]
    tokens = _name_tokens(pd.Index(keys, dtype="str"))
    hist, length = char_histograms(np.array(keys, dtype=object))
    lo, hi, n, _ = _affix_block_pairs(np.array([0]), np.array([3]), np.array([0, 1, 2]), np.array([7, 8, 9]),
                                      _blocking_entries(Memo(), tokens), hist, length, 75.0)
    assert (lo.tolist(), hi.tolist(), n) == ([0], [1], 1)


def test_id04_finds_a_first_letter_typo_in_a_one_token_name(tmp_path):
    text = "nombre;dni;fecha nacimiento\nMARTINEZ;20123456;01/02/1980\nNARTINEZ;30999888;01/02/1980\n"
    _, result = check_text(tmp_path, text, ["ID04"])
    assert [f.row for f in result.findings if f.rule == "ID04"] == [2]


@pytest.mark.parametrize("seed", [1, 2])
def test_key_histograms_from_tokens_equal_the_keys_own(seed):
    keys = random_keys(seed, 300)
    hist, length = _key_histograms(_name_tokens(pd.Index(keys, dtype="str")))
    ref_hist, ref_length = char_histograms(np.array(keys, dtype=object))
    assert np.array_equal(hist, ref_hist) and np.array_equal(length, ref_length)


@pytest.mark.parametrize("seed", [1, 2])
def test_key_texts_and_suffix_keys_equal_suffix_key(seed):
    keys = random_keys(seed, 300)
    index = pd.Index(keys, dtype="str")
    tokens = _name_tokens(index)
    pick = np.random.default_rng(seed).integers(0, len(keys), 500)
    text, suffix = _key_texts(_as_large_strings(index), tokens, pick)
    ref = suffix_key(pd.Series(keys, dtype="str")).to_numpy(dtype=object)
    assert text.tolist() == [keys[i] for i in pick]
    assert suffix.tolist() == [ref[i] for i in pick]
    every = np.arange(len(keys))  # with the 40-token key: the sorted-pairs path
    assert _key_texts(_as_large_strings(index), tokens, every)[1].tolist() == ref.tolist()


def test_ratio_upper_bound_bounds_fuzz_ratio_and_handles_capped_counts():
    rng = random.Random(5)
    pool = list("abcdefghij ñé-") + ["\u4e2d"]
    words = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 30))) for _ in range(300)]
    words += ["a" * 300, "a" * 256 + "b", "", "b" * 260]
    hist, length = char_histograms(np.array(words, dtype=object))
    a = np.array([rng.randrange(len(words)) for _ in range(3000)] + [300, 300, 301, 302, 303])
    b = np.array([rng.randrange(len(words)) for _ in range(3000)] + [301, 302, 303, 302, 300])
    bound = ratio_upper_bound(hist, length, a, b, chunk=1000)
    assert all(bound[i] >= fuzz.ratio(words[a[i]], words[b[i]]) - 1e-9 for i in range(len(a)))
    l1 = np.abs(hist[a].astype(int) - hist[b].astype(int)).sum(axis=1)
    total = length[a] + length[b]
    assert np.array_equal(bound, np.where(total > 0, 100.0 * (total - l1) / np.maximum(total, 1), 100.0))


@pytest.mark.parametrize("capped", [False, True])
def test_ratio_bound_reaches_equals_the_bound_against_the_cutoff(capped):
    from dbhygiene.textops import ratio_bound_reaches
    rng = random.Random(6)
    pool = list("abcde ñé-")
    words = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 12))) for _ in range(300)] + ["", ""]
    if capped:  # counts over 255: the general bound (capped counts agree; the lengths do not)
        words += ["a" * 300, "a" * 280]
    hist, length = char_histograms(np.array(words, dtype=object))
    n = len(words)
    a = np.array([rng.randrange(n) for _ in range(4000)] + [300, 300, n - 2, n - 1])  # the empty and long ones
    b = np.array([rng.randrange(n) for _ in range(4000)] + [301, 0, n - 1, n - 2])
    bound = ratio_upper_bound(hist, length, a, b)
    # cutoffs the bounds hit exactly (2/3 of 100 too), between them, and above 100
    for cutoff in [75.0, 80.0, 200 / 3, 60.0, 100.0, 50.5, 100.5]:
        assert np.array_equal(ratio_bound_reaches(hist, length, a, b, cutoff, chunk=999), bound >= cutoff - 1e-9), \
            cutoff


def commonness_by_definition(keys, i_key, i_id, exclude=2):
    pair = sorted({(k, i) for k, i in zip(i_key.tolist(), i_id.tolist())})
    people = len({i for _, i in pair})
    observed = np.bincount([k for k, _ in pair], minlength=len(keys)).astype(float)
    carriers = {}
    for k, i in pair:
        for t in set(keys[k].split(" ")):
            carriers.setdefault(t, set()).add(i)
    out = []
    for k, text in enumerate(keys):
        chance = people
        for t in text.split(" "):
            chance *= max(max(len(carriers.get(t, ())) - exclude, 0) / people, 1e-12)
        out.append(max(observed[k] - exclude, chance))
    return np.array(out)


@pytest.mark.parametrize("seed", [1, 2])
def test_name_commonness_equals_the_definition(seed):
    keys = random_keys(seed, 80)
    rng = np.random.default_rng(seed)
    i_id = rng.integers(0, 200, 600)  # IDs under one name and under several
    i_key = rng.integers(0, len(keys), 600)
    got = name_commonness(pd.Index(keys, dtype="str"), i_key, i_id)
    assert np.allclose(got, commonness_by_definition(keys, i_key, i_id), rtol=1e-9, atol=1e-12)
    of = rng.permutation(len(keys))[:30]  # some keys only: the very same figures, bit for bit
    assert np.array_equal(name_commonness(pd.Index(keys, dtype="str"), i_key, i_id, of=of), got[of])


def test_lexsort2_equals_lexsort():
    rng = np.random.default_rng(3)
    major, minor = rng.integers(0, 50, 2000), rng.integers(0, 7, 2000)
    assert np.array_equal(_lexsort2(major, minor), np.lexsort((minor, major)))
    assert np.array_equal(_lexsort2(major, minor - 3), np.lexsort((minor - 3, major)))  # negative: the fallback
    assert np.array_equal(_lexsort2(major << 40, minor << 20), np.lexsort((minor << 20, major << 40)))


def token_differences_by_definition(ka: str, kc: str, token_typo: float):
    """What ID04's judgement of a typo or twin pair looked at, as plain Python on the key texts."""
    ta, tc = ka.split(), kc.split()
    diff_a = [t for t in ta if t not in tc]
    diff_c = [t for t in tc if t not in ta]
    typo_like = bool(diff_a) and bool(diff_c) and all(max(fuzz.ratio(t, u) for u in diff_c) >= token_typo
                                                       for t in diff_a)
    return len(ta) - len(diff_a), bool(diff_a) and bool(diff_c), typo_like, diff_a


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_token_differences_equal_the_definition(seed):
    from dbhygiene.checks.identity import _token_differences
    # repeated tokens; tokens exactly 70 similar (7 of 10 letters in common)
    extra = ["ana ana luis", "ana luis luis", "anna luis", "abcdefghij luis", "abcdefgxyz luis"]
    keys = random_keys(seed, 120) + extra
    tokens = _name_tokens(pd.Index(keys, dtype="str"))
    rng = np.random.default_rng(seed)
    ka, kc = rng.integers(0, len(keys), 400), rng.integers(0, len(keys), 400)
    at = [keys.index(k) for k in extra]
    ka[:4], kc[:4] = [at[0], at[0], at[3], at[0]], [at[1], at[2], at[4], keys.index("")]  # and an empty key
    got = _token_differences(tokens, ka, kc, 70.0)
    values = tokens["values"].to_pylist()
    for p, (a, c) in enumerate(zip(ka.tolist(), kc.tolist())):
        common, differ, typo_like, diff_a = token_differences_by_definition(keys[a], keys[c], 70.0)
        mine = got["own_a"] == p
        assert (got["common"][p], got["differ"][p], got["typo_like"][p]) == (common, differ, typo_like), \
            (keys[a], keys[c])
        assert [values[t] for t in got["tok_a"][mine & got["diff_a"]]] == diff_a


def test_numeric_ids_like_numeric_id():
    from dbhygiene.checks.identity import _numeric_id, _numeric_ids
    values = ["20123456", "0012", "1" * 18, "1" * 19, "12A", "", None, "١٢٣", "12٣", "Ⅻ", "20 1"]
    number, numeric = _numeric_ids(pd.Series(values, dtype="str"))
    want = [_numeric_id(v) for v in values]
    assert numeric.tolist() == [w is not None for w in want]
    assert number.tolist() == [w if w is not None else 0 for w in want]


def test_surname_checks_equal_the_definition():
    from dbhygiene.checks.identity import _surname_checks, _token_differences
    keys = ["castro frias oscar", "frias lastro oscar", "gomez juan", "gomez pedro", "ana perez", "ana ruiz"]
    names = ["FRÍAS CASTRO, OSCAR", "Frias Lastro, Oscar", "GOMEZ, JUAN", "GÓMEZ, PEDRO", "ANA PEREZ",
             "RUIZ-X, ANA"]
    frame = pd.DataFrame({"full_name": pd.Series(names, dtype="str")})
    tokens = _name_tokens(pd.Index(keys, dtype="str"))
    ka, kc = np.array([0, 1, 2, 3, 4, 5, 2]), np.array([1, 0, 3, 2, 5, 4, 5])
    diff = _token_differences(tokens, ka, kc, 70.0)
    needed = np.arange(len(names))
    same, in_diff = _surname_checks(frame, needed, ka, kc, tokens, diff)
    def fold(text):  # accents off, lowercase, words of letters and digits
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).lower()
        return tuple("".join(ch if ch.isalnum() else " " for ch in text).split())

    surnames = [None if "," not in n else fold(n.split(",")[0]) for n in names]
    for p, (a, c) in enumerate(zip(ka.tolist(), kc.tolist())):
        diff_a = token_differences_by_definition(keys[a], keys[c], 70.0)[3]
        sa, sc = surnames[a], surnames[c]
        assert same[p] == (sa is None or sc is None or sa == sc), p
        assert in_diff[p] == (sa is not None and any(t in diff_a for t in sa)), p


def test_a_surname_word_no_name_key_has_is_not_a_missing_token():
    from dbhygiene.checks.identity import _surname_checks, _token_differences
    keys = ["ana ruiz", "ana perez"]
    frame = pd.DataFrame({"full_name": pd.Series(["RUIZ, ANA", "PEREZ, ANA"], dtype="str"),
                          "surname": pd.Series(["QUIROGA", "PEREZ"], dtype="str")})  # row 0: another surname
    tokens = _name_tokens(pd.Index(keys, dtype="str"))
    ka, kc = np.array([1, 0]), np.array([0, 1])
    same, in_diff = _surname_checks(frame, np.arange(2), ka, kc, tokens, _token_differences(tokens, ka, kc, 70.0))
    assert same.tolist() == [False, False]
    assert in_diff.tolist() == [True, False]  # perez is what row 1's name lacks; quiroga is in no name


@pytest.mark.parametrize("seed", [1, 2])
def test_identities_are_the_distinct_triples_sorted_by_date_id_and_first_record(seed):
    from dbhygiene.checks.identity import _identities
    rng = np.random.default_rng(seed)
    n = 3000
    dob, ids, keys = rng.integers(-1, 6, n), rng.integers(0, 40, n), rng.integers(0, 5, n)  # many shared runs
    order, starts, sizes = _identities(dob, ids, keys)
    got = [order[s:s + z].tolist() for s, z in zip(starts, sizes)]
    want = {}
    for p in range(n):
        want.setdefault((dob[p], ids[p], keys[p]), []).append(p)
    assert got == sorted(want.values(), key=lambda rows: (dob[rows[0]], ids[rows[0]], rows[0]))
    wide = _identities(dob, ids * (1 << 45), keys)  # codes too wide to pack: the lexsort
    assert all(np.array_equal(x, y) for x, y in zip(wide, (order, starts, sizes)))
    assert all(len(x) == 0 for x in _identities(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)))


@pytest.mark.parametrize("comparisons", [4, 0])  # within groups; and always the np.isin fallback
@pytest.mark.parametrize("seed", range(40))
def test_member_within_groups_is_isin_of_group_value_pairs(seed, comparisons, monkeypatch):
    """ID04's token membership per pair (``_token_differences``, ``_surname_checks``) against
    ``np.isin`` of the (group, value) pairs: groups of a few tokens, empty groups, negative values
    (a surname word no name key has is -1), a side in any order against a side sorted by group."""
    import dbhygiene.checks.identity as identity

    monkeypatch.setattr(identity, "MEMBER_COMPARISONS", comparisons)
    rng = np.random.default_rng(seed)
    n_groups = int(rng.integers(1, 40))
    g1 = rng.integers(0, n_groups, int(rng.integers(0, 150)))
    g2 = np.sort(rng.integers(0, n_groups, int(rng.integers(0, 150))))
    v1, v2 = rng.integers(-1, 6, len(g1)), rng.integers(0, 6, len(g2))
    span = 10
    a, b = g1 * span + v1 + 1, g2 * span + v2 + 1
    in1, in2 = member_within_groups(g1, v1, g2, v2, n_groups)
    assert in1.tolist() == np.isin(a, b).tolist()
    assert in2.tolist() == np.isin(b, a).tolist()


@pytest.mark.parametrize("chunk", [7, 1 << 18])
@pytest.mark.parametrize("seed", [1, 2])
def test_pair_scores_are_the_better_ratio_of_keys_and_suffix_keys(seed, chunk, monkeypatch):
    """ID04's scorer, chunk by chunk (a chunk of 7 pairs: most pairs in later chunks), against
    fuzz.ratio of each pair's keys and suffix keys, 0 under the cutoff; no pair scores nothing."""
    import dbhygiene.checks.identity as identity

    monkeypatch.setattr(identity, "SCORE_CHUNK", chunk)
    keys = random_keys(seed, 200)
    index = pd.Index(keys, dtype="str")
    tokens = _name_tokens(index)
    rng = np.random.default_rng(seed)
    ka, kc = rng.integers(0, len(keys), 60), rng.integers(0, len(keys), 60)
    ref_suffix = suffix_key(pd.Series(keys, dtype="str")).to_numpy(dtype=object)
    cutoff = 40.0
    got = _pair_scores(_as_large_strings(index), tokens, ka, kc, cutoff)
    for p, (a, c) in enumerate(zip(ka.tolist(), kc.tolist())):
        best = max(fuzz.ratio(keys[a], keys[c]), fuzz.ratio(ref_suffix[a], ref_suffix[c]))
        assert got[p] == pytest.approx(best if best >= cutoff else 0.0, abs=1e-3)
    assert _pair_scores(_as_large_strings(index), tokens, ka[:0], kc[:0], cutoff).tolist() == []


def nodob_pairs_by_definition(srt, gstart, gsize, rep, ids, dob):
    """ID04's pairs without a birth date, group by group, as the rule first wrote them (a loop)."""
    out = []
    for s, size in zip(gstart.tolist(), gsize.tolist()):
        grp = srt[s:s + size]
        grp = grp[np.argsort(rep[grp], kind="stable")]
        for x in range(size):
            for y in range(x + 1, size):
                a, c = int(grp[x]), int(grp[y])
                if ids[a] != ids[c] and (dob[a] < 0 or dob[c] < 0):
                    out.append((a, c))
    return out


@pytest.mark.parametrize("seed", range(30))
def test_nodob_pairs_match_the_loop(seed):
    """``_nodob_pairs`` (array-wise) gives the loop's pairs in the loop's order: groups of one name
    key, identities by first row, pairs of two IDs where one has no birth date. Identities are
    invented with few keys, IDs and dates, so groups repeat IDs, mix dated and undated identities
    and come in every size; some groups are skipped, as ID04's cap on IDs per name skips them."""
    from dbhygiene.checks.identity import _blocks, _nodob_pairs

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    key = rng.integers(0, max(1, n // 4), n)
    ids = rng.integers(0, max(1, n // 3), n)
    dob = np.where(rng.random(n) < 0.5, -1, rng.integers(0, 5, n))
    rep = rng.permutation(10 * n)[:n]  # each identity's first row: distinct, in no particular order
    srt, gstart, gsize, n_ids = _blocks(np.arange(n), key, ids)
    sel = (n_ids >= 2) & (rng.random(len(gstart)) < 0.8)
    a, c = _nodob_pairs(srt, gstart[sel], gsize[sel], rep, ids, dob)
    assert list(zip(a.tolist(), c.tolist())) == nodob_pairs_by_definition(srt, gstart[sel], gsize[sel], rep, ids, dob)
    assert a.dtype == np.int64 and c.dtype == np.int64


def test_nodob_pairs_none_selected():
    from dbhygiene.checks.identity import _nodob_pairs

    empty = np.zeros(0, dtype=np.int64)
    a, c = _nodob_pairs(np.arange(3), empty, empty, np.arange(3), np.arange(3), np.full(3, -1))
    assert len(a) == 0 and len(c) == 0
