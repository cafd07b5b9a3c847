"""What a tool reader kept and left out: :class:`ReadSummary` (re-exported by ``_common``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ReadSummary"]


@dataclass
class ReadSummary:
    """What a reader kept and what it left out.

    Attributes
    ----------
    source : str
        The file or folder read.
    format : str
        The format name (a key of :data:`labeljury.io.FORMATS`).
    question : str or None
        The question (field, control tag, column) the classes were read from.
    questions : tuple of str
        Every question found in the export.
    kept : int
        Annotations in the result.
    skipped, cancelled, rejected, draft : int
        Annotations with that status, excluded unless ``keep_skipped``.
    no_label : int
        Submissions that hold no answer to ``question`` (always left out).
    gold_items : int
        Items that carry a known (gold / control / ground-truth) label.
    kept_excluded : bool
        Whether ``keep_skipped`` was set (the excluded counts were then kept
        where they carried a label).
    notes : list of str
        Anything else the reader wants the user to know.
    """

    source: str
    format: str
    question: str | None = None
    questions: tuple[str, ...] = ()
    kept: int = 0
    skipped: int = 0
    cancelled: int = 0
    rejected: int = 0
    draft: int = 0
    no_label: int = 0
    gold_items: int = 0
    kept_excluded: bool = False
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The counts as a plain dict (kept, skipped, ..., gold_items)."""
        return {
            k: getattr(self, k)
            for k in ("kept", "skipped", "cancelled", "rejected", "draft", "no_label", "gold_items")
        }

    def format_text(self) -> str:
        """A short plain-text summary, one line per count that is not zero.

        Examples
        --------
        >>> print(ReadSummary("x.json", "label_studio", "sentiment", kept=5, cancelled=1)
        ...       .format_text())
        x.json (label_studio, question 'sentiment'): 5 annotations kept
          cancelled: 1 (excluded; keep_skipped=True keeps them)
        """
        q = f", question {self.question!r}" if self.question else ""
        from .._text import plural

        lines = [f"{self.source} ({self.format}{q}): {plural(self.kept, 'annotation')} kept"]
        verb = "kept" if self.kept_excluded else "excluded; keep_skipped=True keeps them"
        for name in ("skipped", "cancelled", "rejected", "draft"):
            n = getattr(self, name)
            if n:
                lines.append(f"  {name}: {n} ({verb})")
        if self.no_label:
            lines.append(f"  without an answer to the question: {self.no_label} (left out)")
        if self.gold_items:
            lines.append(f"  gold items: {self.gold_items}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    # ``format`` is a field name, so the text method is ``format_text``; str() gives it too.
    __str__ = format_text

    def __rich__(self) -> Any:
        """A rich table of the counts (rich is imported only when printing)."""
        from rich.table import Table

        q = f", question {self.question!r}" if self.question else ""
        table = Table(title=f"{self.source} ({self.format}{q})", show_header=True)
        table.add_column("annotations")
        table.add_column("count", justify="right")
        table.add_column("")
        table.add_row("kept", str(self.kept), "")
        verb = "kept" if self.kept_excluded else "excluded"
        for name in ("skipped", "cancelled", "rejected", "draft"):
            n = getattr(self, name)
            if n:
                table.add_row(name, str(n), verb)
        if self.no_label:
            table.add_row("no answer", str(self.no_label), "left out")
        if self.gold_items:
            table.add_row("gold items", str(self.gold_items), "")
        for note in self.notes:
            table.add_row("note", "", note)
        return table
