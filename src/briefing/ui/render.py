"""HTML for the chat UI: answers, citations and the source view.

Nothing here imports Gradio, so it is fast to test.  Every string that comes
from a document (extract text, title, date, source, speaker, url, path) goes
through :func:`html.escape` before it reaches the page, and the page never runs
it through a markdown renderer: a document holding ``<script>``, an
``<img onerror=...>`` or a ``[x](javascript:...)`` link shows up as inert text.
The only words the UI adds to an answer are the fixed phrases of
:mod:`briefing.phrases` and citation metadata.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from .. import phrases
from ..answer.timeline import shift_spans
from ..corpus.chunking import paragraphs
from ..records import Answer, Document, Extract
from .followup import FOLLOW_UP_NOTE

# --- fixed UI words (labels, not answers) -------------------------------------

SOURCE_VIEW_EMPTY = "Select a citation number, such as [1], to read the extract in its document."
SOURCE_VIEW_MISSING = "This document is no longer in the index; ask again to get current extracts."
SOURCE_VIEW_MOVED = "This document changed since the answer was given; ask again to get current extracts."
CHAT_EMPTY_TITLE = "Ask about the sources"
CHAT_EMPTY_TEXT = (
    "Every answer is made only of verbatim extracts from the indexed documents, each with a numbered "
    "citation. Select a citation to read the extract in its document. When no passage answers the "
    "question, the reply says so."
)
PENDING = "Searching the sources…"
CONTEXT_CHARS = 700  # shown on each side of the extract in the source view, cut at paragraph ends


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _safe_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) address, else None (so it is shown as text only)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in url.strip()):
        return None
    return url.strip()


def citation_meta(extract: Extract, *, speaker: bool = True) -> list[tuple[str, str]]:
    """(css class, text) parts of a citation: title, date, source and (optionally) speaker."""
    parts = [
        ("bf-title", extract.title or phrases.UNTITLED),
        ("bf-date", phrases.date_label(extract.date)),
        ("bf-src", extract.source or phrases.SOURCE_UNKNOWN),
    ]
    if speaker and extract.speaker:
        parts.append(("bf-speaker", extract.speaker))
    return parts


def group_by_document(extracts, *, timeline: bool) -> list[list[tuple[int, Extract]]]:
    """(position, extract) pairs grouped per document: one caption, its extracts beneath.

    A timeline keeps its date order and groups consecutive extracts of one document; other
    answers group every extract of a document under its first appearance (citation order).
    """
    groups: list[list[tuple[int, Extract]]] = []
    by_citation: dict[int, list[tuple[int, Extract]]] = {}
    for position, extract in enumerate(extracts):
        if timeline:
            if groups and groups[-1][0][1].citation == extract.citation:
                groups[-1].append((position, extract))
            else:
                groups.append([(position, extract)])
        elif extract.citation in by_citation:
            by_citation[extract.citation].append((position, extract))
        else:
            by_citation[extract.citation] = [(position, extract)]
            groups.append(by_citation[extract.citation])
    return groups


def dates_differ(extracts) -> bool:
    """True when the extracts carry more than one date (only then is a timeline header useful)."""
    return len({extract.date for extract in extracts}) > 1


def _one_speaker(group: list[tuple[int, Extract]]) -> str | None:
    speakers = {extract.speaker for _, extract in group}
    return speakers.pop() if len(speakers) == 1 else None


def _cite_button(extract: Extract, turn: int, position: int) -> str:
    return (
        f'<button type="button" class="bf-cite" data-turn="{turn}" data-extract="{position}" '
        f'title="Open in the source view" aria-label="Citation {extract.citation}: open in the source view">'
        f"[{extract.citation}]</button>"
    )


def render_answer(reply: Answer, turn: int) -> str:
    """One answer as HTML: filter and timeline headers, then one caption per document (title,
    date, source, speaker) with that document's quoted extracts beneath, each with its [n].

    The timeline header shows only when the dates differ.  An abstention is its fixed phrase
    and nothing else: ``phrases.NO_ANSWER``, or the one naming the filter that left nothing.
    """
    if reply.abstained or not reply.extracts:
        silence = reply.answer if reply.abstained and reply.answer else phrases.NO_ANSWER
        return f'<div class="bf-answer bf-abstained"><p class="bf-no-answer">{_text(silence)}</p></div>'
    out = ['<div class="bf-answer">']
    strength = getattr(reply, "strength", None)  # the evidence label, where the answer package gives one
    if strength and hasattr(phrases, "strength_phrase"):
        out.append(
            f'<p class="bf-strength bf-strength-{_text(strength)}">'
            f"{_text(phrases.strength_phrase(strength, getattr(reply, 'strength_reason', None)))}</p>"
        )
    if reply.filters:
        filters = reply.filters
        out.append(
            '<p class="bf-filters">'
            + _text(phrases.filter_phrase(filters.get("since"), filters.get("until"), filters.get("source")))
            + "</p>"
        )
    timeline = reply.timeline and dates_differ(reply.extracts)
    if timeline:
        out.append(f'<p class="bf-timeline-header">{_text(phrases.TIMELINE_HEADER)}</p>')
    for group in group_by_document(reply.extracts, timeline=reply.timeline):
        first = group[0][1]
        speaker = _one_speaker(group)
        out.append(f'<figure class="bf-doc{" bf-timeline" if timeline else ""}" data-citation="{first.citation}">')
        if timeline:
            out.append(
                '<div class="bf-when">'
                f'<span class="bf-when-date">{_text(phrases.date_label(first.date))}</span>'
                + (f'<span class="bf-when-speaker">{_text(speaker)}</span>' if speaker else "")
                + "</div>"
            )
        if timeline:  # the date and speaker head the entry already
            meta = [part for part in citation_meta(first, speaker=False) if part[0] != "bf-date"]
        else:
            meta = citation_meta(first, speaker=False) + ([("bf-speaker", speaker)] if speaker else [])
        caption = " ".join(f'<span class="{cls}">{_text(value)}</span>' for cls, value in meta)
        out.append(f'<figcaption><span class="bf-doc-num">[{first.citation}]</span> {caption}</figcaption>')
        for position, extract in group:
            label = ""
            if extract.speaker and not speaker:
                label = f'<span class="bf-extract-speaker">{_text(extract.speaker)}</span>'
            out.append(
                f'<div class="bf-extract">{label}<blockquote>{_quote(reply, position)}</blockquote>'
                f"{_cite_button(extract, turn, position)}</div>"
            )
        out.append("</figure>")
    out.append("</div>")
    return "".join(out)


def new_word_spans(reply: Answer, position: int) -> list[tuple[int, int]]:
    """In a timeline, the spans of extract ``position`` holding words new relative to the statement
    before it (:func:`briefing.answer.timeline.shift_spans`); none in any other answer."""
    if not reply.timeline or position == 0:
        return []
    return shift_spans(reply.extracts[position].text, reply.extracts[position - 1].text)


def _quote(reply: Answer, position: int) -> str:
    """An extract's text, escaped, with the words new since the previous statement inside
    ``<mark class="bf-new">`` (formatting only: the text between the tags is the extract, verbatim)."""
    text = reply.extracts[position].text
    out, last = [], 0
    for start, end in new_word_spans(reply, position):
        out += [_text(text[last:start]), f'<mark class="bf-new">{_text(text[start:end])}</mark>']
        last = end
    out.append(_text(text[last:]))
    return "".join(out)


def render_transcript(turns: list[dict], *, pending: str | None = None) -> str:
    """The whole conversation; ``turns`` hold ``question``, ``context`` and ``answer`` (an Answer)."""
    out = ['<div class="bf-chat">']
    if not turns and pending is None:
        out.append(f'<div class="bf-empty"><h3>{_text(CHAT_EMPTY_TITLE)}</h3><p>{_text(CHAT_EMPTY_TEXT)}</p></div>')
    for number, turn in enumerate(turns):
        out.append(_render_question(turn["question"], turn.get("context")))
        out.append(render_answer(turn["answer"], number))
    if pending is not None:
        out.append(_render_question(pending, None))
        out.append(f'<div class="bf-answer bf-pending"><span class="bf-dots"></span>{_text(PENDING)}</div>')
    out.append("</div>")
    return "".join(out)


def _render_question(question: str, context: str | None) -> str:
    note = ""
    if context:
        note = f'<div class="bf-follow-up">{_text(FOLLOW_UP_NOTE)} “{_text(context.splitlines()[-1])}”</div>'
    return f'<div class="bf-question"><div class="bf-question-text">{_text(question)}</div>{note}</div>'


# --- the source view ----------------------------------------------------------


def locate(document: Document, extract: Extract) -> tuple[int, int] | None:
    """The extract's offsets in ``document``: the stored ones when they still hold, else the
    first verbatim occurrence, else None (the document changed since the answer)."""
    start, end = extract.char_start, extract.char_end
    if document.text[start:end] == extract.text:
        return start, end
    found = document.text.find(extract.text)
    return (found, found + len(extract.text)) if found >= 0 else None


def location(document: Document, start: int, end: int) -> dict:
    """Where ``[start, end)`` lies: offsets, paragraph number of how many, percent, page."""
    spans = paragraphs(document.text)
    paragraph = next((i + 1 for i, (s, e) in enumerate(spans) if s <= start < max(e, s + 1)), None)
    if paragraph is None:
        paragraph = sum(1 for s, _ in spans if s <= start) or 1
    return {
        "char_start": start,
        "char_end": end,
        "length": len(document.text),
        "paragraph": paragraph,
        "paragraphs": len(spans),
        "percent": round(100 * start / max(len(document.text), 1)),
        "page": document.page_at(start),
        "pages": len(document.pages) or None,
    }


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """The section shown around an extract: its paragraphs plus one paragraph on each side,
    cut to ``CONTEXT_CHARS`` on each side."""
    spans = paragraphs(text)
    first = next((i for i, (s, e) in enumerate(spans) if e > start), len(spans) - 1)
    last = next((i for i, (s, e) in enumerate(spans) if e >= end), len(spans) - 1)
    first, last = max(first - 1, 0), min(last + 1, len(spans) - 1)
    window_start = spans[first][0] if spans else 0
    window_end = spans[last][1] if spans else len(text)
    return max(min(window_start, start), start - CONTEXT_CHARS), min(max(window_end, end), end + CONTEXT_CHARS)


def _marked(text: str, start: int, end: int, window: tuple[int, int]) -> str:
    before = ("… " if window[0] > 0 else "") + text[window[0] : start]
    after = text[end : window[1]] + (" …" if window[1] < len(text) else "")
    return f"{_text(before)}<mark>{_text(text[start:end])}</mark>{_text(after)}"


def render_source(document: Document | None, extract: Extract | None) -> str:
    """The source view for one extract: metadata, location, the section with the extract
    marked, and the whole document (collapsed)."""
    if extract is None:
        return f'<div class="bf-source bf-source-empty"><p>{_text(SOURCE_VIEW_EMPTY)}</p></div>'
    if document is None:
        return f'<div class="bf-source bf-source-empty"><p>{_text(SOURCE_VIEW_MISSING)}</p></div>'
    span = locate(document, extract)
    if span is None:
        return f'<div class="bf-source bf-source-empty"><p>{_text(SOURCE_VIEW_MOVED)}</p></div>'
    start, end = span
    where = location(document, start, end)
    url = _safe_url(document.url)
    rows = [
        ("Date", document.date or phrases.DATE_UNKNOWN),
        ("Source", document.source or phrases.SOURCE_UNKNOWN),
    ]
    if extract.speaker:
        rows.append(("Speaker", extract.speaker))
    rows.append(("File", document.path))
    if document.doc_id != document.path:
        rows.append(("Record", document.doc_id))
    meta = "".join(f"<dt>{_text(label)}</dt><dd>{_text(value)}</dd>" for label, value in rows)
    if url:
        meta += (
            f'<dt>Link</dt><dd><a href="{_text(url)}" target="_blank" rel="noopener noreferrer nofollow">'
            f"{_text(url)}</a></dd>"
        )
    elif document.url:
        meta += f"<dt>Link</dt><dd>{_text(document.url)}</dd>"
    place = [
        f"characters {where['char_start']:,}–{where['char_end']:,} of {where['length']:,}",
        f"paragraph {where['paragraph']} of {where['paragraphs']}",
        f"{where['percent']}% into the document",
    ]
    if where["page"]:
        place.append(f"page {where['page']} of {where['pages']}")
    return (
        '<div class="bf-source">'
        f'<div class="bf-source-head"><span class="bf-source-cite">[{extract.citation}]</span>'
        f"<h3>{_text(document.title or phrases.UNTITLED)}</h3></div>"
        f'<dl class="bf-meta">{meta}</dl>'
        f'<p class="bf-where">{_text(" · ".join(place))}</p>'
        f'<div class="bf-passage">{_marked(document.text, start, end, _window(document.text, start, end))}</div>'
        '<details class="bf-whole"><summary>Whole document</summary>'
        f'<div class="bf-passage">{_marked(document.text, start, end, (0, len(document.text)))}</div></details>'
        "</div>"
    )


def render_status(status: dict, *, sources: int | None = None) -> str:
    """Index status: documents, passages, model, last build."""
    model = str(status.get("model", ""))
    rows = [
        ("Documents", f"{status.get('documents', 0):,}"),
        ("Passages", f"{status.get('passages', 0):,}"),
        ("Model", model.split("@", 1)[0]),
        ("Last build", str(status.get("built_at", "")).replace("T", " ").replace("+00:00", " UTC")),
    ]
    if sources:  # documents of unknown source are not a source; no "Sources 0"
        rows.insert(2, ("Sources", f"{sources:,}"))
    cells = []
    for label, value in rows:
        title = f' title="{_text(model)}"' if label == "Model" else ""  # the full name@fingerprint on hover
        cells.append(f"<dt>{_text(label)}</dt><dd{title}>{_text(value)}</dd>")
    body = "".join(cells)
    return f'<dl class="bf-status">{body}</dl>'


def render_messages(lines: list[str], *, ok: bool = True) -> str:
    """Upload and rebuild messages, one per line, as text."""
    if not lines:
        return ""
    items = "".join(f"<li>{_text(line)}</li>" for line in lines)
    return f'<ul class="bf-log {"bf-ok" if ok else "bf-error"}">{items}</ul>'
