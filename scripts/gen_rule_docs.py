"""Write docs/rules/<CODE>.md and docs/rules/README.md from the rule catalogue.

Run `python scripts/gen_rule_docs.py`; tests/test_docs.py fails when the committed pages drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dbhygiene.catalogue import load_catalogue
from dbhygiene.docs import rule_index, rule_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"


def pages() -> dict[str, str]:
    catalogue = load_catalogue()
    out = {f"{code}.md": rule_markdown(spec) for code, spec in catalogue.items()}
    out["README.md"] = rule_index(catalogue)
    return out


def main() -> int:
    DOCS.mkdir(parents=True, exist_ok=True)
    wanted = pages()
    for stale in set(p.name for p in DOCS.glob("*.md")) - set(wanted):
        (DOCS / stale).unlink()
    for name, text in wanted.items():
        (DOCS / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(wanted)} pages to {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
