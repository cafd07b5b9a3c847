"""CrowdLab speed: labeljury vs cleanlab 2.9.0's get_label_quality_multiannotator.

Usage::

    python benchmarks/crowdlab_speed.py                      # both sizes, cleanlab too
    python benchmarks/crowdlab_speed.py --no-cleanlab        # labeljury only
    python benchmarks/crowdlab_speed.py --cleanlab-timeout 300

Sizes (from issue 3): 1e5 items x 1,000 annotators x 5 labels per item, K=10
(labeljury and cleanlab, on the same input); 1e6 items x 3 labels (labeljury).
cleanlab runs in a subprocess with a time limit (it needs the dense wide table,
several GB at 1e5 x 1,000), and its peak memory is read from ``ru_maxrss``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from labeljury import Annotations
from labeljury.methods.crowdlab import CrowdLab


def make(n_items: int, n_annotators: int, per_item: int, k: int, seed: int = 0):
    """Random annotations (distinct annotators per item) and a noisy-truth model."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    acc = rng.uniform(0.5, 0.95, n_annotators)
    # per_item distinct annotators per item: random offsets on a cycle, no duplicates
    start = rng.integers(0, n_annotators, n_items)
    step = rng.integers(1, max(2, n_annotators // per_item), n_items)
    ann_ids = (start[:, None] + step[:, None] * np.arange(per_item)) % n_annotators
    item = np.repeat(np.arange(n_items), per_item)
    annotator = ann_ids.ravel()
    ok = rng.random(item.size) < acc[annotator]
    label = np.where(ok, truth[item], (truth[item] + rng.integers(1, k, item.size)) % k)
    ann = Annotations(
        item,
        annotator,
        label,
        items=np.arange(n_items),
        annotators=[f"w{j}" for j in range(n_annotators)],
        classes=np.arange(k),
    )
    logits = rng.normal(size=(n_items, k)).astype(np.float64)
    logits[np.arange(n_items), truth] += 2.0
    pp = np.exp(logits)
    pp /= pp.sum(axis=1, keepdims=True)
    return ann, pp


def time_labeljury(ann: Annotations, pp: np.ndarray, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        CrowdLab().fit(ann, pp)
        best = min(best, time.perf_counter() - t0)
    return best


CLEANLAB_CHILD = """
import sys, time, resource, warnings
import numpy as np, pandas as pd
warnings.simplefilter("ignore")
from cleanlab.multiannotator import get_label_quality_multiannotator
d = np.load(sys.argv[1])
wide = np.full((int(d["n_items"]), int(d["n_annotators"])), np.nan)
wide[d["item"], d["annotator"]] = d["label"]
wide = pd.DataFrame(wide, columns=[f"w{j}" for j in range(wide.shape[1])])
t0 = time.perf_counter()
get_label_quality_multiannotator(wide, d["pred_probs"], verbose=False)
dt = time.perf_counter() - t0
print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
"""


def time_cleanlab(ann: Annotations, pp: np.ndarray, timeout: float) -> tuple[float, float]:
    """(seconds, peak GB) of cleanlab in a subprocess; (nan, nan) on timeout.

    The child builds cleanlab's wide table (float, NaN = not labeled) itself, so
    this process never holds it; the time covers only the cleanlab call, the
    peak memory the whole child (wide table included: cleanlab needs it).
    """
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "input.npz"
        np.savez(
            path,
            item=ann.item,
            annotator=ann.annotator,
            label=ann.label,
            pred_probs=pp,
            n_items=ann.n_items,
            n_annotators=ann.n_annotators,
        )
        try:
            out = subprocess.run(
                [sys.executable, "-c", CLEANLAB_CHILD, str(path)],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=True,
            )
        except subprocess.TimeoutExpired:
            return float("nan"), float("nan")
        secs, gb = map(float, out.stdout.split()[-2:])
        return secs, gb


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-cleanlab", action="store_true", help="skip the cleanlab run")
    ap.add_argument(
        "--cleanlab-timeout",
        type=float,
        default=600.0,
        help="seconds before the cleanlab subprocess is stopped (default 600)",
    )
    args = ap.parse_args(argv)
    print(
        f"# {machine()}, python {platform.python_version()}, numpy {np.__version__}, "
        f"{datetime.date.today().isoformat()}"
    )

    ann, pp = make(100_000, 1_000, 5, 10)
    t = time_labeljury(ann, pp)
    print(
        f"1e5 items x 1000 annotators x 5 labels, K=10: labeljury {t:.3f} s, peak RSS so far "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB (data included)"
    )
    if not args.no_cleanlab:
        secs, gb = time_cleanlab(ann, pp, args.cleanlab_timeout)
        if np.isnan(secs):
            print(
                f"  cleanlab: did not finish in {args.cleanlab_timeout:.0f} s "
                f"(>= {args.cleanlab_timeout / t:.0f}x slower)"
            )
        else:
            print(
                f"  cleanlab 2.9.0: {secs:.1f} s, peak {gb:.2f} GB -> labeljury "
                f"{secs / t:.0f}x faster"
            )
    del ann, pp

    ann, pp = make(1_000_000, 1_000, 3, 10)
    t = time_labeljury(ann, pp, repeat=2)
    print(
        f"1e6 items x 1000 annotators x 3 labels, K=10: labeljury {t:.3f} s, peak RSS (data "
        "included) "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB"
    )


if __name__ == "__main__":
    main()
