"""Finding fingerprints, baselines and waivers: "what is new since last time" without personal data.

A finding's fingerprint is ``HMAC-SHA256(key, rule · field · identity)``, hex, where *identity* is
the record's normalised identity, never its row number: the normalised national ID, else the
sorted-token name key with the birth date, else a hash of the whole record's cells (for a
cross-record finding, the set of identities of every record it names). Reordering or
inserting rows therefore changes no fingerprint; two findings of one rule on one identity (two
records of one person) are told apart by counting, so a baseline is a multiset of fingerprints.
File-level findings use the rule, the field and the message with its digits removed.

The key comes from ``DBHYGIENE_BASELINE_KEY`` or ``--baseline-key-file``; without one the tool
refuses to write or read a baseline or waiver (a constant key would make fingerprints a lookup
table of people's IDs). Baseline and waiver files hold fingerprints, counts, rule codes and the
reviewer's words only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConfigError
from .findings import Finding

KEY_ENV = "DBHYGIENE_BASELINE_KEY"
WAIVERS_FILE = "dbhygiene-waivers.toml"
BASELINE_FORMAT = "dbhygiene-baseline"
BASELINE_VERSION = 1
MIN_KEY_BYTES = 16
_DIGITS = re.compile(r"\d+")
_FP = re.compile(r"^[0-9a-f]{32,64}$")


def read_key(key_file: Path | None = None, environ=os.environ) -> bytes:
    """The secret for fingerprints: a key file, else the environment; refuse to go without one."""
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the baseline key file {key_file}: {exc.strerror}") from None
        where = f"key file {key_file}"
    elif environ.get(KEY_ENV):
        key = environ[KEY_ENV].encode("utf-8")
        where = KEY_ENV
    else:
        raise ConfigError(f"baselines and waivers need a secret key: set {KEY_ENV} or give --baseline-key-file "
                          "(no built-in key is used: it would let anyone test which IDs a baseline holds)")
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"the baseline key in {where} is too short ({len(key)} bytes; at least {MIN_KEY_BYTES})")
    return key


def ephemeral_key() -> bytes:
    """A one-run key, for comparisons that never leave memory (``dbhygiene diff``)."""
    return secrets.token_bytes(32)


def key_check(key: bytes) -> str:
    """A short tag that tells whether a baseline was written with the same key, revealing nothing of it."""
    return hmac.new(key, b"dbhygiene baseline key check", hashlib.sha256).hexdigest()[:16]


def identity_tokens(ctx) -> np.ndarray:
    """One identity string per record (see module docstring), built column-wise."""
    frame = ctx.frame
    n = len(frame)
    out = pd.Series(pd.NA, index=range(n), dtype="string")
    if "national_id__norm" in frame.columns:
        ids = frame["national_id__norm"].astype("string").reset_index(drop=True)
        ok = ids.notna() & (ids.str.len() >= 4) & ~ids.str.fullmatch(r"(.)\1*").fillna(True)
        out = out.mask(ok, "id:" + ids)
    if "full_name__key" in frame.columns:
        names = frame["full_name__key"].astype("string").reset_index(drop=True)
        if "birth_date__date" in frame.columns:
            births = frame["birth_date__date"].reset_index(drop=True).dt.strftime("%Y-%m-%d").astype("string")
        else:
            births = pd.Series(pd.NA, index=range(n), dtype="string")
        births = births.fillna("?")
        nb = "nb:" + names + "|" + births
        out = out.fillna(nb.where(names.notna() & (names.str.len() > 0)))
    missing = out.isna().to_numpy()
    if missing.any():
        raw = ctx.raw.reset_index(drop=True).iloc[np.flatnonzero(missing)]
        hashed = pd.util.hash_pandas_object(raw.astype("string").fillna(""), index=False).to_numpy()
        out.iloc[np.flatnonzero(missing)] = ["row:" + format(int(h), "016x") for h in hashed]
    return out.to_numpy(dtype=object)


def fingerprints(ctx, findings: list[Finding], key: bytes) -> list[str]:
    tokens = None
    out = []
    for f in findings:
        if f.row is not None:
            if tokens is None:
                tokens = identity_tokens(ctx)
            # a cross-record finding sits on one row of a pair or group, and which one depends on row
            # order: it is identified by the set of identities it involves
            rows = {f.row, *f.related_rows} if f.related_rows else {f.row}
            ident = "&".join(sorted({tokens[r - 1] for r in rows if 0 < r <= len(tokens)}))
        else:
            ident = "file:" + _DIGITS.sub("#", f.message)
        msg = f"{f.rule}\x1f{f.field or ''}\x1f{ident}".encode("utf-8")
        out.append(hmac.new(key, msg, hashlib.sha256).hexdigest()[:32])
    return out


def stamp(sources, key: bytes) -> None:
    """Put each finding's fingerprint into ``finding.extra['fingerprint']``."""
    for source in sources:
        for f, fp in zip(source.result.findings, fingerprints(source.ctx, source.result.findings, key)):
            f.extra["fingerprint"] = fp


