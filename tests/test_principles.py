"""The verdict model as data: rules/principles.yml and each rule's `requirements:`."""

import re
import shutil

import pytest
import yaml

from dbhygiene import catalogue as cat
from dbhygiene.errors import CatalogueError
from dbhygiene.principles import load_principles, parse_principles

REQUIREMENT_IDS = ["lawful-categories", "accuracy", "identity-integrity", "currency-review", "children",
                   "minimum-identifiers", "file-protection"]


def test_principle_six_is_broken_into_the_agreed_requirements():
    principles = load_principles()
    assert list(principles.requirements) == REQUIREMENT_IDS
    for req in principles.requirements.values():
        assert req.statement.endswith(".") and len(req.statement) < 220
        assert req.legal_anchors


def test_anchors_never_cite_an_unverifiable_sub_paragraph():
    anchors = [a for r in load_principles().requirements.values() for a in r.legal_anchors]
    for anchor in anchors:
        assert not re.search(r"art\. \d+\s*\(|para(graph)?s?\.? \d", anchor), anchor


def test_every_principle_the_catalogue_cites_has_a_statement():
    principles = load_principles()
    for spec in cat.load_catalogue().values():
        for number in spec.principles:
            assert principles.principles[number].statement


def test_every_rule_names_known_requirements():
    known = set(load_principles().requirements)
    for spec in cat.load_catalogue().values():
        assert set(spec.requirements) <= known
        assert spec.requirements or spec.shape == "notice", spec.code


@pytest.fixture
def rules_copy(tmp_path, monkeypatch):
    src = cat.rules_dir()
    dst = tmp_path / "rules"
    shutil.copytree(src, dst)
    monkeypatch.setattr(cat, "rules_dir", lambda: dst)
    cat.load_catalogue.cache_clear()
    load_principles.cache_clear()
    yield dst
    cat.load_catalogue.cache_clear()
    load_principles.cache_clear()


def _edit(path, **changes):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_copied_catalogue_loads(rules_copy):
    assert "MN01" in cat.load_catalogue()


def test_unknown_requirement_is_a_catalogue_error(rules_copy):
    _edit(rules_copy / "catalogue" / "MN01.yml", requirements=["children", "childrn"])
    with pytest.raises(CatalogueError, match=r"MN01.yml: unknown requirement\(s\) \['childrn'\]"):
        cat.load_catalogue()


def test_missing_requirements_key_is_a_catalogue_error(rules_copy):
    _edit(rules_copy / "catalogue" / "DB01.yml", requirements=None)
    with pytest.raises(CatalogueError, match="DB01.yml: missing keys .*requirements"):
        cat.load_catalogue()


def test_empty_requirements_only_for_notices(rules_copy):
    _edit(rules_copy / "catalogue" / "NM01.yml", requirements=[])
    with pytest.raises(CatalogueError, match="NM01.yml: 'requirements' names no"):
        cat.load_catalogue()


def test_uncited_principle_is_a_catalogue_error(rules_copy):
    _edit(rules_copy / "catalogue" / "NM01.yml", principles=[6, 9])
    with pytest.raises(CatalogueError, match=r"principle\(s\) \[9\] have no statement"):
        cat.load_catalogue()


def test_principles_file_is_validated():
    with pytest.raises(CatalogueError, match="requirement accuracy listed twice"):
        parse_principles({"principles": {}, "requirements": [
            {"id": "accuracy", "title": "A", "statement": "S.", "legal_anchors": ["x"]},
            {"id": "accuracy", "title": "A", "statement": "S.", "legal_anchors": ["x"]}]})
    with pytest.raises(CatalogueError, match="lacks"):
        parse_principles({"principles": {}, "requirements": [{"id": "accuracy", "title": "A"}]})
