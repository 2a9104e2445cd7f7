"""Architecture: the import-linter contracts in pyproject.toml hold (load -> mapping -> normalise ->
checks/engine -> report, no back-edges; shared helpers import no stage), and no private name
(leading underscore) is imported from one module of the package into another.

Both checks are shown to bite: a copy of the package with a back-edge added breaks the contract, and
a copy with a private cross-module import is caught by the AST check.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "dbhygiene"


def _lint_imports() -> str:
    exe = Path(sys.executable).with_name("lint-imports")
    found = str(exe) if exe.exists() else shutil.which("lint-imports")
    assert found, "lint-imports not found: install the test extra (import-linter>=2)"
    return found


def run_lint_imports(src: Path, config: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(src))
    return subprocess.run([_lint_imports(), "--no-cache", "--no-logo", str(config)], cwd=config.parent, env=env,
                          capture_output=True, text=True, timeout=120)


def private_cross_imports(package: Path) -> list[str]:
    """``from .other import _name`` (or ``from dbhygiene.x import _name``) anywhere in the package,
    and ``other._name`` attribute access on a module imported from the package."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module_aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("dbhygiene")):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        problems.append(f"{path.relative_to(package)}:{node.lineno} imports {alias.name} "
                                        f"from {'.' * node.level}{node.module or ''}")
                    elif node.module is None or alias.name.islower():
                        module_aliases.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("dbhygiene"):
                        module_aliases.add(alias.asname or alias.name.split(".")[0])
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in module_aliases and node.attr.startswith("_") \
                    and not node.attr.startswith("__"):
                problems.append(f"{path.relative_to(package)}:{node.lineno} uses {node.value.id}.{node.attr}")
    return problems


def test_import_contracts_are_kept():
    result = run_lint_imports(ROOT / "src", ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout, result.stdout


def _copy_tree(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "dbhygiene", ignore=shutil.ignore_patterns("__pycache__", "templates"))
    config = tmp_path / "pyproject.toml"
    shutil.copy(ROOT / "pyproject.toml", config)
    return src, config


@pytest.mark.parametrize("module, back_edge", [
    ("load/source.py", "from ..report import Report"),          # load imports the report
    ("mapping.py", "from .normalise import normalise"),           # mapping imports the next stage
    ("engine.py", "from .checks import minors"),                  # the engine imports the checks
    ("checks/names.py", "from ..report.common import grouped"),   # a check imports the report
    ("catalogue.py", "from .mapping import normalise_header"),    # a shared helper imports a stage
])
def test_a_back_edge_breaks_the_contract(tmp_path, module, back_edge):
    src, config = _copy_tree(tmp_path)
    target = src / "dbhygiene" / module
    text = target.read_text(encoding="utf-8")
    anchor = "from __future__ import annotations\n"
    assert anchor in text
    target.write_text(text.replace(anchor, anchor + back_edge + "  # noqa\n", 1), encoding="utf-8")
    result = run_lint_imports(src, config)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout


def test_no_private_name_crosses_modules():
    assert private_cross_imports(PACKAGE) == []


def test_the_private_import_check_bites(tmp_path):
    pkg = tmp_path / "dbhygiene"
    (pkg / "checks").mkdir(parents=True)
    (pkg / "checks" / "a.py").write_text("from ..normalise import _arrow, strip\n", encoding="utf-8")
    (pkg / "b.py").write_text("from . import textops\nx = textops._large(1)\nfrom .c import __all__\n",
                              encoding="utf-8")
    (pkg / "c.py").write_text("import dbhygiene.textops as t\nt._large\nfrom .d import _private as public\n",
                              encoding="utf-8")
    problems = private_cross_imports(pkg)
    assert len(problems) == 4, problems
    assert any("_arrow" in p for p in problems)
    assert any("textops._large" in p for p in problems)
    assert any("t._large" in p for p in problems)
    assert any("_private" in p for p in problems)
