"""The generalization protocol: every candidate default scored on data it was not chosen on.

A *candidate* is a labeljury method with a grid of settings (one setting: it is
simply scored). For each real data set left out, the setting with the best mean
accuracy on the *other* groups (real data sets and simulated families, each
group weighing one, its variants averaged) is chosen and scored on the one left
out; the simulated families are scored with the setting chosen on the real
sets (on the other families when no real set is given). Settings are compared
on the data sets where all of them produced a result; ties go to the first.

The peers (crowd-kit and cleanlab, :data:`DEFAULT_PEERS`) are run on the same
inputs through :mod:`~.peers` and :func:`~.dataset_run._run_dataset`, with its time
budget and skip rules; the baseline (:class:`~labeljury.methods.shrunk_dawid_skene.
ShrunkDawidSkene`, default setting) is always a candidate. Tables:
:mod:`~.protocol_report`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..annotations import Annotations
from ..errors import InputError
from .families import ProtocolSet
from .peers import PEERS, Contender, MethodOutput

__all__ = [
    "BASELINE",
    "DEFAULT_PEERS",
    "Candidate",
    "lodo_choose",
    "parse_candidate",
    "run_protocol",
    "setting_contender",
]

#: the floor every default must beat (issue 15)
BASELINE = "shrunk_dawid_skene"
#: the references; a peer that fails on a data set (CROWDLAB with one label per item)
#: is reported as a failed row and left out of that set's best reference
DEFAULT_PEERS = (
    "crowdkit:MajorityVote",
    "crowdkit:Wawa",
    "crowdkit:ZeroBasedSkill",
    "crowdkit:DawidSkene",
    "crowdkit:GLAD",
    "cleanlab:majority_vote",
    "cleanlab:crowdlab",
)


@dataclass(frozen=True)
class Candidate:
    """A labeljury method and the settings the protocol may choose among.

    Attributes
    ----------
    name : str
        As shown in the tables.
    method : str
        Registered method name (:data:`labeljury.methods.METHODS`).
    grid : tuple of dict
        Constructor settings; one entry (``({},)``: the defaults) is simply scored.
    """

    name: str
    method: str
    grid: tuple[dict[str, Any], ...] = ({},)

    def setting_name(self, i: int) -> str:
        """Contender name of setting ``i``: ``name[i]``."""
        return f"{self.name}[{i}]"


def _grid(spec: Any) -> tuple[dict[str, Any], ...]:
    """A list of settings as given, or a dict whose list values are axes to combine."""
    if spec is None:
        return ({},)
    if isinstance(spec, Mapping):
        keys = list(spec)
        axes = [v if isinstance(v, list) else [v] for v in spec.values()]
        return tuple(dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes))
    if isinstance(spec, list) and all(isinstance(s, Mapping) for s in spec) and spec:
        return tuple(dict(s) for s in spec)
    raise InputError(
        f"a candidate's settings must be a dict (list values = a grid) or a "
        f"non-empty list of dicts, got {spec!r}"
    )


def parse_candidate(spec: str | Candidate | tuple[str, Any]) -> Candidate:
    """A :class:`Candidate` from ``"method"``, ``"method:JSON"`` or ``"name=method:JSON"``.

    The JSON is a dict of settings whose list values form a grid, or a list of
    setting dicts. From Python, ``(name_or_method, settings)`` works too.

    Examples
    --------
    >>> c = parse_candidate('jury:{"a": [1, 2], "b": 0}')
    >>> c.name, c.method, c.grid
    ('jury', 'jury', ({'a': 1, 'b': 0}, {'a': 2, 'b': 0}))
    >>> parse_candidate('strong=sds:{"strength": 10}').grid
    ({'strength': 10},)
    """
    from ..methods import _canonical, method_class

    if isinstance(spec, Candidate):
        return spec
    if isinstance(spec, tuple):
        label, settings = spec
        name, _, method = label.partition("=")
        method = method or name
        grid = _grid(settings)
    else:
        head, sep, body = spec.partition(":")
        name, _, method = head.strip().partition("=")
        method = method or name
        try:
            grid = _grid(json.loads(body) if sep else None)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"candidate {spec!r}: the settings after ':' are not JSON "
                f"({exc.msg}); write e.g. 'jury:{{\"param\": [1, 2]}}'"
            ) from None
    method_class(method)  # unknown names fail here, with the list of methods
    return Candidate(name.strip(), _canonical(method), grid)


def setting_contender(method: str, params: Mapping[str, Any], name: str) -> Contender:
    """A contender fitting ``method`` with ``params`` (pred_probs when it uses them)."""
    from ..methods import method_class

    cls = method_class(method)
    uses = bool(getattr(cls, "uses_pred_probs", False))

    def run(ann: Annotations, pred_probs: np.ndarray | None) -> MethodOutput:
        m = cls(**params).fit(ann, pred_probs if uses else None)
        q = getattr(m, "consensus_quality_", None)
        labels = np.asarray(m.labels_)
        probas = np.asarray(m.probas_, float)
        quality = probas[np.arange(len(labels)), labels] if q is None else np.asarray(q, float)
        return MethodOutput(labels, probas, quality, np.asarray(m.annotator_skill_, float))

    return Contender(name, "labeljury", uses, run)


# ------------------------------------------------------------------ choosing
def lodo_choose(acc: pd.DataFrame, groups: Sequence[str], kinds: Sequence[str]) -> dict[str, str]:
    """The setting chosen for each group left out.

    Parameters
    ----------
    acc : DataFrame
        Accuracy, one row per setting, one column per data set (NaN = no result).
    groups, kinds : sequence of str
        Group and kind (``"real"``/``"simulated"``) of each column.

    Returns
    -------
    dict
        group -> chosen row label. A real group gets the setting with the best
        mean over the other groups (each group the mean of its columns); a
        simulated group the best over the real groups, or over the other
        simulated groups when there is no real one.

    Examples
    --------
    >>> acc = pd.DataFrame([[0.9, 0.5, 0.7], [0.6, 0.8, 0.8]], index=["a", "b"])
    >>> lodo_choose(acc, ["x", "y", "s"], ["real", "real", "simulated"])
    {'x': 'b', 'y': 'a', 's': 'a'}
    """
    groups, kinds = list(groups), list(kinds)
    complete = acc.notna().all(axis=0).to_numpy()
    by_group = acc.loc[:, complete].T.groupby(np.asarray(groups)[complete]).mean().T
    kind_of = dict(zip(groups, kinds, strict=True))
    real = [g for g in by_group.columns if kind_of[g] == "real"]
    chosen: dict[str, str] = {}
    for g in dict.fromkeys(groups):
        if kind_of[g] == "real" or not real:
            pool = [h for h in by_group.columns if h != g]
        else:
            pool = real
        if not pool:  # a single group: nothing to choose on, keep the first setting
            chosen[g] = acc.index[0]
            continue
        mean = by_group[pool].mean(axis=1).to_numpy()
        chosen[g] = acc.index[int(np.argmax(mean))]  # first of the best on ties
    return chosen


# ------------------------------------------------------------------ running
@dataclass
class ProtocolConfig:
    """The run's limits (see :class:`~.config.BenchConfig` for their meaning)."""

    max_fit_seconds: float = 20.0
    skip_margin: float = 2.0
    progress: bool = True
    threads: int | None = 1
    peers: Sequence[str] = field(default_factory=lambda: list(DEFAULT_PEERS))


