"""The chat UI: ask, read cited extracts, inspect sources, add documents (Gradio).

``serve`` brings the index up to date with the corpus (a tqdm bar on stderr),
loads the model and index once, and serves :func:`build_app` on 127.0.0.1
unless another host is asked for.  Answers are rendered here as HTML with every
document string escaped (see :mod:`briefing.ui.render`); nothing from a document
goes through markdown.

Concurrency: Gradio's queue runs up to ``ANSWER_CONCURRENCY`` questions at once.
A rebuild runs in its own concurrency group (one at a time), builds a new index
generation while the chat keeps answering from the current :class:`Index`, then
swaps the new one in atomically (:class:`IndexHolder`, in ``service.py``).
The CSS and JavaScript are real files in ``assets/`` (package data).
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

import gradio as gr

from ..answer import answer
from ..answer.retrieve import Filters
from ..corpus import SUPPORTED_EXTENSIONS
from ..dates import normalise_date, period_bounds
from ..errors import BadDateError
from ..index.load import Index
from . import memory
from . import render as ui_render
from .auth import Throttled
from .followup import follow_up_context
from .service import BUSY, IndexHolder, add_and_rebuild, prepare
from .uploads import MAX_UPLOAD_BYTES

__all__ = ["ALL_SOURCES", "BUSY", "IndexHolder", "build_app", "launch", "make_filters", "prepare", "serve"]

ANSWER_CONCURRENCY = 4
# Memory bounds (issue 12): a conversation keeps its last MAX_TURNS answers, and the server keeps
# at most STATE_SESSIONS conversations (the least recently used go first).
MAX_TURNS = 30
STATE_SESSIONS = 1000
DEFAULT_TOP = 5
MAX_TOP = 10
ALL_SOURCES = "All sources"
EXAMPLES = [
    "Did the US position change?",
    "What did the State Department urge Turkey to do?",
    "Why did Washington impose sanctions on Ankara?",
    "What did Turkey propose?",
    "and what did Turkey say?",  # a follow-up: ask it after another question
]


# --- handlers -------------------------------------------------------------------


def _date(value: str | None, label: str, *, end: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        normalised = normalise_date(text, label)
    except BadDateError as error:
        raise gr.Error(f"{error}. Use YYYY-MM-DD.") from error
    return period_bounds(normalised)[1 if end else 0]


def make_filters(since: str | None, until: str | None, source: str | None) -> Filters | None:
    """Filters from the UI controls; gr.Error on a malformed date or an inverted range."""
    start = _date(since, "Since", end=False)
    stop = _date(until, "Until", end=True)
    if start and stop and start > stop:
        raise gr.Error(f"“Since” ({start}) is after “Until” ({stop}).")
    chosen = None if not source or source == ALL_SOURCES else source
    filters = Filters(start, stop, chosen)
    return filters or None


def _source_choices(index: Index) -> list[str]:
    return [ALL_SOURCES, *index.store.sources()]


def _status_html(index: Index) -> str:
    return ui_render.render_status(index.status(), sources=len(index.store.sources()))


def build_app(holder: IndexHolder) -> gr.Blocks:
    """The Gradio Blocks app answering from ``holder``; launch it with :func:`launch`."""

    def respond(question, turns, since, until, source, top):
        question = (question or "").strip()
        turns = list(turns or [])
        if not question:
            yield ui_render.render_transcript(turns), turns, ""
            return
        filters = make_filters(since, until, source)
        context = follow_up_context(question, [(t["question"], t["context"]) for t in turns])
        yield ui_render.render_transcript(turns, pending=question), turns, ""
        index = holder.index
        reply = answer(index, question, top=int(top or DEFAULT_TOP), filters=filters, context=context)
        memory.note_activity()
        turns.append({"question": question, "context": context, "answer": reply})
        turns = turns[-MAX_TURNS:]
        yield ui_render.render_transcript(turns), turns, ""

    def show_source(turns, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        try:
            turn = turns[int(data.get("turn"))]
            extract = turn["answer"].extracts[int(data.get("extract"))]
        except (TypeError, ValueError, IndexError, KeyError):
            return ui_render.render_source(None, None)
        return ui_render.render_source(holder.index.store.document(extract.doc_id), extract)

    def clear():
        return ui_render.render_transcript([]), [], ui_render.render_source(None, None)

    def add_documents(files, progress=gr.Progress()):  # noqa: B008  (Gradio injects the tracker this way)
        paths = [Path(item if isinstance(item, str) else getattr(item, "name", item)) for item in (files or []) if item]

        def on_progress(done: int, total: int, what: str) -> None:
            progress((done, max(total, 1)), desc=f"Indexing ({what})", unit="documents")

        outcome = add_and_rebuild(
            holder, paths, started=lambda: progress(0, desc="Checking the corpus…"), progress=on_progress
        )
        messages = ui_render.render_messages(outcome.lines, ok=outcome.ok)
        if outcome.busy:
            return messages, gr.skip(), gr.skip(), gr.skip()
        if not outcome.rebuilt:
            return messages, gr.skip(), gr.skip(), None
        index = holder.index
        return messages, _status_html(index), gr.update(choices=_source_choices(index)), None

    def refresh_controls():
        index = holder.index
        return _status_html(index), gr.update(choices=_source_choices(index))

    with gr.Blocks(title="Briefing: cited answers from the sources", fill_width=True) as demo:
        turns = gr.State([])
        with gr.Sidebar(label="Controls", open=True, width=300, elem_id="bf-sidebar"):
            gr.HTML('<h3 class="bf-side-title">Filters</h3>')
            with gr.Row():
                since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD", max_lines=1, elem_id="bf-since")
                until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", max_lines=1, elem_id="bf-until")
            source = gr.Dropdown(
                label="Source", choices=_source_choices(holder.index), value=ALL_SOURCES, elem_id="bf-source-filter"
            )
            top = gr.Slider(
                label="Extracts per answer", minimum=1, maximum=MAX_TOP, step=1, value=DEFAULT_TOP, elem_id="bf-top"
            )
            gr.HTML('<h3 class="bf-side-title">Index</h3>')
            status = gr.HTML(_status_html(holder.index), label="Index status", elem_id="bf-status")
            gr.HTML('<h3 class="bf-side-title">Add documents</h3>')
            uploads = gr.File(
                label=f"Files ({' '.join(sorted(SUPPORTED_EXTENSIONS))}, up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB)",
                file_count="multiple",
                file_types=sorted(SUPPORTED_EXTENSIONS),
                elem_id="bf-upload",
                height=120,
            )
            rebuild = gr.Button("Add and rebuild index", variant="secondary", elem_id="bf-rebuild")
            upload_log = gr.HTML("", label="Messages", elem_id="bf-upload-log")

        gr.HTML(
            '<header class="bf-header"><h1>Briefing</h1>'
            "<p>Answers are verbatim extracts from the sources, each with a numbered citation. "
            "When no passage answers a question, the reply says so.</p></header>"
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                transcript = gr.HTML(
                    ui_render.render_transcript([]),
                    label="Conversation",
                    elem_id="bf-transcript",
                    autoscroll=True,
                    min_height=420,
                    max_height=620,
                    js_on_load=script("transcript"),
                )
                with gr.Row(elem_id="bf-ask-row"):
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="Ask a question about the sources…",
                        max_lines=3,
                        scale=8,
                        elem_id="bf-question",
                        autofocus=True,
                        submit_btn=False,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="bf-ask")
                    clear_button = gr.Button(
                        "New chat", variant="secondary", scale=1, min_width=120, elem_id="bf-clear"
                    )
                gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="Examples")
            with gr.Column(scale=2, min_width=340):
                source_view = gr.HTML(
                    ui_render.render_source(None, None),
                    label="Source",
                    elem_id="bf-source-view",
                    max_height=720,
                    js_on_load=script("source-view"),
                )

        chat_inputs = [question, turns, since, until, source, top]
        chat_outputs = [transcript, turns, question]
        question.submit(respond, chat_inputs, chat_outputs, api_name="chat", show_progress="hidden")
        ask.click(respond, chat_inputs, chat_outputs, api_visibility="private", show_progress="hidden")
        transcript.cite(show_source, [turns], [source_view], api_visibility="private", show_progress="hidden")
        clear_button.click(clear, None, [transcript, turns, source_view], api_visibility="private")
        rebuild.click(
            add_documents,
            [uploads],
            [upload_log, status, source, uploads],
            api_name="add_documents",
            concurrency_limit=1,
            concurrency_id="rebuild",
        )
        demo.load(refresh_controls, None, [status, source], api_visibility="private", show_progress="hidden")
    return demo


_SECTION = re.compile(r"^// == ([\w-]+) ==$", re.MULTILINE)


@cache
def asset(name: str) -> str:
    """The text of ``ui/assets/<name>`` (package data, read at run time)."""
    return files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def script(section: str) -> str:
    """One ``// == section ==`` of ``assets/app.js``: the ``js_on_load`` of one component."""
    text = asset("app.js")
    marks = list(_SECTION.finditer(text))
    for number, mark in enumerate(marks):
        if mark.group(1) == section:
            end = marks[number + 1].start() if number + 1 < len(marks) else len(text)
            return text[mark.end() : end].strip()
    raise KeyError(f"no section {section!r} in assets/app.js")


