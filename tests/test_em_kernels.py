"""The shared EM steps: compiled kernels, numpy fallback and a plain reference agree.

The compiled path (numba, the ``fast`` extra) and the numpy/scipy fallback are
forced in turn through ``_em.KERNEL_MIN_ANNOTATIONS`` (0: always the kernels;
huge: never), so both run on the same small inputs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp

import labeljury.methods
from labeljury import Annotations
from labeljury.methods import _em, get_method
from labeljury.synth.generative import make_large

EM_METHODS = ["dawid_skene", "shrunk_dawid_skene", "one_coin_dawid_skene", "glad", "mace", "jury"]
SHARED = Path(
    os.environ.get("LABELJURY_DATA", Path(__file__).resolve().parents[2] / "shared" / "datasets")
)


@pytest.fixture(params=["numpy", "kernel"])
def path(request, monkeypatch) -> str:
    """Run the test once on each path."""
    if request.param == "kernel":
        pytest.importorskip("numba")
        monkeypatch.setattr(_em, "KERNEL_MIN_ANNOTATIONS", 0)
        monkeypatch.setattr(_em, "KERNEL_LOAD_ANNOTATIONS", 0)
    else:
        monkeypatch.setattr(_em, "KERNEL_MIN_ANNOTATIONS", 10**18)
    return request.param


def _data(seed: int, duplicates: bool = False):
    """Small annotations with a known random model: (ann, log_conf, log_prior)."""
    rng = np.random.default_rng(seed)
    n_items, n_ann, k = 300, 12, 4
    item = np.repeat(np.arange(n_items), rng.integers(1, 6, n_items))
    annotator = rng.integers(0, n_ann, item.size)
    if not duplicates:  # one label per (item, annotator)
        keep = ~pd.DataFrame({"i": item, "a": annotator}).duplicated().to_numpy()
        item, annotator = item[keep], annotator[keep]
    label = rng.integers(0, k, item.size)
    gold = np.where(rng.random(n_items) < 0.1, rng.integers(0, k, n_items), -1)
    ann = Annotations(item, annotator, label, range(n_items), range(n_ann), range(k), gold=gold)
    log_conf = np.log(rng.dirichlet(np.ones(k), size=(ann.n_annotators, k)))
    return ann, log_conf, np.log(rng.dirichlet(np.ones(k)))


def _reference(ann, log_conf, log_prior, gold):
    """The E-step written out: a loop over annotations, scipy's logsumexp, a count loop."""
    log_post = np.zeros((ann.n_items, ann.n_classes)) + log_prior
    for i, a, lab in zip(ann.item, ann.annotator, ann.label, strict=True):
        log_post[i] += log_conf[a, :, lab]
    if gold is not None:
        for i in np.flatnonzero(gold >= 0):
            log_post[i] = -np.inf
            log_post[i, gold[i]] = 0.0
    norm = logsumexp(log_post, axis=1)
    post = np.exp(log_post - norm[:, None])
    counts = np.zeros_like(log_conf)
    for i, a, lab in zip(ann.item, ann.annotator, ann.label, strict=True):
        counts[a, :, lab] += post[i]
    return post, norm.sum(), counts


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("duplicates", [False, True])
@pytest.mark.parametrize("with_gold", [False, True])
@pytest.mark.parametrize("per_item_prior", [False, True])
def test_e_step_matches_the_reference(path, seed, duplicates, with_gold, per_item_prior) -> None:
    ann, log_conf, log_prior = _data(seed, duplicates)
    if per_item_prior:
        rng = np.random.default_rng(seed + 10)
        log_prior = np.log(rng.dirichlet(np.ones(ann.n_classes), size=ann.n_items))
    gold = ann.gold if with_gold else None
    want_post, want_ll, want_counts = _reference(ann, log_conf, log_prior, gold)
    post, ll, counts = _em.e_step(ann.one_hot(), log_conf, log_prior, gold, counts=True)
    np.testing.assert_allclose(post, want_post, rtol=0, atol=1e-12)
    assert ll == pytest.approx(want_ll, rel=1e-12)
    np.testing.assert_allclose(counts, want_counts, rtol=1e-12, atol=1e-12)
    # without counts: the same posterior and evidence
    post2, ll2 = _em.e_step(ann.one_hot(), log_conf, log_prior, gold)
    np.testing.assert_array_equal(post2, post)
    assert ll2 == ll
    if with_gold:  # pinned items: one-hot on their class
        known = np.flatnonzero(ann.gold >= 0)
        assert (post[known, ann.gold[known]] == 1.0).all()


def test_log_normalize_matches_logsumexp(path) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(scale=300.0, size=(500, 7))
    x[5] = -np.inf  # an all -inf row: 0/0, as before
    x[6, :3] = -np.inf
    with np.errstate(invalid="ignore", divide="ignore"):
        probs, ll = _em.log_normalize(x)
        norm = logsumexp(x, axis=1)
    ok = np.isfinite(norm)
    np.testing.assert_allclose(probs[ok], np.exp(x[ok] - norm[ok, None]), rtol=0, atol=1e-12)
    assert np.isnan(probs[5]).all() and ll == -np.inf
    assert np.sum(norm[ok]) == pytest.approx(_em.log_normalize(x[ok])[1], rel=1e-12)


