"""The verdict model as data: the framework principles the catalogue cites and principle 6 broken
into requirements (``rules/principles.yml``). Rules name the requirements they evidence; the
report's verdict (``verdict.py``) is computed per requirement."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import yaml

from .errors import CatalogueError


@dataclass(frozen=True)
class Principle:
    number: int
    title: str
    statement: str


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    statement: str
    legal_anchors: tuple[str, ...]


@dataclass(frozen=True)
class Principles:
    framework: str
    principles: dict[int, Principle]
    requirements: dict[str, Requirement]  # in the file's order
    headline_figures: tuple[dict, ...] = ()


def parse_principles(data: dict, where: str = "principles.yml") -> Principles:
    if not isinstance(data, dict) or "requirements" not in data or "principles" not in data:
        raise CatalogueError(f"{where}: needs 'principles' and 'requirements'")
    principles = {}
    for number, item in (data["principles"] or {}).items():
        if not isinstance(number, int) or not item.get("title") or not item.get("statement"):
            raise CatalogueError(f"{where}: principle {number!r} needs a number, a title and a statement")
        principles[number] = Principle(number, item["title"].strip(), " ".join(item["statement"].split()))
    requirements: dict[str, Requirement] = {}
    for item in data["requirements"] or []:
        rid = item.get("id")
        missing = [k for k in ("id", "title", "statement", "legal_anchors") if not item.get(k)]
        if missing:
            raise CatalogueError(f"{where}: requirement {rid or '?'} lacks {missing}")
        if rid in requirements:
            raise CatalogueError(f"{where}: requirement {rid} listed twice")
        requirements[rid] = Requirement(rid, item["title"].strip(), " ".join(item["statement"].split()),
                                        tuple(item["legal_anchors"]))
    figures = tuple(data.get("headline_figures") or ())
    for item in figures:
        source = [k for k in ("from_stats", "from_findings") if k in item]
        if not item.get("id") or not item.get("label") or len(source) != 1:
            raise CatalogueError(f"{where}: headline figure {item.get('id', '?')} needs an id, a label and "
                                 "exactly one of from_stats, from_findings")
        stats = item.get("from_stats")
        if stats is not None and (not {"rule", "key", "combine"} <= set(stats) <= {"rule", "key", "combine", "share"}
                                  or stats["combine"] not in ("sum", "min")):
            raise CatalogueError(f"{where}: headline figure {item['id']}: from_stats needs rule, key and "
                                 "combine (sum or min)")
    return Principles(" ".join(str(data.get("framework", "")).split()), principles, requirements, figures)


@functools.cache
def load_principles() -> Principles:
    from .catalogue import rules_dir

    path = rules_dir() / "principles.yml"
    if not path.is_file():
        raise CatalogueError(f"{path} not found")
    with path.open(encoding="utf-8") as fh:
        return parse_principles(yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), path.name)
