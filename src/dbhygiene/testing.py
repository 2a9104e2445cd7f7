"""Run a rule's YAML examples. Public so that plugin rules can reuse it in their own tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from pathlib import Path

from .api import Settings, check_path
from .catalogue import RuleSpec, load_catalogue

DEFAULT_AS_OF = dt.date(2026, 11, 22)


def iter_examples(catalogue: dict[str, RuleSpec] | None = None):
    for spec in (catalogue or load_catalogue()).values():
        for example in spec.examples:
            yield spec, example


def run_example(spec: RuleSpec, example: dict, messages: bool = False) -> list[tuple]:
    """Return the findings of one example as sorted [row, field, code] triples (with ``messages``:
    [row, code, message] triples, personal data shown, for an example's ``messages:`` list)."""
    suffix = example.get("suffix", ".xlsx" if "workbook" in example else ".csv")
    with tempfile.TemporaryDirectory() as tmp:
        path = _write_example(Path(tmp), f"{spec.code}_{example['name']}{suffix}", example)
        settings = Settings(
            select=example.get("select", [spec.code]),
            profile=example.get("profile", "generic"),
            as_of=dt.date.fromisoformat(str(example.get("as_of", DEFAULT_AS_OF))),
            date_format=example.get("date_format"),
            columns=example.get("columns", {}),
            rule_options={spec.code: example.get("options", {})},
            show_pii=messages,
        )
        if "filesystem" in example:  # the example's folder as a mount of that type (e.g. vfat)
            from .load import protection

            real = protection.read_mounts
            protection.read_mounts = lambda: f"{real() or ''}\nexample {path.parent} {example['filesystem']} rw 0 0\n"
            try:
                ctx, result = check_path(path, settings)
            finally:
                protection.read_mounts = real
        else:
            ctx, result = check_path(path, settings)
        findings = result.findings
        if "waivers" in example:
            findings = _with_waivers(ctx, findings, example, Path(tmp), settings)
    if messages:
        return sorted(([f.row, f.rule, f.message] for f in findings), key=lambda t: (t[0] or 0, t[1], t[2]))
    return sorted(([f.row, f.field, f.rule] for f in findings), key=lambda t: (t[0] or 0, t[2], str(t[1])))


def _write_example(tmp: Path, name: str, example: dict) -> Path:
    """The example's file, in ``folder`` (a subfolder, e.g. public_html) with ``mode`` and the folder's
    ``dir_mode`` if given, and ``sidecars`` beside it ({sha256} in their text: the file's digest)."""
    folder = tmp / example["folder"] if "folder" in example else tmp
    folder.mkdir(parents=True, exist_ok=True)
    data = build_workbook(example["workbook"]) if "workbook" in example else example["csv"].encode(
        example.get("encoding", "utf-8"))
    path = folder / name
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    for side, text in (example.get("sidecars") or {}).items():
        (folder / side.replace("{name}", name)).write_text(text.replace("{sha256}", digest).replace("{name}", name),
                                                           encoding="utf-8")
    if "mode" in example:
        os.chmod(path, int(str(example["mode"]), 8))
    if "dir_mode" in example:
        os.chmod(folder, int(str(example["dir_mode"]), 8))
    return path


def build_workbook(spec: dict) -> bytes:
    """An .xlsx from an example's ``workbook``: ``sheets`` (name, rows, state: hidden|veryHidden,
    hidden_rows: 1-based numbers, hidden_columns: letters), ``properties`` (creator, lastModifiedBy)
    and ``parts`` (extra zip parts by path, e.g. xl/vbaProject.bin, xl/externalLinks/externalLink1.xml)."""
    import io
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in spec.get("sheets") or [{"name": "Sheet1", "rows": []}]:
        ws = wb.create_sheet(str(sheet["name"]))
        for row in sheet.get("rows") or []:
            ws.append(list(row))
        ws.sheet_state = sheet.get("state", "visible")
        for number in sheet.get("hidden_rows") or []:
            ws.row_dimensions[int(number)].hidden = True
        for letter in sheet.get("hidden_columns") or []:
            ws.column_dimensions[str(letter)].hidden = True
    for key, value in (spec.get("properties") or {}).items():
        setattr(wb.properties, key, value)
    if not any(s.get("state", "visible") == "visible" for s in spec.get("sheets") or [{}]):
        raise ValueError("a workbook needs one visible sheet")
    out = io.BytesIO()
    wb.save(out)
    parts = spec.get("parts") or {}
    if not parts:
        return out.getvalue()
    merged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as src, zipfile.ZipFile(merged, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for name, text in parts.items():
            dst.writestr(name, text)
    return merged.getvalue()


def _with_waivers(ctx, findings, example: dict, tmp: Path, settings) -> list:
    """Apply an example's ``waivers`` (TOML) as ``check`` does; ``{fingerprint:CODE:ROW}`` in it stands
    for the fingerprint of that finding under a fixed example key. Suppressed findings are dropped."""
    from .baseline import apply_waivers, fingerprints, read_waivers, waiver_findings

    key = b"dbhygiene rule-example key (not a secret)"
    for f, fp in zip(findings, fingerprints(ctx, findings, key)):
        f.extra["fingerprint"] = fp

    def fingerprint_of(match) -> str:
        return next(f.extra["fingerprint"] for f in findings if f.rule == match[1] and f.row == int(match[2]))

    path = tmp / "dbhygiene-waivers.toml"
    path.write_text(re.sub(r"\{fingerprint:(\w+):(\d+)\}", fingerprint_of, example["waivers"]), encoding="utf-8")
    problems = apply_waivers(findings, read_waivers(path), today=settings.as_of)
    extra = [f for f in waiver_findings(problems, load_catalogue(), str(path)) if f.rule in settings.select]
    return [f for f in [*findings, *extra] if not f.extra.get("suppressed")]


def expected(example: dict) -> list[list]:
    return sorted((list(t) for t in example.get("findings") or []), key=lambda t: (t[0] or 0, t[2], str(t[1])))
