"""Dates as published (dateforms.py): behaviour a mutation run (scripts/mutate.py) showed no test
pinned down — each test here fails on a mutant that survived the rest of the suite."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from dbhygiene import dateforms
from dbhygiene.catalogue import load_profile
from dbhygiene.normalise import parse_dates

PROFILE = load_profile("generic")
AS_OF = dt.date(2026, 11, 22)


def parse(values, dayfirst=True):
    return parse_dates(pd.Series(values, dtype="str"), dayfirst=dayfirst, order=None, as_of=AS_OF,
                       field_name="birth_date", no_data_tokens=tuple(PROFILE["no_data_tokens"]),
                       month_names=PROFILE["month_names"])


def dates(out):
    return [None if pd.isna(d) else str(d.date()) for d in out["date"]]


def test_days_in_month_follows_the_gregorian_leap_rules():
    years = np.array([1900, 2000, 2024, 2023, 2100, 1996, 2001])
    assert dateforms.days_in_month(years, np.full(7, 2)).tolist() == [28, 29, 29, 28, 28, 29, 28]
    assert dateforms.days_in_month(np.full(3, 2023), np.array([1, 4, 12])).tolist() == [31, 30, 31]


def test_day_month_evidence_proves_or_leaves_undecided():
    values = pa.array(["13/05/2001", "05/13/2001", "12/11/2001", "11/12/2001", "12/12/2001", "00/05/2001",
                       "32/05/2001", "05/32/2001", "1/2/2001", "2001-05-13", "02/01/2001", "05/00/2001"],
                      pa.large_string())
    hit, dmy, mdy, undecided = dateforms.day_month_evidence(values)
    assert hit.tolist() == [True] * 9 + [False, True, True]
    assert dmy.tolist() == [True] + [False] * 11
    assert mdy.tolist() == [False, True] + [False] * 10
    assert undecided.tolist() == [False, False, True, True, False, False, False, False, True, False, True, False]


def test_nothing_settles_the_order_then_only_true_day_month_ambiguity_is_flagged():
    out, note = parse(["12/11/2001", "12/12/2001", "11/12/2001", "01/02/2001"])
    assert note.settled_by == "profile"
    assert out["status"].tolist() == ["ambiguous", "ok", "ambiguous", "ambiguous"]
    assert dates(out) == ["2001-11-12", "2001-12-12", "2001-12-11", "2001-02-01"]


def test_contradictory_column_reads_each_proven_value_its_own_way():
    out, note = parse(["13/05/2001", "05/13/2001", "12/11/2001", "12/12/2001"])
    assert note.settled_by == "contradictory"
    assert dates(out) == ["2001-05-13", "2001-05-13", "2001-11-12", "2001-12-12"]
    assert out["status"].tolist() == ["ok", "ok", "ambiguous", "ok"]


def test_column_settled_by_its_values_has_no_ambiguity():
    out, note = parse(["13/05/2001", "05/06/2001"])
    assert (note.settled_by, note.order) == ("values", "dmy")
    assert dates(out) == ["2001-05-13", "2001-06-05"] and out["status"].tolist() == ["ok", "ok"]
    out, note = parse(["05/13/2001", "05/06/2001"])
    assert (note.settled_by, note.order) == ("values", "mdy")
    assert dates(out) == ["2001-05-13", "2001-05-06"]


def test_impossible_days_and_months_in_compact_and_separated_dates():
    out, _ = parse(["20010015", "20010500", "20010229", "20000229", "20011331", "31/04/2001", "29/02/1900"])
    assert out["status"].tolist() == ["invalid", "invalid", "invalid", "ok", "invalid", "invalid", "invalid"]
    assert dates(out)[3] == "2000-02-29"


def test_two_digit_year_in_words_is_flagged_and_no_data_marks_stay_marks():
    out, note = parse(["15 de mayo de 01", "15 de mayo de 2001", "S/D", "2001"])
    assert out["two_digit"].tolist() == [True, False, False, False]
    assert out["form"].iloc[0] == "a two-digit year" and note.two_digit_years == 1
    assert dates(out)[:2] == ["2001-05-15", "2001-05-15"]
    assert (out["status"].iloc[2], out["form"].iloc[2]) == ("invalid", "a no-data mark")
    assert (out["status"].iloc[3], str(out["lo"].iloc[3].date()), str(out["hi"].iloc[3].date())) == \
        ("partial", "2001-01-01", "2001-12-31")


def test_contradictory_column_read_month_first_flips_the_values_that_prove_day_first():
    # two values prove month-first, one day-first: read month-first, the one that proves day-first flipped
    out, note = parse(["13/05/2001", "05/13/2001", "05/06/2001", "12/31/2001"], dayfirst=False)
    assert (note.settled_by, note.order) == ("contradictory", "mdy")
    assert dates(out) == ["2001-05-13", "2001-05-13", "2001-05-06", "2001-12-31"]
    assert out["status"].tolist() == ["ok", "ok", "ambiguous", "ok"]
