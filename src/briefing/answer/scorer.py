"""The learned models of answering: small logistic regressions shipped as JSON.

``models/sentence_scorer.json`` turns a candidate's features (:mod:`.features`)
into the probability that it holds the answer; ``models/rerank_scorer.json`` combines
that score with the cross-encoder's (:mod:`.rerank`) for the best few when it is on;
``models/match_scorer.json`` combines it with the word-by-word match (:mod:`.token_match`) for the best
few otherwise; ``models/abstention.json`` turns
a question's evidence (:func:`question_features`) into the probability that
the sources do not answer it.  Each file records its features, standardisation,
weights, the data it was fitted on and the command that reproduces it
(``python scripts/train_answer_models.py``).  Nothing is pickled.

``BRIEFING_ANSWER_MODELS=FOLDER`` reads the four JSON files from another folder (one written by
``scripts/train_answer_models.py --lodo-out``, say: the models of a leave-one-domain-out fold);
a file missing there falls back to the shipped one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

MODELS_DIR = Path(__file__).parent / "models"
SENTENCE_MODEL = MODELS_DIR / "sentence_scorer.json"
ABSTENTION_MODEL = MODELS_DIR / "abstention.json"
RERANK_MODEL = MODELS_DIR / "rerank_scorer.json"
MATCH_MODEL = MODELS_DIR / "match_scorer.json"
STRONG_MODEL = MODELS_DIR / "strong.json"


def _chosen(path: Path) -> Path:
    """``path``, or the file of the same name in ``BRIEFING_ANSWER_MODELS`` when that folder holds one."""
    folder = os.environ.get("BRIEFING_ANSWER_MODELS", "").strip()
    if folder and (Path(folder) / path.name).is_file():
        return Path(folder) / path.name
    return path


@dataclass(frozen=True)
class LinearModel:
    """A standardised logistic regression: ``sigmoid(((x - mean) / scale) @ coef + intercept)``."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    extra: dict = field(default_factory=dict, compare=False)  # thresholds, training record

    @classmethod
    def from_dict(cls, data: dict) -> LinearModel:
        features = tuple(data["features"])
        arrays = [np.asarray(data[key], dtype=np.float64) for key in ("mean", "scale", "coef")]
        if any(len(array) != len(features) for array in arrays):
            raise ValueError("a model file's mean, scale and coef must each have one value per feature.")
        rest = {k: v for k, v in data.items() if k not in {"features", "mean", "scale", "coef", "intercept"}}
        return cls(features, *arrays, float(data["intercept"]), rest)

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            **self.extra,
        }

    def decision(self, rows: np.ndarray, names: tuple[str, ...] | None = None) -> np.ndarray:
        """The linear score of each row; ``names`` are the rows' columns when they hold more
        features than the model uses (the model picks its own by name)."""
        rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
        if names is not None and tuple(names) != self.features:
            rows = rows[:, [names.index(name) for name in self.features]]
        return ((rows - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, rows: np.ndarray, names: tuple[str, ...] | None = None) -> np.ndarray:
        return sigmoid(self.decision(rows, names))


def sigmoid(decision: np.ndarray) -> np.ndarray:
    """Log-odds -> probability (what :meth:`LinearModel.probability` applies to its decision)."""
    return 1.0 / (1.0 + np.exp(-decision))


def load_model(path: Path) -> LinearModel | None:
    """The model in ``path``, or None when the file does not exist (before the first training)."""
    if not path.exists():
        return None
    return LinearModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def sentence_model() -> LinearModel | None:
    return load_model(_chosen(SENTENCE_MODEL))


@lru_cache(maxsize=1)
def rerank_model() -> LinearModel | None:
    """The weights of the sentence scorer's and the cross-encoder's scores (:mod:`.sentences`)."""
    return load_model(_chosen(RERANK_MODEL))


@lru_cache(maxsize=1)
def match_model() -> LinearModel | None:
    """The weights of the sentence scorer's score and the word-by-word match (:mod:`.token_match`)."""
    return load_model(_chosen(MATCH_MODEL))


@lru_cache(maxsize=1)
def abstention_model() -> LinearModel | None:
    return load_model(_chosen(ABSTENTION_MODEL))


@lru_cache(maxsize=1)
def strong_model() -> LinearModel | None:
    """P(the best-scored extract answers the question), from the question's evidence
    (:data:`features.QUESTION_FEATURES` over the final scores); its ``strong_cut`` is the
    probability above which an answer is labelled "strong" (``scripts/train_answer_models.py``)."""
    return load_model(_chosen(STRONG_MODEL))


def model_files() -> dict[str, str]:
    """File name -> sha256 of every shipped model (the reranker's weights too), recorded with
    evaluation reports."""
    paths = sorted(MODELS_DIR.glob("*.json")) + sorted(MODELS_DIR.glob("*/*.safetensors"))
    return {
        path.relative_to(MODELS_DIR).as_posix(): hashlib.sha256(_chosen(path).read_bytes()).hexdigest()
        for path in paths
    }
