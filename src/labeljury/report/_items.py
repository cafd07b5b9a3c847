"""Items as a lead reads them: class names, votes, and the item's text or telling features."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._html import Raw, esc

__all__ = ["ItemContext", "class_namer", "votes_html"]

#: characters of an item's text shown beside its votes
TEXT_CHARS = 280


def class_namer(classes: pd.Index, class_names: Mapping[Any, Any] | None) -> list[str]:
    """Display name per class code: ``class_names[class]`` (or its text) when given."""
    names = []
    for c in classes:
        name = None
        if class_names:
            name = class_names.get(c, class_names.get(str(c)))
        names.append(str(c) if name is None else str(name))
    return names


def votes_html(ann: Any, names: list[str], labels: np.ndarray, rows: np.ndarray) -> list[Raw]:
    """Per item in ``rows``: its votes as class-name badges with counts, consensus first."""
    k = ann.n_classes
    counts = ann.vote_counts()[rows].astype(np.int64)
    out = []
    for r, item in enumerate(rows):
        order = np.argsort(-counts[r], kind="stable")
        badges = [
            f'<span class="vote{" win" if c == labels[item] else ""}">{esc(names[c])}'
            f" &times;{counts[r, c]}</span>"
            for c in order[:k]
            if counts[r, c] > 0
        ]
        out.append(Raw(" ".join(badges)))
    return out


class ItemContext:
    """What to show beside an item: its text, or the features that tell classes apart.

    Parameters
    ----------
    table : DataFrame or None
        One row per item, indexed by item id (rows of other items are ignored).
    ann : Annotations
    labels : ndarray of int
        The consensus, used to rank numeric features.
    n_features : int
        Numeric features shown when there is no text.
    """

    def __init__(
        self, table: pd.DataFrame | None, ann: Any, labels: np.ndarray, n_features: int = 3
    ) -> None:
        self.kind = "none"
        self.columns: list[str] = []
        self.table: pd.DataFrame | None = None
        if table is None or not isinstance(table, pd.DataFrame) or table.empty:
            return
        aligned = table.reindex(ann.items)
        if aligned.notna().any(axis=1).mean() < 0.5:
            return  # ids do not match: show nothing rather than the wrong rows
        text = [
            c
            for c in aligned.columns
            if not pd.api.types.is_numeric_dtype(aligned[c])
            and aligned[c].dropna().astype(str).str.len().mean() > 15
        ]
        if text:
            self.kind, self.columns = "text", text[:2]
        else:
            numeric = aligned.select_dtypes("number")
            if numeric.shape[1] == 0:
                return
            self.kind = "features"
            self.columns = _telling_features(
                numeric.to_numpy(float), labels, list(numeric.columns), n_features
            )
        self.table = aligned[self.columns].reset_index(drop=True)

    @property
    def header(self) -> str:
        """Column title: ``text`` or ``features that tell classes apart``."""
        return "text" if self.kind == "text" else "telling features"

    def cells(self, rows: np.ndarray) -> list[Raw]:
        """One cell per item in ``rows`` (item codes)."""
        assert self.table is not None
        out = []
        for r in rows:
            rec = self.table.iloc[int(r)]
            if self.kind == "text":
                parts = []
                for c in self.columns:
                    v = rec[c]
                    if isinstance(v, str) and v:
                        v = html.unescape(v)  # exports often carry &quot; and the like
                        short = v if len(v) <= TEXT_CHARS else v[:TEXT_CHARS].rstrip() + "..."
                        label = (
                            f"<span class='muted'>{esc(c)}:</span> "
                            if len(self.columns) > 1
                            else ""
                        )
                        parts.append(label + esc(short))
                out.append(Raw("<br>".join(parts), "text small"))
            else:
                out.append(
                    Raw(
                        "<br>".join(
                            f"<span class='muted'>{esc(c)}</span> {_num(rec[c])}"
                            for c in self.columns
                        ),
                        "small",
                    )
                )
        return out


def _num(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return esc(v)
    return "" if np.isnan(f) else f"{f:.4g}"


def _telling_features(x: np.ndarray, labels: np.ndarray, names: list[str], n: int) -> list[str]:
    """The ``n`` columns whose class means differ most (one-way ANOVA F against the consensus).

    Examples
    --------
    >>> x = np.array([[0.0, 5.0], [0.1, 1.0], [1.0, 5.0], [1.1, 1.0]])
    >>> _telling_features(x, np.array([0, 0, 1, 1]), ["a", "b"], 1)
    ['a']
    """
    x = np.where(np.isfinite(x), x, np.nan)
    mean = np.nanmean(x, axis=0)
    x = np.where(np.isnan(x), mean, x)  # a missing value says nothing about its class
    k = int(labels.max()) + 1
    onehot = np.eye(k)[labels]  # (n_items, K)
    size = onehot.sum(axis=0)
    class_mean = (onehot.T @ x) / np.maximum(size, 1)[:, None]
    between = (size[:, None] * (class_mean - mean) ** 2).sum(axis=0)
    within = ((x - class_mean[labels]) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(within > 0, between / within, 0.0)
    order = np.argsort(-np.nan_to_num(f), kind="stable")[:n]
    return [names[i] for i in order]
