"""XML (known formats, any XML through --record-path, bombs refused) and nested JSON (pages, records
under a key, list-valued fields), and DB09 on the lists. All people here are invented."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from dbhygiene.api import Settings, check_path
from dbhygiene.errors import LoadError
from dbhygiene.load import load
from dbhygiene.load.records import build_frame

from conftest import error_line

SRC = Path(__file__).resolve().parents[1] / "src"

UN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2030-01-01T00:00:00Z">
 <INDIVIDUALS>
  <INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME> ZED </FIRST_NAME><SECOND_NAME>QUORP</SECOND_NAME><THIRD_NAME/>
   <REFERENCE_NUMBER>XXi.001</REFERENCE_NUMBER><LISTED_ON>2011-02-03</LISTED_ON>
   <COMMENTS1>Invented reason.</COMMENTS1>
   <NATIONALITY><VALUE>Atlantis</VALUE><VALUE>Utopia</VALUE></NATIONALITY>
   <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Zed Q.</ALIAS_NAME></INDIVIDUAL_ALIAS>
   <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
   <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1961-04-05</DATE></INDIVIDUAL_DATE_OF_BIRTH>
   <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1958</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
   <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1955</FROM_YEAR><TO_YEAR>1957</TO_YEAR>
   </INDIVIDUAL_DATE_OF_BIRTH>
   <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER> P123</NUMBER></INDIVIDUAL_DOCUMENT>
   <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT><NUMBER>N9</NUMBER>
   </INDIVIDUAL_DOCUMENT>
   <INDIVIDUAL_DOCUMENT/>
  </INDIVIDUAL>
  <INDIVIDUAL><DATAID>2</DATAID><FIRST_NAME>YOLA</FIRST_NAME><SECOND_NAME>VESK</SECOND_NAME>
   <REFERENCE_NUMBER>XXi.002</REFERENCE_NUMBER><LISTED_ON>2012-02-03</LISTED_ON><COMMENTS1/>
   <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1970</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
  </INDIVIDUAL>
 </INDIVIDUALS>
 <ENTITIES>
  <ENTITY><DATAID>3</DATAID><FIRST_NAME>ACME FRONT LTD</FIRST_NAME><REFERENCE_NUMBER>XXe.001</REFERENCE_NUMBER>
   <LISTED_ON>2013-01-01</LISTED_ON><COMMENTS1>Invented.</COMMENTS1>
   <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>ACME</ALIAS_NAME></ENTITY_ALIAS>
  </ENTITY>
 </ENTITIES>
</CONSOLIDATED_LIST>
"""

OFAC_XML = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="https://example.invalid/ofac">
  <publshInformation><Publish_Date>01/01/2030</Publish_Date><Record_Count>2</Record_Count></publshInformation>
  <sdnEntry><uid>10</uid><firstName>Ivo</firstName><lastName>PLINK</lastName><sdnType>Individual</sdnType>
    <programList><program>P1</program><program>P2</program></programList>
    <idList>
      <id><uid>1</uid><idType>Passport</idType><idNumber>X1</idNumber></id>
      <id><uid>2</uid><idType>Gender</idType><idNumber>Male</idNumber></id>
      <id><uid>3</uid><idType>Secondary sanctions risk:</idType><idNumber>Some text</idNumber></id>
    </idList>
    <akaList><aka><uid>5</uid><type>a.k.a.</type><lastName>PLYNK</lastName><firstName>Iwo</firstName></aka>
      <aka><uid>6</uid><type>a.k.a.</type><lastName>PLINQ</lastName></aka></akaList>
    <dateOfBirthList>
      <dateOfBirthItem><uid>4696</uid><dateOfBirth>1962</dateOfBirth><mainEntry>true</mainEntry></dateOfBirthItem>
      <dateOfBirthItem><uid>4697</uid><dateOfBirth>1966</dateOfBirth><mainEntry>false</mainEntry></dateOfBirthItem>
    </dateOfBirthList>
  </sdnEntry>
  <sdnEntry><uid>11</uid><lastName>GLOBEX TRADING</lastName><sdnType>Entity</sdnType>
    <programList><program>P1</program></programList></sdnEntry>
