"""dbhygiene history: linking people across dated versions; counts checked against the generator's key."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dbhygiene.cli import cli
from dbhygiene.history import _identity_keys, calendar_age, date_from_name, link_people
from dbhygiene.sample_history import write_versions

COUNTS = ("records", "people", "added", "new", "returned", "removed", "minors_present", "minors_added")


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    out = tmp_path_factory.mktemp("versions")
    paths, key = write_versions(out, rows=800, seed=5)
    return paths, json.loads(key.read_text())


def run(*args):
    result = CliRunner().invoke(cli, ["history", *map(str, args)], catch_exceptions=False)
    return result


def test_per_version_counts_match_the_generators_key(versions):
    paths, key = versions
    result = run(*paths, "--profile", "ar", "-f", "json", "--since", key["cutoff"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["versions"]) == len(key["versions"]) == 4
    for got, want in zip(report["versions"], key["versions"]):
        assert {k: got[k] for k in COUNTS} == {k: want[k] for k in COUNTS}, got["date"]
    assert report["totals"]["people"] == key["people_total"]
    assert report["totals"]["left_and_returned"] == key["left_and_returned"]
    assert report["since"]["minors_first_listed_after"] == key["minors_first_listed_after_cutoff"] > 0
    assert report["since"]["people_first_listed_after"] == key["people_first_listed_after_cutoff"]
    # the generator made the versions differ: an xlsx, UTF-8 with other headers, IDs dotted then plain
    assert [v["format"] for v in report["versions"]] == ["csv", "csv", "xlsx", "csv"]
    assert key["versions"][0]["returned"] == 0 and any(v["returned"] for v in key["versions"])


def test_minors_added_after_the_cutoff_are_listed_and_redacted(versions):
    paths, key = versions
    report = json.loads(run(*paths, "--profile", "ar", "-f", "json", "--since", key["cutoff"]).output)
    after = [p for p in report["people"] if p.get("first_listed_after_since") and p["listed_as_minor"]]
    assert len(after) == key["minors_first_listed_after_cutoff"]
    assert all(p["age_at_first_listing"] < 18 for p in after)
    assert report["redacted"] is True
    names = set(pd.read_csv(paths[0], sep=";", encoding="cp1252", dtype=str)["APELLIDO Y NOMBRE"])
    ids = set(pd.read_csv(paths[0], sep=";", encoding="cp1252", dtype=str)["NRO DOC"])
    text = json.dumps(report, ensure_ascii=False)
    assert not [n for n in names if n in text]
    assert not [i for i in ids if i in text]
    shown = json.loads(run(*paths, "--profile", "ar", "-f", "json", "--show-pii").output)
    shown_text = json.dumps(shown, ensure_ascii=False)
    assert any(n in shown_text for n in names)


def test_row_order_does_not_change_the_history(versions, tmp_path):
    paths, key = versions
    shuffled = []
    for p in paths:
        if p.suffix == ".csv":
            raw = p.read_bytes().split(b"\r\n")
            header, body = raw[0], [r for r in raw[1:] if r]
            random.Random(3).shuffle(body)
            q = tmp_path / p.name
            q.write_bytes(b"\r\n".join([header, *body]) + b"\r\n")
            shuffled.append(q)
        else:
            shuffled.append(p)
    a = json.loads(run(*paths, "--profile", "ar", "-f", "json").output)["versions"]
    b = json.loads(run(*shuffled, "--profile", "ar", "-f", "json").output)["versions"]
    assert [{k: v[k] for k in COUNTS} for v in a] == [{k: v[k] for k in COUNTS} for v in b]


def test_files_given_out_of_order_are_sorted_by_date(versions):
    paths, key = versions
    report = json.loads(run(*reversed(paths), "--profile", "ar", "-f", "json").output)
    assert [v["date"] for v in report["versions"]] == [v["date"] for v in key["versions"]]


def test_dates_option_and_date_errors(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("nombre;dni;fecha nacimiento\nPEREZ, JUAN;20123456;01/02/1980\n")
    b.write_text("nombre;dni;fecha nacimiento\nPEREZ, JUAN;20.123.456;01/02/1980\nGOMEZ, ANA;30111222;03/04/1990\n")
    result = run(a, b, "-f", "json")
    assert result.exit_code == 2 and "cannot tell the date" in result.output
    result = run(a, b, "-f", "json", "--dates", "2019-01-01,2019-01-01")
    assert result.exit_code == 2 and "two versions are dated" in result.output
    result = run(a, b, "-f", "json", "--dates", "2019-01-01")
    assert result.exit_code == 2 and "2 files" in result.output
    report = json.loads(run(a, b, "-f", "json", "--dates", "2019-01-01,2020-01-01").output)
    assert [(v["people"], v["added"], v["removed"]) for v in report["versions"]] == [(1, 1, 0), (2, 1, 0)]
    assert run(a, "-f", "json").exit_code == 2  # one version is not a history


def test_vanished_and_came_back(tmp_path):
    rows = {"2018-01-01": ["PEREZ, JUAN;20123456", "GOMEZ, ANA;30111222"],
            "2019-01-01": ["GOMEZ, ANA;30.111.222"],
            "2020-01-01": ["PEREZ, JUAN;20.123.456", "GOMEZ, ANA;30111222"]}
    paths = []
    for d, body in rows.items():
        p = tmp_path / f"list_{d}.csv"
        p.write_text("nombre;dni\n" + "\n".join(body) + "\n")
        paths.append(p)
    report = json.loads(run(*paths, "-f", "json").output)
    v = report["versions"]
    assert [(x["people"], x["added"], x["removed"], x["returned"]) for x in v] == [(2, 2, 0, 0), (1, 0, 1, 0),
                                                                                   (2, 1, 0, 1)]
    returned = [p for p in report["people"] if p["left_and_returned"]]
    assert len(returned) == 1 and returned[0]["presence"] == "x.x"


def test_linking_is_transitive_and_ignores_placeholder_ids():
    frame = pd.DataFrame({
        "national_id__norm": pd.Series(["20123456", "20123456", None, "00000000", "00000000", "12"], dtype="string"),
        "full_name__key": pd.Series([None, "juan perez", "juan perez", "ana gomez", "luis diaz", "eva paz"],
                                    dtype="string"),
        "birth_date__date": pd.to_datetime([None, "1980-01-01", "1980-01-01", "1990-01-01", "1970-01-01",
                                            "1960-01-01"]),
    })
    person = link_people(*_identity_keys(frame))
    assert person[0] == person[1] == person[2]  # 0-1 by ID, 1-2 by name and birth date
    assert len({person[0], person[3], person[4], person[5]}) == 4  # a shared placeholder ID links nobody


def test_label_propagation_converges_on_long_chains():
    n = 2000  # a chain a-b (ID), b-c (name), c-d (ID) ... through alternate keys
    ids = pd.Series([f"ID{(i + 1) // 2:06d}" for i in range(n)], dtype="string")
    nb = pd.Series([f"name{i // 2}" for i in range(n)], dtype="string")
    person = link_people(ids, nb)
    assert len(set(person)) == 1


def test_calendar_age_counts_birthdays_not_days():
    birth = np.array(["2004-02-29", "2000-06-15", "NaT"], dtype="datetime64[s]")
    when = np.array(["2022-02-28", "2018-06-15", "2020-01-01"], dtype="datetime64[s]")
    age = calendar_age(birth, when)
    assert age[0] == 17 and age[1] == 18 and np.isnan(age[2])
    assert calendar_age(np.array(["2004-02-29"], "datetime64[s]"), np.array(["2022-03-01"], "datetime64[s]"))[0] == 18


def test_date_from_name():
    assert date_from_name(Path("conarc_2019-05-06.csv")) == dt.date(2019, 5, 6)
    assert date_from_name(Path("conarc20190506.xlsx")) == dt.date(2019, 5, 6)
    assert date_from_name(Path("conarc.csv")) is None
    assert date_from_name(Path("a_2019-05-06_b_2020-01-01.csv")) is None  # two dates: ambiguous


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "csv"])
def test_every_history_format_renders_without_personal_data(versions, fmt, tmp_path):
    paths, key = versions
    out = tmp_path / f"h.{fmt}"
    result = run(*paths, "--profile", "ar", "-f", fmt, "--since", key["cutoff"], "-o", out)
    assert result.exit_code == 0, result.output
    assert os.stat(out).st_mode & 0o777 == 0o600
    text = out.read_text(encoding="utf-8")
    frame = pd.read_csv(paths[0], sep=";", encoding="cp1252", dtype=str)
    assert not [n for n in frame["APELLIDO Y NOMBRE"] if n in text]
    assert not [i for i in frame["NRO DOC"] if len(i) > 4 and i in text]
    if fmt == "html":
        assert "<svg" in text and 'id="versions"' in text and "<script" not in text
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows and all(r["person"].startswith("P") for r in rows)


def test_hostile_cells_stay_inert_in_history_outputs(tmp_path):
    hostile = '=HYPERLINK("http://x");<script>alert(1)</script>\x1b[2J'
    for d in ("2019-01-01", "2020-01-01"):
        (tmp_path / f"l_{d}.csv").write_text(f"nombre;dni;f nac;fecha alta\n{hostile} PEREZ;20123456;01/01/2005;"
                                             f"01/01/2019\n", encoding="utf-8")
    paths = sorted(tmp_path.glob("l_*.csv"))
    for fmt in ("html", "markdown", "csv", "text"):
        out = run(*paths, "-f", fmt, "--show-pii").output
        assert "\x1b" not in out
        if fmt == "html":
            assert "<script>" not in out
        if fmt == "csv":
            assert "\n=" not in out and ",=" not in out


def test_history_json_and_csv_escape_like_the_main_reports(tmp_path):
    """The history JSON goes through the main JSON report's json_escape (C1 controls, bidi overrides,
    zero-width characters as \\u escapes; the parsed value unchanged) and its CSV through csv_cell."""
    raw = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069]")
    name = "PEREZ\u202e NAUJ\x85\u200b\x9b31m"
    for d in ("2019-01-01", "2020-01-01"):
        (tmp_path / f"l\u202e\x9b_{d}.csv").write_text(
            f"nombre;dni;f nac;fecha alta\n{name};20123456;01/01/2005;01/01/2019\n", encoding="utf-8")
    paths = sorted(tmp_path.glob("l*.csv"))
    out = run(*paths, "-f", "json", "--show-pii", "--people", "all").output
    assert not raw.findall(out), sorted(set(raw.findall(out)))
    doc = json.loads(out)
    assert "\u202e" in json.dumps(doc, ensure_ascii=False)  # escaped, not dropped
    csv_out = run(*paths, "-f", "csv", "--show-pii", "--people", "all").output
    assert not raw.findall(csv_out.replace("\n", "")), sorted(set(raw.findall(csv_out)))
