"""The decoded form of a text export, and a stream that transcodes a single-byte export on demand."""

from __future__ import annotations

import io
from typing import Callable


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


PIECE = 1 << 24  # bytes of a single-byte export transcoded per read by pyarrow's reader


class Transcoding(io.RawIOBase):
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