</sdnList>
"""

CANADA_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<data-set>
  <record><Country>Atlantis</Country><LastName>Quorp</LastName><GivenName>Zed</GivenName>
    <DateOfBirthOrShipBuildDate>1971-05</DateOfBirthOrShipBuildDate><Aliases>Zed Kworp, Z. Quorp</Aliases>
    <Schedule>1, Part 1</Schedule><Item>1</Item><DateOfListing>2020-09-28</DateOfListing></record>
  <record><Country>Atlantis</Country><EntityOrShip>Sea Cow</EntityOrShip><DateOfBirthOrShipBuildDate>1999
    </DateOfBirthOrShipBuildDate><ShipIMONumber>1234567</ShipIMONumber><Item>2</Item>
    <DateOfListing>2020-09-28</DateOfListing></record>
  <record><Country>Atlantis</Country><EntityOrShip>Globex</EntityOrShip><Item>3</Item>
    <DateOfListing>2020-09-28</DateOfListing></record>
</data-set>
"""


def values(loaded, column):
    return [None if v is None or v != v else v for v in loaded.frame[column].astype(object).tolist()]


# --- known XML formats -------------------------------------------------------------------------

def test_un_consolidated_one_row_per_subject(write):
    loaded = load(write("un.xml", UN_XML))
    assert loaded.facts.format == "xml:un_consolidated"
    assert values(loaded, "subject_type") == ["Individual", "Individual", "Entity"]
    assert values(loaded, "reference") == ["XXi.001", "XXi.002", "XXe.001"]
    # name parts joined in published order, each as written (stray spaces are NM06's to report)
    assert values(loaded, "full_name") == [" ZED  QUORP", "YOLA VESK", "ACME FRONT LTD"]
    assert values(loaded, "listing_reason") == ["Invented reason.", None, "Invented."]
    assert values(loaded, "listed_on") == ["2011-02-03", "2012-02-03", "2013-01-01"]
    # the cell holds the first value, multi every value, in order
    assert values(loaded, "birth_date") == ["1961-04-05", "1970", None]
    assert loaded.multi["birth_date"].to_pylist() == [
        ["1961-04-05", "Approximately 1958", "1955 to 1957"], ["1970"], []]
    assert loaded.multi["birth_date_type"].to_pylist()[0] == ["EXACT", "APPROXIMATELY", "BETWEEN"]
    assert loaded.multi["passport"].to_pylist() == [[" P123"], [], []]
    assert loaded.multi["national_id"].to_pylist() == [["N9"], [], []]
    assert loaded.multi["nationality"].to_pylist()[0] == ["Atlantis", "Utopia"]
    # an empty <ALIAS_NAME/> placeholder is not an alias
    assert loaded.multi["aliases"].to_pylist() == [["Zed Q."], [], ["ACME"]]
    assert any("2 INDIVIDUAL, 1 ENTITY" in n for n in loaded.notes)


def test_ofac_sdnlist_with_namespace(write):
    loaded = load(write("ofac.xml", OFAC_XML))
    assert loaded.facts.format == "xml:ofac_sdnlist"
    assert values(loaded, "full_name") == ["Ivo PLINK", "GLOBEX TRADING"]
    assert values(loaded, "subject_type") == ["Individual", "Entity"]
    # uid and mainEntry sit beside dateOfBirth and are not dates
    assert loaded.multi["birth_date"].to_pylist() == [["1962", "1966"], []]
    assert loaded.multi["passport"].to_pylist() == [["X1"], []]
    assert loaded.multi["gender"].to_pylist() == [["Male"], []]
    assert loaded.multi["aliases"].to_pylist() == [["Iwo PLYNK", "PLINQ"], []]
    assert loaded.multi["identifiers"].to_pylist()[0] == [
        "Passport: X1", "Gender: Male", "Secondary sanctions risk:: Some text"]
    assert loaded.multi["program"].to_pylist() == [["P1", "P2"], ["P1"]]


def test_canada_build_dates_are_not_birth_dates(write):
    loaded = load(write("sema.xml", CANADA_XML))
    assert loaded.facts.format == "xml:canada_sema"
    assert values(loaded, "subject_type") == ["Individual", "Ship", "Entity"]
    assert values(loaded, "full_name") == ["Zed Quorp", "Sea Cow", "Globex"]
    assert values(loaded, "birth_date") == ["1971-05", None, None]
    assert values(loaded, "ship_build_date")[1].strip() == "1999"
    assert loaded.multi["aliases"].to_pylist() == [["Zed Kworp", "Z. Quorp"], [], []]


def test_known_xml_maps_to_canonical_fields(write):
    ctx, _ = check_path(write("un.xml", UN_XML), Settings(select=["DB01"]))
    mapping = ctx.mapping.as_dict()
    assert mapping["full_name"] == "full_name"
    assert mapping["birth_date"] == "birth_date"
    assert mapping["entry_date"] == "listed_on"
    assert mapping["national_id"] == "national_id"
    assert set(ctx.multi) >= {"birth_date", "national_id"}


# --- any other XML ---------------------------------------------------------------------------

