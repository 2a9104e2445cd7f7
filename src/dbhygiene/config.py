"""Configuration: ``dbhygiene.toml`` or ``[tool.dbhygiene]`` in ``pyproject.toml``, nearest first
from the working directory upward; the command line overrides it. Unknown keys are an error."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from .catalogue import load_catalogue
from .errors import ConfigError
from .findings import SEVERITIES

KEYS = {
    "select": list, "ignore": list, "profile": str, "fail-on": str, "date-format": str, "as-of": (str, dt.date),
    "columns": dict, "rules": dict, "sheet": str, "encoding": str, "delimiter": str,
    "group-by": str,
    "max-input-size": (str, int),
    "record-path": str, "join": list, "join-on": str, "password-env": str,
    "header-row": int, "no-header": bool,
}
FAIL_LEVELS = (*SEVERITIES, "never")


def find_config(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own, pyproject = folder / "dbhygiene.toml", folder / "pyproject.toml"
        try:
            own_here, pyproject_here = own.is_file(), pyproject.is_file()
        except OSError:  # a folder this user may not look into (another user's home): nothing to read there
            continue
        if own_here:
            return own
        if pyproject_here:
            try:
                text = pyproject.read_text(encoding="utf-8")
                data = tomllib.loads(text)
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
                if isinstance(exc, tomllib.TOMLDecodeError) and "dbhygiene" in text:
                    raise ConfigError(f"{pyproject}: not valid TOML ({exc})") from None
                continue  # someone else's broken pyproject: not ours to judge
            if "dbhygiene" in data.get("tool", {}):
                return pyproject
    return None


def read_config(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("dbhygiene", {})
    return validate(data, str(path))


def validate(data: dict, where: str) -> dict[str, Any]:
    for key, value in data.items():
        if key not in KEYS:
            raise ConfigError(f"{where}: unknown key '{key}' (known: {', '.join(sorted(KEYS))})")
        if not isinstance(value, KEYS[key]):
            raise ConfigError(f"{where}: '{key}' has the wrong type ({type(value).__name__})")
    if isinstance(data.get("header-row"), bool) or data.get("header-row", 1) < 1:
        raise ConfigError(f"{where}: header-row must be a row number, 1 or more")
    if "fail-on" in data and data["fail-on"] not in FAIL_LEVELS:
        raise ConfigError(f"{where}: fail-on must be one of {', '.join(FAIL_LEVELS)}")
    catalogue = load_catalogue()
    by_name = {spec.name: code for code, spec in catalogue.items()}
    rules = {}
    for ref, options in data.get("rules", {}).items():
        code = ref.upper() if ref.upper() in catalogue else by_name.get(ref)
        if code is None:
            raise ConfigError(f"{where}: [rules.{ref}] names no rule")
        if not isinstance(options, dict):
            raise ConfigError(f"{where}: [rules.{ref}] must be a table of options")
        spec = catalogue[code]
        for key, value in options.items():
            if key not in spec.options:
                known = ", ".join(spec.options) or "none"
                raise ConfigError(f"{where}: [rules.{ref}] unknown option '{key}' (options of {code}: {known})")
            spec.options[key].coerce(value, f"{where}: [rules.{ref}]")
        if code in rules:
            raise ConfigError(f"{where}: rule {code} is configured twice ([rules.{ref}])")
        rules[code] = options
    if rules:
        data = {**data, "rules": rules}
    for key in ("select", "ignore"):
        if any(not isinstance(v, str) for v in data.get(key, [])):
            raise ConfigError(f"{where}: '{key}' must be a list of rule codes, names or families (text)")
    columns = data.get("columns", {})
    if any(not isinstance(v, str) for v in columns.values()):
        raise ConfigError(f"{where}: [columns] maps a field to a column name (text)")
    return data
