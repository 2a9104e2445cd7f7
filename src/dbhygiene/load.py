"""Stage 1: read an export into a frame of text cells, plus the facts about the file.

Every cell is read as text, exactly as written: "12.345.678", leading zeros and dates survive.
Row numbers are fixed here once: ``row`` is the 1-based data record (header excluded) and, for text
sources, ``line`` is the physical line where the record starts (header = line 1, quoted newlines
counted). The input file is only ever opened for reading.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import os
import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .errors import LoadError

DELIMITERS = [",", ";", "\t", "|"]
TEXT_FORMATS = {"csv", "tsv", "txt", "psv", "dsv"}
# Non-ASCII characters typical of Spanish, Portuguese and French text exported from Windows.
LATIN_TEXT_CHARS = set("ÁÉÍÓÚÜÑáéíóúüñÀÂÃÇÈÊÎÔÕÙÛàâãçèêîôõùûÄËÏÖäëïöÿŒœ°ºª¿¡«»“”‘’–—…·´¨€")
MAGIC = {
    b"PK\x03\x04": "zip",
    b"\x1f\x8b": "gzip",
    b"PAR1": "parquet",
    b"\xd0\xcf\x11\xe0": "ole2",
}


@dataclass
class SourceFacts:
    path: str
    size: int
    sha256: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    mode: str | None = None  # POSIX permission bits, e.g. "0644"
    owner: str | None = None
    sheet: str | None = None
    compression: str | None = None
    member: str | None = None
    rows: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Loaded:
    frame: pd.DataFrame  # text cells; RangeIndex; columns as in the header
    facts: SourceFacts
    lines: np.ndarray | None  # physical start line of each record (text sources only)
    notes: list[str] = field(default_factory=list)
    malformed_rows: list[int] = field(default_factory=list)  # rows whose field count was wrong

    @property
    def rows(self) -> np.ndarray:
        return np.arange(1, len(self.frame) + 1)


def _owner(st: os.stat_result) -> str:
    try:
        import pwd

        return pwd.getpwuid(st.st_uid).pw_name
    except (ImportError, KeyError):
        return str(st.st_uid)


def load(path: str | Path, sheet: str | None = None, encoding: str | None = None,
         delimiter: str | None = None) -> Loaded:
    path = Path(path)
    if not path.exists():
        raise LoadError(f"{path}: no such file")
    if path.is_dir():
        raise LoadError(f"{path}: is a directory, not a file")
    try:
        st = path.stat()
        with path.open("rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not data:
        raise LoadError(f"{path}: file is empty")
    # hashlib releases the GIL on large buffers: the digest is computed on another core while this
    # one decodes and parses
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        loaded = _load_file(path, data, st, sheet, encoding, delimiter)
        loaded.facts.sha256 = digest.result()
    return loaded


def _load_file(path: Path, data: bytes, st: os.stat_result, sheet, encoding, delimiter) -> Loaded:
    facts = SourceFacts(
        path=str(path),
        size=len(data),
        sha256="",
        format="",
        mode=f"{st.st_mode & 0o777:04o}",
        owner=_owner(st),
    )
    name = path.name
    kind = _sniff_container(data)
    if kind == "gzip":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise LoadError(f"{path}: gzip stream is truncated or corrupt ({exc})") from None
        facts.compression = "gzip"
        name = name[:-3] if name.lower().endswith(".gz") else name
        if not data:
            raise LoadError(f"{path}: compressed file holds no data")
    elif kind == "zip" and not _is_xlsx(data):
        data, name = _unzip_single(path, data)
        facts.compression = "zip"
        facts.member = name
    loaded = _load_bytes(data, name, facts, sheet, encoding, delimiter)
    loaded.facts.rows = len(loaded.frame)
    return loaded


def _sniff_container(data: bytes) -> str | None:
    for magic, kind in MAGIC.items():
        if data.startswith(magic):
            return kind
    return None


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "[Content_Types].xml" in zf.namelist() and any(
                n.startswith("xl/") for n in zf.namelist())
    except zipfile.BadZipFile:
        return False


def _unzip_single(path: Path, data: bytes) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = [i for i in zf.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
            if len(members) != 1:
                listed = ", ".join(i.filename for i in members[:5]) or "none"
                raise LoadError(f"{path}: zip must hold exactly one file, found {len(members)} ({listed})")
            return zf.read(members[0]), members[0].filename
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise LoadError(f"{path}: zip archive is truncated or corrupt ({exc})") from None
    except RuntimeError as exc:  # encrypted member
        raise LoadError(f"{path}: cannot open zip member ({exc})") from None


def _load_bytes(data: bytes, name: str, facts: SourceFacts, sheet, encoding, delimiter) -> Loaded:
    kind = _sniff_container(data)
    suffix = Path(name).suffix.lower().lstrip(".")
    if kind == "gzip" or (kind == "zip" and not _is_xlsx(data)):
        raise LoadError(f"{facts.path}: nested archives are not supported")
    if kind == "ole2":
        raise LoadError(f"{facts.path}: legacy .xls or password-protected Office file; "
                        "save it as .xlsx (unprotected) or CSV first")
    if kind == "zip":
        facts.format = "xlsx"
        return _load_xlsx(data, facts, sheet)
    if kind == "parquet":
        facts.format = "parquet"
        return _load_parquet(data, facts)
    if sheet is not None:
        raise LoadError(f"{facts.path}: --sheet applies to .xlsx files only")
    doc, facts.encoding = _decode(data, facts.path, encoding)
    stripped = doc.head(4096).lstrip()  # a peek; the whole text is not decoded
    if stripped.startswith("<") and (suffix in ("xml", "html", "htm") or stripped[:5].lower() in ("<?xml", "<html")
                                     or suffix not in TEXT_FORMATS):
        raise LoadError(f"{facts.path}: XML/HTML is not a supported input; export the list as CSV, .xlsx, "
                        "JSON or Parquet")
    if suffix in ("json", "ndjson", "jsonl") or (suffix not in TEXT_FORMATS and stripped[:1] in "[{"):
        facts.format = "ndjson" if suffix in ("ndjson", "jsonl") else "json"
        loaded = _load_json(doc.text.lstrip(), facts)
    else:
        facts.format = "csv"
        loaded = _load_delimited(doc, facts, delimiter)
    loaded.notes[:0] = doc.notes
    return loaded


class Text:
    """A decoded input: the UTF-8 bytes the parsers read, and a ``str`` built only when a caller
    needs all of it (the exact slow path, JSON). A single-byte export (cp1252) keeps its raw bytes
    and a transcoder, so the CSV reader can transcode one piece while pyarrow parses the previous
    one; a UTF-8 one is validated without decoding. The fast path never holds the file as a str."""

    def __init__(self, *, utf8: bytes | None = None, text: str | None = None, raw: bytes | None = None,
                 transcode: Callable[[bytes], bytes] | None = None, notes: list[str] | None = None):
        assert utf8 is not None or text is not None or (raw is not None and transcode is not None)
        self._utf8, self._text, self.raw, self.transcode = utf8, text, raw, transcode
        self.notes = notes or []

    @property
    def single_byte(self) -> bool:
        """Raw bytes in an encoding where every byte is one character: ASCII scans (newlines,
        quotes, delimiters) give the same answers on them, and any cut is a character boundary."""
        return self.raw is not None

    @property
    def scan(self) -> bytes:
        """The bytes to search for ASCII delimiters, quotes and newlines."""
        return self.raw if self.raw is not None else self.utf8

    @property
    def utf8(self) -> bytes:
        if self._utf8 is None:
            self._utf8 = (self.transcode(self.raw) if self.raw is not None
                          else self._text.encode("utf-8", errors="surrogatepass"))
        return self._utf8

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.utf8.decode("utf-8")
        return self._text

    def head(self, chars: int) -> str:
        """About the first ``chars`` characters, without decoding the rest."""
        if self._text is not None:
            return self._text[:chars]
        if self._utf8 is None and self.raw is not None:
            return self.transcode(self.raw[:chars]).decode("utf-8")
        return self.utf8[:chars].decode("utf-8", errors="ignore")  # only a cut last character is lost


def _decode(data: bytes, where: str, encoding: str | None) -> tuple[Text, str]:
    doc, chosen = _decode_text(data, where, encoding)
    sample = doc.head(1 << 16)
    controls = sum(sample.count(ch) for ch in _CONTROL_CHARS)
    if sample and controls > max(2, len(sample) // 100):
        raise LoadError(f"{where}: binary data, not a delimited text, JSON, .xlsx or Parquet file")
    return doc, chosen


# C0 controls other than tab, newline, carriage return and form feed never occur in a text export.
_CONTROL_CHARS = [chr(c) for c in range(32) if chr(c) not in "\t\n\r\f"] + ["\x7f"]
# cp1252 bytes 0x80-0x9F as UTF-8; None where cp1252 leaves the byte undefined.
_CP1252_C1 = {}
for _b in range(0x80, 0xA0):
    try:
        _CP1252_C1[bytes([0xC2, _b])] = bytes([_b]).decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:
        _CP1252_C1[bytes([0xC2, _b])] = None
_C2_C1 = re.compile(rb"\xc2[\x80-\x9f]")


def _is_utf8(data: bytes) -> bool:
    """Validate UTF-8 without building a str (pyarrow's validator is several times faster)."""
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _lenient_cp1252(data: bytes) -> bytes:
    return cp1252_to_utf8(data, strict=False)


def cp1252_to_utf8(data: bytes, strict: bool = True) -> bytes | None:
    """Transcode cp1252 bytes to UTF-8 bytes. The five bytes cp1252 leaves undefined (0x81, 0x8D,
    0x8F, 0x90, 0x9D) give None when ``strict``, else the C1 control of the same number, as Windows
    itself decodes them (nothing is lost).

    cp1252 and latin-1 agree except on 0x80-0x9F, and the latin-1 codec is a plain widening, so the
    bytes go through latin-1 and the few 0x80-0x9F characters (curly quotes, dashes, the euro sign)
    are patched afterwards. Same result as ``data.decode("cp1252").encode("utf-8")`` at about half
    the cost when such characters are rare."""
    if not (np.frombuffer(data, dtype=np.int8) < -96).any():  # no byte in 0x80-0x9F
        return data.decode("latin-1").encode("utf-8")
    utf8 = data.decode("latin-1").encode("utf-8")
    view, parts, start = memoryview(utf8), [], 0
    for match in _C2_C1.finditer(utf8):
        replacement = _CP1252_C1[match.group()]
        if replacement is None:
            if strict:
                return None
            replacement = match.group()
        parts += (view[start:match.start()], replacement)
        start = match.end()
    parts.append(view[start:])
    return b"".join(parts)


# cp1252 as Windows decodes it: the five undefined bytes become the C1 control of the same number.
_CP1252_CHARS = [bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)]
_fallback = threading.local()
_LATIN_UTF8 = re.compile("[\u00c0-\u017f" + re.escape("".join(sorted(LATIN_TEXT_CHARS))) + "]")


