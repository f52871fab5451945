"""The chat UI: ask, read cited extracts, inspect sources, add documents (Gradio).

``serve`` brings the index up to date with the corpus (a tqdm bar on stderr),
loads the model and index once, and serves :func:`build_app` on 127.0.0.1
unless another host is asked for.  Answers are rendered here as HTML with every
document string escaped (see :mod:`briefing.ui_render`); nothing from a document
goes through markdown.

Concurrency: Gradio's queue runs up to ``ANSWER_CONCURRENCY`` questions at once.
A rebuild runs in its own concurrency group (one at a time), builds a new index
generation while the chat keeps answering from the current :class:`Index`, then
swaps the new one in atomically (:class:`IndexHolder`).
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from . import ui_render
from .corpus import CorpusError, SUPPORTED_EXTENSIONS, normalise_date
from .embedder import Embedder
from .index import Index, load_index
from .indexer import BuildReport, IndexBusyError, build_index, embedder_for
from .manifest import IndexError_, read_manifest
from .answering import answer
from .question import period_bounds
from .retrieval import Filters
from .ui_files import MAX_UPLOAD_BYTES, UploadRejected, add_to_corpus

ANSWER_CONCURRENCY = 4
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
BUSY = "A rebuild is already running; the chat keeps answering from the current index. Try again when it has finished."


class IndexHolder:
    """The Index the chat answers from; a rebuild swaps in the new one under a lock.

    Readers take ``holder.index`` once per question and keep using that object,
    so a swap never changes the index under a question being answered.  The old
    index is left to the garbage collector rather than closed, because a
    question may still be reading it.
    """

    def __init__(self, index: Index, corpus_dir: Path, index_dir: Path):
        self._index = index
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self._swap_lock = threading.Lock()
        self.rebuild_lock = threading.Lock()

    @property
    def index(self) -> Index:
        with self._swap_lock:
            return self._index

    @property
    def embedder(self):
        return self.index.embedder

    def swap(self, new: Index) -> Index:
        """Make ``new`` the current index; returns the previous one."""
        with self._swap_lock:
            old, self._index = self._index, new
        return old

    def rebuild(self, progress=None, log=None) -> BuildReport:
        """Update the index from the corpus and swap it in; IndexBusyError when one is running."""
        if not self.rebuild_lock.acquire(blocking=False):
            raise IndexBusyError(BUSY)
        try:
            return self._rebuild_locked(progress, log)
        finally:
            self.rebuild_lock.release()

    def _rebuild_locked(self, progress=None, log=None) -> BuildReport:
        report = build_index(self.corpus_dir, self.index_dir, embedder=self.embedder, progress=progress,
                             show_bar=False, log=log or (lambda _: None))
        self.swap(load_index(self.index_dir, embedder=self.embedder))
        return report


# --- handlers -------------------------------------------------------------------

def _date(value: str | None, label: str, *, end: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        normalised = normalise_date(text, label)
    except CorpusError as error:
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
        context = ui_render.follow_up_context(question, [(t["question"], t["context"]) for t in turns])
        yield ui_render.render_transcript(turns, pending=question), turns, ""
        index = holder.index
        reply = answer(index, question, top=int(top or DEFAULT_TOP), filters=filters, context=context)
        turns.append({"question": question, "context": context, "answer": reply,
                      "generation": index.manifest.generation})
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

    def add_documents(files, progress=gr.Progress()):
        lines: list[str] = []
        files = [f for f in (files or []) if f]
        if not holder.rebuild_lock.acquire(blocking=False):
            return ui_render.render_messages([BUSY], ok=False), gr.skip(), gr.skip(), gr.skip()
        try:
            stored = 0
            for item in files:
                path = Path(item if isinstance(item, str) else getattr(item, "name", item))
                try:
                    target, replaced = add_to_corpus(path, holder.corpus_dir)
                except UploadRejected as error:
                    lines.append(f"Rejected {path.name}: {error}.")
                    continue
                stored += 1
                lines.append(f"{'Replaced' if replaced else 'Added'} {target.name}.")
            if files and not stored:
                return ui_render.render_messages(lines, ok=False), gr.skip(), gr.skip(), None
            progress(0, desc="Checking the corpus…")

            def on_progress(done: int, total: int, what: str) -> None:
                progress((done, max(total, 1)), desc=f"Indexing ({what})", unit="documents")

            try:
                report = holder._rebuild_locked(progress=on_progress, log=lines.append)
            except IndexBusyError:
                lines.append("Another process is updating the index; try again when it has finished.")
                return ui_render.render_messages(lines, ok=False), gr.skip(), gr.skip(), None
            except (IndexError_, CorpusError, OSError) as error:
                lines.append(f"Rebuild failed: {error}. The chat still answers from the previous index.")
                return ui_render.render_messages(lines, ok=False), gr.skip(), gr.skip(), None
            lines.append("Index rebuilt: " + report.summary() + ".")
            lines.extend(f"Skipped {skipped}." for skipped in report.skipped)
            index = holder.index
            return (
                ui_render.render_messages(lines, ok=not any(line.startswith("Rejected") for line in lines)),
                _status_html(index),
                gr.update(choices=_source_choices(index)),
                None,
            )
        finally:
            holder.rebuild_lock.release()

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
            source = gr.Dropdown(label="Source", choices=_source_choices(holder.index), value=ALL_SOURCES,
                                 elem_id="bf-source-filter")
            top = gr.Slider(label="Extracts per answer", minimum=1, maximum=MAX_TOP, step=1, value=DEFAULT_TOP,
                            elem_id="bf-top")
            gr.HTML('<h3 class="bf-side-title">Index</h3>')
            status = gr.HTML(_status_html(holder.index), label="Index status", elem_id="bf-status")
            gr.HTML('<h3 class="bf-side-title">Add documents</h3>')
            uploads = gr.File(label=f"Files ({' '.join(sorted(SUPPORTED_EXTENSIONS))}, up to "
                                    f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB)",
                              file_count="multiple", file_types=sorted(SUPPORTED_EXTENSIONS), elem_id="bf-upload",
                              height=120)
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
                    js_on_load=(
                        "element.addEventListener('click', (event) => {"
                        " const target = event.target.closest('[data-extract]');"
                        " if (!target || !element.contains(target)) return;"
                        " event.preventDefault();"
                        " element.querySelectorAll('.bf-cite.bf-active').forEach((b) => b.classList.remove('bf-active'));"
                        " target.classList.add('bf-active');"
                        " trigger('cite', {turn: Number(target.dataset.turn), extract: Number(target.dataset.extract)});"
                        "});"
                    ),
                )
                with gr.Row(elem_id="bf-ask-row"):
                    question = gr.Textbox(
                        show_label=False, placeholder="Ask a question about the sources…", max_lines=3,
                        scale=8, elem_id="bf-question", autofocus=True, submit_btn=False,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="bf-ask")
                    clear_button = gr.Button("New chat", variant="secondary", scale=1, min_width=120,
                                             elem_id="bf-clear")
                gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="Examples")
            with gr.Column(scale=2, min_width=340):
                source_view = gr.HTML(
                    ui_render.render_source(None, None),
                    label="Source",
                    elem_id="bf-source-view",
                    max_height=720,
                    js_on_load=(
                        # Scroll the panel itself (never the page) so the marked extract is in view.
                        "watch('value', () => {"
                        " const mark = element.querySelector('.bf-passage mark');"
                        " if (!mark) return;"
                        " let box = mark.parentElement;"
                        " while (box && box !== document.body) {"
                        "  const style = getComputedStyle(box);"
                        "  if (/(auto|scroll)/.test(style.overflowY) && box.scrollHeight > box.clientHeight) break;"
                        "  box = box.parentElement; }"
                        " if (!box || box === document.body) return;"
                        " const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;"
                        " box.scrollTop += offset - box.clientHeight / 3;"
                        "});"
                    ),
                )

        chat_inputs = [question, turns, since, until, source, top]
        chat_outputs = [transcript, turns, question]
        question.submit(respond, chat_inputs, chat_outputs, api_name="chat", show_progress="hidden")
        ask.click(respond, chat_inputs, chat_outputs, api_visibility="private", show_progress="hidden")
        transcript.cite(show_source, [turns], [source_view], api_visibility="private", show_progress="hidden")
        clear_button.click(clear, None, [transcript, turns, source_view], api_visibility="private")
        rebuild.click(add_documents, [uploads], [upload_log, status, source, uploads], api_name="add_documents",
                      concurrency_limit=1, concurrency_id="rebuild")
        demo.load(refresh_controls, None, [status, source], api_visibility="private", show_progress="hidden")
    return demo


CSS = """
.bf-header { padding: 4px 2px 10px; }
.bf-header h1 { margin: 0 0 2px; font-size: 1.6rem; letter-spacing: -0.01em; }
.bf-header p { margin: 0; color: var(--body-text-color-subdued); font-size: 0.95rem; }
.bf-side-title { margin: 10px 0 0; font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em;
  color: var(--body-text-color-subdued); }