def _contenders(
    candidates: Sequence[Candidate], peers: Iterable[str]
) -> tuple[list[Contender], dict[str, tuple[str, int]]]:
    out, owner = [], {}
    for cand in candidates:
        for i, params in enumerate(cand.grid):
            name = cand.setting_name(i)
            out.append(setting_contender(cand.method, params, name))
            owner[name] = (cand.name, i)
    for p in peers:
        if p not in PEERS:
            raise InputError(f"no peer {p!r}; choose from {', '.join(PEERS)}")
        out.append(PEERS[p])
    return out, owner


def run_protocol(
    sets: Sequence[ProtocolSet], candidates: Iterable[Any], *, config: ProtocolConfig | None = None
) -> pd.DataFrame:
    """Fit every setting and peer on every set; one row per fit, LODO choice marked.

    Parameters
    ----------
    sets : list of ProtocolSet
        From :func:`~.families.real_sets` and :func:`~.families.family_sets`.
    candidates : iterable
        Candidates, or what :func:`parse_candidate` reads; the baseline is added
        when missing.

    Returns
    -------
    DataFrame
        The runner's columns (``status``, ``accuracy``, ``auroc_own``, ``ece``,
        ``time_s``...) plus ``group``, ``variant``, ``set_kind``, ``candidate``
        (empty for peers), ``setting`` (index in the grid), ``params`` (JSON) and
        ``chosen`` (the row is the candidate's LODO score on that set).
    """
    from .config import BenchConfig
    from .dataset_run import _run_dataset, _State

    cfg = config or ProtocolConfig()
    cands = [parse_candidate(c) for c in candidates]
    if BASELINE not in {c.name for c in cands}:
        cands.insert(0, Candidate(BASELINE, BASELINE))
    if len({c.name for c in cands}) != len(cands):
        raise InputError("two candidates share a name; name them with 'name=method:{...}'")
    if not sets:
        raise InputError("no data sets: give real data (--data) or simulated families")
    contenders, owner = _contenders(cands, cfg.peers)
    bench = BenchConfig(
        sparsity=(),
        seeds=1,
        sparsity_methods=None,
        memory=False,
        max_fit_seconds=cfg.max_fit_seconds,
        skip_margin=cfg.skip_margin,
        progress=cfg.progress,
        threads=cfg.threads,
    )
    st = _State(sparse_names=None)
    uses = Counter(id(s.data.annotations) for s in sets)
    # smallest groups first: the skip rule predicts a fit's time from the rates so far
    size = Counter()
    for s in sets:
        size[s.group] += s.data.annotations.n_annotations
    order = sorted(range(len(sets)), key=lambda i: (size[sets[i].group], sets[i].group, i))
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    limits = (
        threadpool_limits(limits=cfg.threads)
        if cfg.threads is not None
        else contextlib.nullcontext()
    )
    with limits:
        for i in order:
            s = sets[i]
            if s.data.annotations is not st.fits_of:
                st.fits.clear()
                st.fits_of = s.data.annotations if uses[id(s.data.annotations)] > 1 else None
            for row in _run_dataset(bench, s.data, contenders, st):
                cand, setting = owner.get(row["method"], ("", -1))
                params = cands[[c.name for c in cands].index(cand)].grid[setting] if cand else {}
                rows.append(
                    {
                        **row,
                        "group": s.group,
                        "variant": s.variant,
                        "set_kind": s.kind,
                        "candidate": cand,
                        "setting": setting,
                        "params": json.dumps(params, sort_keys=True) if cand else "",
                    }
                )
    df = pd.DataFrame(rows)
    df["variant"] = df["variant"].astype(str)
    df["chosen"] = False
    for cand in cands:
        mine = df[(df.candidate == cand.name)]
        ok = mine[mine.status == "ok"]
        acc = ok.pivot_table(index="setting", columns="dataset", values="accuracy")
        acc = acc.reindex(
            index=range(len(cand.grid)), columns=list(dict.fromkeys(s.data.name for s in sets))
        )
        meta = {s.data.name: s for s in sets}
        picks = lodo_choose(
            acc, [meta[c].group for c in acc.columns], [meta[c].kind for c in acc.columns]
        )
        chosen = mine.group.map(picks) == mine.setting
        df.loc[chosen[chosen].index, "chosen"] = True
    if cfg.progress:
        print(
            f"[protocol] {len(sets)} data sets, {len(contenders)} contenders, "
            f"{time.perf_counter() - t0:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    return df