THEME = gr.themes.Default(
    primary_hue="indigo",
    neutral_hue="slate",
    # System fonts: the server may be offline, so nothing is fetched from a font CDN.
    font=["Inter", "Segoe UI", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)


def launch(
    demo: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth=None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
):
    """Queue and launch ``demo`` with the app's limits, theme and CSS.

    ``auth`` is ``{user: password}`` (or one ``(user, password)`` pair): repeated failed logins
    for a user name are slowed down (:class:`briefing.ui.auth.Throttled`).
    """
    if isinstance(auth, tuple):
        auth = {auth[0]: auth[1]}
    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY)
    return demo.launch(
        server_name=host,
        server_port=port,
        auth=Throttled(auth).gradio_auth() if auth else None,
        state_session_capacity=STATE_SESSIONS,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        max_file_size=MAX_UPLOAD_BYTES,
        ssr_mode=False,
        show_error=True,
        css=asset("app.css"),
        theme=THEME,
        auth_message="Sign in to ask the briefing sources." if auth else None,
    )


def serve(
    corpus_dir: Path = Path("corpus"),
    index_dir: Path = Path("index"),
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: dict[str, str] | tuple[str, str] | None = None,
) -> None:
    """Update the index, then serve the chat until interrupted (``briefing serve``, ``python app.py``).

    ``auth`` is ``{user: password}`` for a login page.  Freed memory is given back to the
    system after bursts of questions (:func:`briefing.ui.memory.bound_heap`).
    """
    memory.bound_heap()
    holder = prepare(corpus_dir, index_dir)
    launch(build_app(holder), host=host, port=port, auth=auth)