#bf-transcript { border: 1px solid var(--border-color-primary); border-radius: 12px; padding: 14px 16px;
  background: var(--background-fill-secondary); }
.bf-chat { display: flex; flex-direction: column; gap: 10px; }
.bf-empty { margin: 40px auto; max-width: 520px; text-align: center; color: var(--body-text-color-subdued); }
.bf-empty h3 { color: var(--body-text-color); margin-bottom: 6px; }
.bf-question { align-self: flex-end; max-width: 80%; text-align: right; }
.bf-question-text { display: inline-block; background: var(--color-accent); color: white; padding: 8px 14px;
  border-radius: 16px 16px 4px 16px; white-space: pre-wrap; text-align: left; }
.bf-follow-up { font-size: 0.78rem; color: var(--body-text-color-subdued); margin-top: 3px; }
.bf-answer { align-self: flex-start; max-width: 94%; background: var(--background-fill-primary);
  border: 1px solid var(--border-color-primary); border-radius: 16px 16px 16px 4px; padding: 10px 14px; }
.bf-answer p { margin: 0 0 8px; }
.bf-no-answer { margin: 0 !important; font-style: italic; }
.bf-filters, .bf-timeline-header { font-size: 0.85rem; font-weight: 600; color: var(--body-text-color-subdued); }
.bf-pending { color: var(--body-text-color-subdued); font-style: italic; }
#bf-transcript figure.bf-extract { margin: 0 0 12px; }
#bf-transcript figure.bf-extract:last-child { margin-bottom: 2px; }
.bf-extract blockquote { margin: 0; padding: 4px 0 4px 12px; border-left: 3px solid var(--color-accent);
  white-space: pre-wrap; font-size: 0.98rem; line-height: 1.5; quotes: none; }
