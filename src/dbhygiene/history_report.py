"""Renderers for ``dbhygiene history``: text, json, csv, markdown and html (with a timeline chart).

People are shown as a report-local handle (``P000042``) with redacted initials and a masked ID
unless ``--show-pii``. By default the per-person list holds the people a reader asks about: those
listed as minors, those who vanished and came back, and (with ``--since``) those first listed after
that date; ``--people all`` lists everyone (JSON and CSV only; the text and HTML cap the rows shown).
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd

from . import __version__
from .history import HISTORY_SCHEMA_VERSION, History, person_labels
from .report.escape import csv_cell
from .safe_text import escape, json_escape

COUNT_KEYS = ("records", "people", "added", "new", "returned", "removed", "minors_present", "minors_added")
TEXT_CAP = 50


def _safe(value) -> str:
    """Input-derived text for a terminal or a markdown cell: controls shown visibly, one line."""
    return escape(str(value))


def selected_people(history: History, everyone: bool) -> pd.DataFrame:
    p = history.people
    if everyone:
        chosen = p
    else:
        mask = p["ever_minor"] | p["left_and_returned"]
        if "added_after_since" in p.columns:
            mask |= p["added_after_since"]
        chosen = p[mask]
    return chosen


def people_rows(history: History, show_pii: bool, everyone: bool = False) -> list[dict]:
    chosen = selected_people(history, everyone)
    labels = person_labels(history, show_pii, chosen.index.to_numpy())
    rows = []
    for (i, r), label in zip(chosen.iterrows(), labels):
        age = r["age_at_first_listing"]
        row = {
            "person": f"P{int(r['person']):06d}", "label": label,
            "first_seen": str(r["first_seen"])[:10], "last_seen": str(r["last_seen"])[:10],
            "versions_present": int(r["versions_present"]), "presence": r["present_mask"],
            "left_and_returned": bool(r["left_and_returned"]),
            "age_at_first_listing": None if pd.isna(age) else int(age),
            "age_basis": "entry date" if r["age_from_entry_date"] else "version date",
            "listed_as_minor": bool(r["ever_minor"]),
        }
        if "added_after_since" in r:
            row["first_listed_after_since"] = bool(r["added_after_since"])
        rows.append(row)
    return rows


def as_dict(history: History, show_pii: bool, everyone: bool = False) -> dict:
    p = history.people
    since = None
    if history.since is not None:
        after = p["added_after_since"]
        since = {"date": history.since.isoformat(), "people_first_listed_after": int(after.sum()),
                 "minors_first_listed_after": int((after & p["ever_minor"]).sum())}
    return {
        "schema_version": HISTORY_SCHEMA_VERSION,
        "tool": {"name": "dbhygiene", "version": __version__},
        "kind": "history",
        "redacted": not show_pii,
        "age_of_majority": history.majority,
        "versions": history.per_version,
        "totals": {"people": int(len(p)), "listed_as_minor": int(p["ever_minor"].sum()),
                   "left_and_returned": int(p["left_and_returned"].sum())},
        "since": since,
        "notes": history.notes,
        "people_listed": "all" if everyone else "minors, returned" + (", added after --since" if since else ""),
        "people": people_rows(history, show_pii, everyone),
    }


def render_json(history: History, out, show_pii: bool, everyone: bool = False) -> None:
    # the main JSON report's escaping: C1 controls, bidi overrides, zero-width characters and lone
    # surrogates as \u escapes (json.dumps leaves them raw with ensure_ascii=False)
    out.write(json_escape(json.dumps(as_dict(history, show_pii, everyone), ensure_ascii=False, indent=2,
                                     default=str)) + "\n")


def render_csv(history: History, out, show_pii: bool, everyone: bool = False) -> None:
    """One row per person listed; cells that a spreadsheet would run as formulas are neutralised."""
    rows = people_rows(history, show_pii, everyone)
    fields = ["person", "label", "first_seen", "last_seen", "versions_present", "presence", "left_and_returned",
              "age_at_first_listing", "age_basis", "listed_as_minor"]
    if history.since is not None:
        fields.append("first_listed_after_since")
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})  # the main CSV report's escaping


def render_text(history: History, out, show_pii: bool, everyone: bool = False) -> None:
    w = out.write
    w(f"dbhygiene {__version__} · history of {len(history.versions)} versions · "
      f"minor = under {history.majority} at listing" + ("" if show_pii else " · personal data redacted") + "\n\n")
    header = ["version", "date", "records", "people", "added", "returned", "removed", "minors", "minors added"]
    table = [[str(v["version"]), v["date"], *(str(v[k]) for k in ("records", "people", "added", "returned",
                                                                   "removed", "minors_present", "minors_added"))]
             for v in history.per_version]
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
    w("  ".join(h.rjust(wd) for h, wd in zip(header, widths)) + "\n")
    for r in table:
        w("  ".join(c.rjust(wd) for c, wd in zip(r, widths)) + "\n")
    w("\n")
    for v in history.per_version:
        w(f"  v{v['version']}: {_safe(v['path'])} ({v['format']}, dated by {v['date_source']})\n")
    for note in history.notes:
        w(f"  note: {_safe(note)}\n")
    d = as_dict(history, show_pii, everyone)
    t = d["totals"]
    w(f"\n{t['people']} people in all; {t['listed_as_minor']} listed as minors; "
      f"{t['left_and_returned']} vanished and came back\n")
    if d["since"]:
        s = d["since"]
        w(f"First listed after {s['date']}: {s['people_first_listed_after']} people, "
          f"{s['minors_first_listed_after']} of them minors\n")
    rows = d["people"]
    if rows:
        w(f"\nPeople ({d['people_listed']}):\n")
        for row in rows[:TEXT_CAP]:
            age = "?" if row["age_at_first_listing"] is None else row["age_at_first_listing"]
            flags = [f for f, on in (("minor", row["listed_as_minor"]), ("returned", row["left_and_returned"]),
                                     ("after --since", row.get("first_listed_after_since"))) if on]
            w(f"  {row['person']} {_safe(row['label'])}: {row['presence']} first {row['first_seen']}, last "
              f"{row['last_seen']}, age {age} at first listing ({row['age_basis']}); {', '.join(flags)}\n")
        if len(rows) > TEXT_CAP:
            w(f"  … and {len(rows) - TEXT_CAP} more (use --format json or csv for all)\n")


def render_markdown(history: History, out, show_pii: bool, everyone: bool = False) -> None:
    d = as_dict(history, show_pii, everyone)
    w = out.write
    w(f"# History of {len(history.versions)} versions\n\n")
    w(f"Minor = under {history.majority} at listing. " + ("Personal data redacted.\n\n" if not show_pii else "\n\n"))
    w("| version | date | records | people | added | returned | removed | minors | minors added |\n")
    w("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
    for v in d["versions"]:
        w(f"| {v['version']} | {v['date']} | {v['records']} | {v['people']} | {v['added']} | {v['returned']} | "
          f"{v['removed']} | {v['minors_present']} | {v['minors_added']} |\n")
    if d["since"]:
        s = d["since"]
        w(f"\nFirst listed after {s['date']}: **{s['people_first_listed_after']}** people, "
          f"**{s['minors_first_listed_after']}** of them minors.\n")
    rows = d["people"]
    if rows:
        w(f"\n## People ({d['people_listed']})\n\n| person | who | presence | first seen | last seen | age at first listing |\n"
          "|---|---|---|---|---|---:|\n")
        for row in rows[:TEXT_CAP * 20]:
            age = "?" if row["age_at_first_listing"] is None else row["age_at_first_listing"]
            w(f"| {row['person']} | {_md(row['label'])} | `{row['presence']}` | {row['first_seen']} | "
              f"{row['last_seen']} | {age} |\n")


def _md(text: str) -> str:
    text = _safe(text)
    for ch, rep in (("\\", "\\\\"), ("|", "\\|"), ("`", "\\`"), ("<", "&lt;"), ("[", "\\["), ("]", "\\]"),
                    ("*", "\\*"), ("_", "\\_")):
        text = text.replace(ch, rep)
    return text


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>dbhygiene history</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}.minor{color:#b00020;font-weight:600}
</style></head><body>
<h1>History of {{ versions|length }} versions</h1>
<p>Minor = under {{ majority }} at listing.{% if redacted %} Personal data redacted.{% endif %}
dbhygiene {{ tool_version }}.</p>
<figure id="timeline">{{ chart|safe }}<figcaption>People listed, added and removed per version;
minors present.</figcaption></figure>
<table id="versions"><tr><th>version</th><th class="l">date</th><th class="l">file</th><th>records</th><th>people</th>
<th>added</th><th>returned</th><th>removed</th><th>minors</th><th>minors added</th></tr>
{% for v in versions %}<tr><td>{{ v.version }}</td><td class="l">{{ v.date }}</td><td class="l">{{ v.path }}</td>
<td>{{ v.records }}</td><td>{{ v.people }}</td><td>{{ v.added }}</td><td>{{ v.returned }}</td><td>{{ v.removed }}</td>
<td class="minor">{{ v.minors_present }}</td><td class="minor">{{ v.minors_added }}</td></tr>
{% endfor %}</table>
{% if since %}<p id="since">First listed after {{ since.date }}: <b>{{ since.people_first_listed_after }}</b> people,
<b class="minor">{{ since.minors_first_listed_after }}</b> of them minors.</p>{% endif %}
{% for n in notes %}<p class="note">{{ n }}</p>{% endfor %}
{% if people %}<h2>People ({{ people_listed }})</h2>
<table id="people"><tr><th class="l">person</th><th class="l">who</th><th class="l">presence</th><th class="l">first seen</th>
<th class="l">last seen</th><th>age at first listing</th></tr>
{% for p in people %}<tr><td class="l">{{ p.person }}</td><td class="l">{{ p.label }}</td><td class="l"><code>{{ p.presence }}</code></td>
<td class="l">{{ p.first_seen }}</td><td class="l">{{ p.last_seen }}</td>
<td{% if p.listed_as_minor %} class="minor"{% endif %}>{{ p.age_at_first_listing if p.age_at_first_listing is not none else "?" }}</td></tr>
{% endfor %}</table>{% if hidden %}<p>{{ hidden }} more people are not shown here (see the JSON or CSV output).</p>{% endif %}{% endif %}
</body></html>
"""
HTML_CAP = 2000


