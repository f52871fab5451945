"""Per-index calibration of abstention: what answerability does a question the index cannot
answer get *here*?

Scores differ between a 3-passage article and 13,000 briefings, so one global cut abstains
too often on a small index.  Each index is asked the shipped off-topic questions
(``models/offtopic_questions.txt``) once per process; the bot then abstains below
``min(params.threshold, params.offtopic_factor × their mean answerability)``.
"""

from __future__ import annotations

import threading
from pathlib import Path

OFFTOPIC_QUESTIONS = Path(__file__).parent / "models" / "offtopic_questions.txt"

_levels: dict[tuple[str, str], float] = {}
_lock = threading.Lock()


def offtopic_questions() -> list[str]:
    lines = OFFTOPIC_QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def offtopic_level(index, answerability) -> float:
    """Mean answerability of the off-topic questions on ``index``, computed once per index
    generation; ``answerability(question)`` scores one question without calibration."""
    key = (str(index.dir), index.manifest.generation)
    with _lock:
        if key in _levels:
            return _levels[key]
    scores = [answerability(question) for question in offtopic_questions()]
    level = sum(scores) / len(scores)
    with _lock:
        _levels[key] = level
    return level