.bf-extract blockquote::before, .bf-extract blockquote::after { content: none; }
.bf-when { display: flex; gap: 8px; align-items: baseline; margin-bottom: 3px; }
.bf-when-date { font-weight: 700; font-variant-numeric: tabular-nums; }
.bf-when-speaker { font-weight: 600; font-size: 0.85rem; text-transform: none;
  background: var(--background-fill-secondary); border-radius: 6px; padding: 0 6px; }
.bf-extract figcaption { margin: 4px 0 0 15px; font-size: 0.8rem; line-height: 1.5;
  color: var(--body-text-color-subdued); }
.bf-extract figcaption span + span::before { content: " · "; }
.bf-title { font-style: italic; }
.bf-speaker { font-weight: 600; }
.bf-cite { font: inherit; font-weight: 700; color: var(--color-accent); background: none;
  border: 1px solid var(--color-accent); border-radius: 6px; padding: 0 5px; cursor: pointer; }
.bf-cite:hover, .bf-cite.bf-active { background: var(--color-accent); color: white; }
#bf-source-view { border: 1px solid var(--border-color-primary); border-radius: 12px; padding: 14px 16px;
  background: var(--background-fill-primary); min-height: 420px; }
.bf-source-empty { color: var(--body-text-color-subdued); padding-top: 150px; text-align: center; }
.bf-source-head { display: flex; gap: 8px; align-items: baseline; }
.bf-source-head h3 { margin: 0 0 6px; font-size: 1.05rem; }
.bf-source-cite { font-weight: 700; color: var(--color-accent); }
.bf-meta, .bf-status { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0;
  font-size: 0.85rem; }
