"""What a benchmark run is asked to do: :class:`BenchConfig`, the ``--quick``
configuration, and the contenders chosen by name (:func:`default_contenders`).

Split from :mod:`~labeljury.bench.runner` (which re-exports these names) so the
runner reads as the loop; the generalization protocol
(:mod:`~labeljury.bench.protocol`) builds a :class:`BenchConfig` too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .datasets import SCENARIOS
from .peers import PEERS, Contender, labeljury_contender

__all__ = ["QUICK", "SPARSITY_METHODS", "BenchConfig", "default_contenders"]

#: contenders run at the sparsity levels by default (all run on the full data)
SPARSITY_METHODS = ("labeljury", "crowdkit:DawidSkene", "cleanlab:crowdlab")

#: the --quick configuration: small data sets, a few methods and peers, one seed
QUICK = {
    "datasets": ("temp", "possent", "weather_sentiment_amt"),
    "scenarios": ("synth_tutorial",),
    "methods": (
        "majority_vote",
        "dawid_skene",
        "crowdlab",
        "jury",
        "dawid_skene+model",
        "crowdkit:MajorityVote",
        "crowdkit:DawidSkene",
        "crowdkit:Wawa",
        "cleanlab:majority_vote",
        "cleanlab:crowdlab",
    ),
    "sparsity": (1, 3),
    "seeds": 1,
}


@dataclass
class BenchConfig:
    """Everything that decides a benchmark run (recorded in the report).

    Attributes
    ----------
    data : list of path
        Data set folders, or folders of them.
    datasets : list of str, optional
        Keep only these data set names (real or synthetic).
    scenarios : list of str
        Synthetic scenarios from :data:`~.datasets.SCENARIOS`.
    methods : list of str, optional
        Contender names (see :func:`default_contenders`); None = all.
    sparsity : tuple of int
        Annotations kept per item in the sparsity protocol.
    sparsity_methods : list of str, optional
        Contenders (names or groups) also run at the sparsity levels; None =
        all. Default: labeljury's methods and the main peers (crowd-kit
        Dawid-Skene, cleanlab CROWDLAB), to keep the suite under 30 minutes.
    seeds : int
        Seeds per sparsity level.
    max_fit_seconds, sparsity_max_seconds : float
        Per-fit time budgets. A contender whose predicted time (from measured
        rates) is over ``skip_margin`` times its budget is skipped and recorded
        as such.
    skip_margin : float
        How far over its budget a prediction must be to skip the fit, so that
        timing noise does not decide which contenders run (>= 1).
    fit_timeout : float, optional
        Hard wall-clock limit, in seconds, for one fit (and its evaluation)
        on ``isolate_min_annotations`` annotations or more; None =
        ``skip_margin * max_fit_seconds``. A fit over it is killed: status
        ``timeout``.
    isolate_min_annotations : int
        Fits on at least this many annotations run in a forked child process
        under ``fit_timeout``; smaller ones run in-process, unlimited.
    trace_max_seconds : float
        Memory is traced only for fits faster than this.
    memory : bool
        Measure peak memory on the full data.
    threads : int, optional
        BLAS/OpenMP threads for the whole suite (threadpoolctl); None = the
        libraries' defaults.
    """

    data: list[Path] = field(default_factory=list)
    datasets: list[str] | None = None
    scenarios: list[str] = field(default_factory=lambda: list(SCENARIOS))
    methods: list[str] | None = None
    sparsity: tuple[int, ...] = (1, 2, 3, 5)
    seeds: int = 3
    sparsity_methods: list[str] | None = field(default_factory=lambda: list(SPARSITY_METHODS))
    max_fit_seconds: float = 30.0
    sparsity_max_seconds: float = 5.0
    skip_margin: float = 2.0
    fit_timeout: float | None = None
    isolate_min_annotations: int = 100_000
    trace_max_seconds: float = 2.0
    memory: bool = True
    threads: int | None = 1
    quick: bool = False
    progress: bool = True

    def __post_init__(self) -> None:
        if not self.skip_margin >= 1:
            raise InputError(f"skip_margin must be at least 1, got {self.skip_margin!r}")

    @property
    def timeout_seconds(self) -> float:
        """The hard limit per isolated fit: ``fit_timeout``, else the skip limit."""
        if self.fit_timeout is None:
            return float(self.skip_margin * self.max_fit_seconds)
        return float(self.fit_timeout)


def _benchmarked_methods() -> list[str]:
    """Every labeljury method but those that need gold: the benchmark withholds it."""
    from ..methods import METHODS, method_class

    return [name for name in METHODS if not method_class(name).needs_gold]


def _all_contender_names() -> list[str]:
    return [*_benchmarked_methods(), "dawid_skene+model", "glad+model", *PEERS]


def default_contenders(names: Iterable[str] | None = None) -> list[Contender]:
    """Contenders by name; None = every labeljury method, the two "+ model"
    baselines and every peer.

    Names: a labeljury method (``"dawid_skene"``), its "+ model" baseline
    (``"glad+model"``), a peer (``"crowdkit:GLAD"``, ``"cleanlab:crowdlab"``), or
    a group: ``"labeljury"``, ``"peers"``, ``"crowdkit"``, ``"cleanlab"``.

    Examples
    --------
    >>> [c.name for c in default_contenders(["mv", "cleanlab"])]
    ['majority_vote', 'cleanlab:majority_vote', 'cleanlab:crowdlab']
    """
    from ..methods import _canonical

    wanted = list(names) if names is not None else _all_contender_names()
    out: list[Contender] = []
    for raw in wanted:
        name = raw.strip()
        group = name.lower()
        if group in ("labeljury", "ours"):
            out += default_contenders([*_benchmarked_methods(), "dawid_skene+model", "glad+model"])
        elif group == "peers":
            out += list(PEERS.values())
        elif group in ("crowdkit", "crowd-kit", "cleanlab"):
            fam = "cleanlab" if group == "cleanlab" else "crowdkit"
            out += [c for n, c in PEERS.items() if n.startswith(fam + ":")]
        elif name in PEERS:
            out.append(PEERS[name])
        elif name.endswith("+model"):
            out.append(labeljury_contender(_canonical(name[:-6]), model_as_annotator=True))
        else:
            out.append(labeljury_contender(_canonical(name)))
    seen: set[str] = set()
    return [c for c in out if not (c.name in seen or seen.add(c.name))]
