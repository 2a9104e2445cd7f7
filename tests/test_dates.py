"""Birth and entry dates (DB, DE): parsing traps, calendar ages and the date rules, with exact values."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dbhygiene.api import Settings, check_path, prepare
from dbhygiene.checks.dates import ages_at, calendar_age, frequency_outliers, swapped_day_month, ymd
from dbhygiene.catalogue import load_profile
from dbhygiene.normalise import parse_dates

MONTH_NAMES = load_profile("generic")["month_names"]
AS_OF = dt.date(2026, 11, 22)


def write(tmp_path, text, name="export.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path, text, select, **kw):
    kw.setdefault("as_of", AS_OF)
    ctx, result = check_path(write(tmp_path, text), Settings(select=select, **kw))
    assert not result.crashed, result.crashed
    return ctx, result


def triples(result):
    return sorted((f.row, f.field, f.rule) for f in result.findings)


def parse(values, order=None, dayfirst=True):
    out, note = parse_dates(pd.Series(values, dtype="str"), dayfirst=dayfirst, order=order, as_of=AS_OF,
                            field_name="birth_date", no_data_tokens=("S/D",), month_names=MONTH_NAMES)
    return out, note


# ---------------------------------------------------------------- parsing traps held through our pipeline

def test_impossible_day_is_invalid_not_rolled_over():
    # pyarrow strptime would read 31/02/1980 as 1980-03-02
    out, _ = parse(["31/02/1980", "29/02/2001", "29/02/2000", "13/13/1980", "00/00/0000", "S/D"])
    assert out["status"].tolist() == ["invalid", "invalid", "ok", "invalid", "invalid", "invalid"]
    assert out["date"].iloc[2] == pd.Timestamp("2000-02-29")
    assert out["date"].iloc[[0, 1, 3, 4, 5]].isna().all()


def test_year_first_slash_date_is_may_not_december():
    # pandas format="mixed", dayfirst=True reads 1979/05/12 as 1979-12-05
    out, _ = parse(["1979/05/12", "25/12/1980"])
    assert out["date"].iloc[0] == pd.Timestamp("1979-05-12")
    assert out["status"].iloc[0] == "ok"


def test_column_mixing_day_first_and_iso_keeps_both():
    # polars guesses one format from the first value and drops the other rows
    out, note = parse(["25/12/1980", "1979-05-12", "03/10/2002", "2001-03-04"])
    assert out["date"].dt.strftime("%Y-%m-%d").tolist() == ["1980-12-25", "1979-05-12", "2002-10-03", "2001-03-04"]
    assert out["status"].tolist() == ["ok"] * 4
    assert (note.order, note.settled_by) == ("dmy", "values")


def test_partial_dates_keep_their_year():
    out, _ = parse(["1985", "12/1979", "1979-12"])
    assert out["status"].tolist() == ["partial"] * 3
    assert out["year"].tolist() == [1985, 1979, 1979]
    assert out["date"].isna().all()


def test_day_above_31_is_no_evidence_of_day_first():
    # 45/05/1980 is invalid either way; it used to count as proof that the column is day-first
    out, note = parse(["45/05/1980", "03/10/2002"])
    assert note.day_first_evidence == 0
    assert note.settled_by == "profile"
    assert out["status"].tolist() == ["invalid", "ambiguous"]
    _, note = parse(["31/02/1980", "03/10/2002"])  # invalid, but the writer clearly wrote day first
    assert note.day_first_evidence == 1 and note.settled_by == "values"


def test_parsing_works_per_distinct_value_and_broadcasts():
    values = ["25/12/1980", None, "25/12/1980", "", "1985"] * 3
    out, note = parse(values)
    assert out["status"].tolist() == ["ok", "blank", "ok", "blank", "partial"] * 3
    assert note.day_first_evidence == 6  # counted per row, not per distinct value


# ---------------------------------------------------------------- calendar age

def _age(birth, ref):
    by, bm, bd, _ = ymd(np.array([birth], dtype="datetime64[D]"))
    ry, rm, rd, _ = ymd(np.array([ref], dtype="datetime64[D]"))
    return int(calendar_age(by, bm, bd, ry, rm, rd)[0])


@pytest.mark.parametrize(("birth", "ref", "age"), [
    ("2002-06-15", "2020-06-14", 17),  # the day before the 18th birthday
    ("2002-06-15", "2020-06-15", 18),  # the 18th birthday
    ("2002-06-15", "2020-06-16", 18),
    ("2002-12-31", "2020-12-30", 17),
    ("2002-01-01", "2019-12-31", 17),
    ("2000-02-29", "2018-02-28", 17),  # common year: birthday taken as 1 March
    ("2000-02-29", "2018-03-01", 18),
    ("2000-02-29", "2020-02-28", 19),
    ("2000-02-29", "2020-02-29", 20),  # leap year: the birthday itself
    ("1908-05-10", "2019-05-10", 111),
    ("2016-10-17", "2019-05-01", 2),
])
def test_calendar_age(birth, ref, age):
    assert _age(birth, ref) == age


def test_days_over_365_would_be_wrong_here():
    # days/365 calls someone 18 two days before the birthday; days/365.25 calls an 18-year-old 17
    days = (np.datetime64("2020-06-13") - np.datetime64("2002-06-15")).astype(int)
    assert days / 365 >= 18 and _age("2002-06-15", "2020-06-13") == 17
    days = (np.datetime64("2019-03-01") - np.datetime64("2001-03-01")).astype(int)
    assert days / 365.25 < 18 and _age("2001-03-01", "2019-03-01") == 18


def test_ymd_of_nat_is_masked():
    y, m, d, ok = ymd(np.array(["2000-02-29", "NaT"], dtype="datetime64[D]"))
    assert ok.tolist() == [True, False]
    assert (int(y[0]), int(m[0]), int(d[0])) == (2000, 2, 29)


def test_swapped_day_month():
    out = swapped_day_month(np.array(["2002-10-03", "NaT"], dtype="datetime64[D]"))
    assert str(out[0]) == "2002-03-10" and np.isnat(out[1])


def test_partial_birth_dates_are_intervals(tmp_path):
    ctx = prepare(write(tmp_path, "nombre;fecha nacimiento\nA;2005\nB;12/1979\nC;14/02/1980\nD;06/1979\n"),
                  Settings(as_of=AS_OF))
    n = len(ctx.frame)
    ages = ages_at(ctx, np.full(n, 2023), np.full(n, 6), np.full(n, 30))
    # a year gives a one-year bracket; a month keeps its month: born in December 1979, 43 on 30 June 2023
    assert ages.lo.tolist() == [17, 43, 43, 44] and ages.hi.tolist() == [18, 43, 43, 44]
    assert ages.exact.tolist() == [False, False, True, False]
    assert ages.text(np.arange(n)).tolist() == ["17-18 (birth date: year only)", "43 (birth date: month and year only)",
                                                "43", "44 (birth date: month and year only)"]
    ages = ages_at(ctx, np.full(n, 2023), np.full(n, 6), np.full(n, 15))  # mid-June: June 1979 straddles
    assert (ages.lo[3], ages.hi[3]) == (43, 44)
    ages = ages_at(ctx, np.full(n, 2023), np.full(n, 12), np.full(n, 31))  # on 31 December the bracket closes
    assert ages.lo.tolist()[0] == ages.hi.tolist()[0] == 18


# ---------------------------------------------------------------- DB rules

DATED = "nombre;dni;fecha nacimiento;fecha alta\n"


def test_db01_db02_db07_statuses(tmp_path):
    text = DATED + "\n".join([
        "A A;1;;15/06/2019",
        "B B;2;31/02/1980;15/06/2019",
        "C C;3;S/D;15/06/2019",
        "D D;4;1985;15/06/2019",
        "E E;5;12/1979;15/06/2019",
        "F F;6;14/02/1980;15/06/2019",
    ]) + "\n"
    _, result = run(tmp_path, text, ["DB01", "DB02", "DB07"])
    assert triples(result) == [(1, "birth_date", "DB01"), (2, "birth_date", "DB02"), (3, "birth_date", "DB02"),
                               (4, "birth_date", "DB07"), (5, "birth_date", "DB07")]
    db02 = [f for f in result.findings if f.rule == "DB02"]
    assert "**/**/1980" in db02[0].message and "31/02" not in db02[0].message  # redacted to the year
    assert {f.severity for f in result.findings if f.rule == "DB07"} == {"info"}


def test_db03_future_birth_dates(tmp_path):
    text = "nombre;fecha nacimiento\nA;23/11/2026\nB;22/11/2026\nC;2027\nD;2026\n"
    _, result = run(tmp_path, text, ["DB03"])
    assert triples(result) == [(1, "birth_date", "DB03"), (3, "birth_date", "DB03")]
    assert "2026-11-22" in result.findings[0].message


def test_db04_born_after_listing(tmp_path):
    text = DATED + "A;1;15/05/2021;01/02/2020\nB;2;01/02/2020;01/02/2020\nC;3;2021;31/12/2020\nD;4;2020;01/02/2020\n"
    _, result = run(tmp_path, text, ["DB04"])
    assert triples(result) == [(1, "birth_date", "DB04"), (3, "birth_date", "DB04")]
    assert "2020-02-01" in result.findings[0].message


def test_db05_boundary_and_option(tmp_path):
    text = DATED + "A;1;10/05/1909;10/05/2019\nB;2;11/05/1908;10/05/2019\nC;3;10/05/1908;10/05/2019\n"
    _, result = run(tmp_path, text, ["DB05"], as_of=dt.date(2019, 5, 10))
    assert triples(result) == [(3, "birth_date", "DB05")]  # 110 then 110 (day before) then 111
    assert "Age 111 at listing" in result.findings[0].message
    _, result = run(tmp_path, text, ["DB05"], rule_options={"DB05": {"implausibly_old_age": 100}},
                    as_of=dt.date(2019, 5, 10))
    assert [f.row for f in result.findings] == [1, 2, 3]


def test_db05_judges_the_reference_date_too(tmp_path):
    # 110 at listing (fine), 117 on the reference date and still listed (not fine)
    text = DATED + "A;1;10/05/1909;10/05/2019\nB;2;10/05/1950;10/05/2019\n"
    _, result = run(tmp_path, text, ["DB05"])
    assert triples(result) == [(1, "birth_date", "DB05")]
    assert result.findings[0].message == ("Age 117 on the reference date 2026-11-22 (still listed) is above 110: "
                                          "the birth date is probably wrong")
    _, result = run(tmp_path, text, ["DB05"], rule_options={"DB05": {"implausibly_old_age_now": 117}})
    assert triples(result) == []


def test_db06_profile_placeholders(tmp_path):
    text = DATED + "A;1;01/01/1900;15/06/2019\nB;2;11/11/1111;15/06/2019\nC;3;01/01/1800;15/06/2019\n" \
                   "D;4;02/01/1900;15/06/2019\n"
    _, result = run(tmp_path, text, ["DB06"])
    assert [f.row for f in result.findings] == [1, 2, 3]
    assert "profile list" in result.findings[0].message


def _synthetic_birth_dates(rng, n, jan1_boost):
    """Uniform birth dates over 1950-2005, with 1 January of every year jan1_boost times as common."""
    days = np.arange(np.datetime64("1950-01-01"), np.datetime64("2006-01-01"))
    weights = np.ones(len(days))
    jan1 = (days.astype("datetime64[Y]").astype("datetime64[D]") == days)
    weights[jan1] = jan1_boost
    return rng.choice(days, size=n, p=weights / weights.sum())


def test_frequency_outliers_ignore_a_mild_first_of_january_excess():
    rng = np.random.default_rng(11)
    dates = _synthetic_birth_dates(rng, 200_000, jan1_boost=1.5)
    people = np.arange(len(dates))
    out = frequency_outliers(dates, people, min_count=5, min_ratio=5.0, max_p=0.001)
    assert out.empty
    jan1 = dates == dates.astype("datetime64[Y]").astype("datetime64[D]")
    assert jan1.sum() > 1.3 * len(dates) * 56 / 20454  # the boost is really there (56 Jan 1sts in 20,454 days)


def test_frequency_outliers_find_a_planted_placeholder():
    rng = np.random.default_rng(12)
    dates = np.concatenate([_synthetic_birth_dates(rng, 200_000, jan1_boost=1.5),
                            np.full(300, np.datetime64("1970-01-01"))])
    out = frequency_outliers(dates, np.arange(len(dates)), min_count=5, min_ratio=5.0, max_p=0.001)
    assert out["date"].dt.strftime("%Y-%m-%d").tolist() == ["1970-01-01"]
    expected = int((dates == np.datetime64("1970-01-01")).sum())
    assert int(out["count"].iloc[0]) == expected
    same_year = (dates.astype("datetime64[Y]") == np.datetime64("1970", "Y")).sum()
    assert out["baseline"].iloc[0] == pytest.approx((same_year - expected) / 364)


def test_frequency_outliers_count_people_not_records():
    dates = np.array(["1985-05-13"] * 6 + ["1990-02-14"], dtype="datetime64[D]")
    same_person = np.array([7] * 6 + [8])
    assert frequency_outliers(dates, same_person, min_count=5, min_ratio=5, max_p=0.001).empty
    assert len(frequency_outliers(dates, np.arange(7), min_count=5, min_ratio=5, max_p=0.001)) == 1
    assert frequency_outliers(dates, np.arange(7), min_count=7, min_ratio=5, max_p=0.001).empty


def test_db06_frequency_through_the_pipeline(tmp_path):
    rows = [f"P{i};{20000000 + i};01/01/1970;15/06/2019" for i in range(6)]
    rows += ["Q;30000000;01/01/1970;15/06/2019"] * 3  # one person listed three more times
    rows += [f"R{i};{31000000 + i};{(i % 28) + 1:02d}/0{(i % 9) + 1}/19{60 + i % 30};15/06/2019" for i in range(40)]
    _, result = run(tmp_path, DATED + "\n".join(rows) + "\n", ["DB06"])
    assert [f.row for f in result.findings] == list(range(1, 10))
    assert "7 people share this exact date" in result.findings[0].message
    stats = result.stats["DB06"]
    assert stats["frequency_outliers"][0]["date"] == "1970-01-01" and stats["frequency_outliers"][0]["people"] == 7
    _, result = run(tmp_path, DATED + "\n".join(rows) + "\n", ["DB06"], rule_options={"DB06": {"min_count": 8}})
    assert result.findings == []


def test_db08_ambiguous_reports_both_readings_and_column_evidence(tmp_path):
    text = "nombre;fecha nacimiento;fecha alta\nA;03/10/2002;05/06/2020\nB;12/05/1979;05/06/2020\n"
    ctx, result = run(tmp_path, text, ["DB08"])
    assert triples(result) == [(1, "birth_date", "DB08"), (2, "birth_date", "DB08")]
    first = result.findings[0]
    assert "read day-first, age 17 at listing" in first.message
    assert "read month-first, age 18" in first.message and "minor one way, adult the other" in first.message
    assert first.confidence == "low" and result.findings[1].confidence == "medium"
    assert ctx.date_notes["birth_date"].describe() in first.message
    stats = result.stats["DB08"]
    assert stats["settled_by"] == "profile" and stats["ambiguous_rows"] == 2 and stats["verdict_flips"] == 1
    assert stats["lines"][0] == ctx.date_notes["birth_date"].describe()


@pytest.mark.parametrize(("extra", "date_format"), [("C;25/12/1980;25/12/2019", None),
                                                    ("C;12/25/1980;12/25/2019", None),
                                                    ("", "DMY"), ("", "MDY")])
def test_db08_silent_once_the_order_is_settled(tmp_path, extra, date_format):
    text = "nombre;fecha nacimiento;fecha alta\nA;03/10/2002;05/06/2020\n" + extra + "\n"
    _, result = run(tmp_path, text, ["DB08"], date_format=date_format)
    assert result.findings == []


# ---------------------------------------------------------------- DE rules

def test_entry_date_rules(tmp_path):
    text = "nombre;fecha alta\nA;\nB;31/02/2019\nC;S/D\nD;23/11/2026\nE;22/11/2026\nF;14/02/2019\n"
    _, result = run(tmp_path, text, ["DE01", "DE02", "DE03"])
    assert triples(result) == [(1, "entry_date", "DE01"), (2, "entry_date", "DE02"), (3, "entry_date", "DE02"),
                               (4, "entry_date", "DE03")]
    de03 = [f for f in result.findings if f.rule == "DE03"][0]
    assert "2026-11-23" in de03.message and "2026-11-22" in de03.message


def test_clean_records_draw_no_date_finding(tmp_path):
    text = DATED + "A B;20123456;14/02/1980;15/06/2019\nC D;21987654;1979-05-12;2020-01-31\n" \
                   "E F;22333444;29/02/2000;01/03/2018\n"
    _, result = run(tmp_path, text, ["DB", "DE"])
    assert result.findings == []


def test_ymd_agrees_with_numpy_over_a_long_range():
    days = np.arange(np.datetime64("1000-01-01"), np.datetime64("2101-01-01"))
    y, m, d, ok = ymd(days)
    assert ok.all()
    assert np.array_equal(y, days.astype("datetime64[Y]").astype(np.int64) + 1970)
    assert np.array_equal(m, days.astype("datetime64[M]").astype(np.int64) % 12 + 1)
    assert np.array_equal(d, (days - days.astype("datetime64[M]")).astype(np.int64) + 1)


@pytest.mark.parametrize("span", [1 << 22, 1000])  # the day table, and the arithmetic on every value
def test_ymd_of_scattered_days_with_gaps_and_nat(monkeypatch, span):
    import dbhygiene.checks.dates as dates_module

    monkeypatch.setattr(dates_module, "TABLE_SPAN", span)
    days = np.array(["1899-12-31", "NaT", "2024-02-29", "1970-01-01", "1600-03-01", "2031-07-15", "NaT"],
                    dtype="datetime64[D]")
    y, m, d, ok = ymd(days)
    assert ok.tolist() == [True, False, True, True, True, True, False]
    assert [f"{a:04d}-{b:02d}-{c:02d}" for a, b, c in zip(y[ok], m[ok], d[ok])] == [str(x) for x in days[ok]]


def test_birth_after_a_partial_entry_date_quotes_the_entry_as_written(tmp_path):
    text = ("nombre;fecha nacimiento;fecha alta\nPEREZ, JUAN;10/05/2003;2001\nGOMEZ, ANA;01/01/1990;05/02/2010\n"
            "DIAZ, EVA;10/05/2003;03/2002\nRUIZ, LEO;10/05/2004;04/05/2003\n")
    _, result = run(tmp_path, text, ["DB04"], show_pii=True)
    assert [(f.row, f.message.rsplit(" ", 1)[1]) for f in result.findings] == [(1, "2001"), (3, "03/2002"),
                                                                               (4, "2003-05-04")]


@pytest.mark.parametrize("far_date", [False, True])
def test_frequency_outliers_count_each_person_once_per_day(far_date):
    # person 3: four records on one day, one on the next; person 20: twice on the next day;
    # records without a key (negative codes) are people of their own. A far date (year 9999)
    # widens the range of days past what a bincount should cover: the same counts either way.
    day_a, day_b = "1985-05-13", "1985-05-14"
    dates = [day_a] * 4 + [day_b] + [day_a] * 5 + [day_b] * 2
    person = [3, 3, 3, 3, 3, 10, 11, 12, -1, -2, 20, 20]
    if far_date:
        dates, person = dates + ["9999-12-31"], person + [30]
    out = frequency_outliers(np.array(dates, dtype="datetime64[D]"), np.array(person), min_count=1, min_ratio=0,
                             max_p=1e9)
    counts = dict(zip(out["date"].dt.strftime("%Y-%m-%d"), out["count"].astype(int)))
    assert counts == {day_a: 6, day_b: 2, **({"9999-12-31": 1} if far_date else {})}
