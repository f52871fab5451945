"""Word-by-word matching of the question against its best candidates (the sentence scorer's second stage).

A sentence vector is one mean over all its words, so a sentence that restates the question's
subject can outscore the one that answers it.  Here each content word piece of the question is
matched with its closest word piece of the candidate, in the model's contextual token embeddings
(a "MaxSim" as in ColBERT, with the shipped all-MiniLM-L6-v2 as it is), and the mean of those
best cosines is the candidate's ``match``: every word of the question must find a close partner
somewhere in the sentence, its own word or one the context makes alike.

Only the sentence scorer's best ``AnswerParams.match_top`` candidates are read (one pass of the
model over them and the question, in one batch); ``models/match_scorer.json``
(``scripts/train_answer_models.py``) weighs their ``match`` and its distance to the best one
against the sentence scorer's log-odds.  An embedder without token embeddings (the tests' fake
one) leaves the stage out.
"""

from __future__ import annotations

import numpy as np

from ..textfold import STOP_WORDS
from .features import fill_best_few


def content_pieces(tokens: list[str]) -> np.ndarray:
    """Which word pieces of a question count: a word that is not a stop word, and every
    continuation piece ("##…") of a split word; punctuation and stop words do not.

    >>> content_pieces(["what", "is", "the", "ka", "##bul", "airport", "?"]).tolist()
    [False, False, False, True, True, True, False]
    """
    return np.array(
        [token.startswith("##") or (token.isalnum() and token.lower() not in STOP_WORDS) for token in tokens],
        dtype=bool,
    )


def match_scores(question: tuple[list[str], np.ndarray], texts: list[tuple[list[str], np.ndarray]]) -> np.ndarray:
    """For each text, the mean over the question's content pieces of their best cosine to a piece
    of the text (all pieces when the question has no content piece).  Inputs are
    :meth:`Embedder.encode_tokens` pairs: word pieces and L2-normalised embeddings.

    >>> q = (["kabul", "airport"], np.eye(3)[:2])
    >>> match_scores(q, [(["airport"], np.eye(3)[1:2]), (["kabul", "airport"], np.eye(3)[:2])]).tolist()
    [0.5, 1.0]
    """
    tokens, vectors = question
    mask = content_pieces(tokens)
    asked = vectors[mask] if mask.any() else vectors
    out = np.zeros(len(texts), dtype=np.float32)
    for i, (_, matrix) in enumerate(texts):
        if len(asked) and len(matrix):
            out[i] = float((asked @ matrix.T).max(axis=1).mean())
    return out


def fill(rows: np.ndarray, first: np.ndarray, question: str, texts: list[str], embedder, top: int) -> bool:
    """Fill the ``match`` and ``rel_match`` columns of ``rows`` (features.FEATURES) in place for the
    ``top`` candidates of ``first`` (the sentence scorer's log-odds); the others take the lowest
    ``match`` of those, so they stay below what the stage read.  False, with nothing filled, when
    the stage is off (``top`` 0), there is no question, or the embedder gives no token embeddings."""
    encode = getattr(embedder, "encode_tokens", None)
    if top <= 0 or not question or encode is None or not len(rows):
        return False
    best = np.argsort(-first, kind="stable")[:top]
    try:
        encoded = encode([question] + [texts[i] for i in best])
    except (RuntimeError, ValueError, KeyError, TypeError):
        # A backend whose model gives no token embeddings (ONNX exports may not): the order of the
        # sentence scorer stands, as with the stage off, rather than failing the answer.
        return False
    fill_best_few(rows, best, match_scores(encoded[0], encoded[1:]), "match", "rel_match")
    return True