GENERIC_XML = """<?xml version="1.0"?>
<export><meta><made>2030</made></meta>
  <people>
    <person id="7"><name><given>Ana</given><family>Soto</family></name><dob>1980-01-02</dob></person>
    <person id="8"><name><given>Bo</given><family>Lind</family></name><dob>1981-01-02</dob><dob>1982</dob></person>
  </people>
</export>
"""


def test_generic_xml_guesses_the_record_and_flattens_paths(write):
    loaded = load(write("x.xml", GENERIC_XML))
    assert loaded.facts.format == "xml"
    assert list(loaded.frame.columns) == ["name.given", "name.family", "dob", "@id"]
    assert values(loaded, "name.family") == ["Soto", "Lind"]
    assert values(loaded, "@id") == ["7", "8"]
    assert loaded.multi["dob"].to_pylist() == [["1980-01-02"], ["1981-01-02", "1982"]]
    assert any("people/person" in n for n in loaded.notes)


def test_record_path_chooses_the_records(write):
    path = write("x.xml", GENERIC_XML)
    assert values(load(path, record_path="export/people/person/name"), "family") == ["Soto", "Lind"]
    assert values(load(path, record_path="name"), "given") == ["Ana", "Bo"]
    with pytest.raises(LoadError, match="matches no element"):
        load(path, record_path="nobody")


def test_record_path_on_the_command_line_and_in_config(write, run_cli, in_tmp):
    path = write("x.xml", GENERIC_XML)
    result = run_cli("columns", path, "--record-path", "people/person", "--map", "dob=birth_date")
    assert result.exit_code == 0, result.stderr
    assert "dob" in result.stdout and "birth_date" in result.stdout
    (in_tmp / "dbhygiene.toml").write_text('record-path = "nowhere/at/all"\n')
    result = run_cli("check", path)
    assert result.exit_code == 2
    assert "--record-path 'nowhere/at/all' matches no element" in error_line(result)


def test_html_is_still_refused(write):
    with pytest.raises(LoadError, match="HTML"):
        load(write("x.html", "<html><body><table><tr><td>1</td></tr></table></body></html>"))


@pytest.mark.parametrize("text", ["<list><a>1</a><a>2</list>", "<list><a>1</a>", "<?xml version='1.0'?>"])
def test_malformed_xml_is_a_load_error(write, text):
    path = write("x.xml", text)
    with pytest.raises(LoadError) as info:
        load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


# --- XML bombs: refused before expansion; each run capped in a child process ----------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<list><person><name>&lol9;</name></person><person><name>x</name></person></list>
"""

BOMBS = {
    "billion_laughs": BILLION_LAUGHS,
    "quadratic_blowup": ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "' + "x" * 50_000 + '">]>\n<r><p><n>'
                         + "&a;" * 20_000 + "</n></p><p><n>y</n></p></r>"),
    "external_entity_file": ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                             "<r><p><n>&x;</n></p><p><n>y</n></p></r>"),
    "external_entity_url": ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>\n'
                            "<r><p><n>&x;</n></p><p><n>y</n></p></r>"),
    "parameter_entity_dtd": ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % d SYSTEM "http://127.0.0.1:9/d.dtd"> %d;]>\n'
                             "<r><p><n>a</n></p><p><n>y</n></p></r>"),
    "deep_nesting": "<r>" + "<a>" * 100_000 + "</a>" * 100_000 + "</r>",
}

CAPPED_RUN = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))   # 1 GiB of address space
    resource.setrlimit(resource.RLIMIT_CPU, (30, 30))             # 30 s of CPU
    sys.argv = ["dbhygiene", "check", sys.argv[1], "--profile", "generic"]
    from dbhygiene.cli import main
    main()
""")


