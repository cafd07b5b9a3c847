"""Read labeling-tool exports into :class:`~labeljury.Annotations`, and write results back.

>>> import labeljury.io as lio
>>> ann = lio.read("tests/data/formats/label_studio/export_json.json")
>>> ann.n_items, ann.n_annotators
(3, 3)
>>> ann, summary = lio.read("tests/data/formats/mturk/batch_results_flattened.csv",
...                         return_summary=True)
>>> summary.format
'mturk'

``read`` sniffs the format (see :func:`~labeljury.io.sniff.sniff`) unless one is
named; every reader applies one policy (:func:`labeljury.io._common.finish`):
skipped / cancelled / rejected / draft annotations are left out unless
``keep_skipped``, multi-choice answers to the chosen question are an error that
names the records, durations go to ``ann.meta["seconds"]`` and timestamps to
``ann.meta["timestamp"]``, and gold / control / ground-truth answers become
``ann.gold``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "FORMATS",
    "MultiChoiceError",
    "ReadSummary",
    "atomic_write",
    "read",
    "sniff",
    "write_jsonl",
    "write_label_studio_predictions",
    "write_table",
]


def __getattr__(name: str) -> Any:
    # the readers import pandas; `labeljury --help` imports this package (for the
    # `agreement` and `convert` parsers) and must not pay for them
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import _api

    # bind every public name at once: importing the submodule ``sniff`` set the
    # package attribute ``sniff`` to the module, and the function must win
    namespace = globals()
    for public in __all__:
        namespace[public] = getattr(_api, public)
    return namespace[name]
