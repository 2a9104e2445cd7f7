"""`dbhygiene columns`: the mapping chosen, how sure it is, and a redacted profile of each field."""

from __future__ import annotations

from .engine import Context
from .normalise import DATE_FIELDS
from .redact import BIRTH_FIELDS, CLEAR_FIELDS, ID_FIELDS, MIN_GROUP, NAME_FIELDS, column_labels, recognised, redact, show
from .safe_text import escape


def _example(values, field: str, show_pii: bool) -> str:
    """One value of the column as the redaction policy lets it be shown: a name, ID or birth date
    masked by its field; free text only as a value at least MIN_GROUP records share, scrubbed."""
    sample = values.dropna()
    if not len(sample):
        return "(all blank)"
    if show_pii or field in NAME_FIELDS | ID_FIELDS | BIRTH_FIELDS | CLEAR_FIELDS:
        return show(field, sample.iloc[0], show_pii)
    counts = sample.value_counts()
    if int(counts.iloc[0]) < MIN_GROUP:
        return f"(hidden: free text, no value held by {MIN_GROUP} records)"
    return redact(field, counts.index[0])


def render_columns(ctx: Context, show_pii: bool = False) -> str:
    frame, raw = ctx.frame, ctx.raw
    facts = ctx.facts
    described = ", ".join([facts.format] + ([facts.encoding] if facts.encoding else [])
                          + ([f"delimiter {facts.delimiter!r}"] if facts.delimiter else [])
                          + ([f"sheet {facts.sheet}"] if facts.sheet else []))
    lines = [f"{facts.path}: {len(raw)} records, {len(raw.columns)} columns ({described})", ""]
    lines.append(f"{'column':<28} {'field':<18} {'match':<14} {'filled':>7} {'distinct':>9}  example")
    by_column = {m.column: m for m in ctx.mapping.matches.values()}
    labels = ({c: c for c in raw.columns} if show_pii
              else column_labels(list(raw.columns), mapped=recognised(ctx.mapping)))  # a headerless file's first record
    for column in raw.columns:
        values = raw[column]
        filled = int(values.notna().sum())
        distinct = int(values.nunique(dropna=True))
        match = by_column.get(column)
        field = match.field if match else "-"
        how = f"{match.method} {match.score:.0f}" if match else "unmapped"
        example = _example(values, field, show_pii) if match or show_pii else "(hidden: unmapped column)"
        pct = f"{100 * filled / len(raw):.0f}%" if len(raw) else "-"
        label = labels[column]
        lines.append(f"{label[:28]:<28} {field:<18} {how:<14} {pct:>7} {distinct:>9}  {example}")
    for name in DATE_FIELDS:
        status = f"{name}__status"
        if status in frame:
            counts = frame[status].value_counts()
            parts = ", ".join(f"{k} {int(v)}" for k, v in counts.items() if v)
            lines.append("")
            lines.append(f"{name}: {parts}")
            lines.append(f"  {ctx.date_notes[name].describe()}")
    return "".join(escape(line) + "\n" for line in lines)
