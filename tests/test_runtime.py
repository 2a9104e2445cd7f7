"""The command line's own process settings (runtime.tune_memory)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from click.testing import CliRunner
from numpy._core.multiarray import _set_madvise_hugepage
from dbhygiene.cli import cli
before = _set_madvise_hugepage(True)  # numpy's own default at import: huge pages on
result = CliRunner().invoke(cli, ["check", sys.argv[1], "--quiet", "--fail-on", "never"])
assert result.exit_code == 0, result.output
print(_set_madvise_hugepage(True))  # the state the check left
"""


@pytest.mark.parametrize("env, expected", [({}, "False"), ({"NUMPY_MADVISE_HUGEPAGE": "1"}, "True")])
def test_check_turns_numpy_huge_pages_off_unless_the_user_chose(tmp_path, env, expected):
    data = tmp_path / "list.csv"
    data.write_text("nombre;dni;fecha_nacimiento\nJUAN PEREZ;20123456;14/02/1980\n", encoding="utf-8")
    import os

    clean = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    done = subprocess.run([sys.executable, "-c", PROBE, str(data)], capture_output=True, text=True, timeout=120,
                          env={**clean, **env})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
