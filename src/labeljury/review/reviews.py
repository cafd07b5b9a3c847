"""``OUT_DIR/reviews.csv``: every review decision, appended the moment it is made.

One row per decision: ``item, action, label, reviewer, time``. ``action`` is
``accept`` (the consensus is right; ``label`` holds the consensus label that was
accepted), ``correct`` (``label`` is the right class) or ``relabel`` (send the
item for another annotation; ``label`` empty). The file is append-only: a later
decision on the same item overrides an earlier one when read.

Each append takes an exclusive ``fcntl`` lock, writes one whole line, flushes
and fsyncs before the lock is released, so a crash or a closed tab loses no
decision and two tabs (or two servers) writing at once never interleave lines.
This module needs only pandas, so ``labeljury aggregate --gold reviews.csv``
reads it without the review extra.

Examples
--------
>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "reviews.csv")
>>> _ = append_review(path, "q1", "correct", "dog", reviewer="ana")
>>> _ = append_review(path, "q2", "accept", "cat", reviewer="ana")
>>> _ = append_review(path, "q1", "accept", "cat", reviewer="ben")
>>> gold_from_reviews(read_reviews(path))
  item gold
0   q2  cat
1   q1  cat
"""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime, timezone

import pandas as pd

from ..errors import InputError

__all__ = [
    "ACTIONS",
    "COLUMNS",
    "DECISION_CODES",
    "append_review",
    "as_gold_table",
    "gold_from_reviews",
    "is_reviews_table",
    "latest_decisions",
    "read_reviews",
]

COLUMNS = ("item", "action", "label", "reviewer", "time")
ACTIONS = ("accept", "correct", "relabel")
#: decision codes in ``ReviewData.decision``; 0 = not reviewed
DECISION_CODES = {a: k + 1 for k, a in enumerate(ACTIONS)}


def append_review(
    path: str | os.PathLike[str],
    item: str,
    action: str,
    label: str | None,
    reviewer: str,
    time: str | None = None,
) -> dict[str, str]:
    """Append one decision to ``path`` (created with a header when missing), durably.

    Parameters
    ----------
    path : path
        The reviews file, normally ``OUT_DIR/reviews.csv``.
    item : str
        The item id, as text.
    action : {"accept", "correct", "relabel"}
    label : str or None
        The accepted consensus label (``accept``), the right class
        (``correct``), or None (``relabel``).
    reviewer : str
    time : str, optional
        ISO 8601 UTC time; now by default.

    Returns
    -------
    dict
        The row written.
    """
    import fcntl

    if action not in ACTIONS:
        raise InputError(f"review action must be one of {', '.join(ACTIONS)}, got {action!r}")
    # a multi-label correction may be the empty set (""): only a missing label is refused
    if action != "relabel" and label is None:
        raise InputError(f"a review '{action}' needs a label")
    row = {
        "item": str(item),
        "action": action,
        "label": "" if action == "relabel" else str(label),
        "reviewer": str(reviewer),
        "time": time or datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
    }
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([row[c] for c in COLUMNS])
    line = buf.getvalue().encode("utf-8")
    fd = os.open(os.fspath(path), os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released by close; serialises writers across processes
        size = os.fstat(fd).st_size
        if size == 0:
            line = (",".join(COLUMNS) + "\n").encode() + line
        else:
            # a line cut short by a crash would glue onto ours; start a fresh line instead
            os.lseek(fd, size - 1, os.SEEK_SET)
            if os.read(fd, 1) != b"\n":
                line = b"\n" + line
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return row


def read_reviews(path: str | os.PathLike[str]) -> pd.DataFrame:
    """All decisions of a reviews file, in the order made, every column as text.

    A missing file is an empty table. Lines that are not whole rows (a crash
    mid-write) are dropped.
    """
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip")
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the reviews file ({exc})") from exc
    if not is_reviews_table(df):
        raise InputError(
            f"{path}: not a reviews file; it needs the columns "
            f"{', '.join(COLUMNS)}, found {list(df.columns)}"
        )
    return df[df["action"].isin(ACTIONS)].reset_index(drop=True)


def is_reviews_table(df: pd.DataFrame) -> bool:
    """Whether a table has the reviews file's columns."""
    return set(COLUMNS) <= {str(c) for c in df.columns}


def latest_decisions(reviews: pd.DataFrame) -> pd.DataFrame:
    """The last decision per item (later rows win), in the order those were made."""
    return reviews.drop_duplicates(subset=["item"], keep="last").reset_index(drop=True)


def gold_from_reviews(reviews: pd.DataFrame) -> pd.DataFrame:
    """The reviewed classes as a gold table: ``item``, ``gold``.

    The latest decision per item wins; ``accept`` gives the accepted consensus
    label, ``correct`` the given label; an item whose latest decision is
    ``relabel`` is not gold (its label is in doubt).
    """
    last = latest_decisions(reviews)
    label = last["label"]
    last = last[
        last["action"].isin(("accept", "correct")) & label.notna() & (label.astype(str) != "")
    ]
    return pd.DataFrame(
        {"item": last["item"].to_numpy(dtype=object), "gold": last["label"].to_numpy(dtype=object)}
    )


def as_gold_table(df: pd.DataFrame) -> pd.DataFrame:
    """A table read by ``cli.read_gold``: a reviews file becomes its gold table, others pass.

    The ids and labels keep the types the gold reader inferred, so they match
    the annotations as any gold file's do.
    """
    if not is_reviews_table(df):
        return df
    return gold_from_reviews(df[df["action"].astype(str).isin(ACTIONS)])
