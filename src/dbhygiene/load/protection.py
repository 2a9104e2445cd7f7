"""Is the file protected? Facts for the file rules (FP family), gathered while loading; nothing here
judges, and nothing is ever written: the input is opened read-only, a decrypted copy lives in memory.

* **Encryption** recognised on the bytes: Office documents encrypted with a password (OLE2
  container holding an ``EncryptionInfo`` stream, via msoffcrypto-tool), zip members with the
  encryption flag (ZipCrypto or WinZip AES), OpenPGP messages (binary packets or ASCII armour)
  and age files. With a password (``--password-env VAR``) an Office file or a ZipCrypto member is
  decrypted in memory and read; otherwise its content is not assessable.
* **Surroundings**: the folder's mode (world-writable, sticky), whether POSIX modes mean anything on
  the filesystem holding the file, and checksum or signature files beside it (``FILE.sha256``,
  ``SHA256SUMS``, ``FILE.sig``/``.asc``/``.minisig``); a checksum is compared with the file's SHA-256.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LoadError

CHECKSUM_SUFFIXES = (".sha256", ".sha256sum", ".sha256.txt")
CHECKSUM_LISTS = ("SHA256SUMS", "SHA256SUMS.txt", "sha256sums.txt", "CHECKSUMS", "checksums.sha256")
SIGNATURE_SUFFIXES = (".sig", ".asc", ".minisig", ".p7s")
# filesystems whose files carry no POSIX owner or modes (what `mount` shows is made up)
NO_POSIX_FS = frozenset({"vfat", "msdos", "exfat", "ntfs", "ntfs3", "fuseblk", "cifs", "smb3", "smbfs", "9p",
                         "iso9660", "udf", "hfsplus"})
_SHA256 = re.compile(rb"(?<![0-9a-fA-F])([0-9a-fA-F]{64})(?![0-9a-fA-F])")


@dataclass
class Protection:
    encrypted: str | None = None  # what protects the content ("Office document encryption (agile)", "age"...)
    decrypted: bool = False  # read with a password given through --password-env, in memory only
    readable: bool = True  # False: encrypted and no key, the content is not assessable
    dir_path: str | None = None
    dir_mode: str | None = None
    dir_sticky: bool = False
    posix: str | None = None  # None: POSIX modes are meaningful here; else why they are not
    sidecars: list[dict] = field(default_factory=list)  # {path, kind, status}
    looked_for: list[str] = field(default_factory=list)  # sidecar names looked for
    workbook: dict | None = None  # spreadsheet hygiene facts (see workbook_facts)

    def as_dict(self) -> dict:
        return {"encrypted": self.encrypted, "decrypted": self.decrypted, "readable": self.readable,
                "folder_mode": self.dir_mode, "posix_modes": self.posix is None, "posix_note": self.posix,
                "integrity": [dict(s) for s in self.sidecars]}


# --- encryption -----------------------------------------------------------------------------------


def _openpgp(data: bytes) -> bool:
    """A binary OpenPGP message starts with a public-key (tag 1) or symmetric-key (tag 3) encrypted
    session key packet; the version byte after the length is checked too, so a text file that merely
    starts with a byte above 0x7f (UTF-8 'Á' is 0xC3) is not mistaken for one."""
    if len(data) < 4 or not data[0] & 0x80:
        return False
    b = data[0]
    if b & 0x40:  # new format: tag in the low six bits, then a length of one, two or five octets
        tag, first = b & 0x3F, data[1]
        skip = 1 if first < 192 else 2 if first < 224 else 5 if first == 255 else None
    else:  # old format: tag in bits 5-2, length type in bits 1-0
        tag, skip = (b >> 2) & 0x0F, {0: 1, 1: 2, 2: 4}.get(b & 0x03)
    if skip is None or len(data) < 3 + skip:
        return False
    version = data[1 + skip]
    if tag == 1:
        return version in (3, 6)
    if tag == 3:
        return version in (4, 5, 6) and 1 <= data[2 + skip] <= 13
    return False


def sniff_encryption(data: bytes) -> str | None:
    """What encrypts these bytes, or None. Cheap: magic bytes, and a zip's or OLE2's directory."""
    head = data[:64].lstrip()
    if data.startswith(b"age-encryption.org/v1\n") or head.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----"):
        return "age"
    if head.startswith(b"-----BEGIN PGP MESSAGE-----"):
        return "OpenPGP (ASCII armour)"
    if _openpgp(data):
        return "OpenPGP"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _office_encryption(data)
    if data.startswith(b"PK\x03\x04"):
        return _zip_encryption(data)
    return None


def _office_encryption(data: bytes) -> str | None:
    import msoffcrypto

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        if not office.is_encrypted():
            return None
    except Exception:  # a damaged or legacy OLE2 file: not recognised as encrypted; the reader says why
        return None
    kind = getattr(office, "type", None)
    return f"Office document encryption ({kind})" if kind else "Office document encryption"


def _zip_encryption(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            locked = [i for i in zf.infolist() if i.flag_bits & 0x1]
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, ValueError):
        return None
    if not locked:
        return None
    method = "WinZip AES" if any(i.compress_type == 99 for i in locked) else "ZipCrypto"
    return f"zip member encrypted ({method})"


def decrypt(data: bytes, encrypted: str, password: str, where: str) -> bytes:
    """The decrypted bytes, in memory (never on disk); a ZipCrypto archive is returned as it is, for
    the zip reader to decrypt (``archive.unzip_single``). A wrong password or an encryption this tool
    cannot open is an input error."""
    if encrypted.startswith("Office"):
        import msoffcrypto

        try:
            office = msoffcrypto.OfficeFile(io.BytesIO(data))
            office.load_key(password=password)
            out = io.BytesIO()
            office.decrypt(out)
        except Exception as exc:
            kind = type(exc).__name__
            reason = "wrong password" if "Key" in kind or "password" in str(exc).lower() else kind
            raise LoadError(f"{where}: cannot decrypt the Office file ({reason})") from None
        return out.getvalue()
    if encrypted == "zip member encrypted (ZipCrypto)":
        return data  # the zip reader decrypts the member as it streams it, under the input limits
    raise LoadError(f"{where}: {encrypted} cannot be decrypted by dbhygiene; decrypt it with its own tool "
                    "into a private folder, or check it without a key (its content is then not assessable)")


# --- surroundings ---------------------------------------------------------------------------------


def read_mounts() -> str | None:
    """The mount table (Linux). A seam: the rule examples replace it to put a file on a FAT mount."""
    try:
        return Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _mount_fs(path: Path, mounts: str | None) -> str | None:
    """The filesystem type of the mount holding ``path`` (longest mount point that is a prefix)."""
    if mounts is None:
        mounts = read_mounts()
        if mounts is None:
            return None
    best, fstype = "", None
    target = str(path)
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        if (target == point or target.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, fstype = point, parts[2]
    return fstype


def posix_note(path: Path, mounts: str | None = None) -> str | None:
    """None when the file's POSIX modes mean something; else why they do not."""
    if os.name != "posix":
        return f"{os.name} systems have no POSIX file modes"
    fstype = _mount_fs(path, mounts)
    if fstype in NO_POSIX_FS:
        return f"the {fstype} filesystem holding the file has no POSIX modes"
    return None


