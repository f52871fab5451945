"""Choosing the abstention threshold from gold sets.

The bot abstains when its best extract scores below the threshold (or when no
key term of the question occurs near it, whatever the threshold).  Raising the
threshold makes it abstain on more unanswerable questions (abstention recall
up) but also on more answerable ones (abstention precision and coverage down).
:func:`calibrate` scores every threshold between two observed best-extract
scores and picks the one that maximises the chosen objective:

* ``f1``: the F1 of abstention (positive class: unanswerable and abstained);
* ``youden``: Youden's J = abstention recall - false-abstention rate.

``min_answered`` restricts the choice to thresholds that still answer at least
that share of the answerable questions: on a corpus where unanswerable
questions score as high as answerable ones, the unconstrained optimum is to
abstain on nearly everything, which no user wants.  When several thresholds
tie, the middle of the widest tied interval is taken, so the choice sits as
far as possible from the scores that decide it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from .metrics import abstention_scores

OBJECTIVES = ("f1", "youden")


@dataclass(frozen=True)
class TradeoffRow:
    """Abstention at one threshold."""

    threshold: float
    precision: float
    recall: float
    f1: float
    false_abstention: float  # share of answerable questions abstained on
    youden: float
    answered: float  # share of answerable questions answered

    def to_dict(self) -> dict[str, float]:
        return {name: round(getattr(self, name), 4) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Calibration:
    """The chosen threshold, the objective it maximises and the whole tradeoff curve."""

    threshold: float
    objective: str
    min_answered: float
    best: TradeoffRow
    curve: tuple[TradeoffRow, ...]
    questions: int
    unanswerable: int
    scores: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    labels: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    def table(self, step: float = 0.025) -> list[TradeoffRow]:
        """The curve on a regular grid of thresholds (for printing), plus the chosen row."""
        finite = [row.threshold for row in self.curve if math.isfinite(row.threshold)]
        if not finite:
            return [self.best]
        low = math.floor(min(finite) / step) * step
        high = math.ceil(max(finite) / step) * step
        grid = [round(low + i * step, 4) for i in range(int(round((high - low) / step)) + 1)]
        rows = {value: self.row_at(value) for value in grid}
        rows[self.threshold] = self.best
        return [rows[value] for value in sorted(rows)]

    @property
    def auc(self) -> float:
        """ROC AUC of the score as a separator: the chance that an answerable question
        outscores an unanswerable one (0.5 = no better than chance; ties count half)."""
        positives = [score for qid, score in self.scores.items() if not self.labels[qid]]
        negatives = [score for qid, score in self.scores.items() if self.labels[qid]]
        if not positives or not negatives:
            return float("nan")
        wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
        return wins / (len(positives) * len(negatives))

    def row_at(self, threshold: float) -> TradeoffRow:
        """Abstention at any threshold, on the calibration questions."""
        return _row(threshold, self.scores, self.labels)

    def to_dict(self) -> dict:
        return {
            "threshold": self.threshold,
            "objective": self.objective,
            "min_answered": self.min_answered,
            "questions": self.questions,
            "unanswerable": self.unanswerable,
            "auc": round(self.auc, 4),
            "best": self.best.to_dict(),
            "curve": [row.to_dict() for row in self.table()],
        }


def _row(threshold: float, scores: Mapping[str, float], unanswerable: Mapping[str, bool]) -> TradeoffRow:
    abstained = {qid: score < threshold for qid, score in scores.items()}
    counts = abstention_scores(abstained, unanswerable)
    answerable = counts.false_positives + counts.true_negatives
    return TradeoffRow(
        threshold=threshold,
        precision=counts.precision,
        recall=counts.recall,
        f1=counts.f1,
        false_abstention=counts.false_positive_rate,
        youden=counts.recall - counts.false_positive_rate,
        answered=counts.true_negatives / answerable if answerable else 1.0,
    )


def calibrate(
    scores: Mapping[str, float],
    unanswerable: Mapping[str, bool],
    *,
    objective: str = "f1",
    min_answered: float = 0.0,
    decimals: int = 3,
) -> Calibration:
    """Pick the abstention threshold that maximises ``objective`` on labelled questions.

    ``scores[qid]`` is the best-extract score of a question answered with
    ``threshold=-1.0`` (``-inf`` when the key-term check abstains anyway);
    ``unanswerable[qid]`` says whether the gold set wants an abstention.
    Only thresholds answering at least ``min_answered`` of the answerable
    questions are eligible.  Raises ValueError for an unknown objective, a
    ``min_answered`` outside [0, 1], or when there is no question.

    >>> calibrate({"a": 0.2, "b": 0.5}, {"a": True, "b": False}).threshold
    0.35
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}.")
    if not scores:
        raise ValueError("calibration needs at least one question.")
    if not 0.0 <= min_answered <= 1.0:
        raise ValueError("min_answered must be between 0 and 1.")
    labels = {qid: bool(unanswerable[qid]) for qid in scores}
    finite = sorted({score for score in scores.values() if math.isfinite(score)})
    if not finite:
        candidates = [0.0]
    else:
        candidates = [finite[0] - 0.05] + [(a + b) / 2 for a, b in zip(finite, finite[1:])] + [finite[-1] + 0.05]
    curve = [_row(t, scores, labels) for t in candidates]
    value = (lambda row: row.f1) if objective == "f1" else (lambda row: row.youden)
    reachable = min(min_answered, max(row.answered for row in curve))  # some questions always abstain
    eligible = [row.answered >= reachable - 1e-12 for row in curve]
    top = max(value(row) for row, ok in zip(curve, eligible) if ok)
    # Widest run of consecutive tied candidates, measured in score space; take its middle.
    runs: list[list[TradeoffRow]] = []
    previous_tied = False
    for row, ok in zip(curve, eligible):
        tied = ok and abs(value(row) - top) < 1e-12
        if tied and previous_tied:
            runs[-1].append(row)
        elif tied:
            runs.append([row])
        previous_tied = tied
    widest = max(runs, key=lambda run: run[-1].threshold - run[0].threshold)
    if len(widest) == 1:
        threshold = widest[0].threshold
    else:
        threshold = (widest[0].threshold + widest[-1].threshold) / 2
    for places in range(decimals, decimals + 4):  # the roundest number that does not cross an observed score
        rounded = round(threshold, places)
        check = _row(rounded, scores, labels)
        if abs(value(check) - top) < 1e-12 and check.answered >= reachable - 1e-12:
            threshold = rounded
            break
    return Calibration(
        threshold,
        objective,
        min_answered,
        _row(threshold, scores, labels),
        tuple(curve),
        len(scores),
        sum(labels.values()),
        dict(scores),
        labels,
    )
