"""The implementation behind :mod:`labeljury.io` (loaded on first use; see there)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Literal, overload

from ..annotations import Annotations, read_annotations
from ..errors import InputError, LabeljuryError, ParameterError
from ._common import MultiChoiceError, ReadSummary
from .argilla import read_argilla
from .crowdflower import read_crowdflower
from .doccano import read_doccano
from .label_studio import read_label_studio
from .labelbox import read_labelbox
from .mturk import read_mturk
from .prodigy import read_prodigy
from .sagemaker import read_sagemaker
from .sniff import sniff
from .toloka import read_toloka
from .writers import atomic_write, write_jsonl, write_label_studio_predictions, write_table

__all__ = [
    "FORMATS",
    "MultiChoiceError",
    "ReadSummary",
    "atomic_write",
    "read",
    "sniff",
    "write_jsonl",
    "write_label_studio_predictions",
    "write_table",
]

Reader = Callable[..., tuple[Annotations, ReadSummary]]


def _read_plain(
    path: str | os.PathLike[str],
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
) -> tuple[Annotations, ReadSummary]:
    """A plain long (item, annotator, label) or wide table: CSV / TSV / Parquet / JSONL."""
    ann = read_annotations(path, label_col=question, classes=classes)
    return ann, ReadSummary(os.fspath(path), "table", question, kept=ann.n_annotations)


#: Format name -> reader. Every reader takes ``(path, *, question, keep_skipped,
#: classes)`` and returns ``(Annotations, ReadSummary)``.
FORMATS: dict[str, Reader] = {
    "label_studio": read_label_studio,
    "mturk": read_mturk,
    "sagemaker": read_sagemaker,
    "prodigy": read_prodigy,
    "argilla": read_argilla,
    "toloka": read_toloka,
    "crowdflower": read_crowdflower,
    "labelbox": read_labelbox,
    "doccano": read_doccano,
    "table": _read_plain,
}


@overload
def read(
    path: str | os.PathLike[str],
    format: str = ...,
    *,
    question: str | None = ...,
    keep_skipped: bool = ...,
    classes: Sequence[Any] | None = ...,
    verbose: bool = ...,
    return_summary: Literal[False] = ...,
) -> Annotations: ...


@overload
def read(
    path: str | os.PathLike[str],
    format: str = ...,
    *,
    question: str | None = ...,
    keep_skipped: bool = ...,
    classes: Sequence[Any] | None = ...,
    verbose: bool = ...,
    return_summary: Literal[True],
) -> tuple[Annotations, ReadSummary]: ...


def read(
    path: str | os.PathLike[str],
    format: str = "auto",
    *,
    question: str | None = None,
    keep_skipped: bool = False,
    classes: Sequence[Any] | None = None,
    verbose: bool = False,
    return_summary: bool = False,
    multi_label: bool = False,
) -> Annotations | tuple[Annotations, ReadSummary]:
    """Read a labeling tool's export (or a plain table) into Annotations.

    Parameters
    ----------
    path : path
        The export file or folder.
    format : str, default "auto"
        A key of :data:`FORMATS`, or ``"auto"`` to sniff it.
    question : str, optional
        Which field / control tag / question holds the class when the export
        has several. Default: the only one, or the only single-choice one.
    keep_skipped : bool, default False
        Keep skipped, cancelled, rejected and draft annotations that carry a
        label (they are always counted in the summary).
    classes : sequence, optional
        All classes in order, including classes nobody chose.
    verbose : bool, default False
        Print the read summary (with rich).
    return_summary : bool, default False
        Return ``(annotations, summary)`` instead of the annotations alone.
    multi_label : bool, default False
        Read multi-select answers as sets (``MultiLabelAnnotations``); for the
        readers whose exports carry several choices (Label Studio, Prodigy,
        Argilla, SageMaker, doccano).

    Returns
    -------
    Annotations or (Annotations, ReadSummary)

    Examples
    --------
    >>> from labeljury.io import read
    >>> ann, summary = read("tests/data/formats/toloka/assignments.tsv",
    ...                     return_summary=True)
    >>> summary.gold_items
    1
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(f"read needs a path to an export, got {type(path).__name__}")
    for name, flag in (
        ("keep_skipped", keep_skipped),
        ("verbose", verbose),
        ("return_summary", return_summary),
        ("multi_label", multi_label),
    ):
        if not isinstance(flag, bool):
            raise ParameterError(f"read({name}={flag!r}): {name} must be True or False")
    if question is not None and not isinstance(question, str):
        raise ParameterError(f"read(question={question!r}): question must be a name (text)")
    if not isinstance(format, str):
        raise ParameterError(f"read(format={format!r}): format must be a name such as 'auto'")
    fmt = sniff(path) if format == "auto" else format
    if fmt not in FORMATS:
        raise InputError(f"unknown format {format!r}; choose one of {sorted(FORMATS)} or 'auto'")
    extra: dict[str, Any] = {}
    if multi_label:
        import inspect

        if "multi_label" not in inspect.signature(FORMATS[fmt]).parameters:
            raise InputError(
                f"{os.fspath(path)}: the {fmt} reader reads one class per answer; "
                "for multi-label data export a long table (item, annotator, label)"
            )
        extra["multi_label"] = True
    try:
        ann, summary = FORMATS[fmt](
            path, question=question, keep_skipped=keep_skipped, classes=classes, **extra
        )
    except LabeljuryError:
        raise
    except (
        TypeError,
        KeyError,
        AttributeError,
        IndexError,
        ValueError,
        OSError,
        EOFError,
        RecursionError,
    ) as exc:
        # a structure the reader does not expect (a field of another type, missing or
        # nested differently): name the file and format instead of a Python traceback
        raise InputError(
            f"{os.fspath(path)}: not a {fmt} export labeljury can read "
            f"({type(exc).__name__}: {str(exc)[:120]}); check the file, or pass "
            "format=... (CLI: --format) if it is another format"
        ) from exc
    if verbose:
        from rich.console import Console

        Console(stderr=True).print(summary)
    return (ann, summary) if return_summary else ann
