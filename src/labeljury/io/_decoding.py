"""An input file's bytes and text: decompressed by its suffix, decoded from UTF-8/16/32.

Every reader opens files through here, so the same rules hold everywhere:
``.gz`` / ``.bz2`` / ``.zst`` / ``.xz`` / ``.zip`` (one file inside) are
decompressed wherever a path is accepted; text is UTF-8 (a byte-order mark is
skipped) or UTF-16/32 (a byte-order mark, or UTF-16 recognised by its zero
bytes); anything else is an :class:`~labeljury.errors.InputError` naming the
line.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import zipfile
import zlib
from typing import IO

from .._files import register_input
from ..errors import EmptyInputError, InputError, preview

__all__ = ["COMPRESSIONS", "decode", "inner_suffix", "open_text", "read_bytes"]

COMPRESSIONS = {
    ".gz": "gzip",
    ".gzip": "gzip",
    ".bz2": "bz2",
    ".zst": "zstd",
    ".zstd": "zstd",
    ".xz": "xz",
    ".zip": "zip",
}


def inner_suffix(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """``(".csv", "gzip")`` for ``answers.csv.gz``; ``(".csv", None)`` for ``answers.csv``.

    Examples
    --------
    >>> inner_suffix("a/answers.CSV.gz"), inner_suffix("x.parquet")
    (('.csv', 'gzip'), ('.parquet', None))
    """
    name = os.path.basename(os.fspath(path)).lower()
    root, ext = os.path.splitext(name)
    comp = COMPRESSIONS.get(ext)
    if comp is None:
        return ext, None
    return os.path.splitext(root)[1], comp


def _zip_member(path: str) -> tuple[zipfile.ZipFile, str]:
    zf = zipfile.ZipFile(path)
    names = [n for n in zf.namelist() if not n.endswith("/") and not n.startswith("__MACOSX")]
    if len(names) != 1:
        zf.close()
        raise InputError(
            f"{path}: a .zip must hold exactly one file to be read as a table, it "
            f"holds {len(names)} ({preview(names)}); unzip it and name the file"
        )
    return zf, names[0]


def _check_exists(path: str) -> None:
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; expected a file")
    if os.path.getsize(path) == 0:
        raise EmptyInputError(f"{path}: the file is empty")


_DECOMPRESS_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    ValueError,
)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, decompressed when its name ends in a compression suffix."""
    path = os.fspath(path)
    _check_exists(path)
    register_input(path)
    comp = inner_suffix(path)[1]
    try:
        if comp is None:
            with open(path, "rb") as fh:
                return fh.read()
        if comp == "gzip":
            return gzip.decompress(open(path, "rb").read())
        if comp == "bz2":
            return bz2.decompress(open(path, "rb").read())
        if comp == "xz":
            return lzma.decompress(open(path, "rb").read())
        if comp == "zstd":
            import zstandard

            with open(path, "rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as r:
                return r.read()
        zf, name = _zip_member(path)
        with zf:
            return zf.read(name)
    except InputError:
        raise
    except ImportError as exc:
        raise InputError(
            f"{path}: reading .zst files needs the 'zstandard' package (pip install zstandard)"
        ) from exc
    except _DECOMPRESS_ERRORS as exc:
        raise InputError(
            f"{path}: cannot read it as a {comp or 'plain'} file ({exc}); is it "
            "truncated or compressed differently than its name says?"
        ) from exc
    except Exception as exc:  # zstandard.ZstdError and friends
        raise InputError(f"{path}: cannot decompress ({type(exc).__name__}: {exc})") from exc


def _encoding(head: bytes) -> tuple[str, int]:
    """The text encoding of a file from its first bytes, and the BOM length to skip."""
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return enc, len(bom)
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 4:
        # UTF-16 without a byte-order mark: ASCII text has a zero byte in every pair
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        if odd > 3 * max(even, 1) / 2 and odd >= len(sample) // 4:
            return "utf-16-le", 0
        if even > 3 * max(odd, 1) / 2 and even >= len(sample) // 4:
            return "utf-16-be", 0
    return "utf-8", 0


def decode(raw: bytes, source: str) -> str:
    """Bytes to text: UTF-8 (BOM optional) or UTF-16/32 (BOM or zero-byte pattern)."""
    enc, skip = _encoding(raw)
    try:
        return raw[skip:].decode(enc)
    except UnicodeDecodeError as exc:
        line = raw[skip : skip + exc.start].count(b"\n") + 1
        raise InputError(
            f"{source} line {line}: not {enc.upper()} text (byte "
            f"{raw[skip + exc.start]:#04x} at offset {skip + exc.start}); save the "
            "file as UTF-8 and read it again"
        ) from exc


def open_text(path: str | os.PathLike[str]) -> IO[str]:
    """Open a file as text: decompressed, BOM skipped, UTF-16 recognised.

    A plain UTF-8 file is streamed; a compressed or UTF-16 one is decoded in
    memory. Decoding errors are :class:`~labeljury.errors.InputError`.
    """
    path = os.fspath(path)
    if inner_suffix(path)[1] is not None:
        return io.StringIO(decode(read_bytes(path), path))
    _check_exists(path)
    register_input(path)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    enc, skip = _encoding(head)
    if enc != "utf-8":
        return io.StringIO(decode(read_bytes(path), path))
    fh = open(path, encoding="utf-8-sig" if skip else "utf-8")
    return fh
