"""Stage 1: read an export into a frame of text cells, plus the facts about the file.

Every cell is read as text, exactly as written: "12.345.678", leading zeros and dates survive.
Row numbers are fixed here once: ``row`` is the 1-based data record (header excluded) and, for text
sources, ``line`` is the physical line where the record starts (header = line 1, quoted newlines
counted). The input file is only ever opened for reading.

Modules: ``source`` (opening, facts), ``archive`` (gzip/zip), ``encoding``/``cp1252``/``text``
(decoding), ``dispatch`` (which reader), one module per format (``delimited``, ``xlsx``,
``jsonfmt``, ``xmlfmt``, ``parquet``), ``records`` (list-valued fields), ``cells`` (typed cells to text),
``header`` (where the header row is, or that there is none), ``layouts`` (known headerless layouts),
``content`` (a headerless file's columns mapped by content), ``ragged`` (short and long records
of delimited text made regular on the bytes, vectorised, so the fast reader reads them).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .archive import gunzip, is_xlsx, sniff_container, unzip_single
from .cp1252 import cp1252_to_utf8
from .delimited import sniff_delimiter
from .dispatch import read_bytes
from .encoding import first_invalid_utf8
from ..opening import known_sha256
from .limits import Limits, parse_size
from .protection import decrypt, sniff_encryption, surroundings
from .source import Loaded, Options, SourceFacts, new_facts, read_source

__all__ = ["load", "Loaded", "SourceFacts", "Options", "cp1252_to_utf8", "first_invalid_utf8", "sniff_delimiter",
           "Limits", "parse_size"]


def load(path: str | Path, sheet: str | None = None, encoding: str | None = None,
         delimiter: str | None = None, max_input_size: int | None = None,
         record_path: str | None = None, password: str | None = None, header_row: int | None = None,
         no_header: bool = False) -> Loaded:
    """Read ``path``. ``max_input_size`` (bytes) replaces the default size and expansion limits;
    ``record_path`` says where the records of an XML or JSON document are; ``password`` decrypts an
    encrypted Office file or zip member in memory (nothing decrypted is written anywhere);
    ``header_row`` (1-based) and ``no_header`` decide where the header of a sheet or delimited file
    is (see ``header``)."""
    path = Path(path)
    options = Options(sheet=sheet, encoding=encoding, delimiter=delimiter,
                      limits=Limits.from_option(max_input_size), record_path=record_path, password=password,
                      header_row=header_row, no_header=no_header)
    data, st = read_source(path, options.limits)
    known = known_sha256(data)  # a prefetch hashed it while the command line imported pandas
    # else hashlib releases the GIL on large buffers: hashed on another core while this one parses
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = None if known else pool.submit(lambda: hashlib.sha256(data).hexdigest())
        loaded = _load_file(path, data, st, options)
        loaded.facts.sha256 = known or digest.result()
    surroundings(path, loaded.facts.sha256, loaded.facts.protection)
    return loaded


def _load_file(path: Path, data: bytes, st, options: Options) -> Loaded:
    facts = new_facts(path, data, st)
    name = path.name
    encrypted = sniff_encryption(data)
    if encrypted:
        facts.protection.encrypted = encrypted
        if options.password is None:
            return _locked(facts, encrypted)
        data = decrypt(data, encrypted, options.password, str(path))
        facts.protection.decrypted = True
    kind = sniff_container(data)
    if kind == "gzip":
        data = gunzip(path, data, options.limits)
        facts.compression = "gzip"
        name = name[:-3] if name.lower().endswith(".gz") else name
    elif kind == "zip" and not is_xlsx(data):
        data, name = unzip_single(path, data, options.limits, options.password)
        facts.compression = "zip"
        facts.member = name
    loaded = read_bytes(data, name, facts, options)
    options.limits.check_columns(str(path), len(loaded.frame.columns))  # every format (JSON keys, XML paths...)
    loaded.facts.rows = len(loaded.frame)
    return loaded


def _locked(facts: SourceFacts, encrypted: str) -> Loaded:
    """An encrypted file read without its key: no records, the content not assessable (the file
    rules still judge the file itself)."""
    import pandas as pd

    facts.format = "encrypted"
    facts.protection.readable = False
    return Loaded(frame=pd.DataFrame(), facts=facts, lines=None,
                  notes=[f"the content is encrypted ({encrypted}); it is not assessable without the key "
                         "(an Office file or ZipCrypto member can be read with --password-env VAR)"])
