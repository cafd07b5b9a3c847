"""Same answers as another version of the code: every EM method on every shared data set.

Fits dawid_skene, shrunk_dawid_skene, one_coin_dawid_skene, glad, mace and jury
on each ``answers.csv`` under ``--data`` (default ``../shared/datasets``) plus a
generated set, with the labeljury found under ``--src``, on the numpy path or
the compiled kernels (``--path``), and saves labels, posteriors, annotator
skills and the scores to an ``.npz``; ``compare A.npz B.npz`` then reports the
label differences and the largest absolute score difference.

Usage (today's code against a baseline commit)::

    git archive BASE src | tar -x -C /tmp/base
    python benchmarks/em_same_answers.py fit --src /tmp/base/src --path numpy --out base.npz
    python benchmarks/em_same_answers.py fit --src src --path kernel --out new.npz
    python benchmarks/em_same_answers.py compare base.npz new.npz
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

METHODS = ["dawid_skene", "shrunk_dawid_skene", "one_coin_dawid_skene", "glad", "mace", "jury"]
DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def fit(src: str, path: str, data: Path, out: Path) -> None:
    sys.path.insert(0, src)
    import pandas as pd

    from labeljury import Annotations
    from labeljury.methods import _em, get_method
    from labeljury.synth.generative import make_large

    for name in ("KERNEL_MIN_ANNOTATIONS", "KERNEL_LOAD_ANNOTATIONS"):
        if hasattr(_em, name):  # absent in versions before the kernels
            setattr(_em, name, 0 if path == "kernel" else 10**18)
    with warnings.catch_warnings():  # duplicate-label notices: each label counts, as ever
        warnings.simplefilter("ignore")
        sets = {
            d.name: Annotations.from_long(pd.read_csv(d / "answers.csv"))
            for d in sorted(data.iterdir())
            if (d / "answers.csv").is_file()
        }
    sets["synth_2e4"] = make_large(20_000, random_state=1)[0]
    res = {}
    for name, ann in sets.items():
        for method in METHODS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = get_method(method).fit(ann)
            key = f"{name}|{method}|"
            res[key + "labels"] = m.labels_
            res[key + "probas"] = np.asarray(m.probas_)
            res[key + "skill"] = np.asarray(m.annotator_skill_, dtype=float)
            for attr in ("consensus_quality_", "label_quality_scores_"):
                if getattr(m, attr, None) is not None:
                    res[key + attr] = np.asarray(getattr(m, attr), dtype=float)
    np.savez(out, **res)
    print(f"{len(sets)} data sets x {len(METHODS)} methods -> {out}")


def compare(a_path: Path, b_path: Path) -> int:
    a, b = np.load(a_path), np.load(b_path)
    problems, worst, where = [], 0.0, ""
    for key in a.files:
        if key not in b.files:
            problems.append(f"{key}: missing")
        elif key.endswith("labels"):
            if not np.array_equal(a[key], b[key]):
                problems.append(f"{key}: {int((a[key] != b[key]).sum())} labels differ")
        elif a[key].size:
            diff = float(np.nanmax(np.abs(a[key] - b[key])))
            if not np.array_equal(np.isnan(a[key]), np.isnan(b[key])):
                problems.append(f"{key}: nan in one only")
            if diff > worst:
                worst, where = diff, key
    n_sets = len({k.split("|")[0] for k in a.files})
    print(
        f"{n_sets} data sets, {len(a.files)} arrays; largest score difference {worst:.1e} ({where})"
    )
    print("\n".join(problems) if problems else "same consensus labels everywhere")
    return 1 if problems else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit")
    f.add_argument("--src", required=True)
    f.add_argument("--path", choices=["numpy", "kernel"], required=True)
    f.add_argument("--data", type=Path, default=DATA)
    f.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "fit":
        fit(str(Path(args.src).resolve()), args.path, args.data, args.out)
    else:
        sys.exit(compare(args.a, args.b))


if __name__ == "__main__":
    main()
