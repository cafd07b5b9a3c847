"""The HTML report of a multi-label result: sets, per-class rates, annotators, escaping."""

from __future__ import annotations

import re

import pytest

from labeljury.cli import main
from labeljury.multilabel import MultiLabelAnnotations, aggregate
from labeljury.multilabel.synth import make_multilabel_crowd

pytest.importorskip("pandas")

XSS = "<b>x</b>"


def _small():
    return MultiLabelAnnotations.from_sets(
        ["d1", "d1", "d1", "d2", "d2", "d2"],
        ["ana", "li", "bo", "ana", "li", "bo"],
        [["sport", XSS], [XSS], ["sport"], [], ["news"], []],
        classes=["sport", "news", XSS],
    )


def test_report_shows_sets_classes_and_annotators(tmp_path):
    res = aggregate(_small(), "majority_vote")
    text = res.report(tmp_path / "r.html").read_text()
    for heading in ("least sure consensus set", "Classes", "Annotators"):
        assert heading in text
    # the class named <b>x</b> is text everywhere, never markup
    assert XSS not in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text
    assert "sensitivity:&lt;b&gt;x&lt;/b&gt;" in text and "specificity:sport" in text
    # d1's consensus set {sport, <b>x</b>}: two chips; d2's is empty
    assert "<span class='vote'>sport</span><span class='vote'>&lt;b&gt;x&lt;/b&gt;</span>" in text
    assert "(none)" in text
    # each annotator's set, chips in the consensus marked
    assert "li: <span class='vote win'>&lt;b&gt;x&lt;/b&gt;</span>" in text
    assert "li: <span class='vote'>news</span>" in text
    # sport: in 1 of 2 consensus sets, mean probability (2/3 + 0) / 2, chosen in 2 of 6
    row = re.search(r"<tr><td>sport</td>(.*?)</tr>", text).group(1)
    assert re.findall(r"<td class=\"num\">([^<]*)</td>", row)[:3] == ["0.500", "0.333", "0.333"]
    s = res.summary()
    assert f"{s['mean_consensus_quality']:.3f}" in text


def test_report_bytes_are_the_same_between_identical_runs(tmp_path):
    crowd = make_multilabel_crowd(300, 6, 20, 3.0, random_state=1)
    a = aggregate(crowd.annotations).report(tmp_path / "a.html").read_bytes()
    b = aggregate(crowd.annotations).report(tmp_path / "b.html").read_bytes()
    assert a == b
    assert a.count(b"<tr>") > 25 + 6  # 25 least sure items + 6 classes + annotators


def test_cli_aggregate_and_run_write_the_report(tmp_path, capsys):
    path = tmp_path / "answers.csv"
    path.write_text(
        "item,annotator,labels\nd1,a,sport;news\nd1,b,news\nd1,c,news;sport\n"
        "d2,a,\nd2,b,tech\nd2,c,\nd3,a,tech\nd3,b,tech\nd3,c,\n"
    )
    out = tmp_path / "out"
    args = ["aggregate", str(path), "--multi-label", "--label-sep", ";", "--out", str(out)]
    assert main([*args, "--report", "--quiet"]) == 0
    text = (out / "report.html").read_text()
    assert "least sure consensus set" in text and "tech" in text
    assert main(["aggregate", str(path), "--multi-label", "--report", "--quiet"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main([*args, "--report", "--items", str(path), "--quiet"]) == 2
    assert "--items" in capsys.readouterr().err