def _cp1252_fallback(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as cp1252, and their offsets kept."""
    chunk = exc.object[exc.start:exc.end]
    _fallback.offsets.append(exc.start)
    _fallback.count += len(chunk)
    return "".join(_CP1252_CHARS[b] for b in chunk), exc.end


codecs.register_error("dbhygiene-cp1252-fallback", _cp1252_fallback)


def _decode_mixed(data: bytes) -> tuple[str, int, list[int]]:
    """UTF-8 with stray cp1252 bytes (a file edited on two systems): (text, bytes read as cp1252,
    their offsets)."""
    _fallback.offsets, _fallback.count = [], 0
    try:
        text = data.decode("utf-8", errors="dbhygiene-cp1252-fallback")
        return text, _fallback.count, _fallback.offsets
    finally:
        del _fallback.offsets, _fallback.count


def _first_invalid_utf8(data: bytes, window: int = 1 << 20) -> int:
    """Offset of the first byte that is not UTF-8, decoding a window at a time (a failed decode of
    the whole file would copy all of it into the exception)."""
    view, start = memoryview(data), 0
    while start < len(data):
        stop = min(len(data), start + window)
        for _ in range(3):  # end the window after the character it cuts, not inside it
            if stop < len(data) and 0x80 <= data[stop] <= 0xBF:
                stop += 1
        try:
            bytes(view[start:stop]).decode("utf-8")
        except UnicodeDecodeError as exc:
            return start + exc.start
        start = stop
    return len(data)


def _decode_text(data: bytes, where: str, encoding: str | None) -> tuple[Text, str]:
    if encoding:
        if encoding.lower().replace("_", "-") in ("cp1252", "windows-1252"):
            utf8 = cp1252_to_utf8(data)
            if utf8 is not None:
                return Text(utf8=utf8), encoding
        try:
            return Text(text=data.decode(encoding)), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise LoadError(f"{where}: cannot decode as {encoding} ({exc})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        if _is_utf8(body):
            return Text(utf8=body), "utf-8-sig"
        return Text(text=body.decode("utf-8", errors="replace")), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Text(text=data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:
            raise LoadError(f"{where}: UTF-16 byte-order mark but the text is truncated or corrupt") from None
    head = data[:4096]
    if b"\x00" in head:
        # UTF-16 without a BOM puts a NUL in every other byte of ASCII text.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            return Text(text=data.decode("utf-16-le", errors="replace")), "utf-16-le"
        if even > len(head) // 4 and odd == 0:
            return Text(text=data.decode("utf-16-be", errors="replace")), "utf-16-be"
        raise LoadError(f"{where}: binary data, not a delimited text, JSON, .xlsx or Parquet file")
    if _is_utf8(data):
        return Text(utf8=data), "utf-8"
    first = _first_invalid_utf8(data)
    # judge the encoding where the bytes that are not UTF-8 begin, not by an ASCII head
    sample = data[max(0, first - (1 << 16)): first + (1 << 20)]
    valid = sample.decode("utf-8", errors="ignore")
    stray = len(sample) - len(valid.encode("utf-8"))  # bytes that are not UTF-8
    # Latin letters and punctuation written as well-formed multi-byte UTF-8. Single-byte text forms
    # such sequences only by accident, and then mostly as other characters: cp1252 'É' + no-break
    # space is C9 A0, UTF-8 for 'ɠ'.
    utf8_latin = _LATIN_UTF8.findall(valid)
    if len(utf8_latin) >= 3 and len(utf8_latin) * 50 >= stray:
        # UTF-8 with stray cp1252 bytes: a file edited on two systems, or exports appended to one another
        text, stray, offsets = _decode_mixed(data)
        where, newlines, previous = [], 0, 0
        for at in offsets[:100]:  # in file order: one pass over the bytes, not one per offset
            newlines += data.count(b"\n", previous, at)
            previous = at
            where.append(newlines + 1)
        where = sorted(set(where))
        lines = ", ".join(map(str, where[:5]))
        more = ", ..." if len(where) > 5 or len(offsets) > 100 else ""
        return Text(text=text, notes=[f"mixed encoding: {stray} byte(s) that are not UTF-8 were read as cp1252 "
                                      f"(line {lines}{more})"]), "utf-8+cp1252"
    high = re.findall(r"[^\x00-\x7f]", sample.decode("cp1252", errors="replace"))
    plausible = sum(1 for ch in high if ch in LATIN_TEXT_CHARS)
    if high and plausible >= 0.9 * len(high):  # Spanish/Portuguese/French text as Windows writes it
        return Text(raw=data, transcode=_lenient_cp1252), "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp850",
                                            "mac_roman", "cp1251", "utf_8"]).best()
    chosen = best.encoding if best is not None else "cp1252"
    if chosen == "utf_8":  # the window decoded but the whole file did not: damaged UTF-8
        chosen = "cp1252"
    if chosen in ("latin_1", "iso8859_15") and not any(0x80 <= b <= 0x9F for b in sample):
        chosen = "cp1252"  # identical on the bytes seen; cp1252 is what Windows exports write
    try:
        return Text(text=data.decode(chosen)), chosen.replace("_", "-")
    except UnicodeDecodeError:
        return Text(text=data.decode("latin-1")), "latin-1"


def sniff_delimiter(text: str) -> str:
    """Pick the field delimiter among , ; tab |. It must occur in the header line: a single-column
    file with commas inside its values is not comma-separated."""
    sample = text[: 1 << 16]
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    header = lines[0]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and sniffed in header:
        return sniffed
    if not any(cand in header for cand in DELIMITERS):
        # one column: pick a delimiter that occurs nowhere, so commas in values stay in the value
        return next((cand for cand in DELIMITERS if cand not in sample), ",")
    best, best_score = ",", -1.0
    for cand in DELIMITERS:
        count = header.count(cand)
        if count == 0:
            continue
        consistent = sum(1 for ln in lines[1:] if ln.count(cand) == count)
        score = count + consistent * 2
        if score > best_score:
            best, best_score = cand, score
    return best


def _load_delimited(doc: Text, facts: SourceFacts, delimiter: str | None) -> Loaded:
    head = doc.head(1 << 20)
    if not head.strip() and (not doc.utf8 or doc.text.isspace()):
        raise LoadError(f"{facts.path}: file holds no text")
    facts.delimiter = delimiter or sniff_delimiter(head)
    # scans run on bytes (byte search is several times faster than on a str)
    payload = doc.scan
    end = len(payload)  # trailing newlines are not blank records; nothing is copied
    while end and payload[end - 1] in b"\r\n":
        end -= 1
    has_quotes = payload.find(b'"', 0, end) != -1
    if has_quotes and payload.count(b'"', 0, end) % 2:
        raise LoadError(f"{facts.path}: truncated or malformed: a quoted field is never closed")
    notes: list[str] = []
    malformed: list[int] = []
    frame = _read_fast(head, doc, end, facts.delimiter, has_quotes)
    if frame is None:  # over-long or short records, blank lines, one column: the exact, slower path
        frame, lines, malformed, skipped = _read_ragged(doc.text, facts.delimiter, facts.path)
        if skipped:
            notes.append(f"{skipped} blank line(s) skipped")
        if malformed:
            notes.append(f"{len(malformed)} record(s) had more fields than the header; extra fields were dropped")
    else:
        lines = _physical_lines(frame) if has_quotes else np.arange(2, len(frame) + 2, dtype=np.int64)
    if frame.shape[1] == 0:
        raise LoadError(f"{facts.path}: no header row found")
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        notes.append(f"{int(blank.sum())} blank record(s) skipped")
        keep_mask = ~blank
        frame = frame.loc[keep_mask].reset_index(drop=True)
        lines = lines[keep_mask]
        if malformed:
            new_row = np.cumsum(keep_mask)
            malformed = [int(new_row[r - 1]) for r in malformed if keep_mask[r - 1]]
    return Loaded(frame=frame, facts=facts, lines=lines, notes=notes, malformed_rows=malformed)


def _header(text: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(text[: 1 << 20], newline=""), delimiter=delimiter)
    try:
        return next(reader)
    except (StopIteration, csv.Error):
        return []


PIECE = 1 << 24  # bytes of a single-byte export transcoded per read by pyarrow's reader


class _Transcoding(io.RawIOBase):
    """A read-only stream of UTF-8 transcoded on demand from a single-byte export. pyarrow's CSV
    reader pulls blocks from it on its I/O thread, so each block is transcoded while the parser
    threads (which release the GIL) work on the blocks before it; pyarrow itself finds where
    records end, quoted newlines included."""

    def __init__(self, raw: bytes, end: int, transcode: Callable[[bytes], bytes]):
        super().__init__()
        self._raw, self._end, self._transcode, self._pos, self._buffer = raw, end, transcode, 0, b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self._end * 4 + 1 if size is None or size < 0 else size  # UTF-8: at most 3 bytes a byte
        while len(self._buffer) < size and self._pos < self._end:
            stop = min(self._end, self._pos + max(PIECE, size - len(self._buffer)))
            self._buffer += self._transcode(self._raw[self._pos:stop])  # any cut is a character boundary
            self._pos = stop
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def _read_fast(head: str, doc: Text, end: int, delimiter: str, has_quotes: bool) -> pd.DataFrame | None:
    """pyarrow's multithreaded CSV reader, every column as text. None when a record's field count
    differs from the header's, blank lines included (the caller then takes the exact slow path, which
    keeps such records and counts physical lines right). A single-byte export is streamed through
    ``_Transcoding``, so transcoding and parsing overlap."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = _header(head, delimiter)
    if len(header) < 2:  # a blank line would read as a valid one-field record; take the exact path
        return None
    names = [f"c{i}" for i in range(len(header))]
    invalid: list[int] = []

    def on_invalid(row) -> str:
        invalid.append(row.number)
        return "skip"

    if doc.single_byte:
        source = pa.PythonFile(_Transcoding(doc.raw, end, doc.transcode), mode="r")
    else:
        payload = doc.utf8
        source = pa.BufferReader(pa.py_buffer(payload[:end] if end < len(payload) - 2 else payload))  # zero-copy
    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=has_quotes,
                                             ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True,
                                                 null_values=[""]),
        )
    except pa.ArrowInvalid:
        return None
    if invalid:
        return None
    columns = _unique_columns([h.strip() for h in header])
    return pd.DataFrame({col: pd.Series(pd.array(table.column(i), dtype="str"))
                         for i, col in enumerate(columns)})


