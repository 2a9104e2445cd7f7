"""Children on the list (MN): minors at listing or now, below the age of criminal responsibility,
implausibly young, juvenile-court signals without a birth date, and identifiable minors.

Ages are calendar ages (see checks/dates.py). A partial birth date ("1985", "12/2002", "circa
1951", alternatives) is an interval of days, so the age is a bracket: when the whole bracket is
below the threshold the person is certainly a minor ("12/2002" listed on 2020-06-30 is 17); when
it straddles the threshold MN01 reports a *possible* minor at confidence low; when the whole
bracket is at or above it, nothing. The other rules fire on certain cases only.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..engine import CheckResult, Context, implements
from ..normalise import strip_accents_casefold
from ..textops import series_arrow
from .dates import (Ages, ListingReference, ages_at_listing, ages_now, confidence_cap, majority, other_reading_age,
                    profile_value)


def _majority(ctx: Context, options: dict) -> int:
    return majority(ctx, options)


def _below(ages: Ages, threshold: int) -> np.ndarray:
    """Certainly below the threshold (the whole bracket), and not born after the reference date."""
    return ages.known & (ages.hi < threshold) & (ages.hi >= 0)


def _possibly_below(ages: Ages, threshold: int) -> np.ndarray:
    """The bracket straddles the threshold: a minor on some days it allows, an adult on others."""
    return ages.known & (ages.lo < threshold) & (ages.hi >= threshold) & (ages.hi >= 0)


def _when(ref: ListingReference, pos: np.ndarray) -> np.ndarray:
    text = ref.date_text(pos).astype(str)
    on = np.where(np.char.startswith(text, "between"), "at listing ", "at listing on ")
    return np.where(ref.at_listing[pos], np.char.add(on, text),
                    "on the reference date " + text
                    + " (no usable entry date: a weaker signal; the age at listing was at most this)")


def _confidence(ref: ListingReference, pos: np.ndarray, ctx: Context | None = None) -> np.ndarray:
    confidence = np.where(ref.at_listing[pos], "high", "medium").astype(object)
    return confidence_cap(ctx, pos, confidence) if ctx is not None else confidence


def _counts_line(label: str, counts: pd.Series, total: int, limit: int | None = None, share: bool = False) -> str:
    items = list(counts.items())
    shown = items[:limit] if limit else items
    parts = [f"{k}: {v}" + (f" ({100 * v / total:.0f}%)" if share and total else "") for k, v in shown]
    if limit and len(items) > limit:
        parts.append(f"{len(items) - limit} more")
    return f"{label}: " + ", ".join(parts)


def _minor_stats(ctx: Context, pos: np.ndarray, ages: Ages, ref: ListingReference, majority: int,
                 top_offences: int, possible: int = 0) -> dict:
    n = len(pos)
    lines = [f"{n} record{'s' if n != 1 else ''} listed as minors (under {majority} at listing)"]
    stats: dict = {"minors": n, "possible_minors": possible}
    if possible:
        lines[0] += (f"; {possible} more possibly minors (a partial birth date straddles the {majority}th "
                     f"birthday)")
    if "national_id__norm" in ctx.frame.columns:
        people = int(ctx.frame["national_id__norm"].iloc[pos].nunique(dropna=True))
        stats["distinct_national_ids"] = people
        lines[0] += f", {people} distinct national IDs"
    exact = ages.exact[pos]
    by_age = pd.Series(ages.lo[pos][exact]).value_counts().sort_index(ascending=False)
    stats["by_age"] = {int(k): int(v) for k, v in by_age.items()}
    line = _counts_line("by age at listing", by_age, n)
    if (~exact).any():
        stats["birth_year_only"] = int((~exact).sum())
        line += f"; partial birth date: {int((~exact).sum())}"
    lines.append(line)
    if "offence" in ctx.frame.columns:
        text = ctx.frame["offence"].iloc[pos].str.strip().str.upper()
        offences = text.fillna("(no offence given)").replace("", "(no offence given)").value_counts()
        # free text about a child: rare values merged, IDs, dates and names masked unless --show-pii
        offences = pd.Series(ctx.redaction.categories(offences, "offence")).sort_values(ascending=False, kind="stable")
        stats["by_offence"] = {str(k): int(v) for k, v in offences.items()}
        lines.append(_counts_line("by offence", offences, n, limit=top_offences, share=True))
    listed = ref.at_listing[pos]
    years = pd.Series(ref.year[pos][listed]).value_counts().sort_index()
    stats["by_year_listed"] = {int(k): int(v) for k, v in years.items()}
    line = _counts_line("by year listed", years, n)
    if (~listed).any():
        stats["no_usable_entry_date"] = int((~listed).sum())
        line += ("; " if len(years) else "") + f"no usable entry date: {int((~listed).sum())}"
    lines.append(line.replace("by year listed: ;", "by year listed:"))
    if not n:
        stats["lines"] = lines
        return stats
    youngest = int(ages.lo[pos].min())
    stats["youngest_age"] = youngest
    lines.append(f"youngest: age {youngest} at listing")
    now = ages_now(ctx)
    still = int(_below(now, majority)[pos].sum())
    stats["still_minors"] = still
    lines.append(f"still minors on {ctx.as_of.isoformat()}: {still}")
    stats["lines"] = lines
    return stats


@implements("MN01")
def minor_at_listing(ctx: Context, options: dict):
    majority = _majority(ctx, options)
    ages, ref = ages_at_listing(ctx)
    certain = _below(ages, majority)
    possible = _possibly_below(ages, majority)
    pos = np.flatnonzero(certain | possible)
    sure = certain[pos]
    when, confidence = _when(ref, pos), _confidence(ref, pos, ctx)
    confidence = np.where(sure, confidence, "low").astype(object)
    ambiguous = (ctx.frame["birth_date__status"] == "ambiguous").to_numpy()[pos]
    if "entry_date__status" in ctx.frame.columns:
        ambiguous |= (ctx.frame["entry_date__status"] == "ambiguous").to_numpy()[pos] & ref.at_listing[pos]
    if ambiguous.any():
        other = other_reading_age(ctx, pos, ref)
        flips = ambiguous & (other >= majority)
        when = np.where(flips, when + "; the other day/month reading gives age " + other.astype(str)
                        + " (see DB08)", when)
        confidence = np.where(flips, "low", confidence)
    under = np.where(sure, "under", "possibly under")
    hits = pd.DataFrame({"pos": pos, "age": ages.text(pos), "when": when, "majority": majority, "under": under,
                         "confidence": confidence, "field": "birth_date"})
    stats = (_minor_stats(ctx, pos[sure], ages, ref, majority, options["top_offences"], int((~sure).sum()))
             if len(pos) else None)
    return CheckResult(hits, stats=stats)


@implements("MN02")
def minor_at_reference_date(ctx: Context, options: dict):
    majority = _majority(ctx, options)
    ages = ages_now(ctx)
    pos = np.flatnonzero(_below(ages, majority))
    return pd.DataFrame({"pos": pos, "age": ages.text(pos), "as_of": ctx.as_of.isoformat(), "majority": majority})


@implements("MN03")
def below_criminal_responsibility_age(ctx: Context, options: dict):
    threshold = int(profile_value(ctx, options, "min_age_criminal_responsibility"))
    source = options.get("source") or ctx.profile.get("min_age_criminal_responsibility_source", "the profile")
    ages, ref = ages_at_listing(ctx)
    pos = np.flatnonzero(_below(ages, threshold))
    return pd.DataFrame({"pos": pos, "age": ages.text(pos), "when": _when(ref, pos), "threshold": threshold,
                         "source": source, "confidence": _confidence(ref, pos, ctx)})


@implements("MN04")
def implausibly_young_at_listing(ctx: Context, options: dict):
    threshold = int(profile_value(ctx, options, "implausibly_young_age"))
    ages, ref = ages_at_listing(ctx)
    pos = np.flatnonzero(_below(ages, threshold))
    return pd.DataFrame({"pos": pos, "age": ages.text(pos), "when": _when(ref, pos), "threshold": threshold,
                         "confidence": _confidence(ref, pos, ctx)})


def _patterns(ctx: Context, key: str) -> list[str]:
    """Profile patterns (RE2, over text lower-cased with accents and punctuation removed)."""
    return [str(p) for p in (ctx.profile.get(key) or []) if str(p).strip()]


def juvenile_term(values: pd.Series, patterns: list[str], exclude: list[str]) -> pd.Series:
    """The juvenile court or proceeding each value names (the matched text), or NA. Matched on
    distinct values, accent- and case-insensitively, as whole words, after removing the excluded
    patterns (offences *against* minors: "lesiones a menores", "corrupcion de menores")."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0 or not patterns:
        return pd.Series(pd.NA, index=values.index, dtype="object")
    arr = series_arrow(strip_accents_casefold(pd.Series(uniques, dtype="str")))
    edge = pa.scalar(" ", arr.type)
    arr = pc.binary_join_element_wise(edge, pc.fill_null(arr, pa.scalar("", arr.type)), edge,
                                      pa.scalar("", arr.type))  # word edges at both ends
    if exclude:
        arr = pc.replace_substring_regex(arr, "(?:^|\\s)(?:" + "|".join(exclude) + ")(?:\\s|$)", " ")
    found = np.full(len(uniques), None, dtype=object)
    for pattern in patterns:
        struct = pc.extract_regex(arr, f"\\s(?P<m>{pattern})\\s")
        matched = struct.field("m").to_numpy(zero_copy_only=False)
        valid = pc.is_valid(struct).to_numpy(zero_copy_only=False)
        take = valid & (found == None)  # noqa: E711 (elementwise)
        found[take] = matched[take]
    out = np.where(codes >= 0, found[np.where(codes >= 0, codes, 0)], None)
    return pd.Series(out, index=values.index, dtype="object")


