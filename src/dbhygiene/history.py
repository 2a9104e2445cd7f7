"""The history of a list across dated versions: who entered, left, came back, and which children.

Each version is loaded, mapped and normalised on its own (columns, encoding and format may differ
between versions). Records are then linked into people across all versions with the identity
rules' keys:

* the normalised national ID (``national_id__norm``: separators dropped, upper-cased), unless it
  is a placeholder (shorter than 4 characters, or one repeated character such as ``00000000``);
* the sorted-token name key plus the exact birth date (``full_name__key`` + ``birth_date__date``).

Two records are the same person when they share either key, transitively (connected components,
found by vectorised label propagation: no per-record Python loop). Grouping key for a distributed
engine: the two keys above.

A record is *listed as a minor* when the calendar age at its entry date (else at the version's
date, a weaker signal stated in the output) is below the profile's age of majority.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConfigError

HISTORY_SCHEMA_VERSION = "1.0"
_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


def date_from_name(path: Path) -> dt.date | None:
    """A date written in the file name (``conarc_2019-05-06.csv``, ``list20190506.xlsx``)."""
    matches = _DATE_IN_NAME.findall(path.name)
    if len(matches) != 1:
        return None
    try:
        return dt.date(*(int(x) for x in matches[0]))
    except ValueError:
        return None


@dataclass
class Version:
    path: Path
    date: dt.date
    date_source: str  # "--dates" | "file name" | "latest entry date"
    ctx: object  # engine.Context (kept loose: history sits beside the check stage)


@dataclass
class History:
    versions: list[Version]
    records: pd.DataFrame  # one row per record of every version: version, pos, person, minor, age...
    people: pd.DataFrame  # one row per person
    per_version: list[dict]
    since: dt.date | None = None
    majority: int = 18
    notes: list[str] = field(default_factory=list)


def resolve_dates(paths: list[Path], given: list[dt.date] | None, contexts: list) -> list[tuple[dt.date, str]]:
    if given:
        if len(given) != len(paths):
            raise ConfigError(f"--dates gives {len(given)} dates for {len(paths)} files")
        return [(d, "--dates") for d in given]
    out = []
    for path, ctx in zip(paths, contexts):
        d = date_from_name(path)
        if d is not None:
            out.append((d, "file name"))
            continue
        frame = ctx.frame
        if "entry_date__date" in frame.columns and frame["entry_date__date"].notna().any():
            latest = frame["entry_date__date"].max()
            out.append((latest.date(), "latest entry date"))
            continue
        raise ConfigError(f"cannot tell the date of version {path.name}: put a date in its name "
                          "(e.g. list_2019-05-06.csv) or give --dates")
    return out


def calendar_age(birth: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Whole years between two datetime64 arrays (NaT gives -1). 29 February ages on 1 March."""
    b = pd.DatetimeIndex(birth)
    w = pd.DatetimeIndex(when)
    age = (w.year - b.year) - ((w.month * 100 + w.day) < (b.month * 100 + b.day))
    age = np.asarray(age, dtype="float64")
    age[np.asarray(b.isna() | w.isna())] = np.nan
    return age


