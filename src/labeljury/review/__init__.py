"""``labeljury review``: a local web app to inspect, correct and send items for relabeling.

The subcommands live in :mod:`labeljury.review.cli` (light to import); the app
needs the ``review`` extra (Starlette, uvicorn, Jinja2): :mod:`~.data` loads an
output folder into arrays, :mod:`~.app` serves the screens, :mod:`~.reviews`
appends the decisions to ``OUT_DIR/reviews.csv``, :mod:`~.export` writes the
items flagged for relabeling as a labeling tool's tasks. See docs/review.md.
"""
