"""Every tunable of answering, in one frozen dataclass recorded with each evaluation."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class AnswerParams:
    """How a question is answered; the defaults are the calibrated values (see README).

    >>> AnswerParams(threshold=0.4).to_dict()["threshold"]
    0.4
    """

    threshold: float = 0.37  # abstain when the best sentence scores below this; -1 or less turns abstention off
    min_coverage: float = 0.01  # some key term of the question must occur beside an answer of the asked-for type
    sentence_weight: float = 0.6  # share of the sentence cosine in a sentence's score; the rest is the passage's
    question_turn_penalty: float = 0.75  # a reporter's words count for less than an official's
    passages_to_read: int = 8
    timeline_passages: int = 24
    timeline_margin: float = 0.2  # a timeline takes statements scoring within this of the best one
    timeline_coverage_share: float = 0.5  # ... from passages holding this share of the best key-term coverage
    duplicate_jaccard: float = 0.8  # word-set Jaccard at which two sentences are near-duplicates
    evidence_candidates: int = 3  # how many of the best sentences may supply the evidence
    dense_weight: float = 0.75  # weight of the dense score in hybrid retrieval (SciFact train)
    candidates: int = 100  # candidates each retriever returns before fusion

    def __post_init__(self):
        if not 0.0 <= self.sentence_weight <= 1.0:
            raise ValueError("sentence_weight must be between 0 and 1.")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError("dense_weight must be between 0 and 1.")
        if min(self.passages_to_read, self.timeline_passages, self.evidence_candidates, self.candidates) < 1:
            raise ValueError(
                "passages_to_read, timeline_passages, evidence_candidates and candidates must be at least 1."
            )

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_PARAMS = AnswerParams()
