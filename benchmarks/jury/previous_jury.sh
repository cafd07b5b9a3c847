#!/usr/bin/env bash
# The rebuilt Jury against the previous one (commit e47cb4b, before issue 15) in ONE
# generalization-protocol run, so both face the same data, models and seeds.
#
# The previous Jury is no longer in the package; this script checks the current tree out
# into a temporary git worktree, adds the three old modules there under the name
# "jury_old", and runs benchmarks/generalization.py from that copy. Nothing in the
# working tree is touched.
#
# Usage: benchmarks/jury/previous_jury.sh [SEED] [OUT_DIR] [more generalization.py options]
#   (from the repository root, with the project's .venv; LABELJURY_DATA or ../shared)
set -euo pipefail
seed=${1:-627502936}
out=${2:-previous-jury-out}
root=$(git rev-parse --show-toplevel)
python=${PYTHON:-$root/.venv/bin/python}
tmp=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$tmp/tree" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git -C "$root" worktree add -q --detach "$tmp/tree" HEAD
m="$tmp/tree/src/labeljury/methods"
git -C "$root" show e47cb4b:src/labeljury/methods/jury.py |
    sed 's/from \._jury_rows/from .old__jury_rows/; s/from \._jury_spam/from .old__jury_spam/' >"$m/jury_old.py"
git -C "$root" show e47cb4b:src/labeljury/methods/_jury_rows.py >"$m/old__jury_rows.py"
git -C "$root" show e47cb4b:src/labeljury/methods/_jury_spam.py |
    sed 's/from \._jury_rows import/from .old__jury_rows import/' >"$m/old__jury_spam.py"
sed -i 's/    "jury": "jury:Jury",/    "jury": "jury:Jury",\n    "jury_old": "jury_old:Jury",/' "$m/__init__.py"
export LABELJURY_DATA=${LABELJURY_DATA:-$root/../shared/datasets}
(cd "$tmp/tree" && PYTHONPATH="$tmp/tree/src" "$python" benchmarks/generalization.py \
    --seed "$seed" --candidate jury --candidate jury_old --candidate shrunk_dawid_skene \
    --peers crowdkit:MajorityVote crowdkit:DawidSkene crowdkit:GLAD cleanlab:crowdlab \
    --budget 10 --out "$tmp/out" "${@:3}")
mkdir -p "$out" && cp "$tmp/out/"* "$out/"