# --- baselines -------------------------------------------------------------------------------

def baseline_dict(findings: list[Finding], key: bytes) -> dict:
    counts = Counter(f.extra["fingerprint"] for f in findings if not f.extra.get("suppressed"))
    return {"format": BASELINE_FORMAT, "version": BASELINE_VERSION, "key_check": key_check(key),
            "findings": dict(sorted(counts.items()))}


def read_baseline(path: Path, key: bytes) -> Counter:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ConfigError(f"{path} is not a dbhygiene baseline (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise ConfigError(f"{path} is not a dbhygiene baseline")
    if data.get("version") != BASELINE_VERSION:
        raise ConfigError(f"{path}: baseline version {data.get('version')!r} is not supported")
    if data.get("key_check") != key_check(key):
        raise ConfigError(f"{path} was written with another key: its fingerprints cannot be compared")
    counts = data.get("findings")
    if not isinstance(counts, dict) or not all(isinstance(v, int) and _FP.match(str(k)) for k, v in counts.items()):
        raise ConfigError(f"{path}: malformed findings table")
    return Counter(counts)


def apply_baseline(findings: list[Finding], baseline: Counter) -> dict:
    """Mark findings ``new`` or ``unchanged``; return the counts, with those fixed since."""
    remaining = Counter(baseline)
    new = unchanged = 0
    for f in findings:
        if f.extra.get("suppressed"):
            continue
        fp = f.extra["fingerprint"]
        if remaining[fp] > 0:
            remaining[fp] -= 1
            f.extra["baseline"] = "unchanged"
            unchanged += 1
        else:
            f.extra["baseline"] = "new"
            new += 1
    return {"new": new, "unchanged": unchanged, "fixed": int(sum(v for v in remaining.values() if v > 0))}


# --- waivers ---------------------------------------------------------------------------------

@dataclass
class Waiver:
    rule: str
    fingerprint: str
    reason: str
    reviewer: str
    expires: dt.date
    used: int = 0
    extra: dict = field(default_factory=dict)


def find_waivers(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / WAIVERS_FILE).is_file():
            return folder / WAIVERS_FILE
    return None


def read_waivers(path: Path) -> list[Waiver]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read waivers {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(data) - {"waiver"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))} (expected [[waiver]] tables)")
    out = []
    for i, item in enumerate(data.get("waiver", []), 1):
        where = f"{path}: waiver {i}"
        missing = [k for k in ("rule", "fingerprint", "reason", "reviewer", "expires") if k not in item]
        if missing:
            raise ConfigError(f"{where} lacks {', '.join(missing)}")
        extra = set(item) - {"rule", "fingerprint", "reason", "reviewer", "expires", "created"}
        if extra:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        expires = item["expires"]
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise ConfigError(f"{where}: expires must be a date (YYYY-MM-DD)") from None
        if not isinstance(expires, dt.date):
            raise ConfigError(f"{where}: expires must be a date (YYYY-MM-DD)")
        fp = str(item["fingerprint"]).lower()
        if not _FP.match(fp):
            raise ConfigError(f"{where}: fingerprint must be 32 hex digits as a report shows it")
        out.append(Waiver(rule=str(item["rule"]).upper(), fingerprint=fp, reason=str(item["reason"]),
                          reviewer=str(item["reviewer"]), expires=expires))
    return out


def apply_waivers(findings: list[Finding], waivers: list[Waiver], today: dt.date) -> list[dict]:
    """Suppress waived findings (kept, marked with the waiver's reason). Returns problems with the
    waivers themselves: ``expired`` (the finding is reported again) and ``unused``."""
    live = {}
    problems = []
    for w in waivers:
        if w.expires < today:
            problems.append({"kind": "expired", "waiver": w})
        else:
            live.setdefault((w.rule, w.fingerprint), []).append(w)
    for f in findings:
        ws = live.get((f.rule, f.extra.get("fingerprint")))
        if ws:
            w = ws[0]
            w.used += 1
            f.extra["suppressed"] = {"reason": w.reason, "reviewer": w.reviewer, "expires": w.expires.isoformat()}
    for w in waivers:
        if w.expires >= today and w.used == 0:
            problems.append({"kind": "unused", "waiver": w})
    return problems


