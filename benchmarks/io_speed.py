"""Time the large-export readers: a 1e6-annotation Label Studio JSON and MTurk batch CSV.

Generates the files (in a temporary folder unless ``--dir`` is given), then reads
each in a fresh subprocess and reports wall time and peak resident memory
(``ru_maxrss``) of that process, so the figures include Python start-up and
imports.

    python benchmarks/io_speed.py                # 1,000,000 annotations
    python benchmarks/io_speed.py --n 100000     # quicker
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CLASSES = ["positive", "neutral", "negative"]


def make_label_studio(path: Path, n: int, per_task: int, seed: int = 0) -> None:
    """A Label Studio JSON export with ``n`` annotations, ``per_task`` per task."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    users = rng.integers(0, 500, n)
    secs = np.round(rng.gamma(2.0, 8.0, n), 2)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[")
        for t in range(n // per_task):
            anns = []
            for k in range(t * per_task, (t + 1) * per_task):
                u = int(users[k])
                anns.append(
                    {
                        "id": k,
                        "completed_by": {
                            "id": u,
                            "email": f"user{u}@example.org",
                            "first_name": "",
                            "last_name": "",
                        },
                        "result": [
                            {
                                "id": f"r{k}",
                                "type": "choices",
                                "origin": "manual",
                                "from_name": "sentiment",
                                "to_name": "review",
                                "value": {"choices": [CLASSES[labels[k]]]},
                            }
                        ],
                        "was_cancelled": bool(k % 97 == 0),
                        "ground_truth": False,
                        "created_at": "2025-02-11T09:14:02.118233Z",
                        "updated_at": "2025-02-11T09:14:02.118260Z",
                        "lead_time": float(secs[k]),
                        "task": t,
                        "project": 7,
                    }
                )
            task = {
                "id": t,
                "data": {"review": f"review text number {t}", "sku": "KT-220"},
                "annotations": anns,
                "drafts": [],
                "predictions": [],
                "meta": {},
                "inner_id": t,
                "total_annotations": per_task,
                "project": 7,
            }
            fh.write(("," if t else "") + json.dumps(task))
        fh.write("]")


def make_mturk(path: Path, n: int, per_hit: int, seed: int = 1) -> None:
    """An MTurk batch results CSV (crowd-form ``Answer.taskAnswers``) with ``n`` assignments."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    hit = np.arange(n) // per_hit
    labels = np.asarray(CLASSES)[rng.integers(0, 3, n)]
    df = pd.DataFrame(
        {
            "HITId": pd.Series(hit).map("3HIT{:020d}".format),
            "HITTypeId": "3KTYPEX9EXAMPLE0TYPE01",
            "Title": "Classify the sentiment",
            "Reward": "$0.05",
            "AssignmentId": pd.Series(np.arange(n)).map("3ASGN{:019d}".format),
            "WorkerId": pd.Series(rng.integers(0, 2000, n)).map("A{:012d}".format),
            "AssignmentStatus": np.where(rng.random(n) < 0.02, "Rejected", "Approved"),
            "AcceptTime": "Mon Feb 10 09:01:05 PST 2025",
            "SubmitTime": pd.Series(rng.integers(10, 59, n)).map(
                "Mon Feb 10 09:01:{} PST 2025".format
            ),
            "WorkTimeInSeconds": rng.integers(3, 120, n),
            "Input.review_id": pd.Series(hit).map("r-{}".format),
            "Input.review_text": "Arrived two days late but the kettle works great.",
            "Answer.taskAnswers": [f'[{{"sentiment":{{"label":"{c}"}}}}]' for c in labels],
            "Approve": "",
            "Reject": "",
        }
    )
    df.to_csv(path, index=False)


def time_read(path: Path, fmt: str) -> tuple[float, float, int]:
    """Seconds, peak MiB and annotations read, measured in a fresh interpreter."""
    code = (
        "import time, resource, labeljury.io as lio\n"
        f"t = time.perf_counter(); ann = lio.read({str(path)!r}, format={fmt!r})\n"
        "dt = time.perf_counter() - t\n"
        "print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(ann))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def main() -> None:
    """Generate the files, read them, print a table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000, help="annotations per file")
    ap.add_argument("--dir", default=None, help="where to write the files (default: temp)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(args.dir or tmp)
        d.mkdir(parents=True, exist_ok=True)
        files = {"label_studio": d / "ls_export.json", "mturk": d / "batch_results.csv"}
        t = time.perf_counter()
        make_label_studio(files["label_studio"], args.n, per_task=4)
        make_mturk(files["mturk"], args.n, per_hit=5)
        print(f"generated in {time.perf_counter() - t:.1f} s")
        print(f"{'format':<14}{'file MiB':>10}{'annotations':>14}{'read s':>9}{'peak MiB':>10}")
        for fmt, path in files.items():
            secs, mib, kept = time_read(path, fmt)
            size = path.stat().st_size / 2**20
            print(f"{fmt:<14}{size:>10.0f}{kept:>14,}{secs:>9.1f}{mib:>10.0f}")


if __name__ == "__main__":
    main()
