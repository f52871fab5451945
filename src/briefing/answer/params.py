"""Every tunable of answering, in one frozen dataclass recorded with each evaluation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .scorer import abstention_model


def model_threshold() -> float:
    """The answerability below which the bot abstains: the shipped abstention model's calibrated
    threshold (see scripts/train_answer_models.py), 0.37 on the best cosine blend without a model."""
    model = abstention_model()
    if model is None:
        return 0.37
    return round(1.0 - float(model.extra["threshold"]), 4)


@dataclass(frozen=True)
class AnswerParams:
    """How a question is answered; the defaults are the calibrated values (see README).

    >>> AnswerParams(threshold=0.4).to_dict()["threshold"]
    0.4
    """

    threshold: float = field(default_factory=model_threshold)  # abstain below this answerability; -1: never
    # ... or below this many times the index's off-topic answerability (0: off); at 4 the demo (777
    # passages) and State Dept sets abstain as under the global cut alone (README, Abstention)
    offtopic_factor: float = 4.0
    small_index_passages: int = 200  # an index under this many passages (an article, a few documents) ...
    small_index_offtopic_factor: float = 2.0  # ... takes this factor (200: between SQuAD's 52 and the demo's 777)
    # From this index size, a name the corpus never holds means: abstain.  At 50 it silenced 1.7-3.3% of
    # answerable questions on three qa-train domains of 180-260 passages (a small corpus lacks paraphrases:
    # "USA" for "United States"); the demo (777) and State Dept (13k) indexes keep it.
    unseen_name_min_passages: int = 500
    fact_check: bool = True  # abstain when no extract holds the count, sum, time, date or actor asked for
    sentence_weight: float = 0.6  # share of the sentence cosine in a sentence's score; the rest is the passage's
    question_turn_penalty: float = 0.75  # a reporter's words count for less than an official's
    rerank_top: int = 8  # candidates the cross-encoder reads (0: off; 8 tied or beat 4, 12, 16 out of fold)
    match_top: int = 2  # candidates the word-by-word match reads (0: off; 2 and 3 alike in the whole pipeline
    # out of fold, 3, 5 and 8 alike in the fit: docs/eval/transfer.md section 4)
    passages_to_read: int = 8
    timeline_passages: int = 24
    # passages a timeline's search for its subject alone reads (evidence._subject_candidates): on the
    # full State Department collection a subject is spoken of on more dates than 24 passages hold
    # (96: gold date recall 0.54 -> 0.73 on the dev half of eval/gold/changes.jsonl with 14 dates
    # shown; only the passages holding the subject are scored, so it costs what 24 did;
    # docs/timelines.md)
    timeline_subject_passages: int = 96
    extract_ratio: float = 0.5  # show extracts scoring at least this share of the best one (no padding)
    timeline_ratio: float = 0.1  # a timeline takes statements scoring at least this share of the best one
    timeline_documents: int = 14  # at most this many dates in a timeline (8 until the second full-collection pass)
    timeline_coverage_share: float = 0.4  # ... from passages holding this share of the best key-term coverage
    duplicate_jaccard: float = 0.8  # word-set Jaccard at which two sentences are near-duplicates
    dense_weight: float = 0.75  # weight of the dense score in hybrid retrieval (SciFact train)
    candidates: int = 100  # candidates each retriever returns before fusion

    def __post_init__(self):
        if not 0.0 <= self.sentence_weight <= 1.0:
            raise ValueError("sentence_weight must be between 0 and 1.")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError("dense_weight must be between 0 and 1.")
        sizes = (
            self.passages_to_read,
            self.timeline_passages,
            self.timeline_subject_passages,
            self.timeline_documents,
            self.candidates,
        )
        if min(sizes) < 1:
            raise ValueError(
                "passages_to_read, timeline_passages, timeline_subject_passages, timeline_documents and candidates "
                "must be at least 1."
            )

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_PARAMS = AnswerParams()
