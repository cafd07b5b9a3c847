r"""Zero-Based Skill: weighted vote with skills re-estimated by gradient steps.

Each annotator has a skill :math:`s_a` (all start at 1, so the first pass is a
plain majority vote). Each iteration takes the weighted vote
:math:`\hat z_i = \arg\max_c \sum_{j \in i} s_{a_j} [l_j = c]`, measures each
annotator's agreement with it, :math:`g_a = \text{mean}_{j\in J_a}[l_j = \hat z_{i_j}]`,
and moves the skill one gradient step on the squared error :math:`\tfrac12(s_a - g_a)^2`:
:math:`s_a \leftarrow s_a - \eta (s_a - g_a)`. The learning rate :math:`\eta`
is multiplied by ``lr_reduce_factor`` every ``lr_steps_to_reduce`` iterations;
the loop stops when no skill moves by more than ``eps``.

The algorithm is the one documented for crowd-kit's ``ZeroBasedSkill``
(D. Ustalov, N. Pavlichenko, B. Tseitlin, "Learning from Crowds with
Crowd-Kit", JOSS 9(96), 2024, https://doi.org/10.21105/joss.06227); this is an
independent implementation.
"""

from __future__ import annotations

import numpy as np

from ..annotations import Annotations
from .base import Aggregator, argmax_ties
from .majority_vote import agreement_with
from .wawa import normalized_votes

__all__ = ["ZeroBasedSkill"]


class ZeroBasedSkill(Aggregator):
    r"""Weighted majority vote whose weights are learned by gradient steps toward agreement.

    .. math::
        \hat z_i = \arg\max_c \sum_{j \in i} s_{a_j}[l_j = c], \qquad
        s_a \leftarrow s_a - \eta_t \bigl(s_a - \text{mean}_{j \in J_a}[l_j = \hat z_{i_j}]\bigr)

    Parameters
    ----------
    max_iter : int, default 100
        Maximum number of skill updates.
    lr_init : float, default 1.0
        Initial learning rate :math:`\eta_0`.
    lr_steps_to_reduce : int, default 20
        Multiply the learning rate by ``lr_reduce_factor`` every this many iterations.
    lr_reduce_factor : float, default 0.5
    eps : float, default 1e-5
        Stop when the largest skill change is below ``eps``.

    Attributes
    ----------
    probas_ : ndarray, shape (n_items, n_classes)
        Skill-weighted vote shares (a score, not a calibrated probability).
    annotator_skill_ : ndarray, shape (n_annotators,)
        Learned skill, in [0, 1]: a smoothed estimate of the annotator's
        agreement with the weighted consensus.
    n_iter_ : int

    Examples
    --------
    >>> from labeljury import Annotations
    >>> from labeljury.methods import ZeroBasedSkill
    >>> ann = Annotations.from_arrays([0, 0, 0, 1, 1, 1], list("abcabc"), [1, 1, 0, 0, 0, 1])
    >>> ZeroBasedSkill().fit_predict(ann).tolist()
    [1, 0]
    """

    summary = "weighted vote; skills move by gradient steps toward agreement with it"

    def __init__(
        self,
        max_iter: int = 100,
        lr_init: float = 1.0,
        lr_steps_to_reduce: int = 20,
        lr_reduce_factor: float = 0.5,
        eps: float = 1e-5,
    ) -> None:
        self.max_iter = max_iter
        self.lr_init = lr_init
        self.lr_steps_to_reduce = lr_steps_to_reduce
        self.lr_reduce_factor = lr_reduce_factor
        self.eps = eps

    def _fit(self, ann: Annotations, pred_probs: np.ndarray | None) -> None:
        tiebreak = [pred_probs] if pred_probs is not None else []
        freq = ann.vote_counts().sum(axis=0)
        skills = np.ones(ann.n_annotators)
        lr = self.lr_init
        n_iter = 0
        for n_iter in range(1, self.max_iter + 1):
            labels = argmax_ties(normalized_votes(ann, skills), *tiebreak, freq)
            step = lr * (skills - agreement_with(ann, labels))
            skills = skills - step
            if np.abs(step).max() < self.eps:
                break
            if n_iter % self.lr_steps_to_reduce == 0:
                lr *= self.lr_reduce_factor
        self.n_iter_ = max(n_iter, 1)
        self.annotator_skill_ = skills
        self.probas_ = normalized_votes(ann, skills)