def _identity_keys(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    n = len(frame)
    if "national_id__norm" in frame.columns:
        ids = frame["national_id__norm"].astype("string")
        ok = ids.notna() & (ids.str.len() >= 4) & ~ids.str.fullmatch(r"(.)\1*").fillna(True)
        id_key = ids.where(ok)
    else:
        id_key = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "full_name__key" in frame.columns and "birth_date__date" in frame.columns:
        names = frame["full_name__key"].astype("string")
        births = frame["birth_date__date"]
        ok = names.notna() & (names.str.len() > 0) & births.notna()
        nb_key = (names + "|" + births.dt.strftime("%Y-%m-%d").astype("string")).where(ok)
    else:
        nb_key = pd.Series(pd.NA, index=frame.index, dtype="string")
    assert len(id_key) == n
    return id_key.reset_index(drop=True), nb_key.reset_index(drop=True)


def link_people(id_key: pd.Series, nb_key: pd.Series) -> np.ndarray:
    """Connected components over records that share an ID key or a name+birth key."""
    n = len(id_key)
    label = np.arange(n, dtype=np.int64)
    codes = []
    for key in (id_key, nb_key):
        c, _ = pd.factorize(key, use_na_sentinel=True)
        codes.append(c)
    for _ in range(10_000):  # stops when stable; pointer jumping keeps it to a few passes
        before = label.copy()
        for c in codes:
            has = c >= 0
            if not has.any():
                continue
            mins = pd.Series(label[has]).groupby(c[has]).transform("min").to_numpy()
            label[has] = np.minimum(label[has], mins)
        # pointer jumping: a label points at a record whose own label may be smaller
        label = label[label]
        if np.array_equal(label, before):
            break
    _, person = np.unique(label, return_inverse=True)
    return person


def build_history(versions: list[Version], majority: int = 18, since: dt.date | None = None) -> History:
    versions = sorted(versions, key=lambda v: v.date)
    frames = []
    for i, v in enumerate(versions):
        f = v.ctx.frame
        n = len(f)
        id_key, nb_key = _identity_keys(f)
        birth = f["birth_date__date"].to_numpy("datetime64[s]") if "birth_date__date" in f.columns \
            else np.full(n, np.datetime64("NaT"), "datetime64[s]")
        entry = f["entry_date__date"].to_numpy("datetime64[s]") if "entry_date__date" in f.columns \
            else np.full(n, np.datetime64("NaT"), "datetime64[s]")
        vdate = np.full(n, np.datetime64(v.date, "s"))
        when = np.where(np.isnat(entry), vdate, entry)
        age = calendar_age(birth, when)
        frames.append(pd.DataFrame({
            "version": np.full(n, i, dtype=np.int32), "pos": np.arange(n, dtype=np.int64),
            "id_key": id_key, "nb_key": nb_key, "age_at_listing": age,
            "at_entry_date": ~np.isnat(entry),
        }))
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    records["person"] = link_people(records["id_key"], records["nb_key"])
    records["minor"] = records["age_at_listing"] < majority
    people, per_version = _summaries(records, versions, since)
    notes = []
    unlinked = int((records["id_key"].isna() & records["nb_key"].isna()).sum())
    if unlinked:
        notes.append(f"{unlinked} records have neither a usable ID nor a name with a birth date: "
                     "each is counted as a person of its own")
    return History(versions=versions, records=records, people=people, per_version=per_version, since=since,
                   majority=majority, notes=notes)


def _summaries(records: pd.DataFrame, versions: list[Version], since: dt.date | None):
    k = len(versions)
    n_people = int(records["person"].max()) + 1 if len(records) else 0
    present = np.zeros((n_people, k), dtype=bool)
    present[records["person"].to_numpy(), records["version"].to_numpy()] = True
    minor_in = np.zeros((n_people, k), dtype=bool)
    m = records[records["minor"]]
    minor_in[m["person"].to_numpy(), m["version"].to_numpy()] = True
    per_version = []
    for i, v in enumerate(versions):
        now = present[:, i]
        prev = present[:, i - 1] if i else np.zeros(n_people, dtype=bool)
        earlier = present[:, : max(i - 1, 0)].any(axis=1) if i > 1 else np.zeros(n_people, dtype=bool)
        added = now & ~prev
        returned = added & earlier
        rec_i = records["version"].to_numpy() == i
        per_version.append({
            "version": i + 1, "date": v.date.isoformat(), "date_source": v.date_source,
            "path": str(v.path), "format": v.ctx.facts.format, "encoding": v.ctx.facts.encoding,
            "records": int(rec_i.sum()), "people": int(now.sum()),
            "added": int(added.sum()), "new": int((added & ~returned).sum()), "returned": int(returned.sum()),
            "removed": int((prev & ~now).sum()),
            "minors_present": int(minor_in[:, i].sum()),
            "minors_added": int((minor_in[:, i] & added).sum()),
        })
    first = np.argmax(present, axis=1)
    last = k - 1 - np.argmax(present[:, ::-1], axis=1)
    count = present.sum(axis=1)
    gaps = (last - first + 1) > count
    # age at first listing: the youngest age among the person's records in their first version
    rec = records.assign(first=first[records["person"].to_numpy()])
    in_first = rec[rec["version"] == rec["first"]]
    age_first = in_first.groupby("person")["age_at_listing"].min().reindex(range(n_people))
    at_entry = in_first.groupby("person")["at_entry_date"].all().reindex(range(n_people)).fillna(False)
    first_row = in_first.groupby("person")["pos"].min().reindex(range(n_people))
    dates = np.array([np.datetime64(v.date, "D") for v in versions])
    people = pd.DataFrame({
        "person": np.arange(n_people), "first_version": first + 1, "last_version": last + 1,
        "first_seen": dates[first], "last_seen": dates[last], "versions_present": count,
        "left_and_returned": gaps, "age_at_first_listing": age_first.to_numpy(),
        "age_from_entry_date": at_entry.to_numpy(dtype=bool),
        "ever_minor": minor_in.any(axis=1), "first_row": first_row.to_numpy(),
        "present_mask": ["".join("x" if p else "." for p in row) for row in present]
        if n_people <= 2_000_000 else None,
    })
    if since is not None:
        people["added_after_since"] = people["first_seen"] > np.datetime64(since, "D")
    return people, per_version


def person_labels(history: History, show_pii: bool, which: np.ndarray | None = None) -> list[str]:
    """Display labels for the people at ``which`` (positions in ``history.people``; default all):
    redacted initials and masked ID unless ``show_pii``, taken from their first record."""
    from .redact import show

    people = history.people if which is None else history.people.iloc[which]
    labels = [""] * len(people)
    firsts = people["first_version"].to_numpy() - 1
    rows = people["first_row"].to_numpy()
    for vi in np.unique(firsts):
        at = np.flatnonzero(firsts == vi)
        frame = history.versions[int(vi)].ctx.frame
        take = rows[at].astype(np.int64)
        names = frame["full_name"].iloc[take].tolist() if "full_name" in frame.columns else [None] * len(at)
        ids = frame["national_id"].iloc[take].tolist() if "national_id" in frame.columns else [None] * len(at)
        for j, name, ident in zip(at, names, ids):
            labels[j] = f"{show('full_name', name, show_pii)} ({show('national_id', ident, show_pii)})"
    return labels


def history_of(paths: list[Path], settings, dates: list[dt.date] | None = None,
               since: dt.date | None = None) -> History:
    """Load, map and normalise each version with ``settings`` (mapping found per file), then link."""
    from .api import prepare

    if len(paths) < 2:
        raise ConfigError("history needs at least two versions of the list")
    contexts = [prepare(p, settings) for p in paths]
    stamped = resolve_dates(paths, dates, contexts)
    seen: dict[dt.date, Path] = {}
    for p, (d, _) in zip(paths, stamped):
        if d in seen:
            raise ConfigError(f"two versions are dated {d.isoformat()} ({seen[d].name} and {p.name}): give --dates")
        seen[d] = p
    versions = [Version(path=Path(p), date=d, date_source=src, ctx=c) for p, (d, src), c in zip(paths, stamped, contexts)]
    majority = int((settings.rule_options.get("MN01") or {}).get("age_of_majority")
                   or _profile_majority(contexts[0].profile))
    return build_history(versions, majority=majority, since=since)


def _profile_majority(profile: dict) -> int:
    options = (profile.get("rule_options") or {}).get("MN01") or {}
    return int(options.get("age_of_majority") or profile.get("age_of_majority") or 18)
