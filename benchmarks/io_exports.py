"""Synthetic exports of the other labeling tools for ``io_speed.py`` (n annotations each).

Each writer follows the example export of that tool in ``tests/data/formats``,
with ``per`` annotations per item, 3 classes and 500 (or 2,000) annotators.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CLASSES = ["positive", "neutral", "negative"]


def _draws(n: int, seed: int, users: int = 500) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 3, n), rng.integers(0, users, n)


def make_prodigy(path: Path, n: int, per: int, seed: int = 3) -> None:
    """Prodigy ``db-out`` JSONL, choice interface."""
    labels, users = _draws(n, seed)
    opts = [{"id": c, "text": c.title()} for c in CLASSES]
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(n):
            rec = {
                "text": f"review text number {k // per}",
                "options": opts,
                "_input_hash": -1702846201 + k // per,
                "_task_hash": 1120398811 + k,
                "_view_id": "choice",
                "accept": [CLASSES[labels[k]]],
                "answer": "accept" if k % 97 else "ignore",
                "_timestamp": 1739265242 + k,
                "_annotator_id": f"reviews-user{users[k]}",
                "_session_id": f"reviews-user{users[k]}",
            }
            fh.write(json.dumps(rec) + "\n")


def make_labelbox(path: Path, n: int, per: int, seed: int = 4) -> None:
    """Labelbox export v2 NDJSON: one data row per line, ``per`` labels each."""
    labels, users = _draws(n, seed)
    with open(path, "w", encoding="utf-8") as fh:
        for t in range(n // per):
            labs = []
            for k in range(t * per, (t + 1) * per):
                c = CLASSES[labels[k]]
                labs.append(
                    {
                        "label_kind": "Default",
                        "id": f"clx0label{k:08d}",
                        "label_details": {
                            "created_at": "2025-02-11T09:14:02.000+00:00",
                            "created_by": f"user{users[k]}@example.org",
                            "reviews": [],
                        },
                        "performance_details": {"seconds_to_create": 12.4},
                        "annotations": {
                            "objects": [],
                            "classifications": [
                                {
                                    "name": "Sentiment",
                                    "value": "sentiment",
                                    "radio_answer": {"name": c.title(), "value": c},
                                }
                            ],
                            "relationships": [],
                        },
                    }
                )
            rec = {
                "data_row": {"id": f"clx0row{t:08d}", "global_key": f"r-{t}"},
                "projects": {"clx0project7": {"name": "Review sentiment", "labels": labs}},
            }
            fh.write(json.dumps(rec) + "\n")


def make_doccano(path: Path, n: int, per: int, seed: int = 5) -> None:
    """A doccano export folder: one ``<username>.jsonl`` per annotator (100 users)."""
    labels, users = _draws(n, seed, users=100)
    path.mkdir(parents=True, exist_ok=True)
    lines: dict[int, list[str]] = {}
    for k in range(n):
        rec = {"id": k // per + 1, "text": "review text", "label": [CLASSES[labels[k]]]}
        lines.setdefault(int(users[k]), []).append(json.dumps(rec))
    for u, recs in lines.items():
        (path / f"user{u}.jsonl").write_text("\n".join(recs) + "\n", encoding="utf-8")


def make_argilla(path: Path, n: int, per: int, seed: int = 6) -> None:
    """Argilla 2.x flattened records (JSON Lines), ``per`` responses per record."""
    labels, users = _draws(n, seed)
    with open(path, "w", encoding="utf-8") as fh:
        for t in range(n // per):
            ks = range(t * per, (t + 1) * per)
            rec = {
                "id": f"r-{t}",
                "status": "completed",
                "review": "review text",
                "sentiment.responses": [CLASSES[labels[k]] for k in ks],
                "sentiment.responses.users": [f"5f0c7e3a-{users[k]:012d}" for k in ks],
                "sentiment.responses.status": ["submitted"] * per,
            }
            fh.write(json.dumps(rec) + "\n")


def make_sagemaker(path: Path, n: int, per: int, seed: int = 7) -> None:
    """A Ground Truth consolidation request (one JSON list of objects)."""
    labels, users = _draws(n, seed)
    objs = []
    for t in range(n // per):
        anns = [
            {
                "workerId": f"private.us-east-1.{users[k]:016x}",
                "annotationData": {
                    "content": json.dumps({"crowd-classifier": {"label": CLASSES[labels[k]]}})
                },
            }
            for k in range(t * per, (t + 1) * per)
        ]
        objs.append(
            {"datasetObjectId": str(t), "dataObject": {"content": "x"}, "annotations": anns}
        )
    path.write_text(json.dumps(objs), encoding="utf-8")


def make_toloka(path: Path, n: int, per: int, seed: int = 8) -> None:
    """A Toloka assignments TSV, one row per task answer."""
    import pandas as pd

    labels, users = _draws(n, seed, users=2000)
    task = np.arange(n) // per
    pd.DataFrame(
        {
            "INPUT:review_id": pd.Series(task).map("r-{}".format),
            "OUTPUT:sentiment": np.asarray(CLASSES)[labels],
            "ASSIGNMENT:assignment_id": pd.Series(np.arange(n) // 10).map(
                "0001a9f6e5--{:08x}".format
            ),
            "ASSIGNMENT:task_id": pd.Series(task).map("0001a9f6e5--{:08x}".format),
            "ASSIGNMENT:worker_id": pd.Series(users).map("{:024x}".format),
            "ASSIGNMENT:status": "APPROVED",
            "ASSIGNMENT:started": "2025-02-11T09:13:40.201",
            "ASSIGNMENT:submitted": "2025-02-11T09:14:02.118",
        }
    ).to_csv(path, sep="\t", index=False)


def make_crowdflower(path: Path, n: int, per: int, seed: int = 9) -> None:
    """A CrowdFlower / Figure Eight full report CSV, one row per judgment."""
    import pandas as pd

    labels, users = _draws(n, seed, users=2000)
    pd.DataFrame(
        {
            "_unit_id": 2641900101 + np.arange(n) // per,
            "_created_at": "2/11/2025 09:14:02",
            "_golden": "false",
            "_id": 5109887701 + np.arange(n),
            "_started_at": "2/11/2025 09:13:40",
            "_tainted": "false",
            "_worker_id": 45118822 + users,
            "sentiment": np.asarray(CLASSES)[labels],
            "sentiment_gold": "",
        }
    ).to_csv(path, index=False)


#: format -> (file name, writer)
EXPORTS = {
    "prodigy": ("prodigy.jsonl", make_prodigy),
    "labelbox": ("labelbox.ndjson", make_labelbox),
    "doccano": ("doccano", make_doccano),
    "argilla": ("argilla.jsonl", make_argilla),
    "sagemaker": ("consolidation-request.json", make_sagemaker),
    "toloka": ("toloka.tsv", make_toloka),
    "crowdflower": ("crowdflower_full.csv", make_crowdflower),
}