def surroundings(path: Path, sha256: str, protection: Protection, mounts: str | None = None) -> None:
    """Fill ``protection`` with the folder's mode, the filesystem note and the sidecars' statuses."""
    path = path.absolute()
    folder = path.parent
    protection.posix = posix_note(path, mounts)
    try:
        st = os.stat(folder)
        protection.dir_path = str(folder)
        protection.dir_mode = f"{st.st_mode & 0o7777:04o}"
        protection.dir_sticky = bool(st.st_mode & stat.S_ISVTX)
    except OSError:
        pass
    names = [path.name + s for s in CHECKSUM_SUFFIXES] + list(CHECKSUM_LISTS) + [path.name + s for s in SIGNATURE_SUFFIXES]
    protection.looked_for = ["FILE.sha256", "SHA256SUMS", "FILE.sig, .asc or .minisig"]  # FILE: the file's name
    for name in names:
        side = folder / name
        try:
            if not side.is_file():
                continue
        except OSError:
            continue
        if name.endswith(SIGNATURE_SUFFIXES):
            protection.sidecars.append({"path": name, "kind": "signature", "status": "present (not verified)"})
            continue
        protection.sidecars.append({"path": name, "kind": "checksum",
                                    "status": _checksum_status(side, path.name, sha256, listing=name in CHECKSUM_LISTS)})


def _checksum_status(side: Path, name: str, sha256: str, listing: bool) -> str:
    """'matches', 'mismatch', 'no entry' (a list without this file) or 'unreadable'. A list
    (``SHA256SUMS``) is read line by line for this file's name; a single checksum file's first digest counts."""
    try:
        with side.open("rb") as fh:
            text = fh.read(1 << 20)  # a checksum file is small; a huge one is not read whole
    except OSError:
        return "unreadable"
    if listing:
        for line in text.splitlines():
            m = _SHA256.search(line)
            if m and line[m.end():].strip().lstrip(b"*").strip().decode("utf-8", "replace").split("/")[-1] == name:
                return "matches" if m.group(1).decode().lower() == sha256 else "mismatch"
        return "no entry"
    m = _SHA256.search(text)
    if not m:
        return "unreadable"
    return "matches" if m.group(1).decode().lower() == sha256 else "mismatch"


