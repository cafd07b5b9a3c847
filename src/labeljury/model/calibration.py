"""Calibration of out-of-fold probabilities: one temperature, and how to measure it."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

__all__ = ["EPS", "apply_temperature", "expected_calibration_error", "fit_temperature", "log_loss"]

#: probabilities are floored here before taking logs (calibration, log loss)
EPS = 1e-12


def log_loss(probs: np.ndarray, soft: np.ndarray) -> float:
    """Mean cross-entropy of ``probs`` against (soft) labels, in nats."""
    return float(-(soft * np.log(np.clip(probs, EPS, 1.0))).sum(axis=1).mean())


def fit_temperature(probs: np.ndarray, soft_labels: np.ndarray) -> float:
    """One temperature ``T`` minimising the cross-entropy of ``softmax(log p / T)``.

    Searched over ``log T`` in ``[log 0.05, log 20]`` with a bounded scalar
    minimiser (the objective is smooth and one-dimensional).

    Examples
    --------
    >>> p = np.array([[0.99, 0.01], [0.99, 0.01], [0.01, 0.99], [0.99, 0.01]])
    >>> y = np.eye(2)[[0, 0, 1, 1]]
    >>> fit_temperature(p, y) > 1   # over-confident: softened
    True
    """
    logp = np.log(np.clip(probs, EPS, 1.0))

    def loss(log_t: float) -> float:
        return float(-(soft_labels * log_softmax(logp / np.exp(log_t), axis=1)).sum(axis=1).mean())

    res = minimize_scalar(
        loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded", options={"xatol": 1e-4}
    )
    return float(np.exp(res.x)) if loss(res.x) < loss(0.0) else 1.0


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(log p / T)``, rows summing to one."""
    return np.exp(log_softmax(np.log(np.clip(probs, EPS, 1.0)) / temperature, axis=1))


def expected_calibration_error(probs: np.ndarray, soft: np.ndarray, n_bins: int = 10) -> float:
    """Top-label ECE against the labels' argmax, equal-width confidence bins.

    The share-weighted mean gap between the confidence of the top class and
    how often it is the labels' most probable class.

    Examples
    --------
    >>> p = np.array([[0.9, 0.1], [0.9, 0.1]])
    >>> round(expected_calibration_error(p, np.eye(2)[[0, 1]]), 3)
    0.4
    """
    conf = probs.max(axis=1)
    right = (probs.argmax(axis=1) == soft.argmax(axis=1)).astype(float)
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    gap = np.abs(np.bincount(bins, conf, n_bins) - np.bincount(bins, right, n_bins))
    return float(gap.sum() / max(count.sum(), 1))
