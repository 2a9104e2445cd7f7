"""Configuration: discovery from the working directory upward, validation, CLI precedence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import error_line

from dbhygiene.cli import build_settings
from dbhygiene.config import find_config, read_config
from dbhygiene.errors import ConfigError

DUPLICATED = "nombre;dni;legajo\nPEREZ, JUAN;20123456;1\nGOMEZ, ANA;21987654;2\nPEREZ, JUAN;20123456;3\n"


def settings(**overrides):
    args = dict(config_path=None, profile=None, maps=(), date_format=None, as_of=None, sheet=None,
                encoding=None, delimiter=None)
    args.update(overrides)
    return build_settings(**args)


def test_nearest_config_wins(tmp_path, monkeypatch):
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (tmp_path / "dbhygiene.toml").write_text('profile = "generic"\n')
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.dbhygiene]\nprofile = "ar"\n')
    monkeypatch.chdir(deep)
    assert find_config() == (tmp_path / "a" / "pyproject.toml").resolve()
    assert settings().profile == "ar"
    (deep / "dbhygiene.toml").write_text('fail-on = "warning"\n')
    assert find_config() == (deep / "dbhygiene.toml").resolve()
    assert settings().fail_on == "warning" and settings().profile == "generic"


def test_pyproject_without_tool_table_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "dbhygiene.toml").write_text('profile = "ar"\n')
    inner = tmp_path / "proj"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    monkeypatch.chdir(inner)
    assert find_config() == (tmp_path / "dbhygiene.toml").resolve()


def test_dbhygiene_toml_beats_pyproject_in_the_same_folder(tmp_path, monkeypatch):
    (tmp_path / "dbhygiene.toml").write_text('profile = "generic"\n')
    (tmp_path / "pyproject.toml").write_text('[tool.dbhygiene]\nprofile = "ar"\n')
    monkeypatch.chdir(tmp_path)
    assert settings().profile == "generic"


def test_no_config_gives_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = settings()
    assert (s.profile, s.fail_on, s.select, s.as_of) == ("generic", "error", ["ALL"], dt.date.today())


def test_cli_overrides_config(tmp_path, monkeypatch):
    (tmp_path / "dbhygiene.toml").write_text(
        'profile = "ar"\nfail-on = "warning"\nas-of = 2020-05-01\nselect = ["DU01"]\ndelimiter = "tab"\n'
        '[columns]\nnational_id = "legajo"\n')
    monkeypatch.chdir(tmp_path)
    from_file = settings()
    assert (from_file.profile, from_file.fail_on, from_file.as_of, from_file.select, from_file.delimiter) == (
        "ar", "warning", dt.date(2020, 5, 1), ["DU01"], "\t")
    assert from_file.columns == {"national_id": "legajo"}
    cli = settings(profile="generic", fail_on="never", as_of="2021-01-02", select=("LD01",), delimiter=";",
                   maps=("dni=national_id",))
    assert (cli.profile, cli.fail_on, cli.as_of, cli.select, cli.delimiter) == (
        "generic", "never", dt.date(2021, 1, 2), ["LD01"], ";")
    assert cli.columns == {"national_id": "dni"}


def test_config_fail_on_drives_exit_code(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text(DUPLICATED.replace(";3\n", ";1\n"))  # an exact copy of row 1
    assert run_cli("check", "x.csv", "--select", "DU01").exit_code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.dbhygiene]\nfail-on = "warning"\n')
    assert run_cli("check", "x.csv", "--select", "DU01").exit_code == 1
    assert run_cli("check", "x.csv", "--select", "DU01", "--fail-on", "never").exit_code == 0


@pytest.mark.parametrize("table", ["DU01", "du01", "exact-duplicate-record"])
def test_rule_options_by_code_or_name(tmp_path, monkeypatch, run_cli, table):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text(DUPLICATED)
    # legajo is not a recognised field, so by default the copies differ in it: no DU01
    base = json.loads(run_cli("check", "x.csv", "--select", "DU01", "-f", "json",
                              "--map", "legajo=record_id").stdout)
    assert base["summary"]["by_rule"] == {"DU01": 1}
    (tmp_path / "dbhygiene.toml").write_text(f'[rules.{table}]\nignore_fields = []\n')
    configured = json.loads(run_cli("check", "x.csv", "--select", "DU01", "-f", "json",
                                    "--map", "legajo=record_id").stdout)
    assert configured["summary"]["by_rule"] == {}


@pytest.mark.parametrize(("toml", "needle"), [
    ('colour = "red"\n', "unknown key 'colour'"),
    ('profile = \n', "not valid TOML"),
    ('select = "DU01"\n', "'select' has the wrong type"),
    ('select = [1]\n', "'select'"),
    ('fail-on = "sometimes"\n', "fail-on"),
    ('[rules.DU01]\nno_such_option = 1\n', "unknown option 'no_such_option'"),
    ('[rules.DU01]\ntrim_whitespace = "yes"\n', "trim_whitespace"),
    ('[rules.XX99]\nx = 1\n', "names no rule"),
    ('[rules]\nDU01 = 3\n', "table of options"),
    ('[rules.DU01]\ntrim_whitespace = true\n[rules.exact-duplicate-record]\ntrim_whitespace = false\n', "twice"),
    ('[columns]\nnational_id = 3\n', "[columns]"),
    ('[columns]\nnational_id = "NO SUCH COLUMN"\n', "NO SUCH COLUMN"),
    ('delimiter = "semicolon"\n', "delimiter"),
    ('as-of = "yesterday"\n', "as-of"),
    ('profile = "atlantis"\n', "atlantis"),
])
@pytest.mark.parametrize("where", ["dbhygiene.toml", "pyproject.toml", "--config"])
def test_bad_config_is_one_line_and_exit_2(tmp_path, monkeypatch, run_cli, toml, needle, where):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text(DUPLICATED)
    if where == "pyproject.toml":
        body = "[tool.dbhygiene]\n" + toml.replace("[rules", "[tool.dbhygiene.rules").replace(
            "[columns]", "[tool.dbhygiene.columns]")
        (tmp_path / "pyproject.toml").write_text(body)
        args = []
    elif where == "dbhygiene.toml":
        (tmp_path / "dbhygiene.toml").write_text(toml)
        args = []
    else:
        (tmp_path / "settings").mkdir()
        (tmp_path / "settings" / "custom.toml").write_text(toml)
        args = ["--config", "settings/custom.toml"]
    result = run_cli("check", "x.csv", *args)
    assert result.exit_code == 2, result.stdout
    assert needle in error_line(result)


def test_broken_unrelated_pyproject_is_ignored(tmp_path, monkeypatch):
    (tmp_path / "dbhygiene.toml").write_text('profile = "ar"\n')
    inner = tmp_path / "proj"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project\nname = "x"\n')
    monkeypatch.chdir(inner)
    assert find_config() == (tmp_path / "dbhygiene.toml").resolve()


def test_read_config_pyproject_section_only(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n[tool.dbhygiene]\nprofile = "ar"\n[tool.other]\ncolour = 1\n')
    assert read_config(path) == {"profile": "ar"}


def test_unknown_rule_option_detected_even_when_rule_not_selected(tmp_path):
    path = tmp_path / "dbhygiene.toml"
    path.write_text('select = ["LD01"]\n[rules.DU01]\nignore_feilds = ["record_id"]\n')
    with pytest.raises(ConfigError, match="ignore_feilds"):
        read_config(path)


def test_config_search_passes_over_a_folder_it_may_not_look_into(tmp_path, monkeypatch):
    """Run from inside a folder this user cannot search (a 0700 checkout owned by root, seen by
    another user), the search for dbhygiene.toml goes on upward instead of crashing with
    'internal error'. As root no folder refuses us, so the refusal is simulated at the one call."""
    (tmp_path / "dbhygiene.toml").write_text('fail-on = "warning"\n')
    locked = tmp_path / "locked"
    (locked / "inner").mkdir(parents=True)
    real_is_file = Path.is_file

    def is_file(self):
        if locked in (self.parent, *self.parent.parents) and self.parent != tmp_path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    assert find_config(locked / "inner") == (tmp_path / "dbhygiene.toml").resolve()
