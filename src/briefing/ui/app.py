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
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from html import escape
from importlib.resources import files
from pathlib import Path

import gradio as gr

from ..answer import answer
from ..answer.retrieve import Filters
from ..brief import write_brief
from ..corpus import SUPPORTED_EXTENSIONS
from ..dates import normalise_date, period_bounds
from ..errors import BadDateError
from ..index.load import Index
from . import documents as doc_panel
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
# Questions the demo corpus answers well.  No follow-up ("and what did Turkey say?") here: it
# would be offered before any question, when nothing can be followed up.
EXAMPLES = [
    "Did the US position on Turkey's S-400 purchase change?",
    "Has the US stance on a Turkish offensive in northern Syria changed?",
    "What did Price say about CAATSA and the S400?",
    "Why did Blinken thank Turkey for the Montreux Convention?",
    "What did the State Department say about Cyprus reunification in 2022?",
    "How much security assistance has the US given Ukraine since February 24?",
]
BRIEF_KEEP_S = 3600  # exported briefs are temporary files, removed an hour after they were written
_BRIEF_DIR: Path | None = None


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


def _brief_files(turns: list[dict]) -> tuple[Path, Path]:
    """The conversation's answers written as a Markdown and a Word brief, in a temporary folder."""
    global _BRIEF_DIR
    if _BRIEF_DIR is None or not _BRIEF_DIR.is_dir():
        _BRIEF_DIR = Path(tempfile.mkdtemp(prefix="briefing-briefs-"))
    for old in _BRIEF_DIR.iterdir():
        if time.time() - old.stat().st_mtime > BRIEF_KEEP_S:
            old.unlink(missing_ok=True)
    folder = _BRIEF_DIR / uuid.uuid4().hex
    folder.mkdir()
    answers = [turn["answer"] for turn in turns]
    # The question a follow-up follows, as the chat shows it: the last line of its retrieval context.
    follows = [turn["context"].splitlines()[-1] if turn.get("context") else None for turn in turns]
    return (
        write_brief(answers, folder / "brief.md", follow_ups=follows),
        write_brief(answers, folder / "brief.docx", follow_ups=follows),
    )


def _toast(outcome) -> None:
    """The result of an upload or removal as a toast where the user is looking (text, escaped)."""
    if outcome.busy:
        gr.Warning(escape(outcome.lines[0]))
        return
    text = "<br>".join(escape(line) for line in outcome.lines)
    (gr.Info if outcome.ok else gr.Warning)(text)


# --- panels: each builds its components and wires its own events ------------------


@dataclass
class FilterPanel:
    """The sidebar's filters: dates, source, extracts per answer."""

    since: gr.Textbox
    until: gr.Textbox
    source: gr.Dropdown
    top: gr.Slider

    @property
    def inputs(self) -> list:
        return [self.since, self.until, self.source, self.top]


@dataclass
class AddPanel:
    """The sidebar's index status and upload: files in, index rebuilt."""

    status: gr.HTML
    log: gr.HTML
    uploads: gr.File
    rebuild: gr.Button


@dataclass
class ChatPanel:
    """The conversation, the question box and its buttons, the example questions."""

    turns: gr.State
    transcript: gr.HTML
    question: gr.Textbox
    ask: gr.Button
    clear: gr.Button  # "New chat": asks first (clear_row) when there is a conversation to lose
    clear_row: gr.Row
    clear_question: gr.HTML
    clear_yes: gr.Button
    clear_no: gr.Button
    examples: gr.Examples


@dataclass
class BriefPanel:
    """The two download buttons of the conversation's brief."""

    markdown: gr.DownloadButton
    word: gr.DownloadButton

    @property
    def outputs(self) -> list:
        return [self.markdown, self.word]


@dataclass
class DocumentsPanel:
    """The indexed documents: search, table, removal with confirmation."""

    search: gr.Textbox
    table: gr.HTML
    log: gr.HTML
    pending: gr.State  # the document asked about, until "Remove" or "Cancel"
    remove_row: gr.Row
    confirm: gr.Button


