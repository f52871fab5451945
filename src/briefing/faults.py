"""Deterministic fault injection for crash-safety tests: ``BRIEFING_FAULT_AT=<stage>:<n>[:wait=PATH]``.

Builds call :func:`checkpoint` at named stages (``start``, ``copy``, ``read``, ``delete``,
``store``, ``commit``, ``vectors``, ``manifest``, ``cleanup``).  When the variable names a
stage, the n-th call for that stage (default the first) sends SIGKILL to the process, as
``kill -9`` would; with ``:wait=PATH`` it instead creates ``PATH.reached`` and waits (at most
five minutes) until ``PATH`` exists, so a test can act while the build is held mid-way.
Without the variable a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

ENV_VAR = "BRIEFING_FAULT_AT"
_seen: Counter[str] = Counter()


def _parse(spec: str) -> tuple[str, int, str | None]:
    stage, _, rest = spec.partition(":")
    count, _, action = rest.partition(":")
    return stage, int(count or 1), action or None


def checkpoint(stage: str) -> None:
    """Kill or hold the process here when ``BRIEFING_FAULT_AT`` names this stage and count."""
    spec = os.environ.get(ENV_VAR)
    if not spec:
        return
    wanted, count, action = _parse(spec)
    if wanted != stage:
        return
    _seen[stage] += 1
    if _seen[stage] != count:
        return
    if action and action.startswith("wait="):
        gate = Path(action[len("wait=") :])
        Path(f"{gate}.reached").touch()
        deadline = time.monotonic() + 300
        while not gate.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        return
    os.kill(os.getpid(), signal.SIGKILL)
