"""`dbhygiene columns`: the mapping chosen, how sure it is, and a redacted profile of each field."""

from __future__ import annotations

from .engine import Context
from .normalise import DATE_FIELDS
from .redact import show
from .safe_text import escape


def render_columns(ctx: Context, show_pii: bool = False) -> str:
    frame, raw = ctx.frame, ctx.raw
    facts = ctx.facts
    described = ", ".join([facts.format] + ([facts.encoding] if facts.encoding else [])
                          + ([f"delimiter {facts.delimiter!r}"] if facts.delimiter else [])
                          + ([f"sheet {facts.sheet}"] if facts.sheet else []))
    lines = [f"{facts.path}: {len(raw)} records, {len(raw.columns)} columns ({described})", ""]
    lines.append(f"{'column':<28} {'field':<18} {'match':<14} {'filled':>7} {'distinct':>9}  example")
    by_column = {m.column: m for m in ctx.mapping.matches.values()}
    for column in raw.columns:
        values = raw[column]
        filled = int(values.notna().sum())
        distinct = int(values.nunique(dropna=True))
        match = by_column.get(column)
        field = match.field if match else "-"
        how = f"{match.method} {match.score:.0f}" if match else "unmapped"
        sample = values.dropna()
        example = show(field, sample.iloc[0], show_pii) if len(sample) else "(all blank)"
        if not match and not show_pii:
            example = "(hidden: unmapped column)"
        pct = f"{100 * filled / len(raw):.0f}%" if len(raw) else "-"
        lines.append(f"{column[:28]:<28} {field:<18} {how:<14} {pct:>7} {distinct:>9}  {example}")
    for name in DATE_FIELDS:
        status = f"{name}__status"
        if status in frame:
            counts = frame[status].value_counts()
            parts = ", ".join(f"{k} {int(v)}" for k, v in counts.items() if v)
            lines.append("")
            lines.append(f"{name}: {parts}")
            lines.append(f"  {ctx.date_notes[name].describe()}")
    return "".join(escape(line) + "\n" for line in lines)