def _read_ragged(text: str, delimiter: str, where: str = "input") -> tuple[pd.DataFrame, np.ndarray, list[int], int]:
    """Slow path for files with over-long records: keep every record, cut to the header's width."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        width = len(header)
        records, lines, malformed, skipped = [], [], [], 0
        start = reader.line_num + 1
        for fields in reader:
            if not fields:
                start = reader.line_num + 1
                skipped += 1
                continue
            if len(fields) > width:
                malformed.append(len(records) + 1)
            records.append((fields + [None] * width)[:width])
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LoadError(f"{where}: malformed delimited text near line {reader.line_num}: {exc}") from None
    frame = pd.DataFrame(records, columns=_unique_columns([h.strip() for h in header]), dtype="str").replace("", pd.NA)
    return frame, np.asarray(lines, dtype=np.int64), malformed, skipped


def _physical_lines(frame: pd.DataFrame) -> np.ndarray:
    """Line where each record starts: header is line 1; quoted newlines push later records down."""
    import pyarrow as pa
    import pyarrow.compute as pc

    extra = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns:
        arr = pa.array(frame[column].array)
        if not pc.any(pc.fill_null(pc.match_substring(arr, "\n"), False)).as_py():
            continue
        extra += pc.fill_null(pc.count_substring(arr, "\n"), 0).to_numpy(zero_copy_only=False)
    # newlines inside the header itself
    header_extra = sum(str(c).count("\n") for c in frame.columns)
    before = np.concatenate(([0], np.cumsum(extra)[:-1])) if len(extra) else extra
    return np.arange(2, len(frame) + 2, dtype=np.int64) + before + header_extra


def _stringify(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for column in frame.columns:
        col = frame[column]
        if pd.api.types.is_datetime64_any_dtype(col):
            values = col.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(col):
            values = col.map(lambda v: None if pd.isna(v) else (str(int(v)) if float(v).is_integer() else repr(v)))
        else:
            values = col.map(_cell_text, na_action="ignore")
        out[str(column).strip()] = values.astype("str")
    result = pd.DataFrame(out)
    return result.replace("", pd.NA) if len(result) else result


def _cell_text(value) -> str | None:
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _load_xlsx(data: bytes, facts: SourceFacts, sheet: str | None) -> Loaded:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise LoadError(f"{facts.path}: cannot open workbook ({type(exc).__name__}: {exc})") from None
    try:
        names = workbook.sheetnames
        if sheet is None:
            target = names[0]
        elif sheet in names:
            target = sheet
        else:
            raise LoadError(f"{facts.path}: no sheet named '{sheet}' (sheets: {', '.join(names)})")
        facts.sheet = target
        rows = workbook[target].iter_rows(values_only=True)  # from sheet row 1, gaps filled
        header, header_row, notes = _xlsx_header(rows, facts.path, target)
        width = len(header)
        while width and header[width - 1] is None:
            width -= 1
        columns = _unique_columns([(_cell_text(h) or "").strip() or f"column_{i + 1}"
                                   for i, h in enumerate(header[:width])])
        body = [[_cell_text(v) for v in r[:width]] for r in rows]
    finally:
        workbook.close()
    frame = pd.DataFrame(body, columns=columns, dtype="str") if body else pd.DataFrame(
        {c: pd.Series([], dtype="str") for c in columns})
    lines = np.arange(header_row + 1, header_row + 1 + len(frame), dtype=np.int64)  # the sheet's row numbers
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        notes.append(f"{int(blank.sum())} blank row(s) skipped")
        frame = frame.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    return Loaded(frame=frame, facts=facts, lines=lines, notes=notes)


def _xlsx_header(rows, where: str, sheet: str) -> tuple[tuple, int, list[str]]:
    """The header is the first row with two or more filled cells (in a one-column sheet, the first
    filled row): title and blank rows above it are skipped, and the notes say so."""
    seen_filled = False
    for number, row in enumerate(rows, start=1):
        filled = sum(1 for v in row if v is not None and str(v).strip())
        if filled >= 2 or (filled == 1 and len(row) == 1):
            notes = [f"header on sheet row {number}; {number - 1} row(s) above it skipped"] if number > 1 else []
            return row, number, notes
        seen_filled = seen_filled or filled > 0
        if number >= 50:
            break
    if not seen_filled:
        raise LoadError(f"{where}: sheet '{sheet}' is empty")
    raise LoadError(f"{where}: sheet '{sheet}' has no header row (two or more filled cells) in its first 50 rows")


def _json_loads(text: str):
    # Numbers stay as written: a DNI 20123456 is "20123456", an amount 1.50 is "1.50".
    return json.loads(text, parse_int=str, parse_float=str)


def _load_json(text: str, facts: SourceFacts) -> Loaded:
    try:
        if facts.format == "ndjson":
            records = [_json_loads(ln) for ln in text.splitlines() if ln.strip()]
        else:
            try:
                records = _json_loads(text)
            except json.JSONDecodeError as exc:
                if "Extra data" in str(exc):
                    facts.format = "ndjson"
                    records = [_json_loads(ln) for ln in text.splitlines() if ln.strip()]
                else:
                    raise
    except json.JSONDecodeError as exc:
        raise LoadError(f"{facts.path}: invalid or truncated JSON (line {exc.lineno}: {exc.msg})") from None
    if isinstance(records, dict):
        lists = [v for v in records.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise LoadError(f"{facts.path}: JSON object must hold exactly one list of records")
        records = lists[0]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise LoadError(f"{facts.path}: JSON must be a list of objects (one record each)")
    if not records:
        raise LoadError(f"{facts.path}: JSON holds no records")
    keys = list(dict.fromkeys(k for r in records for k in r))
    columns = _unique_columns([str(k).strip() for k in keys])
    frame = pd.DataFrame({col: pd.Series([_cell_text(r.get(key)) for r in records], dtype="str")
                          for key, col in zip(keys, columns)})
    frame = frame.replace("", pd.NA)
    return Loaded(frame=frame, facts=facts, lines=None)


def _unique_columns(names: list[str]) -> list[str]:
    """Duplicate headers get a suffix, as pandas does for CSV: "a", "a.1"."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            candidate = f"{name}.{seen[name]}"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name}.{seen[name]}"
            seen[candidate] = 0
            out.append(candidate)
        else:
            seen[name] = 0
            out.append(name)
    return out


def _load_parquet(data: bytes, facts: SourceFacts) -> Loaded:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for damaged files
        raise LoadError(f"{facts.path}: cannot read Parquet ({exc})") from None
    try:
        frame = table.to_pandas(integer_object_nulls=True, date_as_object=True, timestamp_as_object=True)
    except Exception as exc:  # e.g. out-of-range timestamps
        raise LoadError(f"{facts.path}: cannot convert Parquet columns ({exc})") from None
    frame.columns = _unique_columns([str(c).strip() for c in frame.columns])
    return Loaded(frame=_stringify(frame), facts=facts, lines=None)
