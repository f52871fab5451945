#!/usr/bin/env bash
# Set everything up, index corpus/ into index/ and start the chat UI on http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 HF_HUB_DISABLE_PROGRESS_BARS=1
exec .venv/bin/python app.py "$@"