def _fit_both(monkeypatch, method: str, ann: Annotations):
    """(numpy-path fit, kernel-path fit) of one method."""
    fits = []
    for threshold in (10**18, 0):
        monkeypatch.setattr(_em, "KERNEL_MIN_ANNOTATIONS", threshold)
        monkeypatch.setattr(_em, "KERNEL_LOAD_ANNOTATIONS", threshold)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits.append(get_method(method).fit(ann))
    return fits


def _assert_same_fit(slow, fast, where: str) -> None:
    assert np.array_equal(slow.labels_, fast.labels_), where
    assert slow.n_iter_ == fast.n_iter_, where
    np.testing.assert_allclose(fast.probas_, slow.probas_, rtol=0, atol=1e-9, err_msg=where)
    np.testing.assert_allclose(
        fast.annotator_skill_, slow.annotator_skill_, rtol=0, atol=1e-9, err_msg=where
    )
    for attr in ("consensus_quality_", "label_quality_scores_"):
        if getattr(slow, attr, None) is not None:
            np.testing.assert_allclose(
                getattr(fast, attr), getattr(slow, attr), rtol=0, atol=1e-9, err_msg=where
            )


@pytest.mark.parametrize("method", EM_METHODS)
def test_every_em_method_fits_the_same_on_both_paths(monkeypatch, method) -> None:
    pytest.importorskip("numba")
    ann = make_large(20_000, n_classes=5, random_state=4)[0]
    slow, fast = _fit_both(monkeypatch, method, ann)
    _assert_same_fit(slow, fast, method)


@pytest.mark.shared
@pytest.mark.slow
def test_both_paths_agree_on_every_shared_data_set(monkeypatch) -> None:
    pytest.importorskip("numba")
    if not SHARED.is_dir():
        pytest.skip("needs ../shared/datasets (or LABELJURY_DATA)")
    sets = sorted(p for p in SHARED.iterdir() if (p / "answers.csv").is_file())
    assert sets
    for folder in sets:
        ann = Annotations.from_long(pd.read_csv(folder / "answers.csv"))
        for method in EM_METHODS:
            slow, fast = _fit_both(monkeypatch, method, ann)
            _assert_same_fit(slow, fast, f"{folder.name}/{method}")


def test_small_fits_do_not_load_numba() -> None:
    """Below the load threshold a fresh process stays on numpy and never imports numba
    (its import and the kernels' load cost more than such a fit saves)."""
    code = (
        "import sys\nfrom labeljury.synth.generative import make_large\n"
        "from labeljury.methods import DawidSkene, Jury, _em\n"
        "ann = make_large(50_000, random_state=0)[0]\n"
        "assert _em.KERNEL_MIN_ANNOTATIONS <= ann.n_annotations < _em.KERNEL_LOAD_ANNOTATIONS\n"
        "DawidSkene().fit(ann)\nJury().fit(ann)\nprint('numba' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_the_kernels_are_chosen_by_size_once_numba_is_there(monkeypatch) -> None:
    pytest.importorskip("numba")
    monkeypatch.setattr(_em, "KERNEL_MIN_ANNOTATIONS", 100)
    monkeypatch.setattr(_em, "KERNEL_LOAD_ANNOTATIONS", 1000)
    _em._load_kernels.cache_clear()
    assert _em._kernels_for(500) is None  # would not repay loading numba
    assert _em._kernels_for(1000) is not None  # loads them
    assert _em._kernels_for(500) is not None  # loaded: used from the lower threshold
    assert _em._kernels_for(99) is None
    assert _em._kernels_for(500, np.zeros((5, 5))) is None  # not a CSR matrix


def test_without_numba_the_numpy_path_runs(monkeypatch) -> None:
    """The `fast` extra missing: the kernels' import fails quietly and the same numbers
    come from numpy."""
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` raises ImportError
    monkeypatch.delitem(sys.modules, "labeljury.methods._kernels", raising=False)
    monkeypatch.delattr(labeljury.methods, "_kernels", raising=False)
    monkeypatch.setattr(_em, "KERNEL_MIN_ANNOTATIONS", 0)
    monkeypatch.setattr(_em, "KERNEL_LOAD_ANNOTATIONS", 0)
    _em._load_kernels.cache_clear()
    try:
        assert _em._kernels_for(10**9) is None
        ann, log_conf, log_prior = _data(0)
        post, ll = _em.e_step(ann.one_hot(), log_conf, log_prior)
        want_post, want_ll, _ = _reference(ann, log_conf, log_prior, None)
        np.testing.assert_allclose(post, want_post, rtol=0, atol=1e-12)
        assert ll == pytest.approx(want_ll, rel=1e-12)
    finally:
        _em._load_kernels.cache_clear()