def filter_panel(holder: IndexHolder) -> FilterPanel:
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
    return FilterPanel(since, until, source, top)


def add_documents_panel(holder: IndexHolder) -> AddPanel:
    gr.HTML('<h3 class="bf-side-title">Index</h3>')
    status = gr.HTML(_status_html(holder.index), label="Index status", elem_id="bf-status")
    gr.HTML('<h3 class="bf-side-title">Add documents</h3>')
    log = gr.HTML("", label="Messages", elem_id="bf-upload-log")  # on top, where the user looks
    uploads = gr.File(
        label=f"Files ({' '.join(sorted(SUPPORTED_EXTENSIONS))}, up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB)",
        file_count="multiple",
        file_types=sorted(SUPPORTED_EXTENSIONS),
        elem_id="bf-upload",
        height=120,
    )
    rebuild = gr.Button("Add and rebuild index", variant="secondary", elem_id="bf-rebuild")
    return AddPanel(status, log, uploads, rebuild)


def chat_panel(briefs: Callable[[], BriefPanel]) -> tuple[ChatPanel, BriefPanel]:
    """The conversation and the question box, then the brief's buttons (``briefs``), then the examples."""
    turns = gr.State([])
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
        clear = gr.Button("New chat", variant="secondary", scale=1, min_width=120, elem_id="bf-clear")
    with gr.Row(visible=False, elem_id="bf-clear-row") as clear_row:
        clear_question = gr.HTML("", elem_id="bf-clear-question")
        clear_yes = gr.Button("Clear the chat", variant="stop", scale=0, min_width=140, elem_id="bf-clear-yes")
        clear_no = gr.Button("Keep it", scale=0, min_width=100, elem_id="bf-clear-no")
    brief = briefs()
    examples = gr.Examples(
        examples=[[q] for q in EXAMPLES], inputs=[question], label="Examples (a click asks)", elem_id="bf-examples"
    )
    clear_no.click(lambda: gr.update(visible=False), None, [clear_row], api_visibility="private")
    chat = ChatPanel(turns, transcript, question, ask, clear, clear_row, clear_question, clear_yes, clear_no, examples)
    return chat, brief


def briefs_panel() -> BriefPanel:
    with gr.Row(elem_id="bf-brief-row"):
        markdown = gr.DownloadButton("Download brief (.md)", interactive=False, size="sm", elem_id="bf-brief-md")
        word = gr.DownloadButton("Download brief (.docx)", interactive=False, size="sm", elem_id="bf-brief-docx")
    return BriefPanel(markdown, word)


def source_panel() -> gr.HTML:
    return gr.HTML(
        ui_render.render_source(None, None),
        label="Source",
        elem_id="bf-source-view",
        max_height=720,
        js_on_load=script("source-view"),
    )


def documents_panel(holder: IndexHolder) -> DocumentsPanel:
    """The accordion of indexed documents; a row's "Remove" asks, "Remove" again removes."""
    with gr.Accordion("Documents in the index", open=False, elem_id="bf-documents"):
        search = gr.Textbox(
            show_label=False,
            placeholder="Search titles, dates, sources and files…",
            max_lines=1,
            elem_id="bf-doc-search",
        )
        pending = gr.State("")
        with gr.Row(visible=False, elem_id="bf-remove-row") as remove_row:
            question = gr.HTML("", elem_id="bf-remove-question")
            confirm = gr.Button("Remove", variant="stop", scale=0, min_width=100, elem_id="bf-remove-yes")
            cancel = gr.Button("Cancel", scale=0, min_width=100, elem_id="bf-remove-no")
        log = gr.HTML("", elem_id="bf-remove-log")
        table = gr.HTML(
            doc_panel.render_documents(holder.index.store.document_list()),
            elem_id="bf-docs",
            max_height=520,
            js_on_load=script("documents"),
        )

    def ask_removal(evt: gr.EventData):
        doc_id = str((getattr(evt, "_data", None) or {}).get("doc") or "")
        summary = doc_panel.find(holder, doc_id) if doc_id else None
        text = doc_panel.removal_question(summary, doc_id)
        return text, (doc_id if summary else ""), gr.update(visible=summary is not None)

    asking = [question, pending, remove_row]
    table.remove(ask_removal, None, asking, api_visibility="private")
    cancel.click(lambda: ("", "", gr.update(visible=False)), None, asking, api_visibility="private")
    search.change(partial(list_documents, holder), [search], [table], api_visibility="private", show_progress="hidden")
    return DocumentsPanel(search, table, log, pending, remove_row, confirm)


