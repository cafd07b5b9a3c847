"""One queue view of the review app: its order, filters and page, from a request's query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["SORTS", "QueueQuery"]

#: the queue orders: consensus quality (lowest first), relabel score (lowest first)
SORTS = ("quality", "priority")


@dataclass(frozen=True)
class QueueQuery:
    """One queue view: order, filters and page.

    ``cls`` is a consensus class, ``annotator`` keeps the items they labeled,
    ``disagree`` the items whose annotators did not all agree, ``reviewed``
    ``"yes"``/``"no"`` the items with or without a decision, ``q`` an exact
    item id or else a case-insensitive substring of the id or the text.
    """

    sort: str = "quality"
    cls: str = ""
    annotator: str = ""
    disagree: bool = False
    reviewed: str = ""
    q: str = ""
    page: int = 1
    per_page: int = 50

    @classmethod
    def from_params(cls, params: Any) -> QueueQuery:
        """From a request's query parameters (unknown values fall back to defaults)."""

        def get(name: str) -> str:
            return str(params.get(name, "") or "")[:500]

        def number(name: str, default: int, hi: int) -> int:
            try:
                return min(max(int(get(name) or default), 1), hi)
            except ValueError:
                return default

        sort = get("sort")
        reviewed = get("reviewed")
        return cls(
            sort=sort if sort in SORTS else "quality",
            cls=get("cls"),
            annotator=get("annotator"),
            disagree=get("disagree") in ("1", "on", "true"),
            reviewed=reviewed if reviewed in ("yes", "no") else "",
            q=get("q").strip(),
            page=number("page", 1, 10**9),
            per_page=number("per_page", 50, 500),
        )

    def params(self, **change: Any) -> dict[str, str]:
        """The non-default filters as query parameters (to build links)."""
        d = {
            "sort": self.sort,
            "cls": self.cls,
            "annotator": self.annotator,
            "disagree": "1" if self.disagree else "",
            "reviewed": self.reviewed,
            "q": self.q,
            "page": str(self.page) if self.page != 1 else "",
            "per_page": str(self.per_page) if self.per_page != 50 else "",
        }
        d.update({k: str(v) for k, v in change.items()})
        return {k: v for k, v in d.items() if v and not (k == "sort" and v == "quality")}
