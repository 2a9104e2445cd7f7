"""Docs come from the catalogue and the CLI; these fail when they drift."""

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

from dbhygiene.catalogue import load_catalogue
from dbhygiene.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_rule_docs", ROOT / "scripts" / "gen_rule_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rule_pages_are_up_to_date():
    gen = _generator()
    for name, text in gen.pages().items():
        path = ROOT / "docs" / "rules" / name
        assert path.is_file(), f"{path} missing: run python scripts/gen_rule_docs.py"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run python scripts/gen_rule_docs.py"


@pytest.mark.parametrize("code", list(load_catalogue()))
def test_rule_command_prints_the_required_sections(code):
    result = CliRunner().invoke(cli, ["rule", code])
    assert result.exit_code == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References"):
        assert heading in result.output
    assert f"({code})" in result.output.splitlines()[0]


def test_rule_command_accepts_names_and_rejects_unknown_codes():
    spec = next(iter(load_catalogue().values()))
    assert CliRunner().invoke(cli, ["rule", spec.name]).exit_code == 0
    result = CliRunner().invoke(cli, ["rule", "ZZ99"])
    assert result.exit_code == 2


@pytest.mark.parametrize("command", ["check", "columns", "rules", "rule", "sample"])
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and len(result.output.splitlines()) > 3
