"""Small text helpers shared by the terminal output and the HTML report."""

from __future__ import annotations

__all__ = ["join_words", "plural"]

#: nouns whose plural is not the noun + "s"
_IRREGULAR = {"class": "classes", "this": "these", "is": "are", "was": "were"}


def plural(n: int, noun: str, *, many: str | None = None) -> str:
    """``n`` and ``noun``, in the plural unless ``n`` is one, with thousands separators.

    Examples
    --------
    >>> plural(1, "item"), plural(1200, "item"), plural(2, "class"), plural(0, "annotator")
    ('1 item', '1,200 items', '2 classes', '0 annotators')
    """
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} {many or _IRREGULAR.get(noun, noun + 's')}"


def join_words(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    Examples
    --------
    >>> join_words(["jury"]), join_words(["a", "b", "c"])
    ('jury', 'a, b and c')
    """
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
