"""Aggregation methods, each a small estimator with the same interface.

Use :func:`get_method` to build one by name (what the CLI and
:func:`labeljury.aggregate` do) or import the class directly.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import UnknownMethodError
from ..validation import check_param_names
from .base import Aggregator, argmax_ties
from .dawid_skene import DawidSkene
from .glad import GLAD
from .gold_majority_vote import GoldMajorityVote
from .kos import KOS
from .mace import MACE
from .majority_vote import MajorityVote
from .mmsr import MMSR
from .one_coin import OneCoinDawidSkene
from .wawa import Wawa
from .zero_based_skill import ZeroBasedSkill

__all__ = [
    "GLAD",
    "KOS",
    "MACE",
    "METHODS",
    "MMSR",
    "Aggregator",
    "CrowdLab",
    "DawidSkene",
    "GoldMajorityVote",
    "Jury",
    "MajorityVote",
    "OneCoinDawidSkene",
    "Wawa",
    "ZeroBasedSkill",
    "argmax_ties",
    "get_method",
    "method_class",
]

#: name -> "module:Class"; imported lazily so listing methods costs nothing
METHODS: dict[str, str] = {
    "majority_vote": "majority_vote:MajorityVote",
    "gold_majority_vote": "gold_majority_vote:GoldMajorityVote",
    "dawid_skene": "dawid_skene:DawidSkene",
    "crowdlab": "crowdlab:CrowdLab",
    "jury": "jury:Jury",
    "wawa": "wawa:Wawa",
    "zero_based_skill": "zero_based_skill:ZeroBasedSkill",
    "one_coin_dawid_skene": "one_coin:OneCoinDawidSkene",
    "glad": "glad:GLAD",
    "mace": "mace:MACE",
    "mmsr": "mmsr:MMSR",
    "kos": "kos:KOS",
    "shrunk_dawid_skene": "shrunk_dawid_skene:ShrunkDawidSkene",
}

_ALIASES = {
    "mv": "majority_vote",
    "majority": "majority_vote",
    "ds": "dawid_skene",
    "dawidskene": "dawid_skene",
    "zbs": "zero_based_skill",
    "zerobasedskill": "zero_based_skill",
    "one_coin": "one_coin_dawid_skene",
    "onecoin": "one_coin_dawid_skene",
    "one_coin_ds": "one_coin_dawid_skene",
    "onecoindawidskene": "one_coin_dawid_skene",
    "m_msr": "mmsr",
    "sds": "shrunk_dawid_skene",
    "gold_mv": "gold_majority_vote",
    "goldmajorityvote": "gold_majority_vote",
}


def _canonical(name: str) -> str:
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(key, key)


def method_class(name: str) -> type[Aggregator]:
    """The class registered under ``name`` (case and dashes ignored).

    Examples
    --------
    >>> method_class("Dawid-Skene").__name__
    'DawidSkene'
    """
    key = _canonical(name)
    if key not in METHODS:
        raise UnknownMethodError(
            f"no method named {name!r}; choose one of "
            f"{', '.join(sorted(METHODS))} (see `labeljury methods`)"
        )
    module, cls = METHODS[key].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def get_method(name: str, **params: Any) -> Aggregator:
    """Build the method registered under ``name`` with the given parameters.

    Examples
    --------
    >>> get_method("dawid_skene", max_iter=10)
    DawidSkene(max_iter=10)
    """
    cls = method_class(name)
    check_param_names(cls, params)  # labeljury.validation: a clear error, not a TypeError
    return cls(**params)


def __getattr__(name: str) -> type[Aggregator]:
    # the registered classes not imported above (Jury, CrowdLab, ...): by class name,
    # imported on first use, so `from labeljury.methods import Jury` works
    for target in METHODS.values():
        module, cls = target.split(":")
        if cls == name:
            return getattr(importlib.import_module(f"{__name__}.{module}"), cls)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