@implements("MN05")
def juvenile_signal_without_birth_date(ctx: Context, options: dict):
    n = len(ctx.frame)
    if "birth_date__status" in ctx.frame.columns:
        no_birth = ctx.frame["birth_date__status"].isin(["blank", "invalid"]).to_numpy()
    else:
        no_birth = np.ones(n, dtype=bool)
    terms = _patterns(ctx, "juvenile_terms")
    exclude = _patterns(ctx, "juvenile_terms_exclude")
    pos_all, fields, found, confidence = [], [], [], []
    seen = np.zeros(n, dtype=bool)
    # a juvenile court issuing the warrant is strong evidence; a juvenile procedure named in the
    # offence text is weaker (the text may describe the case, not the person)
    for field, label, conf in (("issuing_authority", "issuing authority", "medium"), ("offence", "offence", "low")):
        if field not in ctx.frame.columns:
            continue
        sel = np.flatnonzero(no_birth & ~seen)
        if not len(sel):
            break
        matched = juvenile_term(ctx.frame[field].iloc[sel], terms, exclude).to_numpy()
        hit = pd.notna(matched)
        seen[sel[hit]] = True
        pos_all.append(sel[hit])
        fields.append(np.full(int(hit.sum()), field, dtype=object))
        confidence.append(np.full(int(hit.sum()), conf, dtype=object))
        found.append(np.char.add(np.char.add(f"the {label} names '", matched[hit].astype(str)), "'")
                     if hit.any() else np.array([], dtype=object))
    if not pos_all:
        return pd.DataFrame({"pos": pd.Series([], dtype=np.int64)})
    conf = np.concatenate(confidence)
    hits = pd.DataFrame({"pos": np.concatenate(pos_all), "field": np.concatenate(fields),
                         "signal": np.concatenate(found).astype(object), "confidence": conf,
                         "likely": np.where(conf == "medium", "probably a child", "possibly a child")})
    return hits.sort_values("pos", kind="stable")


