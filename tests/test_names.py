"""Edge cases of the name-anomaly rules (NM01-NM06)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from dbhygiene.api import Settings, check_path
from dbhygiene.cli import cli

AS_OF = dt.date(2026, 11, 22)


def rows_flagged(tmp_path, names: list[str], code: str, header: str = "nombre;dni", **kw) -> list[int]:
    path = tmp_path / "names.csv"
    body = "\n".join(f'"{n}";{20000000 + i}' for i, n in enumerate(names))
    path.write_bytes((header + "\n" + body + "\n").encode("utf-8"))
    _, result = check_path(path, Settings(select=[code], as_of=AS_OF, **kw))
    assert not result.crashed, result.crashed
    return [f.row for f in result.findings if f.rule == code]


@pytest.mark.parametrize(("code", "bad", "good"), [
    ("NM01", ["PEREZ 2, JUAN", "G0MEZ ANA", "ANA 20123456"], ["PÉREZ, JUAN", "O'BRIEN, ANA", "D'ALESSIO-RUIZ, EVA"]),
    ("NM02", ["GONZALEZ", "Pérez", "  ÑUÑEZ  "], ["PEREZ JUAN", "M. G.", "DE LA CRUZ, ANA", ""]),
    ("NM03", ["M. G.", "J.P.", "a b c", "M"], ["PEREZ, J.", "JUAN C. PEREZ", "GONZALEZ"]),
    ("NM04", ["NUÃ‘EZ, JUAN", "JosÃ© PÃ©rez", "MUÃ±OZ, ANA", "CAÃ‘ETE â€“ EVA"], ["NÚÑEZ, JUAN", "José Pérez", "MUÑOZ, ANA"]),
    ("NM05", ["PEREZ,\tJUAN", "GOMEZ\x07 ANA", "DIAZ\x85EVA"], ["PEREZ, JUAN", "GÓMEZ, ANA"]),
    ("NM06", [" PEREZ, JUAN", "GOMEZ, ANA ", "DIAZ,  EVA", "RUIZ\u00a0LEO", "SOSA , EVA"], ["PEREZ, JUAN", "DE LA CRUZ, ANA"]),
])
def test_name_rules_flag_bad_and_spare_good(tmp_path, code, bad, good):
    flagged = rows_flagged(tmp_path, bad + good, code)
    assert flagged == list(range(1, len(bad) + 1))


def test_nm02_surname_only_when_columns_are_split(tmp_path):
    path = tmp_path / "split.csv"
    path.write_text("apellido;nombres;dni\nGONZALEZ;;20123456\nPEREZ;JUAN;21987654\n;ANA;22333444\n")
    _, result = check_path(path, Settings(select=["NM02"], as_of=AS_OF))
    assert [f.row for f in result.findings] == [1, 3]


def test_nm06_message_names_the_kind(tmp_path):
    path = tmp_path / "ws.csv"
    path.write_text('nombre;dni\n" PEREZ,  JUAN";20123456\n')
    _, result = check_path(path, Settings(select=["NM06"], as_of=AS_OF))
    message = result.findings[0].message
    assert "leading space" in message and "repeated spaces" in message and "trailing" not in message


def test_nm06_space_before_comma_is_an_option(tmp_path):
    names = ["SOSA , EVA"]
    assert rows_flagged(tmp_path, names, "NM06") == [1]
    assert rows_flagged(tmp_path, names, "NM06", rule_options={"NM06": {"flag_space_before_comma": False}}) == []


def test_mojibake_read_from_a_cp1252_file(tmp_path):
    """A file saved as cp1252 after a wrong UTF-8 → cp1252 round trip keeps the damage."""
    path = tmp_path / "moji.csv"
    path.write_bytes("nombre;dni\nNUÑEZ, JUAN;20123456\nNUÑEZ, ANA;21987654\n".encode("utf-8").decode("cp1252")
                     .encode("utf-8"))
    _, result = check_path(path, Settings(select=["NM04"], as_of=AS_OF))
    assert [f.row for f in result.findings] == [1, 2]


def test_name_rules_share_one_value_across_rows(tmp_path):
    names = ["GONZALEZ"] * 5 + ["PEREZ JUAN"] * 5
    assert rows_flagged(tmp_path, names, "NM02") == [1, 2, 3, 4, 5]


def test_cli_name_findings_are_warnings_and_redacted(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('nombre;dni\nGONZALEZ;20123456\n"PEREZ 2, JUAN";21987654\n')
    runner = CliRunner()
    result = runner.invoke(cli, ["check", str(path), "--select", "NM", "--as-of", "2026-11-22"])
    assert result.exit_code == 0, result.output  # warnings only, --fail-on error
    assert "NM01" in result.output and "NM02" in result.output
    assert "GONZALEZ" not in result.output and "PEREZ" not in result.output
    result = runner.invoke(cli, ["check", str(path), "--select", "NM", "--fail-on", "warning", "--as-of", "2026-11-22"])
    assert result.exit_code == 1


@pytest.mark.parametrize("letter", list("ÁÍÏÐÝ"))
@pytest.mark.parametrize("replacement", ["?", "\ufffd", ""])
def test_nm04_second_byte_lost_family(letter, replacement):
    """Every letter whose second UTF-8 byte cp1252 leaves undefined, replaced or dropped."""
    from dbhygiene.checks.names import MOJIBAKE

    damaged = letter.encode("utf-8")[:1].decode("cp1252") + replacement
    names = [f"{damaged}LVAREZ, JUAN", f"GARC{damaged}A, ANA", f"PEREZ {damaged}NGEL"]
    hits = pc.match_substring_regex(pa.array(names), MOJIBAKE).to_pylist()
    assert hits == [True, True, True], (letter, replacement, names)


class _Ctx:
    """Just what the name rules read: the frame and the per-run memo."""

    def __init__(self, values):
        import pandas as pd

        self.frame = pd.DataFrame({"full_name": pd.Series(values, dtype="str")})
        self._memo: dict = {}

    def memo(self, namespace):
        return self._memo.setdefault(namespace, {})


# names the byte screen must judge like the patterns: neighbours matter (the screen works on the
# bytes of consecutive names), so "J P" is followed by a name starting with a letter and "GONZALEZ"
# by one ending in a separator
SCREEN_PROBES = ["PEREZ, JUAN", "PEREZ , JUAN", " PEREZ", "PEREZ ", "PEREZ  JUAN", "PEREZ\u00a0JUAN", "PEREZ2",
                 "NUÃ‘EZ", "GARCÃA", "PE\x07REZ", "PEREZ\tJUAN", "JOSÃ©", "MU\ufffdOZ", "GÓMEZ", "", "Ã?LVAREZ",
                 "J P", "PEREZ JUAN", "M.", "GONZALEZ", "-GONZALEZ", ", ÑUÑEZ", "ÑA, JUAN", "Ñ, JUAN", "A1B", "A 12 B",
                 "12", "J.P.", "JUAN C. PEREZ", "É", "ÉL", "DE LA CRUZ, ANA", "A_B", "PÉREZ", None, "X",
                 "NUÂ‘EZ", "NUÅ‘EZ", "DIAZ\x85EVA", "PE\x7fREZ", "CAÃ‘ETE â€“ EVA"]


def test_the_byte_screen_keeps_every_name_a_pattern_flags():
    """NM01/NM04/NM05/NM06 run their patterns only on the records the byte screen kept: for every
    pattern the screened answer equals the pattern run on every name."""
    import numpy as np

    from dbhygiene.checks import names as nm

    ctx = _Ctx(SCREEN_PROBES * 3)
    every = nm.textops.series_arrow(ctx.frame["full_name"])
    for pattern in nm.SCREENED:
        assert np.array_equal(nm._flag(ctx, pattern), nm._matches(every, pattern)), pattern
    kept = ctx.memo("names")["screen"][0]
    assert 0 not in kept and SCREEN_PROBES.index("DE LA CRUZ, ANA") not in kept  # plain names are left out


def test_the_byte_screen_keeps_every_single_word_and_initials_only_name():
    """NM02 and NM03 tokenize only the names that may be one word or initials: their answer equals
    tokenizing every name."""
    import numpy as np

    from dbhygiene.checks import names as nm

    ctx = _Ctx(SCREEN_PROBES * 3)
    tokens = nm._tokens(nm.textops.series_arrow(ctx.frame["full_name"]))
    single = nm._matches(tokens, r"^\S+$") & ~nm._matches(tokens, r"^\w( \w)*$")
    initials = nm._matches(pc.utf8_trim_whitespace(pc.replace_substring_regex(tokens, r"\d+", "")),
                           r"^\p{L}( +\p{L})*$")
    assert np.array_equal(nm.name_single_token(ctx, {}), single)
    assert np.array_equal(nm.name_initials_only(ctx, {}), initials)
    assert single.any() and initials.any()
    kept = ctx.memo("names")["screen"][1]
    assert 0 not in kept and SCREEN_PROBES.index("DE LA CRUZ, ANA") not in kept  # plain names are left out