.bf-meta dt, .bf-status dt { color: var(--body-text-color-subdued); }
.bf-meta dd, .bf-status dd { margin: 0; overflow-wrap: anywhere; }
.bf-where { font-size: 0.8rem; color: var(--body-text-color-subdued); margin: 6px 0 10px; }
.bf-passage { white-space: pre-wrap; line-height: 1.55; font-size: 0.93rem;
  background: var(--background-fill-secondary); border-radius: 8px; padding: 10px 12px; }
.bf-passage mark { background: #fde68a; color: #1f2937; padding: 1px 0; border-radius: 2px; }
.bf-whole { margin-top: 10px; font-size: 0.85rem; }
.bf-whole summary { cursor: pointer; color: var(--body-text-color-subdued); }
.bf-log { font-size: 0.8rem; padding-left: 16px; margin: 4px 0; }
.bf-log.bf-error { color: var(--error-text-color, #b91c1c); }
"""


THEME = gr.themes.Default(
    primary_hue="indigo", neutral_hue="slate",
    # System fonts: the server may be offline, so nothing is fetched from a font CDN.
    font=["Inter", "Segoe UI", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)


def launch(demo: gr.Blocks, *, host: str = "127.0.0.1", port: int = 7860, auth=None,
           prevent_thread_lock: bool = False, quiet: bool = False):
    """Queue and launch ``demo`` with the app's limits, theme and CSS."""
    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY)
    return demo.launch(
        server_name=host, server_port=port, auth=auth, prevent_thread_lock=prevent_thread_lock, quiet=quiet,
        max_file_size=MAX_UPLOAD_BYTES, ssr_mode=False, show_error=True, css=CSS,
        theme=THEME,
        auth_message="Sign in to ask the briefing sources." if auth else None,
    )


def startup_embedder(index_dir: Path) -> Embedder:
    """The model the index was built with when it still exists, else the default model."""
    try:
        manifest = read_manifest(Path(index_dir))
    except IndexError_:
        manifest = None
    return embedder_for(manifest)


def prepare(corpus_dir: Path, index_dir: Path, *, embedder: Embedder | None = None,
            show_bar: bool = True) -> IndexHolder:
    """Bring the index up to date with the corpus, load it once, and wrap it in a holder."""
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    embedder = embedder or startup_embedder(index_dir)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log(f"briefing: updating the index in {index_dir} from {corpus_dir} …")
    report = build_index(corpus_dir, index_dir, embedder=embedder, show_bar=show_bar, log=log)
    for skipped in report.skipped:
        log(f"warning: skipped {skipped}")
    log(report.summary())
    index = load_index(index_dir, embedder=embedder)
    index.encode_query("warm up")
    return IndexHolder(index, corpus_dir, index_dir)


def serve(corpus_dir: Path = Path("corpus"), index_dir: Path = Path("index"), host: str = "127.0.0.1",
          port: int = 7860, auth: tuple[str, str] | None = None) -> None:
    """Update the index, then serve the chat until interrupted (``briefing serve``, ``python app.py``)."""
    holder = prepare(corpus_dir, index_dir)
    launch(build_app(holder), host=host, port=port, auth=auth)
