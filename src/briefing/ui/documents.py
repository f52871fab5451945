"""The documents panel: what is indexed (searchable), and removing a document.

Nothing here imports Gradio.  The table is HTML with every document string
escaped; each row has a "Remove" button that asks for confirmation in the app
before :func:`remove_and_rebuild` deletes the file (or rewrites the collection
without the record, see :mod:`briefing.corpus.manage`) and updates the index
incrementally, while the chat keeps answering from the current index.
"""

from __future__ import annotations

from html import escape

from .. import phrases
from ..corpus.manage import remove_from_corpus
from ..errors import BriefingError
from ..index.store import DocumentSummary
from .service import BUSY, IndexHolder, RebuildOutcome, rebuild_into

MAX_ROWS = 200  # rows shown at once; a search narrows the rest
HEADERS = ("Title", "Date", "Source", "Passages", "File", "")
NOTHING_FOUND = "No indexed document matches this search."


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def matches(summary: DocumentSummary, query: str) -> bool:
    """True when every word of ``query`` is in the title, date, source or file (case-insensitive)."""
    haystack = " ".join(str(v) for v in (summary.title, summary.date, summary.source, summary.doc_id) if v).lower()
    return all(word in haystack for word in query.lower().split())


def render_documents(summaries: list[DocumentSummary], query: str = "") -> str:
    """The documents table (at most ``MAX_ROWS`` rows) for ``query``; every string escaped."""
    found = [s for s in summaries if matches(s, query)] if query.strip() else list(summaries)
    count = f"{len(found):,} of {len(summaries):,} documents" if query.strip() else f"{len(summaries):,} documents"
    if len(found) > MAX_ROWS:
        count += f"; the first {MAX_ROWS} are shown, search to narrow"
    out = [f'<p class="bf-docs-count">{_text(count)}</p>']
    if not found:
        out.append(f'<p class="bf-docs-none">{_text(NOTHING_FOUND)}</p>')
        return "".join(out)
    out.append('<table class="bf-docs"><thead><tr>')
    out.extend(f"<th>{_text(header)}</th>" for header in HEADERS)
    out.append("</tr></thead><tbody>")
    for summary in found[:MAX_ROWS]:
        out.append(
            f'<tr data-doc="{_text(summary.doc_id)}">'
            f'<td class="bf-doc-title">{_text(summary.title or phrases.UNTITLED)}</td>'
            f"<td>{_text(summary.date or phrases.DATE_UNKNOWN)}</td>"
            f"<td>{_text(summary.source or phrases.SOURCE_UNKNOWN)}</td>"
            f'<td class="bf-num">{summary.passages:,}</td>'
            f'<td class="bf-doc-file">{_text(summary.doc_id)}</td>'
            f'<td><button type="button" class="bf-remove" data-doc="{_text(summary.doc_id)}" '
            f'aria-label="Remove {_text(summary.title or summary.doc_id)}">Remove</button></td></tr>'
        )
    out.append("</tbody></table>")
    return "".join(out)


def removal_question(summary: DocumentSummary | None, doc_id: str) -> str:
    """The confirmation asked before removing ``doc_id`` (HTML, escaped)."""
    if summary is None:
        return f'<p class="bf-confirm">{_text(doc_id)} is not in the index.</p>'
    relative, hashmark, record = doc_id.partition("#")
    what = (
        f"This rewrites the collection {relative} without record {record}."
        if hashmark
        else f"This deletes the file {relative} from the corpus folder."
    )
    return (
        f'<p class="bf-confirm">Remove “{_text(summary.title or phrases.UNTITLED)}” '
        f"({_text(summary.date or phrases.DATE_UNKNOWN)})? {_text(what)} The index is updated at once.</p>"
    )


def find(holder: IndexHolder, doc_id: str) -> DocumentSummary | None:
    """The indexed document ``doc_id``, or None."""
    return next((s for s in holder.index.store.document_list() if s.doc_id == doc_id), None)


def remove_and_rebuild(holder: IndexHolder, doc_id: str) -> RebuildOutcome:
    """Remove ``doc_id`` from the corpus folder and update the index incrementally.

    Refuses at once (``busy``) while another rebuild runs; a failed rebuild leaves the chat
    answering from the previous index.
    """
    if not holder.rebuild_lock.acquire(blocking=False):
        return RebuildOutcome([BUSY], ok=False, busy=True)
    outcome = RebuildOutcome()
    try:
        try:
            done = remove_from_corpus(holder.corpus_dir, doc_id)
        except (BriefingError, OSError) as error:
            return RebuildOutcome([f"Not removed: {error}."], ok=False)
        outcome.lines.append(done[0].upper() + done[1:] + ".")
        rebuild_into(outcome, holder, busy="it will drop the document when it runs", done="Index updated")
        return outcome
    finally:
        holder.rebuild_lock.release()
