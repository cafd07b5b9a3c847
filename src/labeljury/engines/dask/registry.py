"""The methods the Dask engine runs, by name, and their loop settings."""

from __future__ import annotations

import inspect
from typing import Any

from ...errors import ParameterError
from ...methods import get_method
from .specs import DawidSkeneSpec, MajorityVoteSpec, OneCoinSpec, ShrunkDawidSkeneSpec, Spec
from .specs_model import CrowdLabSpec, JurySpec

__all__ = ["SPECS", "make_spec"]

SPECS = {
    s.name: s
    for s in (
        MajorityVoteSpec,
        DawidSkeneSpec,
        OneCoinSpec,
        ShrunkDawidSkeneSpec,
        JurySpec,
        CrowdLabSpec,
    )
}
ALIASES = {"mv": "majority_vote", "ds": "dawid_skene", "one_coin": "one_coin_dawid_skene"}

#: parameters of the in-memory methods the Dask engine runs the same way
_LOOP = ("max_iter", "tol")


def make_spec(method: str, params: dict[str, Any]) -> tuple[Spec, dict[str, Any]]:
    """The spec for a method name and its loop settings (max_iter, tol)."""
    name = ALIASES.get(method, method)
    if name not in SPECS:
        raise ParameterError(
            f"method={method!r} does not run on Dask yet; choose one of {sorted(SPECS)} "
            "(or run it in memory)"
        )
    params = dict(params)
    params.pop("use_gold", None)  # the Dask engine reads no gold labels: nothing to pin
    loop = {k: params.pop(k) for k in _LOOP if k in params}
    # the in-memory method's default (Dawid-Skene: 2 iterations, early stopping), so both
    # engines give the same answer at defaults
    loop.setdefault("max_iter", getattr(get_method(name), "max_iter", None) or 100)
    loop.setdefault("tol", SPECS[name].default_tol)
    if loop["max_iter"] < 1:
        raise ParameterError("max_iter must be >= 1 on the Dask engine")
    known = set(inspect.signature(SPECS[name].__init__).parameters) - {"self", "params"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ParameterError(
            f"{name} on Dask: unknown parameter(s) {unknown}; it takes "
            f"{sorted(known | set(_LOOP)) if SPECS[name].iterative else sorted(known)} "
            "(see docs/dask.md)"
        )
    return SPECS[name](**params), loop
