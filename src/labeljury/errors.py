"""One exception hierarchy for everything labeljury refuses.

Every error subclasses :class:`LabeljuryError`, so a caller can catch them all
at once; the subclasses also inherit the matching built-in (``ValueError``,
``KeyError``...) so code written against plain Python keeps working.
Messages name the source (file, column, row) and say what to do.

Examples
--------
>>> from labeljury.errors import LabeljuryError, InputError
>>> issubclass(InputError, LabeljuryError) and issubclass(InputError, ValueError)
True
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sized

__all__ = [
    "ClassError",
    "ConvergenceWarning",
    "DuplicateAnnotationError",
    "EmptyInputError",
    "IdMismatchError",
    "InputError",
    "InputWarning",
    "LabeljuryError",
    "MissingColumnError",
    "MissingValueError",
    "OutputError",
    "ParameterError",
    "PredProbsError",
    "TooLargeError",
    "UnknownMethodError",
    "user_stacklevel",
]


class LabeljuryError(Exception):
    """Base class of every error labeljury raises on purpose."""


class InputError(LabeljuryError, ValueError):
    """The annotations, ids or options given cannot be used as they are."""


class EmptyInputError(InputError):
    """The input holds no annotations at all."""


class MissingColumnError(InputError, KeyError):
    """A column that is needed is not in the table."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class MissingValueError(InputError):
    """An id or label is missing (NaN, None, empty) where one is required."""


class ClassError(InputError):
    """A label is not one of the classes, or looks like a 'missing' sentinel."""


class DuplicateAnnotationError(InputError):
    """The same annotator labeled the same item more than once."""


class IdMismatchError(InputError):
    """Ids in two inputs (annotations, pred_probs, features) do not match."""


class PredProbsError(InputError):
    """Predicted probabilities have the wrong shape, NaN, negatives or bad sums."""


class ParameterError(InputError, TypeError):
    """An argument of a public function has the wrong type or an impossible value."""


class TooLargeError(InputError, MemoryError):
    """The data would need a dense array above labeljury's documented size limit."""


class OutputError(LabeljuryError, OSError):
    """An output path cannot be written, or would overwrite an input."""


class UnknownMethodError(LabeljuryError, KeyError):
    """No aggregation method has the requested name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InputWarning(UserWarning):
    """Something in the input was repaired (stripped whitespace, repeated pairs kept ...)."""


class ConvergenceWarning(UserWarning):
    """An iterative method stopped at ``max_iter`` before reaching ``tol``."""


def show(value: object) -> str:
    r"""``repr`` of a value as the user wrote it (numpy scalars shown as plain Python).

    Control characters (a terminal escape sequence in a label) come out escaped.

    Examples
    --------
    >>> import numpy as np
    >>> show(np.int64(3)), show("a"), show("\x1b[31mred")
    ('3', "'a'", "'\\x1b[31mred'")
    """
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()  # type: ignore[union-attr]
    return repr(value)


def printable(text: object) -> str:
    r"""``text`` with control characters escaped, for terminal output on one line.

    Examples
    --------
    >>> printable("a\x1b[2Jb\nc")
    'a\\x1b[2Jb\\nc'
    """
    s = str(text)
    if s.isprintable():
        return s
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in s
    )


def preview(values: Iterable[object], limit: int = 5) -> str:
    """Format the first few offending values for a message.

    Examples
    --------
    >>> preview([3, 7, 9, 11, 12, 15, 20])
    '3, 7, 9, 11, 12 (and 2 more)'
    """
    values = list(values) if not isinstance(values, Sized) else values
    shown = [show(v) if isinstance(v, str) else str(v) for v in list(values)[:limit]]
    extra = len(values) - len(shown)  # type: ignore[arg-type]
    return ", ".join(shown) + (f" (and {extra} more)" if extra > 0 else "")


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside labeljury.

    Call it in the function that calls :func:`warnings.warn`. A fixed stacklevel is right
    for one call path only: the same reader warns from ``read_annotations``, from
    ``Annotations.from_long`` and from the block reader, at different depths, and a
    warning that points inside labeljury tells the user nothing about their own line.

    Examples
    --------
    >>> user_stacklevel() >= 1
    True
    """
    level = 1
    frame = sys._getframe(1)  # the function that warns: stacklevel 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level
