"""ID04's judgement of candidate pairs (same name without a birth date, same name and birth date,
possible twins, typos), array-wise in ``_judge_pairs``, against the per-pair definition it replaced
(kept here as plain Python). Random invented records whose scores sit on and around every threshold,
IDs that are and are not consecutive numbers, surnames from a column or before a comma, subject
groups, identities of several records."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz

from dbhygiene.checks.identity import (_as_large_strings, _identities, _Identities, _judge_pairs, _name_tokens,
                                       _numeric_id, _rows_of, name_commonness)
from dbhygiene.normalise import sort_tokens, strip_accents_casefold

OPTIONS = {"min_score": 90.0, "typo_edits": 1, "high_confidence_score": 95.0, "twin_min_score": 75.0,
           "twin_penalty": 10.0, "twin_id_gap": 2, "typo_token_similarity": 70.0, "common_name_others": 1.0,
           "chance_medium": 0.05, "chance_low": 0.5}
SURNAMES = ["GONZALEZ", "GONZALES", "PEREZ", "PERES", "DIAZ", "RUIZ", "DE LA CRUZ", "FRIAS CASTRO", "FRIAS LASTRO"]
GIVEN = ["JUAN", "JUANA", "ANA", "ANNA", "LUIS", "LUISA", "MARIA JOSE", "JOSE", "EVA", "OSCAR"]
SCORES = [100.0, 96.0, 95.0, 94.99, 91.0, 90.0, 89.99, 88.0, 85.71428680419922, 80.0, 76.0, 75.0]


def judge_by_definition(f, options, cutoff, people, pi, pj, base, nodob, key_uniques, group):
    """The per-pair loop ``_judge_pairs`` replaced (dbhygiene before the array-wise judgement)."""
    rep, rows, members, sizes = people.rep, people.rows, people.members, people.sizes
    i_key, i_id, i_dob = people.key, people.id, people.dob
    keys = list(key_uniques)
    full_names = f["full_name"].to_numpy(dtype=object, na_value=None)
    cleans = f["full_name__clean"].to_numpy(dtype=object, na_value=None)
    id_text = f["national_id__norm"].to_numpy(dtype=object, na_value=None)
    if "surname" in f.columns:
        surname_src = f["surname"]
    else:
        surname_src = f["full_name"].map(lambda v: v.split(",", 1)[0] if isinstance(v, str) and "," in v else None)
    surname_clean = strip_accents_casefold(surname_src.astype("str")).to_numpy(dtype=object, na_value=None)
    surnames = [tuple(v.split()) if isinstance(v, str) else None for v in surname_clean]
    others = name_commonness(key_uniques, i_key, i_id)
    people_n = max(int(np.count_nonzero(np.bincount(i_id))), 1)
    dob_people = np.bincount(i_dob[i_dob >= 0], minlength=int(i_dob.max()) + 1 if (i_dob >= 0).any() else 0)
    out = {k: [] for k in ("pos", "related", "score", "confidence", "other_row", "reason", "severity")}
    for a, c, s, nd in zip(pi.tolist(), pj.tolist(), base.tolist(), nodob.tolist()):
        ra, rc = int(rep[a]), int(rep[c])
        ka, kc = keys[i_key[a]], keys[i_key[c]]
        name_others, d = float(others[i_key[a]]), int(i_dob[a])
        if group is not None and group[ra] >= 0 and group[ra] == group[rc]:
            continue
        first, later = (ra, rc) if ra < rc else (rc, ra)
        ida, idc = _numeric_id(id_text[ra]), _numeric_id(id_text[rc])
        consecutive = ida is not None and idc is not None and abs(ida - idc) <= options["twin_id_gap"]
        severity = None
        if nd:
            reason, conf, score = "same name, but no birth date to compare", "low", 100.0
            if name_others >= options["common_name_others"]:
                severity = "info"
                shown = f"{name_others:.0f}"
                reason += f"; a common name (about {shown} other {'person' if shown == '1' else 'people'} here would carry it)"
            else:
                reason += "; a rare name in this file"
        elif ka == kc:
            if full_names[ra] == full_names[rc]:
                reason = "same birth date and same name"
            elif cleans[ra] == cleans[rc]:
                reason = "same birth date, same name up to case, accents or punctuation"
            else:
                reason = "same birth date, same name in another token order (up to case, accents or punctuation)"
            conf, score = "high", 100.0
            chance = name_others * (max(dob_people[d] - 2, 1) / people_n if d >= 0 and len(dob_people) else 1.0)
            if chance >= options["chance_low"]:
                conf = "low"
            elif chance >= options["chance_medium"]:
                conf = "medium"
            if conf != "high":
                shown = f"{chance:.2g}"
                reason += (f"; a common name and date (about {shown} other {'person' if shown == '1' else 'people'} "
                           f"here would share both by chance)")
        else:
            ta, tc = ka.split(), kc.split()
            diff_a = [t for t in ta if t not in tc]
            diff_c = [t for t in tc if t not in ta]
            common = len(ta) - len(diff_a)
            sa, sc_ = surnames[ra], surnames[rc]
            surname_same = sa is None or sc_ is None or sa == sc_
            surname_in_diff = sa is not None and any(t in diff_a for t in sa)
            typo_like = bool(diff_a) and bool(diff_c) and all(
                max(fuzz.ratio(t, u) for u in diff_c) >= options["typo_token_similarity"] for t in diff_a)
            twin = (common >= 1 and diff_a and diff_c and surname_same and not surname_in_diff
                    and (consecutive or not typo_like))
            one_edit = round((100.0 - float(s)) / 100.0 * (len(ka) + len(kc))) <= 2 * options["typo_edits"]
            if twin:
                score = min(float(s) - options["twin_penalty"], cutoff - 1.0)
                reason = "same birth date and surname but differs in a given name: possible twins" + (
                    f" (IDs {abs(ida - idc)} apart)" if consecutive else "")
                conf = "low"
            elif s >= options["min_score"] or one_edit:
                reason = "same birth date, name differs by a small typo"
                score = float(s)
                conf = "high" if s >= options["high_confidence_score"] else "medium"
            else:
                continue
        out["pos"].append(later)
        out["other_row"].append(first + 1)
        if sizes[a] == 1 and sizes[c] == 1:
            out["related"].append(sorted({ra, rc}))
        else:
            out["related"].append(np.union1d(rows[_rows_of(*members, a)], rows[_rows_of(*members, c)]).tolist())
        out["score"].append(score)
        out["confidence"].append(conf)
        out["reason"].append(reason)
        out["severity"].append(severity or ("warning" if conf == "low" else "error"))
    hits = pd.DataFrame(out)
    hits["field"] = "national_id"
    return hits


def invented(seed: int, surname_column: bool, groups: bool):
    """A frame of invented records, its identities and candidate pairs with scores near every threshold."""
    rng = random.Random(seed)
    n = 400
    names, surname = [], []
    for _ in range(n):
        s, g = rng.choice(SURNAMES), rng.choice(GIVEN)
        surname.append(s if rng.random() > 0.1 else None)
        names.append(rng.choice([f"{s}, {g}", f"{s.title()}, {g.title()}", f"{g} {s}", f"{s} {g}"]))
    ids = [rng.choice([str(rng.randint(20000000, 20000012)), f"2000000{rng.randint(0, 9)}", "A1234567",
                       "٢٠٠٠٠٠٠١", "1" * 19, "0000001", "2"]) for _ in range(n)]
    dob = [rng.choice([-1, 0, 1, 2, 3]) for _ in range(n)]
    for _ in range(40):  # rare names, written two or three ways under other IDs
        s = "".join(rng.choice("BCDFGLMNPRSTVZ") + rng.choice("AEIOU") for _ in range(3))
        g = rng.choice(["JOSÉ", "MARÍA", "ANA", "LUIS"])
        d = rng.choice([-1, 4, 5])
        for written in rng.sample([f"{s}, {g}", f"{s.title()}, {g.title()}", f"{g} {s}", f"{s}, {g}"], 3):
            names.append(written)
            surname.append(s)
            ids.append(str(rng.randint(30000000, 39999999)))
            dob.append(d)
    n = len(names)
    frame = pd.DataFrame({"full_name": pd.Series(names, dtype="str"),
                          "national_id__norm": pd.Series(ids, dtype="str")})
    frame["full_name__clean"] = strip_accents_casefold(frame["full_name"])
    frame["full_name__key"] = sort_tokens(frame["full_name__clean"])
    if surname_column:
        frame["surname"] = pd.Series(surname, dtype="str")
    if groups:
        frame["group_id__key"] = pd.Series([f"G{rng.randint(0, 60)}" if rng.random() < 0.5 else None
                                            for _ in range(n)], dtype="str")
    key_code, key_uniques = pd.factorize(frame["full_name__key"])
    id_code = pd.factorize(frame["national_id__norm"])[0]
    dob = np.array(dob)
    # identities: some of several records (same ID, name key and birth date)
    order, starts, sizes = _identities(dob, id_code, key_code)
    rows = np.arange(n)
    rep = rows[order[starts]]
    people = _Identities(rep=rep, rows=rows, members=(order, starts, sizes), sizes=sizes, key=key_code[rep],
                         id=id_code[rep], dob=dob[rep])
    m = len(rep)
    pi = np.array([rng.randrange(m) for _ in range(3000)])
    pj = np.array([rng.randrange(m) for _ in range(3000)])
    ok = people.id[pi] != people.id[pj]
    pi, pj = np.minimum(pi, pj)[ok], np.maximum(pi, pj)[ok]
    same_key = [(a, c) for a in range(m) for c in range(a + 1, m)
                if people.key[a] == people.key[c] and people.id[a] != people.id[c] and rng.random() < 0.2]
    pi, pj = np.r_[pi, [a for a, _ in same_key]], np.r_[pj, [c for _, c in same_key]]
    base = np.array([rng.choice(SCORES) for _ in range(len(pi))])
    nodob = np.array([rng.random() < 0.15 for _ in range(len(pi))])
    base[nodob] = 100.0
    return frame, people, pi, pj, base, nodob, key_uniques


def same_name_chances(people, pi, pj, nodob, key_uniques) -> list[float]:
    """The chance figures of the same-name pairs, as the definition computes them."""
    others = name_commonness(key_uniques, people.key, people.id)
    n = max(int(np.count_nonzero(np.bincount(people.id))), 1)
    dob_people = np.bincount(people.dob[people.dob >= 0])
    return sorted({float(others[people.key[a]]) * (max(dob_people[people.dob[a]] - 2, 1) / n)
                   for a, c, nd in zip(pi, pj, nodob) if not nd and people.key[a] == people.key[c]})


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("surname_column", [False, True])
@pytest.mark.parametrize("groups", [False, True])
def test_judge_pairs_equals_the_per_pair_definition(seed, surname_column, groups):
    frame, people, pi, pj, base, nodob, key_uniques = invented(seed, surname_column, groups)
    options = dict(OPTIONS)
    if seed == 3:  # the confidence limits exactly on chance figures that occur
        chances = same_name_chances(people, pi, pj, nodob, key_uniques)
        options["chance_medium"], options["chance_low"] = chances[len(chances) // 4], chances[len(chances) // 2]
    ctx = SimpleNamespace(frame=frame)
    keys_arrow = _as_large_strings(key_uniques)
    tokens = _name_tokens(key_uniques)
    cutoff = min(OPTIONS["min_score"], OPTIONS["twin_min_score"])
    got = _judge_pairs(ctx, options, cutoff, people, pi, pj, base, nodob, key_uniques, keys_arrow, tokens)
    group = pd.factorize(frame["group_id__key"], use_na_sentinel=True)[0] if groups else None
    want = judge_by_definition(frame, options, cutoff, people, pi, pj, base, nodob, key_uniques, group)
    assert len(want) > 100 and set(want["confidence"]) == {"high", "medium", "low"}
    assert {"info", "warning", "error"} <= set(want["severity"])
    kinds = want["reason"].str.split(";").str[0].str.split(" (IDs", regex=False).str[0]
    assert len(set(kinds)) == 6 and want["reason"].str.contains("apart").any()
    assert want["reason"].str.contains("rare name").any() and (want["related"].map(len) > 2).any()
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("count, form, words", [(1.0, ".0f", "1 other person"), (0.6, ".0f", "1 other person"),
                                                (2.0, ".0f", "2 other people"), (0.5, ".2g", "0.5 other people"),
                                                (1.0, ".2g", "1 other person"), (12.4, ".2g", "12 other people")])
def test_other_people_in_words(count, form, words):
    from dbhygiene.checks.identity import _others

    assert _others(count, form) == words
