"""Parameter values of estimators and public functions, checked by the parameter's name."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ParameterError

__all__ = ["check_param_names", "check_params", "check_values"]


# max_iter=0 is meaningful (the initial estimate, e.g. majority vote); rounds and folds are not
_COUNT_INTS = {
    "max_iter": 0,
    "n_iter": 0,
    "min_shared": 0,
    "max_rounds": 1,
    "n_splits": 2,
    "n_folds": 2,
    "folds": 2,
}
_BOOLS = ("include_probas",)
_NON_NEGATIVE = (
    "tol",
    "atol",
    "rtol",
    "alpha",
    "beta",
    "smoothing",
    "prior",
    "epsilon",
    "eps",
)


def check_param_names(cls: type, params: dict[str, Any]) -> None:
    """Refuse parameters ``cls`` does not take, suggesting the nearest name.

    Examples
    --------
    >>> from labeljury.methods.dawid_skene import DawidSkene
    >>> check_param_names(DawidSkene, {"max_iters": 5})
    Traceback (most recent call last):
    ...
    labeljury.errors.ParameterError: DawidSkene has no parameter 'max_iters' (did you mean ...
    """
    import difflib
    import inspect

    sig = inspect.signature(cls)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    known = [n for n in sig.parameters if n != "self"]
    for name in params:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(
                f"{cls.__name__} has no parameter {name!r}{hint}; its "
                f"parameters are {', '.join(known) or 'none'}"
            )


def check_params(estimator: Any) -> None:
    """Check an estimator's parameter values before fitting, by the parameter's name.

    Iteration counts are integers >= 0, folds >= 2; tolerances and smoothing
    are >= 0; no number is NaN; ``random_state`` is
    None, an int or a numpy generator.

    Examples
    --------
    >>> from labeljury.methods.dawid_skene import DawidSkene
    >>> check_params(DawidSkene(max_iter=-5))
    Traceback (most recent call last):
    ...
    labeljury.errors.ParameterError: DawidSkene(max_iter=-5): max_iter must be an integer >= 0
    """
    try:
        params = estimator.get_params(deep=False)
    except Exception:  # not a scikit-learn style estimator: nothing to check here
        return
    check_values(type(estimator).__name__, params)


def check_values(name: str, params: dict[str, Any]) -> None:
    """:func:`check_params` for the keyword arguments of a function called ``name``.

    Examples
    --------
    >>> check_values("run", {"n_splits": 2.5})
    Traceback (most recent call last):
    ...
    labeljury.errors.ParameterError: run(n_splits=2.5): n_splits must be an integer >= 2
    """
    for key, value in params.items():
        where = f"{name}({key}={value!r})"
        is_num = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, (bool, np.bool_)
        )
        if key in _COUNT_INTS:
            low = _COUNT_INTS[key]
            if not is_num or not np.isfinite(value) or int(value) != value or value < low:
                raise ParameterError(f"{where}: {key} must be an integer >= {low}")
        elif key == "random_state":
            if value is not None and not isinstance(
                value, (int, np.integer, np.random.RandomState, np.random.Generator)
            ):
                raise ParameterError(
                    f"{where}: random_state must be None, an integer or a numpy random generator"
                )
            if isinstance(value, (int, np.integer)) and not 0 <= value < 2**32:
                raise ParameterError(f"{where}: random_state must be between 0 and 2**32 - 1")
        elif key == "n_jobs":
            if value is not None and (not is_num or int(value) != value or value == 0):
                raise ParameterError(
                    f"{where}: n_jobs must be None, a positive integer or -1 (every core)"
                )
        elif key in ("tol", "atol", "rtol") and not is_num:
            raise ParameterError(f"{where}: {key} must be a number >= 0")
        elif key in _BOOLS:
            if not isinstance(value, (bool, np.bool_)):
                raise ParameterError(f"{where}: {key} must be True or False")
        elif is_num:
            # infinity can be a meaningful limit (a prior strength pinning a value); NaN never
            if np.isnan(value):
                raise ParameterError(f"{where}: {key} must be a number, not NaN")
            if key in _NON_NEGATIVE and value < 0:
                raise ParameterError(f"{where}: {key} must be >= 0")