@implements("MN06")
def identifiable_minor(ctx: Context, options: dict):
    majority = _majority(ctx, options)
    ages, ref = ages_at_listing(ctx)
    minor = np.flatnonzero(_below(ages, majority) | _below(ages_now(ctx), majority))
    # only the minors' names and IDs are looked at
    full_name = np.zeros(len(minor), dtype=bool)
    if "full_name__clean" in ctx.frame.columns and len(minor):
        clean = ctx.frame["full_name__clean"].iloc[minor]
        arr = pa.array(clean.to_numpy(dtype=object, na_value=None), type=pa.large_string())
        full_name = pc.fill_null(pc.match_substring_regex(arr, r"[^\s]{2,}"), False).to_numpy(zero_copy_only=False)
    has_id = ctx.frame["national_id__norm"].iloc[minor].notna().to_numpy() \
        if "national_id__norm" in ctx.frame.columns else np.zeros(len(minor), dtype=bool)
    keep = full_name | has_id
    pos, full_name, has_id = minor[keep], full_name[keep], has_id[keep]
    fn, ni = full_name, has_id
    exposed = np.where(fn & ni, "full name, national ID and birth date",
                       np.where(fn, "full name and birth date", "national ID and birth date"))
    field = np.where(fn, "full_name", "national_id")
    return pd.DataFrame({"pos": pos, "age": ages.text(pos), "exposed": exposed, "field": field,
                         "confidence": _confidence(ref, pos, ctx)})