def waiver_findings(problems: list[dict], catalogue: dict, source: str) -> list[Finding]:
    """Expired and unused waivers as findings of rules WV01 and WV02 (no personal data)."""
    out = []
    for p in problems:
        w = p["waiver"]
        code = "WV01" if p["kind"] == "expired" else "WV02"
        spec = catalogue.get(code)
        if spec is None:
            continue
        message = spec.message.format(rule=w.rule, fingerprint=w.fingerprint[:12], expires=w.expires.isoformat(),
                                      reviewer=w.reviewer)
        out.append(Finding(rule=spec.code, name=spec.name, severity=spec.severity, principles=spec.principles,
                           source=source, row=None, line=None, field=None, message=message))
    return out


def waiver_toml(rule: str, fingerprint: str, reason: str, reviewer: str, expires: dt.date,
                created: dt.date) -> str:
    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")  # TOML basic string

    return (f"\n[[waiver]]\nrule = {q(rule.upper())}\nfingerprint = {q(fingerprint)}\nreason = {q(reason)}\n"
            f"reviewer = {q(reviewer)}\nexpires = {expires.isoformat()}\ncreated = {created.isoformat()}\n")


def suppressed(f: Finding) -> bool:
    return bool(f.extra.get("suppressed"))


def controls(report, *, files, baseline_path=None, write_baseline=None, key_file=None, waivers_path=None,
             today: dt.date | None = None, environ=os.environ) -> list[Finding]:
    """Apply waivers and a baseline to a report; write a baseline if asked. Returns the findings that
    count towards the exit code: not suppressed, and, with a baseline, new."""
    from .catalogue import load_catalogue

    today = today or dt.date.today()
    waivers_path = waivers_path or find_waivers()
    wanted = baseline_path or write_baseline or waivers_path or key_file
    if not wanted and not environ.get(KEY_ENV):
        return [f for f in report.findings if not suppressed(f)]
    key = read_key(key_file, environ)
    stamp(report.sources, key)
    if waivers_path:
        waivers = read_waivers(Path(waivers_path))
        problems = apply_waivers(report.findings, waivers, today)
        extra = waiver_findings(problems, load_catalogue(), str(waivers_path))
        if extra and report.sources:
            selected = set(report.selected_rules)
            extra = [f for f in extra if f.rule in selected] if selected else extra
            for f, fp in zip(extra, fingerprints(report.sources[0].ctx, extra, key)):
                f.extra["fingerprint"] = fp
            report.sources[0].result.findings.extend(extra)
        report.controls["waivers"] = {
            "file": str(waivers_path), "entries": len(waivers),
            "suppressed": sum(1 for f in report.findings if suppressed(f)),
            "expired": sum(1 for p in problems if p["kind"] == "expired"),
            "unused": sum(1 for p in problems if p["kind"] == "unused"),
        }
    counted = [f for f in report.findings if not suppressed(f)]
    if baseline_path:
        report.controls["baseline"] = apply_baseline(report.findings, read_baseline(Path(baseline_path), key))
        counted = [f for f in counted if f.extra.get("baseline") == "new"]
    if write_baseline:
        from .output import write_private

        write_private(Path(write_baseline), json.dumps(baseline_dict(report.findings, key), indent=1) + "\n",
                      inputs=list(files))
    return counted


def resolve_fingerprint(fingerprint: str, rule: str | None, report_path: Path | None) -> tuple[str, str]:
    """A full fingerprint and its rule, from the command line or looked up in a JSON report."""
    fp = fingerprint.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{8,64}", fp):
        raise ConfigError("a fingerprint is hexadecimal, as a report shows it (fp:…)")
    if report_path is None:
        if not _FP.match(fp):
            raise ConfigError("give the full 32-digit fingerprint, or --report with the JSON report it comes from")
        if not rule:
            raise ConfigError("--rule is required without --report")
        return fp, rule.upper()
    try:
        data = json.loads(Path(report_path).read_text(encoding="utf-8"))
        items = data["findings"]
    except OSError as exc:
        raise ConfigError(f"cannot read {report_path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError):
        raise ConfigError(f"{report_path} is not a dbhygiene JSON report") from None
    hits = {(f.get("extra", {}).get("fingerprint"), f.get("rule")) for f in items if isinstance(f, dict)
            and str(f.get("extra", {}).get("fingerprint", "")).startswith(fp)
            and (rule is None or f.get("rule") == rule.upper())}
    if not hits:
        raise ConfigError(f"no finding with fingerprint {fp} in {report_path} (was DBHYGIENE_BASELINE_KEY set?)")
    if len(hits) > 1:
        raise ConfigError(f"fingerprint prefix {fp} matches {len(hits)} findings: give more digits or --rule")
    full, code = hits.pop()
    return full, code