@pytest.mark.parametrize("case", list(BOMBS))
def test_xml_bomb_is_an_input_error(tmp_path, case):
    path = tmp_path / f"{case}.xml"
    path.write_text(BOMBS[case], encoding="utf-8")
    before = path.read_bytes()
    result = subprocess.run([sys.executable, "-c", CAPPED_RUN, str(path)], capture_output=True, text=True,
                            timeout=120, env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert result.returncode == 2, (result.returncode, result.stderr[-500:])
    line = error_line(result)
    assert str(path) in line
    assert "refused" in line
    assert "root:" not in result.stdout + result.stderr  # /etc/passwd never read into the output
    assert path.read_bytes() == before


# --- nested JSON -------------------------------------------------------------------------------

def test_json_pages_are_concatenated(write):
    pages = [[{"name": "A", "n": 1}, {"name": "B", "n": 2}], [{"name": "C", "n": 3}], []]
    loaded = load(write("pages.json", json.dumps(pages)))
    assert values(loaded, "name") == ["A", "B", "C"]
    assert any("3 pages" in n for n in loaded.notes)


def test_json_records_found_under_nested_keys(write):
    doc = {"meta": {"total": 2}, "_embedded": {"notices": [{"id": "1"}, {"id": "2"}]}}
    loaded = load(write("x.json", json.dumps(doc)))
    assert values(loaded, "id") == ["1", "2"]
    assert any("_embedded.notices" in n for n in loaded.notes)


def test_json_with_several_lists_needs_record_path(write):
    doc = {"people": [{"id": "1"}], "ships": [{"id": "9"}, {"id": "8"}]}
    path = write("x.json", json.dumps(doc))
    with pytest.raises(LoadError, match=r"\(people, ships\); choose one with --record-path"):
        load(path)
    assert values(load(path, record_path="ships"), "id") == ["9", "8"]
    with pytest.raises(LoadError, match="no key 'boats'"):
        load(path, record_path="boats")


def test_json_nested_objects_and_lists_flattened_by_the_rule(write):
    records = """[
        {"name": "A", "dobs": ["1970-01-01", "1971-01-01"], "_links": {"self": {"href": "u1"}},
         "warrants": [{"country": "XA", "charge": "Fraud"}, {"country": "XB", "charge": "Theft"}], "n": 1.50},
        {"name": "B", "dobs": [], "_links": {"self": {"href": "u2"}}, "warrants": [{"charge": "Arson"}],
         "n": null}
    ]"""
    loaded = load(write("x.json", records))
    assert list(loaded.frame.columns) == ["name", "dobs", "_links.self.href", "warrants.country",
                                          "warrants.charge", "n"]
    assert values(loaded, "dobs") == ["1970-01-01", None]
    assert values(loaded, "warrants.charge") == ["Fraud", "Arson"]
    assert values(loaded, "n") == ["1.50", None]
    assert loaded.multi["dobs"].to_pylist() == [["1970-01-01", "1971-01-01"], []]
    assert loaded.multi["warrants.charge"].to_pylist() == [["Fraud", "Theft"], ["Arson"]]
    assert loaded.multi["warrants.country"].to_pylist() == [["XA", "XB"], []]
    assert set(loaded.multi) == {"dobs", "warrants.country", "warrants.charge"}  # scalars are not lists


def test_build_frame_keeps_every_value_and_drops_blanks():
    frame, multi, notes = build_frame([{"a": ["x", "", "y"]}, {"a": []}, {"b": ["z"]}], list_valued={"a"})
    assert frame["a"].astype(object).tolist()[:1] == ["x"]
    assert multi["a"].type == pa.list_(pa.string())
    assert multi["a"].to_pylist() == [["x", "y"], [], []]
    assert "b" not in multi
    assert "a (up to 2)" in notes[0]


# --- DB09 reads every value ----------------------------------------------------------------------

def test_db09_redacts_values_unless_show_pii(write):
    path = write("x.json", json.dumps([{"name": "ZED QUORP", "birth_date": ["1970-01-18", "12 March 1965"]}]))
    _, result = check_path(path, Settings(select=["DB09"]))
    (finding,) = result.findings
    assert finding.message == "2 different birth dates: 1970-**-**; ** ** 1965"
    _, result = check_path(path, Settings(select=["DB09"], show_pii=True))
    assert result.findings[0].message == "2 different birth dates: 1970-01-18; 12 March 1965"


def test_db09_on_xml_uses_all_dates_of_birth(write):
    _, result = check_path(write("un.xml", UN_XML), Settings(select=["DB09"], show_pii=True))
    (finding,) = result.findings
    # 1961-04-05 does not fall in "Approximately 1958" nor in 1955-1957
    assert finding.row == 1
    assert finding.message == "3 different birth dates: 1961-04-05; Approximately 1958; 1955 to 1957"
    assert result.stats["DB09"] == {"records_with_several_birth_dates": 1, "conflicting": 1}


def test_db09_runs_on_people_only_with_their_own_lists(write):
    # the entity's two "dates" (foundation years) are not a person's; the subset keeps the lists aligned
    doc = json.dumps([
        {"name": "ACME LTD", "type": "entity", "birth_date": ["1990", "2001"]},
        {"name": "ZED QUORP", "type": "individual", "birth_date": ["1970-01-18", "1965-03-29"]},
        {"name": "YOLA VESK", "type": "individual", "birth_date": ["1979-05-12"]},
    ])
    _, result = check_path(write("x.json", doc), Settings(select=["DB09"], show_pii=True,
                                                          columns={"subject_type": "type"}))
    assert [(f.row, f.message) for f in result.findings] == [(2, "2 different birth dates: 1970-01-18; 1965-03-29")]


# --- multi-table datasets: --join and Frictionless data packages -------------------------------------

def _tables(write):
    main = write("people.csv", "pid,name\nP1,ZED QUORP\nP2,YOLA VESK\nP3,ACME LTD\n")
    dobs = write("dobs.csv", "pid,birth_date\nP2,1979-05-12\nP1,1970-01-18\nP1,1965-03-29\nP9,1990-01-01\nP1,\n")
    return main, dobs


def test_join_makes_child_columns_list_valued(write):
    from dbhygiene.load.package import load_dataset

    main, dobs = _tables(write)
    loaded = load_dataset(main, [str(dobs)], "pid")
    assert values(loaded, "name") == ["ZED QUORP", "YOLA VESK", "ACME LTD"]
    assert values(loaded, "birth_date") == ["1970-01-18", "1979-05-12", None]
    assert loaded.multi["birth_date"].to_pylist() == [["1970-01-18", "1965-03-29"], ["1979-05-12"], []]
    note = next(n for n in loaded.notes if n.startswith("joined dobs.csv"))
    assert "4 row(s) onto 2 subject(s)" in note and "1 row(s) match no subject" in note


def test_join_on_the_command_line_feeds_db09(write, run_cli, in_tmp):
    main, dobs = _tables(write)
    result = run_cli("check", main, "--join", dobs, "--join-on", "pid", "--select", "DB09", "--show-pii")
    assert result.exit_code == 0, result.stderr  # DB09 is a warning
    assert "row 1: 2 different birth dates: 1970-01-18; 1965-03-29" in result.stdout
    result = run_cli("check", main, "--join", dobs)
    assert result.exit_code == 2 and "--join needs --join-on" in error_line(result)
    result = run_cli("check", main, "--join", dobs, "--join-on", "nope")
    assert result.exit_code == 2 and "no key column 'nope'" in error_line(result)


def test_data_package_joins_by_foreign_keys(write):
    from dbhygiene.load.package import load_dataset

    main, dobs = _tables(write)
    package = write("datapackage.json", json.dumps({"resources": [
        {"name": "dobs", "path": "dobs.csv",
         "schema": {"foreignKeys": [{"fields": "pid", "reference": {"resource": "people", "fields": "pid"}}]}},
        {"name": "people", "path": "people.csv"},
    ]}))
    loaded = load_dataset(package)
    assert loaded.facts.path == str(main)
    assert loaded.multi["birth_date"].to_pylist()[0] == ["1970-01-18", "1965-03-29"]
    assert "data package" in loaded.notes[0]


@pytest.mark.parametrize("bad", ["../outside.csv", "/etc/passwd", "https://example.invalid/x.csv"])
def test_data_package_paths_stay_in_the_folder(write, bad):
    from dbhygiene.load.package import load_dataset

    package = write("pkg/datapackage.json", json.dumps({"resources": [{"name": "x", "path": bad}]}))
    with pytest.raises(LoadError, match="relative local path|leaves the package"):
        load_dataset(package)


def test_id07_compares_every_passport_of_a_record(write):
    # the shared number is each record's second passport: only the lists reveal it
    doc = json.dumps([
        {"name": "ZED QUORP", "passport": ["A111", "X999"]},
        {"name": "YOLA VESK", "passport": ["B222", "X999"]},
        {"name": "ACME ONE", "passport": ["C333", "C333"]},
    ])
    path = write("x.json", doc)
    _, result = check_path(path, Settings(select=["ID07"], show_pii=True))
    assert sorted((f.row, f.related_rows) for f in result.findings) == [(1, (1, 2))]
    assert "Passport X999 is shared by 2 records" in result.findings[0].message
    _, result = check_path(path, Settings(select=["ID07"]))
    assert "X999" not in result.findings[0].message  # redacted like any passport


def test_a_range_of_two_full_dates_is_one_interval_not_two_dates(write):
    """OFAC writes 'DOB 01 Jan 1961 to 31 Dec 1962': one range (no DB09), while two dates listed as
    alternatives still conflict."""
    text = ("nombre;fecha nacimiento\nA B;01 Jan 1961 to 31 Dec 1962\nC D;01 Jan 1961, 31 Dec 1962\n"
            "E F;1.1.1960 - 31.12.1961\n")
    path = write("x.csv", text)
    _, result = check_path(path, Settings(select=["DB09"], show_pii=True))
    assert [f.row for f in result.findings] == [2]