# --- handlers (the holder comes first: functools.partial binds it) -----------------


def respond(holder: IndexHolder, question, turns, since, until, source, top):
    """Answer ``question`` in the conversation ``turns``: the pending question first, then its answer."""
    question = (question or "").strip()
    turns = list(turns or [])
    if not question:
        yield ui_render.render_transcript(turns), turns, ""
        return
    filters = make_filters(since, until, source)
    context = follow_up_context(question, [(t["question"], t["context"]) for t in turns])
    yield ui_render.render_transcript(turns, pending=question), turns, ""
    reply = answer(holder.index, question, top=int(top or DEFAULT_TOP), filters=filters, context=context)
    memory.note_activity()
    turns.append({"question": question, "context": context, "answer": reply})
    turns = turns[-MAX_TURNS:]
    yield ui_render.render_transcript(turns), turns, ""


def show_source(holder: IndexHolder, turns, evt: gr.EventData):
    data = getattr(evt, "_data", None) or {}
    try:
        turn = turns[int(data.get("turn"))]
        extract = turn["answer"].extracts[int(data.get("extract"))]
    except (TypeError, ValueError, IndexError, KeyError):
        return ui_render.render_source(None, None)
    return ui_render.render_source(holder.index.store.document(extract.doc_id), extract)


CLEAR_QUESTION = (
    "Start a new chat? This clears the {answers} of this conversation and its brief. "
    "Download the brief first to keep them."
)


def ask_clear(turns):
    """ "New chat" asks before anything is lost: (confirmation row, its question).  With no
    conversation there is nothing to lose, and nothing to ask."""
    if not turns:
        return gr.update(visible=False), ""
    count = len(turns)
    answers = "answer" if count == 1 else f"{count} answers"
    return gr.update(visible=True), f"<p>{escape(CLEAR_QUESTION.format(answers=answers))}</p>"


def clear_chat():
    """The conversation, its source view and its brief emptied (after "Clear the chat")."""
    return (
        ui_render.render_transcript([]),
        [],
        ui_render.render_source(None, None),
        gr.update(value=None, interactive=False),
        gr.update(value=None, interactive=False),
        gr.update(visible=False),
    )


def update_brief(turns):
    if not turns:
        return gr.update(value=None, interactive=False), gr.update(value=None, interactive=False)
    markdown, word = _brief_files(turns)
    return gr.update(value=str(markdown), interactive=True), gr.update(value=str(word), interactive=True)


def list_documents(holder: IndexHolder, query):
    return doc_panel.render_documents(holder.index.store.document_list(), query or "")


def confirm_removal(holder: IndexHolder, doc_id, query):
    if not doc_id:
        return "", "", gr.update(visible=False), gr.skip(), gr.skip(), gr.skip()
    outcome = doc_panel.remove_and_rebuild(holder, doc_id)
    _toast(outcome)
    messages = ui_render.render_messages(outcome.lines, ok=outcome.ok)
    if not outcome.rebuilt:
        return messages, "", gr.update(visible=False), gr.skip(), gr.skip(), gr.skip()
    index = holder.index
    return (
        messages,
        "",
        gr.update(visible=False),
        list_documents(holder, query),
        _status_html(index),
        gr.update(choices=_source_choices(index)),
    )