# --- spreadsheet hygiene --------------------------------------------------------------------------

_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_HIDDEN_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*\bhidden=\"(?:1|true)\"[^>]*?(/?)>", re.S)
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_HIDDEN_COL = re.compile(rb"<(?:\w+:)?col\b[^>]*\bhidden=\"(?:1|true)\"[^>]*/?>")
_VALUE_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*\br=\"([A-Z]{1,3})\d+\"[^>]*>\s*<(?:\w+:)?(?:v|is|f)\b")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_PROPERTY = re.compile(rb"<((?:\w+:)?(?:creator|lastModifiedBy))\b[^>]*>([^<]{1,400})</")
_APP_PROPERTY = re.compile(rb"<((?:\w+:)?(?:Manager|Company))\b[^>]*>([^<]{1,400})</")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _unescape(raw: bytes) -> str:
    import html

    return html.unescape(raw.decode("utf-8", "replace"))


def workbook_facts(data: bytes) -> dict:
    """What an .xlsx hides or carries besides its cells, read from its XML parts with regular
    expressions (no formula is evaluated, no link followed, no macro run): hidden and very hidden
    sheets, hidden rows and columns that hold values, external links, a macro project, formulas and
    the document properties that name people. The part sizes were checked against the input limits."""
    facts: dict = {"hidden_sheets": [], "very_hidden_sheets": [], "hidden_rows": {}, "hidden_columns": {},
                   "external_links": 0, "macros": False, "formulas": {}, "people_properties": {}}
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile):
        return facts
    with zf:
        names = set(zf.namelist())

        def part(name: str) -> bytes:
            try:
                return zf.read(name) if name in names else b""
            except (zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError, zlib.error):
                return b""

        targets = {}
        for m in _REL.finditer(part("xl/_rels/workbook.xml.rels")):
            attrs = dict(_ATTR.findall(m.group(1)))
            target = attrs.get(b"Target", b"").decode("utf-8", "replace").lstrip("/")
            targets[attrs.get(b"Id", b"")] = target if target.startswith("xl/") else "xl/" + target
        sheet_parts = {}
        for m in _SHEET.finditer(part("xl/workbook.xml")):
            attrs = dict(_ATTR.findall(m.group(1)))
            name = _unescape(attrs.get(b"name", b""))
            state = attrs.get(b"state", b"visible")
            if state == b"hidden":
                facts["hidden_sheets"].append(name)
            elif state == b"veryHidden":
                facts["very_hidden_sheets"].append(name)
            rid = next((v for k, v in attrs.items() if k.endswith(b":id")), None)
            if rid in targets:
                sheet_parts[targets[rid]] = name
        for name in sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            label = sheet_parts.get(name, name.rsplit("/", 1)[-1])
            xml = part(name)
            rows = _hidden_rows_with_values(xml)
            if rows:
                facts["hidden_rows"][label] = rows
            cols = _hidden_columns_with_values(xml)
            if cols:
                facts["hidden_columns"][label] = cols
            formulas = len(_FORMULA.findall(xml))
            if formulas:
                facts["formulas"][label] = formulas
        facts["external_links"] = sum(1 for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml"))
        content_types = part("[Content_Types].xml")
        facts["macros"] = any(n.endswith("vbaProject.bin") for n in names) or b"macroEnabled" in content_types
        for m in _PROPERTY.finditer(part("docProps/core.xml")):
            value = _unescape(m.group(2)).strip()
            if value:
                facts["people_properties"][m.group(1).decode().split(":")[1]] = value
        for m in _APP_PROPERTY.finditer(part("docProps/app.xml")):
            value = _unescape(m.group(2)).strip()
            if value and m.group(1).endswith(b"Manager"):
                facts["people_properties"]["manager"] = value
    return facts


def _hidden_rows_with_values(xml: bytes) -> int:
    count = 0
    for m in _HIDDEN_ROW.finditer(xml):
        if m.group(1):  # <row .../>: an empty hidden row
            continue
        end = _ROW_END.search(xml, m.end())
        body = xml[m.end():end.start() if end else len(xml)]
        if re.search(rb"<(?:\w+:)?(?:v|is|f)\b", body):
            count += 1
    return count


def _hidden_columns_with_values(xml: bytes) -> int:
    ranges = []
    for m in _HIDDEN_COL.finditer(xml):
        attrs = dict(_ATTR.findall(m.group(0)))
        try:
            ranges.append((int(attrs.get(b"min", b"0")), int(attrs.get(b"max", b"0"))))
        except ValueError:
            continue
    if not ranges:
        return 0
    used = {_col_number(c) for c in set(_VALUE_CELL.findall(xml))}
    return sum(1 for c in used if any(lo <= c <= hi for lo, hi in ranges))
