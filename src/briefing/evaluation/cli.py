"""``briefing eval``: gold-set evaluation, threshold calibration and the BEIR benchmark.

    briefing eval --questions eval/gold/seed.jsonl [--index DIR] [--json] [--report DIR]
    briefing eval --questions eval/gold/seed.jsonl --calibrate [--objective f1|youden]
    briefing eval --beir ../shared/datasets/scifact [--split test] [--mode dense|lexical|hybrid|all]

``--questions`` and ``--index`` repeat: the n-th gold set is evaluated on the
n-th index (or all on the one index given), and ``--calibrate`` pools them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..cli_common import add_filter_args, filters_from_args, log
from ..errors import GoldSetError, UsageError
from ..index.embedder import Embedder
from ..index.load import load_index
from .beir import evaluate_beir, load_beir, prepare_index
from .calibration import calibrate
from .gold import load_gold
from .report import QUESTION_HEADER, calibration_text, plain_table, question_rows, summary_table, write_report
from .runner import evaluate

MODES = ("dense", "lexical", "hybrid")


def add_eval_parser(commands):
    """Register the ``eval`` sub-command on the ``briefing`` parser."""
    parser = commands.add_parser(
        "eval",
        help="evaluate retrieval and answers on a gold question set, or on a BEIR dataset",
        description="Evaluate on gold question sets (--questions) or on a BEIR-format dataset (--beir).",
    )
    parser.add_argument(
        "--index",
        type=Path,
        action="append",
        help="index folder (default: index); repeat to pair with several --questions",
    )
    parser.add_argument("--questions", type=Path, action="append", help="a gold set (.jsonl); may repeat")
    parser.add_argument("--json", action="store_true", help="print one JSON object with the metrics")
    parser.add_argument("--report", type=Path, metavar="DIR", help="write report.md and PNG charts into DIR")
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="choose the abstention threshold from the gold sets and print the tradeoff table",
    )
    parser.add_argument(
        "--objective", choices=("f1", "youden"), default="f1", help="what --calibrate maximises (default f1)"
    )
    parser.add_argument(
        "--min-answered",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="--calibrate only considers thresholds answering at least this share of the "
        "answerable questions (default 0)",
    )
    parser.add_argument("--threshold", type=float, help="abstention threshold (default: the calibrated one)")
    parser.add_argument("--model", help="the model folder, if it moved since the build")
    parser.add_argument(
        "--beir", type=Path, metavar="DIR", help="a BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/)"
    )
    parser.add_argument("--split", default="test", help="BEIR qrels split (default test)")
    parser.add_argument(
        "--mode", choices=MODES + ("all",), help="retrieval mode (default: hybrid for gold sets, all for --beir)"
    )
    parser.add_argument(
        "--cache", type=Path, metavar="DIR", help="where BEIR indexes are kept (default ~/.cache/briefing/beir)"
    )
    add_filter_args(parser)
    return parser


def _run_beir(args) -> int:
    if args.questions or args.calibrate or args.report:
        raise UsageError("--beir cannot be combined with --questions, --calibrate or --report")
    if not args.beir.is_dir():
        raise UsageError(f"{args.beir} is not a folder")
    modes = list(MODES) if args.mode in (None, "all") else [args.mode]
    dataset = load_beir(args.beir, args.split)
    index = prepare_index(
        args.beir,
        cache=args.cache,
        embedder=Embedder(args.model) if args.model else None,
        log=log,
        show_bar=sys.stderr.isatty(),
    )
    try:
        results, _ = evaluate_beir(index, dataset, modes)
    finally:
        index.close()
    if args.json:
        print(
            json.dumps(
                {
                    "dataset": str(args.beir),
                    "split": args.split,
                    "queries": len(dataset.queries),
                    "documents": index.manifest.documents,
                    "passages": index.manifest.passages,
                    "model": index.manifest.model_name,
                    "modes": {r.mode: {**r.means(), "seconds": round(r.seconds, 1)} for r in results},
                }
            )
        )
        return 0
    print(
        f"{args.beir} ({args.split}): {len(dataset.queries)} queries, {index.manifest.documents} documents, "
        f"{index.manifest.passages} passages; document score = best passage"
    )
    print(f"{'mode':<8}  {'nDCG@10':>7}  {'R@100':>6}  {'MRR@10':>6}  {'seconds':>7}")
    for r in results:
        m = r.means()
        print(f"{r.mode:<8}  {m['ndcg@10']:7.3f}  {m['recall@100']:6.3f}  {m['mrr@10']:6.3f}  {r.seconds:7.1f}")
    return 0


def _pairs(args) -> list[tuple[Path, Path]]:
    questions = args.questions or []
    if not questions:
        raise UsageError("give a gold set with --questions FILE (or a BEIR folder with --beir DIR)")
    indexes = args.index or [Path("index")]
    if len(indexes) == 1:
        indexes = indexes * len(questions)
    if len(indexes) != len(questions):
        raise UsageError("give one --index, or one --index per --questions")
    for path in questions:
        if not path.is_file():
            raise UsageError(f"gold set {path} not found")
    return list(zip(questions, indexes))


def run_eval(args) -> int:
    """Run ``briefing eval``; returns the exit code (UsageError for bad input)."""
    if args.beir:
        return _run_beir(args)
    if args.mode == "all":
        raise UsageError("--mode all is for --beir; give dense, lexical or hybrid")
    pairs = _pairs(args)
    if args.threshold is not None and not -1.0 <= args.threshold <= 1.0:
        raise UsageError("--threshold must be between -1 and 1")
    filters = filters_from_args(args) or None
    results = []
    loaded: dict[Path, object] = {}
    embedder = None
    try:
        for questions_path, index_dir in pairs:
            try:
                gold = load_gold(questions_path)
            except GoldSetError as error:
                raise UsageError(str(error)) from error
            if index_dir not in loaded:
                loaded[index_dir] = load_index(index_dir, model_path=args.model, embedder=embedder)
                embedder = loaded[index_dir].embedder
            index = loaded[index_dir]
            log(f"evaluating {len(gold)} questions of {questions_path} on {index_dir}")
            results.append(
                evaluate(
                    index,
                    gold,
                    threshold=args.threshold,
                    filters=filters,
                    mode=args.mode or "hybrid",
                    name=questions_path.stem,
                )
            )
    finally:
        for index in loaded.values():
            index.close()
    scores = {f"{r.name}/{q.id}": q.calibration_score for r in results for q in r.questions}
    labels = {f"{r.name}/{q.id}": not q.answerable for r in results for q in r.questions}
    if not 0.0 <= args.min_answered <= 1.0:
        raise UsageError("--min-answered must be between 0 and 1")
    calibration = calibrate(scores, labels, objective=args.objective, min_answered=args.min_answered)
    if args.report:
        path = write_report(
            results,
            calibration,
            args.report,
            command="briefing eval " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "briefing eval",
        )
        log(f"wrote {path}")
    if args.json:
        out = {"gold_sets": [r.to_dict() for r in results]}
        if len(results) == 1:
            out = results[0].to_dict()
        if args.calibrate:
            out["calibration"] = calibration.to_dict()
        print(json.dumps(out, ensure_ascii=False))
        return 0
    for result in results:
        print(summary_table(result))
        print()
        print(plain_table(QUESTION_HEADER, question_rows(result)))
        print()
    if args.calibrate:
        print(calibration_text(calibration))
    return 0
