"""Identity (ID03/ID07 shared documents, ID04 blocking): behaviour a mutation run of
checks/identity.py (scripts/mutate.py) showed no test pinned down — each test here fails on a mutant
that survived the rest of the suite. All data invented."""

import datetime as dt

import numpy as np

from dbhygiene.api import Settings, check_path
from dbhygiene.checks.identity import _blocks, _dates_conflict_across_groups, _pairs_within_groups
from conftest import check_text

AS_OF = dt.date(2026, 11, 22)


def run(tmp_path, text, select, **kw):
    return check_text(tmp_path, text, select, **kw)


def found(result, code):
    return [f for f in result.findings if f.rule == code]


def test_pairs_within_groups_of_several_sizes():
    left, right = _pairs_within_groups(np.array([0, 3, 5]), np.array([3, 2, 1]))
    assert list(zip(left.tolist(), right.tolist())) == [(0, 1), (0, 2), (1, 2), (3, 4)]
    left, right = _pairs_within_groups(np.array([2]), np.array([4]))
    assert list(zip(left.tolist(), right.tolist())) == [(2, 3), (2, 4), (2, 5), (3, 4), (3, 5), (4, 5)]


def test_dates_conflict_across_subject_groups():
    # one ID (0) on two subject groups: dates 0 and 1 have nothing in common -> two people
    assert _dates_conflict_across_groups(np.array([0, 0]), np.array([0, 1]), np.array([0, 1]), 1).tolist() == [True]
    # the same date code (0, the first date seen) on both groups -> one person
    assert _dates_conflict_across_groups(np.array([0, 0]), np.array([0, 0]), np.array([0, 1]), 1).tolist() == [False]
    # one group with two alternative dates and another sharing one of them -> one person
    assert _dates_conflict_across_groups(np.array([0, 0, 0]), np.array([0, 1, 1]), np.array([0, 0, 1]),
                                         1).tolist() == [False]


def test_blocks_count_distinct_ids_per_block():
    block = np.array([0, 0, 0, 1, 1, 2])
    ids = np.array([5, 5, 6, 7, 7, 9])
    srt, start, size, n_ids = _blocks(np.arange(6), block, ids)
    assert start.tolist() == [0, 3, 5] and size.tolist() == [3, 2, 1]
    assert n_ids.tolist() == [2, 1, 1]


def test_a_placeholder_birth_date_is_no_second_birth_date(tmp_path):
    text = "nombre;dni;fecha nacimiento\nPEREZ, ANA;20123456;01/01/1900\nPEREZ, ANA;20123456;15/03/1980\n"
    _, result = run(tmp_path, text, ["ID03"])
    assert found(result, "ID03") == []
    assert result.stats["ID03"] == {"ids_shared": 1, "name_pairs_compared": 0, "conflicts": 0}


def test_a_blank_name_is_not_a_different_name(tmp_path):
    text = "nombre;dni;fecha nacimiento\nPEREZ, ANA;20123456;15/03/1980\n;20123456;15/03/1980\n"
    _, result = run(tmp_path, text, ["ID03"])
    assert found(result, "ID03") == []


def test_aliases_of_one_subject_group_agree_and_different_groups_conflict(tmp_path):
    text = "grupo;nombre;pasaporte;fecha nacimiento\n" + "\n".join([
        "G1;KIM CHOL NAM;P1234567;01/02/1960",      # group G1 (the first, code 0): two spellings
        "G1;JONG SU PAK;P1234567;01/02/1960",       # an alias of G1: agrees whatever the spelling
        "G2;ALI HASSAN;P7654321;03/04/1970",
        "G3;JOHN SMITH;P7654321;03/04/1970",        # another subject on G2's passport: a conflict
    ]) + "\n"
    _, result = run(tmp_path, text, ["ID07"], columns={"group_id": "grupo", "passport": "pasaporte"})
    hits = found(result, "ID07")
    assert [(f.row, f.related_rows) for f in hits] == [(3, (3, 4))]
    assert "names disagree" in hits[0].message


def test_id04_ignores_records_without_an_id(tmp_path):
    text = "nombre;dni;fecha nacimiento\n" + "\n".join([
        "GONZALEZ, MARIA LAURA;20123456;15/03/1980",
        "GONZALEZ, MARIA LAURA;;15/03/1980",  # no ID: nothing to say about several IDs
    ]) + "\n"
    _, result = run(tmp_path, text, ["ID04"])
    assert found(result, "ID04") == []
    assert result.stats["ID04"]["pairs_compared"] == 0


def test_id04_twins_typos_and_a_birth_date_on_one_record_only(tmp_path):
    text = "nombre;dni;fecha nacimiento\n" + "\n".join([
        "SOSA, ANA;34000000;01/01/1985",
        "SOSA, ANO;34000002;01/01/1985",      # possible twins, IDs exactly twin_id_gap (2) apart
        "RUIZ, ANA;40000000;02/02/1986",
        "RUIZ, ANO;47000000;02/02/1986",      # possible twins, IDs far apart
        "PAZ, EVA;41000000;03/03/1987",
        "PAS, EVA;42000000;03/03/1987",       # one edit in a short name: score below min_score, still a typo
        "FERNANDEZ, RODRIGO;32000000;",
        "FERNANDEZ, RODRIGO;33000000;12/12/1992",  # same name, a birth date on one record only
    ]) + "\n"
    _, result = run(tmp_path, text, ["ID04"])
    hits = {f.row: f for f in found(result, "ID04")}
    assert sorted(hits) == [2, 4, 6, 8]
    assert hits[2].message.endswith("possible twins (IDs 2 apart)") and hits[2].confidence == "low"
    assert hits[4].message.endswith("possible twins")
    assert hits[6].message.endswith("same birth date, name differs by a small typo")
    assert hits[6].score < 90 and hits[6].confidence == "medium"
    assert "same name, but no birth date to compare" in hits[8].message
