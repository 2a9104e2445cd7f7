"""The real published lists in ``shared/external`` (read in place, never copied): XML and nested JSON
read with the counts SOURCES.md gives, DB09 on the lists, and every file checked with exit 0 or 1.

Skipped, with the reason, where the folder is absent."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from dbhygiene.api import Settings, check_path
from dbhygiene.load import load


def _external() -> Path | None:
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "external"
        if candidate.is_dir():
            return candidate
    return None


EXTERNAL = _external()
pytestmark = pytest.mark.skipif(EXTERNAL is None, reason="shared/external (the real watchlist corpus) is not present")


def need(relative: str) -> Path:
    path = EXTERNAL / relative
    if not path.is_file():
        pytest.skip(f"{relative} is not in shared/external")
    return path


UN = {
    "un_consolidated/un_consolidated_2020-03-20.xml": dict(individuals=709, entities=305, no_dob=41, no_reason=103,
                                                          approx_or_between=152),
    "un_consolidated/un_consolidated_2026-01-28.xml": dict(individuals=726, entities=273, no_dob=50, no_reason=82,
                                                          approx_or_between=147),
}


@pytest.mark.parametrize("name", list(UN))
def test_un_consolidated_counts(name):
    expected = UN[name]
    loaded = load(need(name))
    frame = loaded.frame
    assert Counter(frame["subject_type"]) == {"Individual": expected["individuals"], "Entity": expected["entities"]}
    people = (frame["subject_type"] == "Individual").to_numpy()
    dobs = loaded.multi["birth_date"].to_pylist()
    assert sum(1 for i, d in enumerate(dobs) if people[i] and not d) == expected["no_dob"]
    assert int((frame["listing_reason"].isna().to_numpy() & people).sum()) == expected["no_reason"]
    stated = [v for d in dobs for v in d if v.startswith("Approximately") or " to " in v]
    assert len(stated) == expected["approx_or_between"]
    # the same two passport numbers on two different people, in both versions
    passports = loaded.multi["passport"].to_pylist()
    for number in ("6620505", "9003213"):
        holders = sorted(frame["reference"].iat[i].strip() for i, p in enumerate(passports)
                         if any(number in v for v in p))
        assert holders == ["IRi.003", "IRi.041"]


def test_un_db09_finds_every_person_with_two_different_exact_dates():
    name = "un_consolidated/un_consolidated_2020-03-20.xml"
    loaded = load(need(name))
    dobs = loaded.multi["birth_date"].to_pylist()
    # a lower bound computed independently: two different full ISO dates cannot both be true
    full = [{v for v in d if len(v) == 10 and v[4] == "-"} for d in dobs]
    must = {i + 1 for i, s in enumerate(full) if len(s) > 1}
    _, result = check_path(need(name), Settings(select=["DB09"]))
    rows = {f.row for f in result.findings}
    assert must and must <= rows
    assert len(rows) == result.stats["DB09"]["conflicting"]
    # redacted by default: years only
    assert not any(re.search(r"\d{4}-\d\d-\d\d", f.message) for f in result.findings)
    assert any(re.search(r"\d{4}-\*\*-\*\*", f.message) for f in result.findings)


def test_ofac_consolidated_counts():
    loaded = load(need("ofac_consolidated/ofac_cons_2026-01-08.xml"))
    frame = loaded.frame
    assert Counter(frame["subject_type"]) == {"Individual": 79, "Entity": 363}
    dobs = loaded.multi["birth_date"].to_pylist()
    assert sum(len(d) for d in dobs) == 74
    assert sum(1 for d in dobs for v in d if len(v.strip()) == 4) == 73  # year-only
    people = (frame["subject_type"] == "Individual").to_numpy()
    assert sum(1 for i, d in enumerate(dobs) if people[i] and not d) == 5
    kinds = Counter(v.split(":")[0] for ids in loaded.multi["identifiers"].to_pylist() for v in ids)
    assert kinds["Secondary sanctions risk"] == 372


def test_canada_sema_counts():
    loaded = load(need("canada_sema/canada_sema_2025.xml"))
    frame = loaded.frame
    assert len(frame) == 4759
    kinds = Counter(frame["subject_type"])
    assert kinds["Individual"] == 3334 and kinds["Entity"] + kinds["Ship"] == 1425
    assert int(frame["birth_date"].notna().sum()) == 3334 - 1618
    assert int(frame["ship_build_date"].notna().sum()) == 109  # never read as birth dates


def test_interpol_pages_and_details():
    listed = load(need("interpol_red_notices/red_notices_list.json"))
    assert len(listed.frame) == 204
    assert listed.frame["entity_id"].nunique() == 186  # 18 notices on two overlapping pages
    assert any("6 pages" in n for n in listed.notes)
    details = load(need("interpol_red_notices/red_notices_details.json"))
    assert len(details.frame) == 204
    charges = details.multi["arrest_warrants.charge"].to_pylist()
    assert all(isinstance(c, list) for c in charges) and max(len(c) for c in charges) >= 2


def test_aggregated_merge_and_its_bogus_birth_dates():
    name = "aggregated_eu_un_ofac/all_2026-01-28.json"
    loaded = load(need(name))
    frame = loaded.frame
    assert Counter(frame["type"]) == {"individual": 4806, "entity": 2008}
    people = (frame["type"] == "individual").to_numpy()
    births = loaded.multi["birthdates"].to_pylist()
    assert sum(1 for i, b in enumerate(births) if people[i] and not b) == 1063
    # OFAC items flattened into birthdates: the XML uid as a year beside the real one
    _, result = check_path(need(name), Settings(select=["DB09"], columns={"birth_date": "birthdates"},
                                                show_pii=True))
    ofac_rows = {i + 1 for i, b in enumerate(births) if "true" in b}
    assert len(ofac_rows) == 74
    flagged = {f.row for f in result.findings}
    assert len(ofac_rows & flagged) >= 70


def test_pakistan_records():
    loaded = load(need("pk_proscribed_persons/pk_fourth_schedule_source.json"))
    assert len(loaded.frame) == 4665
    assert list(loaded.frame.columns) == ["Name", "FatherName", "CNIC", "Province", "District"]


def test_fbi_cells_with_several_birth_dates():
    name = "fbi_wanted/fbi_wanted_fugitives_filtered.csv"
    _, result = check_path(need(name), Settings(select=["DB09"], columns={"birth_date": "dates_of_birth_used"}))
    assert len(result.findings) == 68  # SOURCES.md: 68 rows list several DOBs in one cell
    assert max(int(f.message.split()[0]) for f in result.findings) == 10


def _corpus() -> list[str]:
    if EXTERNAL is None:
        return []
    return sorted(str(p.relative_to(EXTERNAL)) for p in EXTERNAL.rglob("*") if p.is_file() and p.suffix != ".md")


# Fixtures none of whose columns maps to a field: an input error by design (issue 10): not checked,
# so never a pass. Every other file of the corpus has findings (exit 1).
NOTHING_MAPPED = {"frictionless_fixtures/duplicate-column.csv"}


@pytest.mark.parametrize("name", _corpus())
def test_every_corpus_file_checks_with_exit_1_or_nothing_mapped(name, run_cli, in_tmp):
    result = run_cli("check", EXTERNAL / name, "--profile", "generic", "-f", "json", "-o", in_tmp / "r.json")
    assert "Traceback" not in result.stderr
    if name in NOTHING_MAPPED:
        assert result.exit_code == 2 and "maps to a known field" in result.stderr, result.stderr
    else:
        assert result.exit_code == 1, result.stderr


def test_uk_normalised_tables_joined_on_unique_id():
    from dbhygiene.load.package import load_dataset

    folder = "uk_fcdo_normalized"
    main = need(f"{folder}/subjects.csv")
    children = [str(need(f"{folder}/{n}.csv")) for n in ("subject_dobs", "subject_identifiers", "subject_names")]
    loaded = load_dataset(main, children, "unique_id")
    frame = loaded.frame
    assert len(frame) == 6046
    people = (frame["subject_type"] == "individual").to_numpy()
    assert int(people.sum()) == 3883
    years = loaded.multi["year"].to_pylist()
    assert sum(1 for i, y in enumerate(years) if people[i] and y) == 1043  # SOURCES.md: lossy transform
    assert sum(len(y) for y in years) == 3538
    assert sum(len(v) for v in loaded.multi["raw_value"].to_pylist()) == 22787
    ids = [v for vs in loaded.multi["dob_id"].to_pylist() for v in vs]
    assert "0002" in ids and all(len(v) == 4 for v in ids)  # leading zeros kept: text, never integers


@pytest.mark.parametrize("name", list(UN))
def test_un_shared_passports_found_in_the_document_lists(name):
    _, result = check_path(need(name), Settings(select=["ID07"], show_pii=True))
    ctx_refs = load(need(name)).frame["reference"].str.strip().tolist()
    pairs = {(f.message.split()[1], tuple(ctx_refs[r - 1] for r in f.related_rows)) for f in result.findings}
    assert ("6620505", ("IRi.003", "IRi.041")) in pairs
    assert ("9003213", ("IRi.003", "IRi.041")) in pairs