def add_documents(holder: IndexHolder, files, progress=gr.Progress()):  # noqa: B008  (Gradio injects the tracker)
    paths = [Path(item if isinstance(item, str) else getattr(item, "name", item)) for item in (files or []) if item]

    def on_progress(done: int, total: int, what: str) -> None:
        progress((done, max(total, 1)), desc=f"Indexing ({what})", unit="documents")

    outcome = add_and_rebuild(
        holder, paths, started=lambda: progress(0, desc="Checking the corpus…"), progress=on_progress
    )
    _toast(outcome)
    messages = ui_render.render_messages(outcome.lines, ok=outcome.ok)
    if outcome.busy:
        return messages, gr.skip(), gr.skip(), gr.skip()
    if not outcome.rebuilt:
        return messages, gr.skip(), gr.skip(), None
    index = holder.index
    return messages, _status_html(index), gr.update(choices=_source_choices(index)), None


def refresh_controls(holder: IndexHolder):
    index = holder.index
    return _status_html(index), gr.update(choices=_source_choices(index))


HEADER = (
    '<header class="bf-header"><h1>Briefing</h1>'
    "<p>Answers are verbatim extracts from the sources, each with a numbered citation. "
    "When no passage answers a question, the reply says so.</p></header>"
)
PRIVATE = {"api_visibility": "private", "show_progress": "hidden"}
REBUILDS = {"concurrency_limit": 1, "concurrency_id": "rebuild"}  # one rebuild at a time


def build_app(holder: IndexHolder) -> gr.Blocks:
    """The Gradio Blocks app answering from ``holder``; launch it with :func:`launch`.

    Each panel is built by its own function above; the events between panels are wired here.
    """

    def cite(turns, evt: gr.EventData):  # a named function: Gradio finds gr.EventData by its type hint
        return show_source(holder, turns, evt)

    with gr.Blocks(title="Briefing: cited answers from the sources", fill_width=True) as demo:
        with gr.Sidebar(label="Controls", open=True, width=300, elem_id="bf-sidebar"):
            filters = filter_panel(holder)
            added = add_documents_panel(holder)
        gr.HTML(HEADER)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chat, briefs = chat_panel(briefs_panel)
            with gr.Column(scale=2, min_width=340):
                source_view = source_panel()
        docs = documents_panel(holder)

        # The chat: ask (box, button, an example's click), cite, new chat; every answer refreshes the brief.
        chat_in, chat_out = [chat.question, chat.turns, *filters.inputs], [chat.transcript, chat.turns, chat.question]
        asked = partial(respond, holder)
        asking = (chat.question.submit, chat.ask.click, chat.examples.load_input_event.then)
        for event, name in zip(asking, ("chat", None, None)):
            options = {"api_name": name} if name else {"api_visibility": "private"}
            event(asked, chat_in, chat_out, show_progress="hidden", **options).then(
                update_brief, [chat.turns], briefs.outputs, **PRIVATE
            )
        chat.transcript.cite(cite, [chat.turns], [source_view], **PRIVATE)
        chat.clear.click(ask_clear, [chat.turns], [chat.clear_row, chat.clear_question], **PRIVATE)
        chat.clear_yes.click(
            clear_chat, None, [chat.transcript, chat.turns, source_view, *briefs.outputs, chat.clear_row], **PRIVATE
        )
        # Documents and the index: removal and upload rebuild it, then the sidebar and table follow.
        index_views = [docs.table, added.status, filters.source]
        docs.confirm.click(
            partial(confirm_removal, holder),
            [docs.pending, docs.search],
            [docs.log, docs.pending, docs.remove_row, *index_views],
            api_visibility="private",
            **REBUILDS,
        )
        listed = partial(list_documents, holder)
        added.rebuild.click(
            partial(add_documents, holder),
            [added.uploads],
            [added.log, added.status, filters.source, added.uploads],
            api_name="add_documents",
            **REBUILDS,
        ).then(listed, [docs.search], [docs.table], **PRIVATE)
        demo.load(partial(refresh_controls, holder), None, [added.status, filters.source], **PRIVATE).then(
            listed, [docs.search], [docs.table], **PRIVATE
        )
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