def timeline_svg(history: History) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    v = history.per_version
    labels = [x["date"] for x in v]
    x = np.arange(len(v))
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.plot(x, [r["people"] for r in v], marker="o", label="people listed")
    ax.bar(x - 0.2, [r["added"] for r in v], width=0.4, alpha=0.5, label="added")
    ax.bar(x + 0.2, [r["removed"] for r in v], width=0.4, alpha=0.5, label="removed")
    ax2 = ax.twinx()
    ax2.plot(x, [r["minors_present"] for r in v], marker="s", color="#b00020", label="minors present")
    ax2.set_ylabel("minors", color="#b00020")
    ax.set_xticks(x, labels)
    ax.set_ylabel("people")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left", fontsize="small")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def render_html(history: History, out, show_pii: bool, everyone: bool = False) -> None:
    import jinja2

    d = as_dict(history, show_pii, everyone)
    env = jinja2.Environment(autoescape=True)
    people = d["people"]
    out.write(env.from_string(_HTML).render(
        versions=d["versions"], majority=history.majority, redacted=not show_pii, tool_version=__version__,
        chart=timeline_svg(history), since=d["since"], notes=d["notes"], people=people[:HTML_CAP],
        hidden=max(len(people) - HTML_CAP, 0), people_listed=d["people_listed"]))


RENDERERS = {"text": render_text, "json": render_json, "csv": render_csv, "markdown": render_markdown,
             "html": render_html}
