"""``briefing eval``: gold-set and SQuAD evaluation, baselines, calibration, the BEIR benchmark.

    briefing eval --questions eval/gold/seed.jsonl [--index DIR | --corpus DIR] [--json] [--report DIR]
    briefing eval --questions eval/gold/seed.jsonl --calibrate [--objective f1|youden]
    briefing eval --squad FILE [--baseline dense-sentence|hybrid-sentence|all ...]
    briefing eval --qa FILE [--qa FILE ...] [--near-miss] [--baseline all]
    briefing eval --beir ../shared/datasets/scifact [--split test] [--mode dense|lexical|hybrid|all]

``--questions`` and ``--index`` repeat: the n-th gold set is evaluated on the
n-th index (or all on the one index given), and ``--calibrate`` pools them.
A gold set is refused (exit 2) on an index that lacks documents it cites, or
holds documents outside the files it cites (unless ``--allow-extra-documents``);
``--corpus DIR`` builds (once, content-hash cached) an index of that folder instead.
``--baseline`` adds plain sentence-retrieval baselines, answered over the same
index, beside the system in every table and report.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..cli_common import add_filter_args, filters_from_args, log
from ..errors import GoldSetError, UsageError
from ..index.embedder import Embedder
from ..index.load import load_index
from ..index.stores import default_index, index_location
from .baselines import BASELINES, SentenceBank, parse_baselines
from .beir import evaluate_beir, load_beir, prepare_index
from .cache import cache_root, cached_index, content_hash, folder_files, index_settings
from .calibration import calibrate
from .gold import corpus_mismatch, load_gold
from .qa import load_qa, prepare_qa_index
from .report import (
    QUESTION_HEADER,
    calibration_text,
    plain_table,
    qa_rows,
    qa_table,
    question_rows,
    summary_table,
    write_report,
)
from .runner import EvalResult, evaluate, evaluate_baseline
from .squad import load_squad, prepare_squad_index

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
        type=index_location,
        action="append",
        help="index folder or postgresql:// URL (default: $BRIEFING_INDEX, else index); repeat to pair with "
        "several --questions",
    )
    parser.add_argument("--questions", type=Path, action="append", help="a gold set (.jsonl); may repeat")
    parser.add_argument(
        "--corpus",
        type=Path,
        metavar="DIR",
        help="evaluate the gold sets on an index of this folder, built once into ~/.cache/briefing/gold/<hash> "
        "(instead of --index)",
    )
    parser.add_argument(
        "--allow-extra-documents",
        action="store_true",
        help="evaluate even when the index holds documents outside the files the gold set cites",
    )
    parser.add_argument(
        "--squad",
        type=Path,
        metavar="FILE",
        help="a SQuAD v2 JSON file: each paragraph one document (indexed once into ~/.cache/briefing/squad/<hash>)",
    )
    parser.add_argument(
        "--qa",
        type=Path,
        action="append",
        metavar="FILE",
        help="a qa-train file (.jsonl or .jsonl.xz; repeat for several domains): each context one document, "
        "a sample of its questions asked (indexed once into ~/.cache/briefing/qa/<hash>)",
    )
    parser.add_argument(
        "--near-miss",
        action="store_true",
        help="with --qa: also ask each question of its context with the answering sentences cut out (unanswerable)",
    )
    parser.add_argument("--qa-limit", type=int, default=120, metavar="N", help="questions drawn per --qa file (120)")
    parser.add_argument(
        "--qa-documents",
        type=int,
        default=150,
        metavar="N",
        help="with --qa: other contexts of the file added as distractors up to N documents (150)",
    )
    parser.add_argument(
        "--qa-chars",
        type=int,
        default=150_000,
        metavar="N",
        help="with --qa: at most N characters of contexts per file (150,000; long articles give fewer documents)",
    )
    parser.add_argument(
        "--baseline",
        action="append",
        choices=BASELINES + ("all",),
        help="also score a plain baseline over the same index (repeat, or all): dense-sentence = top sentences by "
        "cosine; hybrid-sentence = min-max sum of sentence cosine and sentence BM25; neither abstains",
    )
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
        "--cache",
        type=Path,
        metavar="DIR",
        help="where --beir, --squad and --corpus indexes and the baselines' sentence vectors are kept "
        "(default ~/.cache/briefing/{beir,squad,gold,sentence-vectors})",
    )
    add_filter_args(parser)
    return parser


def _run_beir(args) -> int:
    if args.questions or args.calibrate or args.report or args.squad or args.baseline or args.corpus:
        raise UsageError(
            "--beir cannot be combined with --questions, --squad, --corpus, --baseline, --calibrate or --report"
        )
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


def _pairs(args) -> list[tuple[Path, Path | None]]:
    questions = args.questions or []
    if not questions:
        raise UsageError("give a gold set with --questions FILE (or --squad FILE, or a BEIR folder with --beir DIR)")
    if args.corpus is not None:
        if args.index:
            raise UsageError("give --index or --corpus, not both")
        if not args.corpus.is_dir():
            raise UsageError(f"{args.corpus} is not a folder")
        indexes: list[Path | None] = [None] * len(questions)
    else:
        indexes = args.index or [default_index()]
        if len(indexes) == 1:
            indexes = indexes * len(questions)
    if len(indexes) != len(questions):
        raise UsageError("give one --index, or one --index per --questions")
    for path in questions:
        if not path.is_file():
            raise UsageError(f"gold set {path} not found")
    return list(zip(questions, indexes))


def _sample(items: list[str], limit: int = 3) -> str:
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def check_corpus(index, gold, questions_path: Path, where: str, *, allow_extra: bool) -> None:
    """Refuse (UsageError, exit 2) to evaluate a gold set on an index that is not its corpus."""
    missing, extra = corpus_mismatch(index, gold)
    if missing:
        raise UsageError(
            f"the index {where} lacks {len(missing)} document(s) that {questions_path} cites ({_sample(missing)}); "
            "evaluate on the gold set's corpus: --corpus DIR, or --index of an index built from it"
        )
    if extra and not allow_extra:
        raise UsageError(
            f"the index {where} holds {len(extra)} document(s) outside the files {questions_path} cites "
            f"({_sample(extra)}), so its numbers would not be the gold set's; evaluate on the gold set's corpus "
            "(--corpus DIR) or pass --allow-extra-documents"
        )


def _corpus_index(args, embedder):
    """The cached index of ``--corpus`` (built on first use; the hash covers every file, model, chunking)."""
    embedder = embedder or Embedder(args.model)
    files = folder_files(args.corpus)
    if not files:
        raise UsageError(f"{args.corpus} holds no files")
    key = content_hash(files, *index_settings(embedder))
    home = (args.cache if args.cache else cache_root("gold")) / key
    return cached_index(home, args.corpus, embedder=embedder, log=log, show_bar=sys.stderr.isatty())


def _vector_cache(args) -> Path | None:
    return args.cache / "sentence-vectors" if args.cache else None


def _add_baselines(result: EvalResult, index, gold, args, banks: dict) -> None:
    """Score the requested baselines on the same questions and index; attach them to ``result``."""
    names = parse_baselines(args.baseline)
    if not names:
        return
    key = id(index)
    if key not in banks:
        banks[key] = SentenceBank(index, cache=_vector_cache(args), log=log)
        log(f"baselines: {len(banks[key])} sentences ({banks[key].source})")
    vectors: dict = {}
    for name in names:
        log(f"evaluating baseline {name} on {len(gold)} questions")
        result.baselines.append(
            evaluate_baseline(
                index, gold, name, bank=banks[key], name=result.name, hit=result.hit_rule, vectors=vectors
            )
        )


def _run_squad(args) -> int:
    if args.questions or args.corpus or args.index:
        raise UsageError("--squad cannot be combined with --questions, --corpus or --index")
    if not args.squad.is_file():
        raise UsageError(f"SQuAD file {args.squad} not found")
    _check_threshold(args)
    dataset = load_squad(args.squad)
    log(
        f"{args.squad}: {len(dataset.records)} paragraphs, {len(dataset.questions)} questions "
        f"({dataset.unanswerable} unanswerable)"
    )
    for item in dataset.unlocated:
        log(f"warning: gold answer not in its paragraph: {item}")
    embedder = Embedder(args.model) if args.model else Embedder()
    index = prepare_squad_index(dataset, embedder=embedder, cache=args.cache, log=log, show_bar=sys.stderr.isatty())
    try:
        log(f"evaluating {len(dataset.questions)} questions of {args.squad}")
        result = evaluate(
            index,
            dataset.questions,
            threshold=args.threshold,
            mode=args.mode or "hybrid",
            name=args.squad.stem,
            hit="contain",
        )
        _add_baselines(result, index, dataset.questions, args, {})
    finally:
        index.close()
    return _output(args, [result], per_question=False)


def _run_qa(args) -> int:
    """Each --qa file (and with --near-miss its near-miss copy) evaluated on its own index; then one
    table, a row per domain (:func:`.report.qa_table`)."""
    if args.questions or args.corpus or args.index:
        raise UsageError("--qa cannot be combined with --questions, --corpus or --index")
    for path in args.qa:
        if not path.is_file():
            raise UsageError(f"qa file {path} not found")
    _check_threshold(args)
    embedder = Embedder(args.model) if args.model else Embedder()
    results = []
    for path in args.qa:
        for near_miss in (False, True) if args.near_miss else (False,):
            dataset = load_qa(
                path,
                limit=args.qa_limit,
                min_documents=args.qa_documents,
                max_chars=args.qa_chars,
                near_miss=near_miss,
            )
            name = dataset.name + (" near-miss" if near_miss else "")
            log(
                f"{name}: {len(dataset.records)} documents, {len(dataset.questions)} questions "
                f"({dataset.unanswerable} unanswerable)"
            )
            index = prepare_qa_index(dataset, embedder=embedder, cache=args.cache, log=log, show_bar=False)
            try:
                result = evaluate(
                    index, dataset.questions, threshold=args.threshold, mode=args.mode or "hybrid", name=name, hit="qa"
                )
                if not near_miss:
                    _add_baselines(result, index, dataset.questions, args, {})
            finally:
                index.close()
            results.append(result)
    code = _output(args, results, per_question=False, extra={"domains": qa_rows(results)})
    if not args.json:
        print(qa_table(results))
    return code


def _check_threshold(args) -> None:
    if args.threshold is not None and not -1.0 <= args.threshold <= 1.0:
        raise UsageError("--threshold must be between -1 and 1")
    if not 0.0 <= args.min_answered <= 1.0:
        raise UsageError("--min-answered must be between 0 and 1")


def run_eval(args) -> int:
    """Run ``briefing eval``; returns the exit code (UsageError for bad input)."""
    if args.beir:
        return _run_beir(args)
    if args.mode == "all":
        raise UsageError("--mode all is for --beir; give dense, lexical or hybrid")
    if args.squad:
        return _run_squad(args)
    if args.qa:
        return _run_qa(args)
    pairs = _pairs(args)
    _check_threshold(args)
    filters = filters_from_args(args) or None
    results = []
    loaded: dict[Path | None, object] = {}
    banks: dict = {}
    embedder = None
    try:
        for questions_path, index_dir in pairs:
            try:
                gold = load_gold(questions_path)
            except GoldSetError as error:
                raise UsageError(str(error)) from error
            if index_dir not in loaded:
                if index_dir is None:
                    loaded[index_dir] = _corpus_index(args, embedder)
                else:
                    loaded[index_dir] = load_index(index_dir, model_path=args.model, embedder=embedder)
                embedder = loaded[index_dir].embedder
            index = loaded[index_dir]
            where = f"built from {args.corpus}" if index_dir is None else f"in {index_dir}"
            check_corpus(index, gold, questions_path, where, allow_extra=args.allow_extra_documents)
            log(f"evaluating {len(gold)} questions of {questions_path} on the index {where}")
            result = evaluate(
                index,
                gold,
                threshold=args.threshold,
                filters=filters,
                mode=args.mode or "hybrid",
                name=questions_path.stem,
            )
            _add_baselines(result, index, gold, args, banks)
            results.append(result)
    finally:
        for index in loaded.values():
            index.close()
    return _output(args, results)


def _output(args, results: list[EvalResult], *, per_question: bool = True, extra: dict | None = None) -> int:
    """Calibration, the markdown report, and the JSON or the terminal tables."""
    scores = {f"{r.name}/{q.id}": q.calibration_score for r in results for q in r.questions}
    labels = {f"{r.name}/{q.id}": not q.answerable for r in results for q in r.questions}
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
        out.update(extra or {})
        print(json.dumps(out, ensure_ascii=False))
        return 0
    for result in results:
        print(summary_table(result))
        print()
        if per_question:
            print(plain_table(QUESTION_HEADER, question_rows(result)))
            print()
    if args.calibrate:
        print(calibration_text(calibration))
    return 0
