"""Retrieval and answer evaluation: gold sets, metrics, BEIR benchmark, reports.

>>> from briefing.evaluation import evaluate, load_gold  # doctest: +SKIP
>>> result = evaluate(index, load_gold("eval/gold/seed.jsonl"))  # doctest: +SKIP
>>> result.summary()["recall@5"]  # doctest: +SKIP
"""

from .calibration import Calibration, calibrate
from .gold import GoldQuestion, GoldSetError, load_gold
from .runner import EvalResult, evaluate

__all__ = ["Calibration", "EvalResult", "GoldQuestion", "GoldSetError", "calibrate", "evaluate", "load_gold"]
