"""Dates as published: each form parsed into the interval and precision it states, and named."""

import datetime as dt

import pandas as pd
import pytest

from dbhygiene.api import Settings, check_path
from dbhygiene.catalogue import load_profile
from dbhygiene.normalise import parse_dates

PROFILE = load_profile("generic")
AS_OF = dt.date(2026, 11, 22)


def parse(values, **kw):
    out, note = parse_dates(pd.Series(values, dtype="str"), dayfirst=True, order=None, as_of=AS_OF,
                            field_name="birth_date", no_data_tokens=tuple(PROFILE["no_data_tokens"]),
                            month_names=PROFILE["month_names"], **kw)
    return out, note


def span(out, i):
    return str(out["lo"].iloc[i].date()), str(out["hi"].iloc[i].date())


@pytest.mark.parametrize(("value", "status", "lo", "hi", "form"), [
    ("00/00/1980", "partial", "1980-01-01", "1980-12-31", "day and month written as 00 (year only)"),
    ("00/05/1980", "partial", "1980-05-01", "1980-05-31", "day written as 00 (month and year only)"),
    ("1985", "partial", "1985-01-01", "1985-12-31", "year only"),
    ("02/2000", "partial", "2000-02-01", "2000-02-29", "month and year only"),
    ("circa 1951", "partial", "1950-01-01", "1952-12-31", "an approximate date (circa; one year either side allowed)"),
    ("c. 1951", "partial", "1950-01-01", "1952-12-31", "an approximate date (circa; one year either side allowed)"),
    ("Approximately 1963", "partial", "1962-01-01", "1964-12-31",
     "an approximate date (circa; one year either side allowed)"),
    ("1951 to 1953", "partial", "1951-01-01", "1953-12-31", "a range of dates"),
    ("between 1951 and 1953", "partial", "1951-01-01", "1953-12-31", "a range of dates"),
    ("1951-1953", "partial", "1951-01-01", "1953-12-31", "a range of dates"),
    ("Approximately 1955-1958", "partial", "1954-01-01", "1959-12-31", "an approximate range of dates"),
    ("(a) 3.3.1965, (b) 1.1.1965", "partial", "1965-01-01", "1965-03-03", "a list of alternative dates"),
    ("18.1.1970 or 29.3.1965", "partial", "1965-03-29", "1970-01-18", "a list of alternative dates"),
    ("12 Feb 1961", "ok", "1961-02-12", "1961-02-12", ""),
    ("Feb. 12th, 1961", "ok", "1961-02-12", "1961-02-12", ""),
    ("14 de marzo de 1980", "ok", "1980-03-14", "1980-03-14", ""),
    ("3 août 1975", "ok", "1975-08-03", "1975-08-03", ""),
    ("marzo de 1985", "partial", "1985-03-01", "1985-03-31", "month and year only"),
    ("29221", "ok", "1980-01-01", "1980-01-01", "an Excel serial number (days since 1899-12-30)"),
    ("1980-05-12T00:00:00+02:00", "ok", "1980-05-12", "1980-05-12",
     "an ISO date-time with a time-zone offset (the date as written is used)"),
    ("1980-05-12T23:00:00-03:00", "ok", "1980-05-12", "1980-05-12",
     "an ISO date-time with a time-zone offset (the date as written is used)"),
    ("1980-05-12 00:00:00", "ok", "1980-05-12", "1980-05-12", ""),
])
def test_published_forms(value, status, lo, hi, form):
    out, _ = parse([value, "25/12/1990"])
    assert out["status"].iloc[0] == status
    assert span(out, 0) == (lo, hi)
    assert out["form"].iloc[0] == form
    if status == "ok":
        assert str(out["date"].iloc[0].date()) == lo
    else:
        assert pd.isna(out["date"].iloc[0])


@pytest.mark.parametrize(("value", "form"), [
    ("31/02/1980", "an impossible day or month"),
    ("00/00/0000", "all zeros (a no-data mark)"),
    ("S/D", "a no-data mark"),
    ("[]", "not a date"),
    ("3.3.1965 or 31.2.1965", "a list of alternatives, not all of them dates"),
    ("1951 to sometime", "a range whose ends are not both dates"),
])
def test_invalid_values_say_why(value, form):
    out, _ = parse([value])
    assert out["status"].iloc[0] == "invalid"
    assert out["form"].iloc[0] == form
    assert pd.isna(out["lo"].iloc[0])


def test_each_distinct_value_is_parsed_once_and_broadcast():
    out, _ = parse(["circa 1951", "circa 1951", None, "circa 1951"])
    assert out["status"].tolist() == ["partial", "partial", "blank", "partial"]
    assert out["lo"].iloc[3] == out["lo"].iloc[0]


def test_month_names_come_from_the_profile():
    out, _ = parse(["14 de marzo de 1980"], )
    assert out["status"].iloc[0] == "ok"
    out, _ = parse_dates(pd.Series(["14 de marzo de 1980"], dtype="str"), dayfirst=True, order=None, as_of=AS_OF,
                         month_names={"march": 3})
    assert out["status"].iloc[0] == "invalid"


def test_messages_name_the_form(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("nombre;fecha nacimiento\nA B;18.1.1970 or 29.3.1965\nC D;Approximately 1963\nE F;[]\n"
                    "G H;31/02/1980\n", encoding="utf-8")
    _, result = check_path(path, Settings(select=["DB02", "DB07"], as_of=AS_OF, show_pii=True))
    messages = {(f.row, f.rule): f.message for f in result.findings}
    assert messages == {
        (1, "DB07"): "Birth date '18.1.1970 or 29.3.1965' is not a full date: a list of alternative dates",
        (2, "DB07"): "Birth date 'Approximately 1963' is not a full date: an approximate date (circa; one year "
                     "either side allowed)",
        (3, "DB02"): "Birth date '[]' is not a valid date: not a date",
        (4, "DB02"): "Birth date '31/02/1980' is not a valid date: an impossible day or month",
    }
