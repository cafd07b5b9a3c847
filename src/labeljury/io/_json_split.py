"""A large top-level JSON array cut into byte ranges at element boundaries.

Each range can then be decoded by its own process. The cut points are found
without scanning the file: near each wanted offset, the first ``, {`` whose
object decodes and passes a caller's test (a Label Studio task, say) is taken.
Such a guess can be wrong (an object nested in an element may pass), so it is
checked for free when the range before it is decoded: :func:`iter_json_range`
must land exactly on the next range's first byte, else it raises
:class:`Misaligned` and the caller reads the file the plain way. The ranges
decode to the same elements, in the same order, as
:func:`~labeljury.io._common.iter_json_array` decodes from the whole file.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["Misaligned", "iter_json_range", "split_array"]

_WS = " \t\n\r"
_CUT = re.compile(rb",[ \t\n\r]*\{")
#: Bytes read around a wanted cut point; a window is widened (x4) up to _MAX_WINDOW
#: while no cut is found, then the file is not split.
_WINDOW = 1 << 20
_MAX_WINDOW = 1 << 24


class Misaligned(Exception):
    """A range does not end exactly where the next begins (or the file is not one array)."""


def split_array(path: str, parts: int, accept: Callable[[Any], bool]) -> list[int] | None:
    """Byte offsets cutting the array in ``path`` into ``parts`` ranges of about equal size.

    Returns ``[0, c1, ..., c(parts-1), size]`` where each ``ci`` is the first byte
    of an element ``accept`` took, or None when the file is not a plain UTF-8
    array or no cut is found near some wanted offset.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(4096)
        if b"\x00" in head:  # UTF-16/32: not split
            return None
        if not head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\n\r").startswith(b"["):
            return None
        cuts = [0]
        for k in range(1, parts):
            cut = _cut_near(fh, size * k // parts, accept)
            if cut is None or cut <= cuts[-1]:
                return None
            cuts.append(cut)
    return [*cuts, size]


def _cut_near(fh: Any, offset: int, accept: Callable[[Any], bool]) -> int | None:
    """The first byte of the first accepted element starting at or after ``offset``."""
    decoder = json.JSONDecoder()
    window = _WINDOW
    while window <= _MAX_WINDOW:
        fh.seek(offset)
        raw = fh.read(window)
        starts = [m.end() - 1 for m in _CUT.finditer(raw)]
        if starts:
            # decoded once; "{" is ASCII, so the text between two candidates has
            # as many characters as its bytes decode to, and a candidate's place in
            # the text is counted piece by piece (an element cut by the window's
            # end, or by bad bytes, fails to decode and is passed over)
            text = raw[starts[0] :].decode("utf-8", errors="replace")
            at = 0
            for prev, start in zip([starts[0], *starts[:-1]], starts, strict=True):
                at += len(raw[prev:start].decode("utf-8", errors="replace"))
                try:
                    obj = decoder.raw_decode(text, at)[0]
                except json.JSONDecodeError:
                    continue
                if accept(obj):
                    return offset + start
        if len(raw) < window:  # the end of the file
            return None
        window *= 4
    return None


def iter_json_range(
    path: str, start: int, stop: int, *, last: bool, chunk_size: int = 1 << 18
) -> Iterator[Any]:
    """Yield the elements of the array in ``path`` that lie in bytes ``[start, stop)``.

    ``start`` is 0 (the array's opening, BOM and ``[`` included) or the first
    byte of an element; ``stop`` is the first byte of the next range's first
    element, or the file's size for the ``last`` range. Raises
    :class:`Misaligned` when an element runs over ``stop`` or the array closes
    before it, and :class:`ValueError` (``json.JSONDecodeError`` or
    ``UnicodeDecodeError``) on bad text: the caller then reads the file
    sequentially, whose messages are the ones a user should see.
    """
    decoder = json.JSONDecoder()
    text = codecs.getincrementaldecoder("utf-8-sig" if start == 0 else "utf-8")()
    with open(path, "rb") as fh:
        fh.seek(start)
        left = stop - start

        def more(size: int = chunk_size) -> str:
            nonlocal left
            raw = fh.read(min(size, left))
            left -= len(raw)
            # iter_json_array's text-mode file turns "\r\n" and "\r" into "\n"; this
            # does not: outside strings both are whitespace, inside one both are refused
            return text.decode(raw, final=not left)

        buf = more()
        pos = 0
        index = 0
        if start == 0:
            pos = len(buf) - len(buf.lstrip(_WS))
            if buf[pos : pos + 1] != "[":
                raise Misaligned(path)
            pos += 1
        else:
            index = 1  # commas may lead, as after any earlier element
        while True:
            while pos < len(buf) and buf[pos] in _WS:
                pos += 1
            if pos < len(buf) and buf[pos] == "]":
                if not last:  # the array ends inside this range: cut in the wrong place
                    raise Misaligned(path)
                return
            if pos < len(buf) and buf[pos] == "," and index:
                pos += 1
                continue
            if pos >= len(buf) and not left:
                if last:  # no closing bracket: a truncated file
                    raise Misaligned(path)
                return  # landed exactly on the next range's first element
            try:
                if pos >= len(buf):
                    raise json.JSONDecodeError("need more", buf, pos)
                obj, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError:
                if not left:
                    raise Misaligned(path) from None
                # at least doubled: an element that will not decode (bad text) costs
                # reading to the range's end once, not once per chunk
                buf = buf[pos:] + more(max(chunk_size, len(buf) - pos))
                pos = 0
                continue
            yield obj
            index += 1
            pos = end
