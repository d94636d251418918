#!/usr/bin/env bash
# Wall time of one notebook under nbdev's test runner (as tests/test_notebooks.py runs it, `#| slow` cells skipped),
# with extra environment settings: how the test suite's compile settings were chosen (tests/conftest.py; session 16).
#   bash bench/trials/notebook_time.sh 07b_step
#   bash bench/trials/notebook_time.sh 07b_step XLA_FLAGS=--xla_backend_optimization_level=0
#   bash bench/trials/notebook_time.sh 07b_step XLA_FLAGS=--xla_backend_optimization_level=0 \
#        JAX_COMPILATION_CACHE_DIR=$(mktemp -d) JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
nb=$1; shift
# tests/test_notebooks.py's own runner (what `nbdev_test` does for one notebook), with no flags forced
RUNNER=$("$ROOT/.venv/bin/python" -c "import sys; sys.path.insert(0, '$ROOT/tests'); from test_notebooks import RUNNER; print(RUNNER)")
cd "$ROOT/nbs"
start=$(date +%s%N)
rc=0
env MPLBACKEND=Agg TF_CPP_MIN_LOG_LEVEL=3 PYTHONHASHSEED=0 "$@" "$ROOT/.venv/bin/python" -c "$RUNNER" "$nb.ipynb" "" > /dev/null 2>&1 || rc=$?
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
printf '%s rc=%s %d.%03d s  [%s]\n' "$nb" "$rc" $((ms / 1000)) $((ms % 1000)) "$*"
