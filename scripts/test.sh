#!/usr/bin/env bash
# Set everything up (including chromium for the browser tests) and run the whole test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m slow` for the long benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
export HF_HUB_OFFLINE=1 HF_HUB_DISABLE_PROGRESS_BARS=1 TOKENIZERS_PARALLELISM=false
exec .venv/bin/python -m pytest "$@"
