"""The iterate-until-stable pipeline, the tutorial demo's checks, Jury and relabel priorities."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import labeljury
from labeljury import Annotations
from labeljury.cli import main, tutorial_demo
from labeljury.errors import IdMismatchError, InputError
from labeljury.methods import get_method
from labeljury.pipeline import align_features, run, run_lines
from labeljury.synth import make_tutorial_data


@pytest.fixture(scope="module")
def tutorial():
    return make_tutorial_data(random_state=0)


def test_run_returns_history_model_and_probs(tutorial) -> None:
    res = run(tutorial.annotations, tutorial.features, max_rounds=3, progress=False)
    h = res.history
    assert list(h.columns) == [
        "round",
        "labels_changed",
        "consensus_change",
        "damped",
        "model_cv_accuracy",
        "model_log_loss",
        "heldout_loglik",
        "model_weight",
        "seconds",
        "cpu_seconds",
        "kept",
    ]
    assert (h["model_weight"] == 1.0).all()  # Jury's describe()
    assert 1 <= len(h) <= 3 and h["kept"].sum() == 1
    assert res.pred_probs.shape == (tutorial.annotations.n_items, 3)
    np.testing.assert_allclose(res.pred_probs.sum(axis=1), 1)
    assert res.model is not None and hasattr(res.model, "predict_proba")
    acc = np.mean(res.method.labels_ == tutorial.true_labels)
    mv = labeljury.aggregate(tutorial.annotations, method="majority_vote").method.labels_
    assert acc > np.mean(mv == tutorial.true_labels)


def test_features_matched_by_id_not_position(tutorial) -> None:
    ann = tutorial.annotations
    feats = tutorial.features.copy()
    feats.insert(0, "item", ann.items)
    shuffled = feats.sample(frac=1.0, random_state=1)
    aligned = align_features(shuffled, ann, id_col="item")
    pd.testing.assert_frame_equal(
        aligned, tutorial.features.reset_index(drop=True), check_names=False
    )
    with pytest.raises(IdMismatchError, match="no row for items"):
        align_features(shuffled.iloc[1:], ann, id_col="item")
    with pytest.raises(InputError, match="rows for"):
        align_features(np.zeros((3, 2)), ann)


def test_run_takes_sparse_features(tutorial) -> None:
    # bag-of-bins one-hot features, the shape of TF-IDF: one sparse row per item
    import scipy.sparse as sp
    from sklearn.preprocessing import KBinsDiscretizer

    bins = KBinsDiscretizer(n_bins=12, encode="onehot", strategy="uniform")
    sparse = bins.fit_transform(tutorial.features.to_numpy())
    assert sp.issparse(sparse)
    res = run(tutorial.annotations, sparse, max_rounds=2, progress=False)
    acc = np.mean(res.method.labels_ == tutorial.true_labels)
    mv = labeljury.aggregate(tutorial.annotations, method="majority_vote").method.labels_
    assert acc > np.mean(mv == tutorial.true_labels)
    with pytest.raises(InputError, match="sparse matrix of shape"):
        align_features(sparse[1:], tutorial.annotations)


def test_run_rejects_annotator_only_method(tutorial) -> None:
    with pytest.raises(InputError, match="does not use a model"):
        run(tutorial.annotations, tutorial.features, method="dawid_skene", progress=False)


@pytest.mark.slow
def test_tutorial_checks_hold_over_20_seeds() -> None:
    """The tutorial's own three checks, on 20 different data sets (seeds 0-19).

    Measured: consensus beats majority vote and the five noisy annotators score
    below the others on all 20 seeds. "The 15 lowest-quality consensus labels
    are less accurate than the rest" cannot hold when the consensus makes no
    error at all (seed 9: accuracy 1.0, both groups 1.0), and on seed 14 the
    consensus's single error is not among the 15 lowest-scored items; every
    other seed passes. The test asserts exactly that much, so any regression
    fails it.
    """
    worst_misses = []
    for seed in range(20):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n = tutorial_demo(seed, None, max_rounds=3)
        assert n["consensus_accuracy"] > n["majority_vote_accuracy"], (seed, n)
        assert n["noisy_annotator_quality"] < n["other_annotator_quality"], (seed, n)
        if n["consensus_accuracy"] < 1.0 and not n["worst15_accuracy"] < n["rest_accuracy"]:
            worst_misses.append(seed)
        assert n["worst15_accuracy"] <= n["rest_accuracy"] or n["consensus_accuracy"] > 0.99
    assert len(worst_misses) <= 1, worst_misses


def test_cli_run_with_features_table(tmp_path, tutorial) -> None:
    ann = tutorial.annotations
    answers = tmp_path / "answers.csv"
    ann.to_long().to_csv(answers, index=False)
    feats = tutorial.features.copy()
    feats.insert(0, "item", ann.items)
    feats.sample(frac=1.0, random_state=0).to_csv(tmp_path / "features.csv", index=False)
    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                str(answers),
                "--features",
                str(tmp_path / "features.csv"),
                "--max-rounds",
                "2",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    for name in (
        "label_quality.csv",
        "detailed_label_quality.csv",
        "annotator_stats.csv",
        "pred_probs.csv",
        "report.html",
    ):
        assert (out / name).exists(), name
    pp = pd.read_csv(out / "pred_probs.csv")
    assert pp.columns.tolist() == ["item", "0", "1", "2"] and len(pp) == ann.n_items


def test_cli_run_with_embeddings_npy_in_sorted_order(tmp_path, tutorial) -> None:
    ann = tutorial.annotations
    answers = tmp_path / "answers.csv"
    ann.to_long().to_csv(answers, index=False)
    emb = tutorial.features.to_numpy()[np.argsort(np.asarray(ann.items))]
    np.save(tmp_path / "emb.npy", emb)
    assert (
        main(
            [
                "run",
                str(answers),
                "--embeddings",
                str(tmp_path / "emb.npy"),
                "--max-rounds",
                "1",
                "--out",
                str(tmp_path / "o"),
                "--quiet",
                "--no-report",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "run",
                str(answers),
                "--embeddings",
                str(tmp_path / "missing.npy"),
                "--out",
                str(tmp_path / "o3"),
                "--quiet",
            ]
        )
        == 2
    )
    np.save(tmp_path / "bad.npy", emb[:-1])
    assert (
        main(
            [
                "run",
                str(answers),
                "--embeddings",
                str(tmp_path / "bad.npy"),
                "--out",
                str(tmp_path / "o2"),
                "--quiet",
            ]
        )
        == 2
    )
    np.save(tmp_path / "scalar.npy", np.float64(3.0))  # a 0-d array: an error, no traceback
    assert (
        main(
            [
                "run",
                str(answers),
                "--embeddings",
                str(tmp_path / "scalar.npy"),
                "--out",
                str(tmp_path / "o4"),
                "--quiet",
            ]
        )
        == 2
    )


def test_cli_run_with_sparse_npz_in_sorted_order(tmp_path, tutorial) -> None:
    import scipy.sparse as sp
    from sklearn.preprocessing import KBinsDiscretizer

    # item ids whose sorted order is not the annotations' order: "id000" is item 0,
    # "id037" item 1, ... (37 and 300 are coprime)
    long = tutorial.annotations.to_long()
    long["item"] = [f"id{(i * 37) % 300:03d}" for i in long["item"]]
    answers = tmp_path / "answers.csv"
    long.to_csv(answers, index=False)
    ann = labeljury.read_annotations(answers)
    bins = KBinsDiscretizer(n_bins=12, encode="onehot", strategy="uniform")
    onehot = sp.csr_matrix(bins.fit_transform(tutorial.features.to_numpy()))
    original = np.array([int(i[2:]) * 73 % 300 for i in ann.items])  # 37 * 73 = 1 mod 300
    in_ann_order = onehot[original]
    assert not (np.argsort(np.asarray(ann.items)) == np.arange(ann.n_items)).all()
    sp.save_npz(tmp_path / "x.npz", in_ann_order[np.argsort(np.asarray(ann.items))])
    out = tmp_path / "o"
    assert (
        main(
            [
                "run",
                str(answers),
                "--embeddings",
                str(tmp_path / "x.npz"),
                "--max-rounds",
                "1",
                "--out",
                str(out),
                "--quiet",
                "--no-report",
            ]
        )
        == 0
    )
    # the same consensus as the in-memory run: the file's sorted order was undone
    direct = run(ann, in_ann_order, max_rounds=1, progress=False)
    lq = pd.read_csv(out / "label_quality.csv")
    assert lq["consensus_label"].tolist() == direct.label_quality["consensus_label"].tolist()
    truth = tutorial.true_labels[original]
    assert np.mean(direct.method.labels_ == truth) > 0.9
    sp.save_npz(tmp_path / "bad.npz", onehot[:-1])
    assert (
        main(
            [
                "run",
                str(answers),
                "--embeddings",
                str(tmp_path / "bad.npz"),
                "--out",
                str(tmp_path / "o2"),
                "--quiet",
            ]
        )
        == 2
    )


# ------------------------------------------------------------------ Jury
def test_jury_uses_the_model(tutorial) -> None:
    ann, truth = tutorial.annotations, tutorial.true_labels
    rng = np.random.default_rng(0)
    good = np.full((ann.n_items, 3), 0.1)
    good[np.arange(ann.n_items), truth] = 0.8
    noise = rng.dirichlet(np.ones(3), ann.n_items)
    j_good = get_method("jury").fit(ann, good)
    j_noise = get_method("jury").fit(ann, noise)
    assert np.mean(j_good.labels_ == truth) > np.mean(j_noise.labels_ == truth)
    np.testing.assert_array_equal(j_good.labels_, j_good.probas_.argmax(axis=1))


def test_jury_without_model_keeps_single_labels() -> None:
    # every item labeled once: nothing says a label is wrong, so none is changed
    rng = np.random.default_rng(0)
    n = 200
    ann = Annotations.from_arrays(
        np.arange(n), rng.integers(0, 10, n), rng.choice([0, 1, 2], n, p=[0.8, 0.15, 0.05])
    )
    jury = get_method("jury").fit(ann)
    np.testing.assert_array_equal(jury.labels_, ann.label)


def test_jury_honest_scores_are_probabilities(tutorial) -> None:
    jury = get_method("jury").fit(tutorial.annotations)
    q = jury.consensus_quality_
    assert np.all((q >= 0) & (q <= 1))
    assert len(jury.label_quality_scores_) == tutorial.annotations.n_annotations


def test_auto_is_jury_and_says_why(tutorial) -> None:
    res = labeljury.aggregate(tutorial.annotations)
    assert res.method_name == "Jury"
    assert res.summary()["chosen_by"].startswith("jury, labeljury's default")
    assert labeljury.aggregate(tutorial.annotations, method="jury").summary()["chosen_by"] is None


# --------------------------------------------------------- relabel priority
def test_relabel_priority_orders_doubtful_and_unlabeled(tutorial) -> None:
    ann = tutorial.annotations
    probs = run(ann, tutorial.features, max_rounds=1, progress=False).pred_probs
    unl = np.array([[0.34, 0.33, 0.33], [0.98, 0.01, 0.01]])
    pr = labeljury.relabel_priority(ann, probs, unl, unlabeled_ids=["new-a", "new-b"])
    assert len(pr) == ann.n_items + 2
    assert pr["priority_score"].is_monotonic_increasing
    pos = {item: i for i, item in enumerate(pr["item"])}
    assert pos["new-a"] < pos["new-b"]  # the model is unsure about new-a
    # items with many agreeing labels come late
    top = pr[pr["labeled"]].head(20)
    bottom = pr[pr["labeled"]].tail(20)
    assert top["num_annotations"].mean() <= bottom["num_annotations"].mean()


# ------------------------------------------------------------------ rounds
def _easy_crowd(n: int = 240, seed: int = 0) -> tuple[Annotations, pd.DataFrame]:
    """Three agreeing annotators per item and separable features: nothing to iterate on."""
    rng = np.random.default_rng(seed)
    truth = np.arange(n) % 2
    item = np.repeat(np.arange(n), 3)
    annotator = np.tile(["a", "b", "c"], n)
    ann = Annotations.from_arrays(item, annotator, np.repeat(truth, 3))
    feats = pd.DataFrame({"x": truth * 4.0 + rng.normal(size=n), "y": rng.normal(size=n)})
    return ann, feats


def test_stable_problem_converges_early_and_says_so() -> None:
    ann, feats = _easy_crowd()
    res = run(ann, feats, max_rounds=8, progress=False)
    assert res.rounds["stopped"] == "converged"
    assert res.rounds["rounds"] < 8
    assert res.history["consensus_change"].iloc[-1] < res.rounds["tol"]
    assert res.summary()["stopped"] == "converged"


def test_round_limit_is_reported(tutorial) -> None:
    res = run(tutorial.annotations, tutorial.features, max_rounds=2, tol=1e-9, progress=False)
    assert res.rounds["stopped"] == "round limit" and res.rounds["rounds"] == 2
    s = res.summary()
    assert s["stopped"] == "round limit" and s["rounds"] == 2 and s["max_rounds"] == 2


def test_damping_stops_an_oscillation() -> None:
    # a two-cycle: each round's model says the opposite of the last consensus
    from labeljury._rounds import Damper, consensus_change

    def round_map(p):
        return p[:, ::-1].copy()

    post = np.array([[0.9, 0.1], [0.2, 0.8]])
    undamped, damped = [], []
    p, d, prev = post, Damper(), None
    q = post
    for _ in range(8):
        new = round_map(p)
        undamped.append(consensus_change(new, p))
        p = new
        mixed = d.mix(round_map(q), prev)
        damped.append(consensus_change(mixed, q))
        d.observe(damped[-1])
        prev, q = mixed, mixed
    assert min(undamped) > 0.5  # never settles on its own
    assert d.on and damped[-1] < 1e-3  # damped, it stops moving


def test_kept_round_never_worse_on_heldout_annotations(tutorial) -> None:
    from labeljury._rounds import choose_round

    res = run(tutorial.annotations, tutorial.features, max_rounds=4, progress=False)
    h = res.history.set_index("round")
    kept = res.rounds["kept_round"]
    assert h.loc[kept, "kept"] and h["kept"].sum() == 1
    assert h.loc[kept, "heldout_loglik"] >= h.loc[1, "heldout_loglik"]
    assert res.rounds["heldout_annotations"] > 50
    # the rule itself, on random score vectors: the kept round's mean is never below round 1's
    rng = np.random.default_rng(0)
    for _ in range(200):
        base = rng.normal(-0.6, 0.3, 60)
        scores = [base] + [base + rng.normal(rng.normal(0, 0.05), 0.2, 60) for _ in range(3)]
        best, why = choose_round(scores)
        assert scores[best - 1].mean() >= base.mean() and why


def test_heldout_halves_cross_fit(tutorial) -> None:
    from labeljury._rounds import KEEP_Z, choose_round, holdout_halves

    ann = tutorial.annotations
    a, b = holdout_halves(ann, 0)
    assert not (a & b).any()
    held = a | b
    # one annotation of every item with two or more, none of an item twice
    per_item = np.bincount(ann.item[held], minlength=ann.n_items)
    assert per_item.max() == 1
    assert (per_item[ann.annotations_per_item() >= 2] == 1).mean() > 0.95
    assert 0.35 < a.sum() / held.sum() < 0.65  # two halves of the items
    res = run(ann, tutorial.features, max_rounds=2, progress=False)
    assert res.rounds["heldout_annotations"] == held.sum()
    # a later round ahead of round 1 by half a standard error less than KEEP_Z is not kept
    rng = np.random.default_rng(1)
    base = rng.normal(-0.6, 0.2, 400)
    noise = rng.normal(0, 0.2, 400)
    later = base + noise - noise.mean()  # paired difference: mean 0, then shifted
    later += (KEEP_Z - 0.5) * noise.std(ddof=1) / np.sqrt(400)
    assert choose_round([base, later])[0] == 1
    assert choose_round([base, later], z=KEEP_Z - 1)[0] == 2


def test_features_path_like_the_cli(tmp_path, tutorial) -> None:
    # both files as the CLI reads them (ids as text), the features rows shuffled
    ann = tutorial.annotations
    answers = tmp_path / "answers.csv"
    ann.to_long().to_csv(answers, index=False)
    feats = tutorial.features.copy()
    feats.insert(0, "item", ann.items)
    path = tmp_path / "items.csv"
    feats.sample(frac=1.0, random_state=0).to_csv(path, index=False)
    by_path = run(str(answers), str(path), max_rounds=1, progress=False)
    read = labeljury.read_annotations(answers)
    table = tutorial.features.set_axis(tutorial.features.index.astype(str))  # ids as text
    in_memory = run(read, table, max_rounds=1, progress=False)
    np.testing.assert_allclose(by_path.pred_probs, in_memory.pred_probs)
    with pytest.raises(InputError):
        run(str(answers), str(tmp_path / "missing.csv"), progress=False)


def test_progress_callback_counts_rounds_and_folds(tutorial) -> None:
    events = []
    res = run(
        tutorial.annotations,
        tutorial.features,
        max_rounds=3,
        n_splits=4,
        tol=1e-9,
        progress=events.append,
    )
    rounds = [e for e in events if e.event == "round"]
    folds = [e for e in events if e.event == "fold"]
    assert [e.round for e in rounds] == [1, 2, 3] == res.history["round"].tolist()
    n_cands = len(res.model_metrics["candidates_log_loss"])
    # round 1 cross-validates every candidate, later rounds the chosen model only
    assert sum(e.round == 1 for e in folds) == 4 * n_cands
    assert sum(e.round == 2 for e in folds) == sum(e.round == 3 for e in folds) == 4
    assert all(e.max_rounds == 3 and e.n_folds == 4 and 1 <= e.fold <= 4 for e in folds)
    assert all(e.eta >= 0 for e in events) and "round 2/3" in folds[-5].message
    assert folds[-1].eta < folds[0].eta  # less time left at the end than at the start


def test_model_chosen_once(monkeypatch, tutorial) -> None:
    from labeljury.model import CrossValModel

    seen = []
    original = CrossValModel._cross_val

    def spy(self, name, soft, on_fold):
        seen.append(name)
        return original(self, name, soft, on_fold)

    monkeypatch.setattr(CrossValModel, "_cross_val", spy)
    res = run(tutorial.annotations, tutorial.features, max_rounds=3, tol=1e-9, progress=False)
    chosen = res.model_metrics["model"]
    assert seen[:2] == ["hist_gradient_boosting", "logistic"]
    assert seen[2:] == [chosen, chosen]
    assert set(res.model_metrics) >= {"cv_accuracy", "cv_log_loss", "cv_ece", "model"}
    assert 0.5 < res.model_metrics["cv_accuracy"] <= 1.0
    assert res.history["model_cv_accuracy"].notna().all()


def test_run_is_deterministic_with_its_seed(tutorial) -> None:
    a = run(tutorial.annotations, tutorial.features, max_rounds=3, progress=False, random_state=5)
    b = run(
        tutorial.annotations,
        tutorial.features,
        max_rounds=3,
        progress=False,
        random_state=5,
        n_jobs=2,
    )  # folds side by side give the same numbers
    np.testing.assert_array_equal(a.pred_probs, b.pred_probs)
    pd.testing.assert_frame_equal(
        a.history.drop(columns=["seconds", "cpu_seconds"]),
        b.history.drop(columns=["seconds", "cpu_seconds"]),
    )
    c = run(tutorial.annotations, tutorial.features, max_rounds=3, progress=False, random_state=6)
    assert not np.array_equal(a.pred_probs, c.pred_probs)


def test_cli_run_says_how_the_rounds_ended(tmp_path, tutorial, capsys) -> None:
    ann = tutorial.annotations
    answers = tmp_path / "answers.csv"
    ann.to_long().to_csv(answers, index=False)
    feats = tutorial.features.copy()
    feats.insert(0, "item", ann.items)
    feats.to_csv(tmp_path / "features.csv", index=False)
    assert (
        main(
            [
                "run",
                str(answers),
                "--features",
                str(tmp_path / "features.csv"),
                "--max-rounds",
                "1",
                "--out",
                str(tmp_path / "o"),
                "--no-report",
            ]
        )
        == 0
    )
    out = " ".join(capsys.readouterr().out.split())  # undo the terminal's wrapping
    assert "rounds: 1 of at most 1, stopped at the round limit" in out
    assert "kept round 1" in out and "cross-validated against the consensus" in out


def test_run_with_pred_probs_and_no_features_stops_after_one_round(tutorial) -> None:
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), tutorial.annotations.n_items)
    res = run(tutorial.annotations, pred_probs=probs, max_rounds=3, progress=False)
    assert res.rounds["rounds"] == 1 and res.rounds["stopped"] == "no features to retrain on"
    assert res.model is None and res.model_metrics is None
    assert run_lines(res)[0].startswith("rounds: 1 of at most 3")


def test_cli_rounds_table_fits_80_columns(tutorial) -> None:
    from rich.console import Console

    from labeljury.commands.run import rounds_table

    res = run(tutorial.annotations, tutorial.features, max_rounds=3, progress=False)
    console = Console(width=80, record=True)
    console.print(rounds_table(res.history))
    text = console.export_text()
    assert "…" not in text  # no column squeezed to an ellipsis
    assert "held-out ll" in text and "kept" in text
    assert max(len(line) for line in text.splitlines()) <= 80
