"""Per-index calibration of abstention: what answerability does a question the index cannot
answer get *here*?

Scores differ between a 3-passage article and 13,000 briefings, so one global cut abstains
too often on a small index.  Each index is asked the shipped off-topic questions
(``models/offtopic_questions.txt``) once; the bot then abstains below
``min(params.threshold, factor × their mean answerability)``, the factor
``params.offtopic_factor`` (4), or ``params.small_index_offtopic_factor`` (2) on an index under
``params.small_index_passages`` (200).  The level is kept in memory and in the index
generation's folder (``calibration-<models>.json``, keyed by the model files and the reranker
in use, removed with the generation), so only the first question after a build
pays for it (about a second).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from .rerank import reranker_fingerprint
from .scorer import model_files

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
    stored = _stored_path(index)
    try:
        level = float(json.loads(stored.read_text(encoding="utf-8"))["offtopic_level"])
    except (OSError, ValueError, KeyError, TypeError):
        scores = [answerability(question) for question in offtopic_questions()]
        level = sum(scores) / len(scores)
        _store(stored, level)
    with _lock:
        _levels[key] = level
    return level


def _stored_path(index) -> Path:
    models = hashlib.sha256(json.dumps(model_files(), sort_keys=True).encode())
    models.update(OFFTOPIC_QUESTIONS.read_bytes() + reranker_fingerprint().encode())
    return Path(index.dir) / index.manifest.generation / f"calibration-{models.hexdigest()[:12]}.json"


def _store(path: Path, level: float) -> None:
    """Write the level beside the index (temporary file + rename); a read-only index keeps it in memory."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps({"offtopic_level": level}), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
