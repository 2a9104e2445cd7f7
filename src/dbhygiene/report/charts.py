"""Charts for the HTML report: list-level figures only (counts by age, rule, offence, year), drawn
with matplotlib as SVG and embedded inline. No chart shows a person's value: an age histogram and
counts per year are aggregates. Text is SVG ``<text>`` (``svg.fonttype: none``: the browser's fonts,
a fraction of the time and size of glyph paths), which matplotlib's SVG writer escapes; offence
labels also pass ``safe_text.escape`` and have ``$`` escaped so mathtext never parses them."""

from __future__ import annotations

import io
import re
from collections import Counter

import numpy as np

from .escape import escape

COLOURS = {"error": "#b42318", "warning": "#b54708", "info": "#175cd3", "bar": "#475467", "minor": "#b42318"}
MAX_BARS = 15


def _ages(report) -> tuple[Counter, dict]:
    """Exact ages at listing (entry date, else the reference date) over every source, and thresholds."""
    from ..checks.dates import ages_at_listing

    counts: Counter = Counter()
    profile = {}
    for s in report.sources:
        ctx = s.ctx
        profile = ctx.profile
        if "birth_date__date" not in ctx.frame.columns:
            continue
        ages, _ = ages_at_listing(ctx)
        ok = ages.known & ages.exact & (ages.lo >= 0) & (ages.lo <= 120)
        values, n = np.unique(ages.lo[ok], return_counts=True)
        counts.update(dict(zip(values.tolist(), n.tolist())))
    return counts, profile


def chart_data(report) -> dict:
    ages, profile = _ages(report)
    offences: Counter = Counter()
    minors_by_year: Counter = Counter()
    records_by_year: Counter = Counter()
    for s in report.sources:
        stats = s.result.stats.get("MN01") or {}
        offences.update(stats.get("by_offence") or {})
        minors_by_year.update({int(k): v for k, v in (stats.get("by_year_listed") or {}).items()})
        frame = s.ctx.frame
        if "entry_date__year" in frame.columns:
            years = frame["entry_date__year"].dropna().astype("int64")
            records_by_year.update(years.value_counts().to_dict())
    return {
        "ages": dict(sorted(ages.items())),
        "majority": profile.get("age_of_majority"),
        "macr": profile.get("min_age_criminal_responsibility"),
        "by_rule": report.summary()["by_rule"],
        "minors_by_offence": dict(offences.most_common()),
        "records_by_year": dict(sorted(records_by_year.items())),
        "minors_by_year": dict(sorted(minors_by_year.items())),
    }


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog and doctype: the SVG is inline in HTML
    return re.sub(r'\s(width|height)="[0-9.]+pt"', "", text, count=2)


def render_charts(data: dict) -> list[dict]:
    """A list of {id, title, svg, note}; charts without data are left out."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False, "svg.hashsalt": "dbhygiene"})
    charts = []
    if data["ages"]:
        fig, ax = plt.subplots(figsize=(7, 2.8))
        ages = np.array(list(data["ages"]))
        counts = np.array(list(data["ages"].values()))
        majority = data["majority"] or 0
        edges = np.arange(ages.min(), ages.max() + 2) - 0.5
        full = np.zeros(len(edges) - 1)
        full[ages - ages.min()] = counts
        minor = np.where(edges[:-1] + 0.5 < majority, full, 0)
        ax.stairs(full - minor, edges, fill=True, color=COLOURS["bar"], baseline=0)  # one artist, not 120 bars
        ax.stairs(minor, edges, fill=True, color=COLOURS["minor"], baseline=0)
        for value, label, style, colour in (
                (data["majority"], f"age of majority ({data['majority']})", "--", "#101828"),
                (data["macr"], f"minimum age of criminal responsibility ({data['macr']})", ":", COLOURS["minor"])):
            if value is not None:
                ax.axvline(value - 0.5, color=colour, linestyle=style, linewidth=1.2, label=label)
        ax.legend(frameon=False, fontsize=8, loc="upper right")
        ax.set_xlabel("age at listing (years)")
        ax.set_ylabel("records")
        charts.append({"id": "ages", "title": "Age at listing",
                       "note": "Records with a full birth date; red bars are minors. The entry date is used when "
                               "usable, else the reference date."})
        charts[-1]["svg"] = _svg(fig)
        plt.close(fig)
    if data["by_rule"]:
        items = sorted(data["by_rule"].items(), key=lambda kv: kv[1])[-MAX_BARS:]
        fig, ax = plt.subplots(figsize=(7, 0.28 * len(items) + 0.8))
        bars = ax.barh([k for k, _ in items], [v for _, v in items], color=COLOURS["bar"])
        ax.bar_label(bars, padding=2, fontsize=7)
        ax.set_xlabel("findings")
        charts.append({"id": "by-rule", "title": "Findings by rule", "svg": _svg(fig),
                       "note": f"The {len(items)} rules with most findings." if len(data["by_rule"]) > MAX_BARS else ""})
        plt.close(fig)
    if data["minors_by_offence"]:
        items = list(data["minors_by_offence"].items())[:MAX_BARS][::-1]
        fig, ax = plt.subplots(figsize=(7, 0.28 * len(items) + 0.8))
        ax.barh([escape(k, max_len=40).replace("$", r"\$") for k, _ in items], [v for _, v in items], color=COLOURS["minor"])
        ax.set_xlabel("records listed as minors")
        charts.append({"id": "minors-by-offence", "title": "Minors by offence", "svg": _svg(fig),
                       "note": "Offence as written in the export (MN01 figures)."})
        plt.close(fig)
    if data["records_by_year"]:
        fig, ax = plt.subplots(figsize=(7, 2.6))
        years = list(data["records_by_year"])
        ax.bar(years, list(data["records_by_year"].values()), color=COLOURS["bar"], label="all records")
        if data["minors_by_year"]:
            ax.bar(list(data["minors_by_year"]), list(data["minors_by_year"].values()), color=COLOURS["minor"],
                   label="listed as minors")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("year listed (entry date)")
        ax.set_ylabel("records")
        ax.legend(frameon=False)
        charts.append({"id": "by-year", "title": "Records by year listed", "svg": _svg(fig), "note": ""})
        plt.close(fig)
    return charts
