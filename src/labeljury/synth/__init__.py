"""Synthetic data generators: each method's own generative model (for parameter
recovery tests) and the classic multi-annotator tutorial data."""

from __future__ import annotations

from .generative import *  # noqa: F403
from .generative import __all__ as _gen_all
from .tutorial import *  # noqa: F403
from .tutorial import __all__ as _tut_all

__all__ = [*_gen_all, *_tut_all]
