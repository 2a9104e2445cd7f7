"""The rule catalogue, profiles and vocabularies, read from the YAML data in ``rules/``.

The catalogue is data: one YAML per rule under ``rules/catalogue/``. It ships inside the wheel
(``dbhygiene/rules``); in a source checkout the top-level ``rules/`` folder is used.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import CatalogueError, ConfigError
from .findings import SEVERITIES

OPTION_TYPES = {"int": int, "float": (int, float), "str": str, "bool": bool, "list": list}
SHAPES = ("column", "row", "cross", "file", "notice")
# What a rule's hits look like, by shape (the engine holds each rule to it, tests/test_shapes.py):
#   column, row: records judged alone (pos >= 0), or a list-level summary (pos -1); no related records
#   cross:       records judged against other records of the same partition (group_by); may name them
#                (related) or be a list-level summary
#   file:        list-level only (pos -1): a fact about the file, not about any record
#   notice:      no check; the engine writes it (GN01)
# group_by is the partition key of a cross-record rule: derived columns of the normalised frame
# (national_id__norm), or the whole file (all records; all columns for exact duplicates).
WHOLE_FILE_KEYS = ("all records", "all columns")
APPLIES_TO = ("person", "any")  # person: run only on rows that are people when a subject type is mapped


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: about 10x faster start-up


def safe_load(stream):
    """``yaml.safe_load`` through libyaml when the wheel has it (the catalogue is ~50 files)."""
    return yaml.load(stream, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader


def rules_dir() -> Path:
    packaged = Path(__file__).parent / "rules"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[2] / "rules"
    if source.is_dir():
        return source
    raise CatalogueError("rule catalogue not found (neither dbhygiene/rules nor ./rules)")


@dataclass(frozen=True)
class OptionSpec:
    name: str
    type: str
    default: Any
    description: str

    def coerce(self, value: Any, where: str) -> Any:
        expected = OPTION_TYPES[self.type]
        if self.type == "bool" and not isinstance(value, bool):
            raise ConfigError(f"{where}: option '{self.name}' must be true or false, got {value!r}")
        if isinstance(value, bool) and self.type in ("int", "float"):
            raise ConfigError(f"{where}: option '{self.name}' must be a number, got {value!r}")
        if not isinstance(value, expected):
            raise ConfigError(f"{where}: option '{self.name}' must be {self.type}, got {value!r}")
        return value


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    family: str
    severity: str
    shape: str
    summary: str
    rationale: str
    message: str
    principles: tuple[int, ...]
    legal_anchors: tuple[str, ...]
    requires: tuple[str, ...]
    uses: tuple[str, ...]
    group_by: tuple[str, ...]
    options: dict[str, OptionSpec]
    examples: tuple[dict, ...]
    path: Path = field(compare=False)
    requirements: tuple[str, ...] = ()  # principle-6 requirement ids (rules/principles.yml)
    applies_to: str = "person"
    values: tuple[str, ...] = ()  # values the check returns for the message (besides record fields)
    consequences: tuple[str, ...] = ()  # rules whose findings on the same record this one explains

    def defaults(self) -> dict[str, Any]:
        return {name: spec.default for name, spec in self.options.items()}


def _as_tuple(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _parse_rule(path: Path, data: dict) -> RuleSpec:
    where = path.name
    required = ("code", "name", "family", "severity", "shape", "summary", "rationale", "message", "principles",
                "requirements")
    missing = [key for key in required if key not in data]
    if missing:
        raise CatalogueError(f"{where}: missing keys {missing}")
    if data["severity"] not in SEVERITIES:
        raise CatalogueError(f"{where}: severity must be one of {SEVERITIES}")
    if data["shape"] not in SHAPES:
        raise CatalogueError(f"{where}: shape must be one of {SHAPES}")
    if path.stem != data["code"]:
        raise CatalogueError(f"{where}: file name must be the rule code {data['code']}")
    applies_to = data.get("applies_to", "person")
    if applies_to not in APPLIES_TO:
        raise CatalogueError(f"{where}: applies_to must be one of {APPLIES_TO}")
    _check_partition(where, data["shape"], tuple(_as_tuple(data.get("group_by"))), tuple(_as_tuple(data.get("uses"))))
    options = {}
    for name, spec in (data.get("options") or {}).items():
        if spec.get("type") not in OPTION_TYPES:
            raise CatalogueError(f"{where}: option {name} needs a type among {sorted(OPTION_TYPES)}")
        options[name] = OptionSpec(name, spec["type"], spec.get("default"), spec.get("description", ""))
    return RuleSpec(
        code=data["code"],
        name=data["name"],
        family=data["family"],
        severity=data["severity"],
        shape=data["shape"],
        summary=data["summary"].strip(),
        rationale=data["rationale"].strip(),
        message=data["message"].strip(),
        principles=tuple(int(p) for p in _as_tuple(data["principles"])),
        legal_anchors=tuple(_as_tuple(data.get("legal_anchors"))),
        requires=tuple(_as_tuple(data.get("requires"))),
        uses=tuple(_as_tuple(data.get("uses"))),
        group_by=tuple(_as_tuple(data.get("group_by"))),
        options=options,
        examples=tuple(data.get("examples") or ()),
        path=path,
        requirements=tuple(_as_tuple(data["requirements"])),
        applies_to=applies_to,
        values=tuple(_as_tuple(data.get("values"))),
        consequences=tuple(_as_tuple(data.get("consequences"))),
    )


def _check_partition(where: str, shape: str, group_by: tuple, uses: tuple) -> None:
    """A cross-record rule declares its partition key; no other rule has one; keys and used fields exist."""
    from .fields import CANONICAL_FIELDS

    if shape == "cross" and not group_by:
        raise CatalogueError(f"{where}: a cross-record rule (shape: cross) must declare group_by, the partition key "
                             f"it compares records within (a derived column such as national_id__norm, or "
                             f"{' / '.join(WHOLE_FILE_KEYS)})")
    if group_by and shape != "cross":
        raise CatalogueError(f"{where}: group_by is the partition key of a cross-record rule; shape {shape} has none")
    for key in group_by:
        if not isinstance(key, str) or (key not in WHOLE_FILE_KEYS and not (
                "__" in key and key.split("__", 1)[0] in CANONICAL_FIELDS and key.split("__", 1)[1].isidentifier())):
            raise CatalogueError(f"{where}: group_by {key!r} is neither a derived column of a canonical field "
                                 f"(<field>__<what>) nor one of {WHOLE_FILE_KEYS}")
    unknown = [u for u in uses if u not in CANONICAL_FIELDS]
    if unknown:
        raise CatalogueError(f"{where}: uses names unknown fields {unknown}")


ALWAYS_AVAILABLE = ("row", "code")


def check_message(spec: RuleSpec) -> None:
    """Every {placeholder} of the message is one of the values the rule declares it returns, or a
    field of the record (canonical, or a derived column ``<field>__<what>``) the rule declares it
    reads (``requires`` or ``uses``); a typo is an error here, at load, instead of "(not mapped)"
    in every report.""" 
    import string

    from .fields import CANONICAL_FIELDS

    def placeholders(template: str) -> list[str]:
        out = []
        for _, name, fmt, _ in string.Formatter().parse(template):
            if name is not None:
                out.append(name)
            if fmt:
                out.extend(placeholders(fmt))  # nested: {age:>{width}}
        return out

    try:
        names = placeholders(spec.message)
    except ValueError as exc:
        raise CatalogueError(f"{spec.path.name}: message is not a valid template: {exc}") from None
    for name in names:
        if not name or not name.isidentifier():
            raise CatalogueError(f"{spec.path.name}: message placeholder {{{name}}} is not a name")
        base = name.split("__", 1)[0]
        if name in spec.values or name in ALWAYS_AVAILABLE:
            continue
        if name in CANONICAL_FIELDS or ("__" in name and base in CANONICAL_FIELDS):
            if base not in spec.requires and base not in spec.uses:
                raise CatalogueError(f"{spec.path.name}: message names {{{name}}} from the record, but the rule "
                                     f"neither requires nor uses {base} (add it to 'uses:', or to 'values:' "
                                     f"when the check computes it)")
            continue
        raise CatalogueError(f"{spec.path.name}: message names {{{name}}}, which is neither a canonical field nor "
                             f"one of the rule's values ({', '.join(spec.values) or 'none declared'}; "
                             f"declare it under 'values:')")


def check_against_principles(spec: RuleSpec, principles) -> None:
    """A rule cites only known requirements and principles; every rule but a notice evidences one."""
    where = spec.path.name
    unknown = [r for r in spec.requirements if r not in principles.requirements]
    if unknown:
        raise CatalogueError(f"{where}: unknown requirement(s) {unknown} "
                             f"(known: {', '.join(principles.requirements)}; see rules/principles.yml)")
    if not spec.requirements and spec.shape != "notice":
        raise CatalogueError(f"{where}: 'requirements' names no principle-6 requirement")
    cited = [p for p in spec.principles if p not in principles.principles]
    if cited:
        raise CatalogueError(f"{where}: principle(s) {cited} have no statement in rules/principles.yml")


@functools.cache
def load_catalogue() -> dict[str, RuleSpec]:
    from .principles import load_principles

    principles = load_principles()
    catalogue: dict[str, RuleSpec] = {}
    names: dict[str, str] = {}
    for path in sorted((rules_dir() / "catalogue").glob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            spec = _parse_rule(path, safe_load(fh))
        check_against_principles(spec, principles)
        check_message(spec)
        if spec.name in names:
            raise CatalogueError(f"rule name {spec.name} used by {names[spec.name]} and {spec.code}")
        names[spec.name] = spec.code
        catalogue[spec.code] = spec
    for spec in catalogue.values():
        unknown = [c for c in spec.consequences if c not in catalogue]
        if unknown:
            raise CatalogueError(f"{spec.path.name}: consequences name unknown rules {unknown}")
    return catalogue


@functools.cache
def load_vocab(name: str) -> dict:
    path = rules_dir() / "vocab" / f"{name}.yml"
    with path.open(encoding="utf-8") as fh:
        return safe_load(fh)


def profile_names() -> list[str]:
    return sorted(p.stem for p in (rules_dir() / "profiles").glob("*.yml"))


@functools.cache
def load_profile(name: str) -> dict:
    path = rules_dir() / "profiles" / f"{name}.yml"
    if not path.is_file():
        raise ConfigError(f"unknown profile '{name}' (known: {', '.join(profile_names())})")
    with path.open(encoding="utf-8") as fh:
        data = safe_load(fh)
    base_name = data.get("extends")
    if base_name:
        merged = dict(load_profile(base_name))
        for key, value in data.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        data = merged
    data["name"] = name
    return data
