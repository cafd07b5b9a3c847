"""`labeljury aggregate --multi-label`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labeljury.cli import main
from labeljury.multilabel.synth import make_multilabel_crowd


def _write(tmp_path, text, name="answers.csv"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_aggregate_multi_label_writes_the_tables(tmp_path, capsys):
    path = _write(
        tmp_path,
        "item,annotator,labels\nd1,a,sport;news\nd1,b,news\nd1,c,news;sport\n"
        "d2,a,\nd2,b,tech\nd2,c,\n",
    )
    out = tmp_path / "out"
    rc = main(
        [
            "aggregate",
            path,
            "--multi-label",
            "--label-sep",
            ";",
            "--classes",
            "news",
            "sport",
            "tech",
            "weather",
            "--method",
            "majority_vote",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    lq = pd.read_csv(out / "label_quality.csv", keep_default_na=False)
    assert lq["consensus_label"].tolist() == ["news;sport", ""]
    cq = pd.read_csv(out / "class_quality.csv")
    assert list(cq.columns) == ["item", "news", "sport", "tech", "weather"]
    st = pd.read_csv(out / "annotator_stats.csv")
    assert "sensitivity:weather" in st.columns
    assert "multi-label" in capsys.readouterr().out


def test_aggregate_multi_label_with_pred_probs_table(tmp_path):
    c = make_multilabel_crowd(200, 4, 15, 3.0, random_state=0)
    ann = c.annotations
    path = tmp_path / "a.csv"
    ann.to_long().to_csv(path, index=False)
    pp = pd.DataFrame(np.where(c.truth, 0.7, 0.3), columns=list(ann.classes))
    pp.insert(0, "item", list(ann.items))
    pp.sample(frac=1, random_state=0).to_csv(tmp_path / "pp.csv", index=False)  # by id
    out = tmp_path / "out"
    assert (
        main(
            [
                "aggregate",
                str(path),
                "--multi-label",
                "--pred-probs",
                str(tmp_path / "pp.csv"),
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    lq = pd.read_csv(out / "label_quality.csv", keep_default_na=False)
    sets = [set(s.split("|")) - {""} for s in lq["consensus_label"]]
    truth = [set(ann.classes[row]) for row in c.truth]
    assert np.mean([a == b for a, b in zip(sets, truth, strict=True)]) > 0.8


def test_clear_errors(tmp_path, capsys):
    path = _write(tmp_path, "item,annotator,labels\nd1,a,x|y\nd1,a,x\n")
    out = str(tmp_path / "out")
    assert main(["aggregate", path, "--multi-label", "--out", out]) == 2
    assert "set twice" in capsys.readouterr().err
    path = _write(tmp_path, "item,annotator,labels\nd1,a,x|q\nd2,a,x\n", "b.csv")
    assert main(["aggregate", path, "--multi-label", "--classes", "x", "y", "--out", out]) == 2
    err = capsys.readouterr().err
    assert "b.csv line 2" in err and "'q'" in err
    assert main(["aggregate", path, "--multi-label", "--method", "glad", "--out", out]) == 2
    assert "not a multi-label method" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_run_multi_label_with_features(tmp_path):
    c = make_multilabel_crowd(300, 5, 40, 2.0, random_state=3)
    ann = c.annotations
    path = tmp_path / "a.csv"
    ann.to_long().to_csv(path, index=False)
    noisy = c.truth + np.random.default_rng(0).normal(0, 0.6, c.truth.shape)
    feats = pd.DataFrame(noisy, columns=[f"f{j}" for j in range(5)])
    feats.insert(0, "item", list(ann.items))
    feats.sample(frac=1, random_state=1).to_csv(tmp_path / "features.csv", index=False)
    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                str(path),
                "--multi-label",
                "--features",
                str(tmp_path / "features.csv"),
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    pp = pd.read_csv(out / "pred_probs.csv")
    assert list(pp.columns) == ["item", *ann.classes]
    # run writes the report unless --no-report; it shows the rounds
    assert "<h2>Rounds</h2>" in (out / "report.html").read_text()
    lq = pd.read_csv(out / "label_quality.csv", keep_default_na=False)
    got = np.array([[cls in s.split("|") for cls in ann.classes] for s in lq["consensus_label"]])
    from labeljury.multilabel.methods import MultiJury

    without = MultiJury().fit(ann).labels_
    # the model sees features that track the truth: run beats the annotators alone
    assert (got == c.truth).all(axis=1).mean() > (without == c.truth).all(axis=1).mean() + 0.03


def test_single_label_options_and_layouts_refused(tmp_path, capsys):
    path = _write(tmp_path, "item,annotator,labels\nd1,a,x|y\n")
    gold = _write(tmp_path, "item,gold\nd1,x\n", "gold.csv")
    out = str(tmp_path / "out")
    assert main(["aggregate", path, "--multi-label", "--gold", gold, "--out", out]) == 2
    assert "--gold is not supported with --multi-label" in capsys.readouterr().err
    wide = _write(tmp_path, "item,a,b\nd1,x,y\n", "wide.csv")
    assert main(["aggregate", wide, "--multi-label", "--format", "wide", "--out", out]) == 2
    assert "long table" in capsys.readouterr().err


def test_methods_lists_the_multi_label_methods(capsys):
    from labeljury.methods import METHODS
    from labeljury.multilabel.methods import METHODS as MULTI

    assert main(["methods", "--plain"]) == 0
    out = capsys.readouterr().out
    single, _, multi = out.partition("multi-label methods (--multi-label):")
    assert multi, "no multi-label section"
    for name in METHODS:
        assert f"\n{name} " in "\n" + single
    for name, cls in MULTI.items():
        assert f"\n{name} " in multi and cls.summary in multi
    assert main(["methods"]) == 0
    assert "multi-label method" in capsys.readouterr().out
