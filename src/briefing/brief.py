"""A brief to take away: a conversation's answers as Markdown or Word (.docx).

A brief is built only from :class:`~briefing.records.Answer` and
:class:`~briefing.records.Extract` records and the fixed words below: each
question (with the question it follows up, where it is a follow-up), then its
verbatim extracts grouped per document, each quote followed by the number of its
source, then that answer's numbered sources (title, date, source, URL, file) with
where every quote lies (speaker, characters a–b, page for PDFs).  The numbers are
the answer's own, as the chat shows them: [1] in the chat is [1] in the brief.
Source URLs are links (http and https only).  In a timeline ("did it change?"), the words of
each quote that are new relative to the statement before it are highlighted (``<mark>`` in
Markdown, a highlighted run in Word): formatting only, the quote stays verbatim.  Nothing is
summarised or reworded; an abstention is its fixed phrase (``phrases.NO_ANSWER``, or the one
naming the filter).

>>> text = brief_markdown([reply_a, reply_b], follow_ups=[None, reply_a.question])  # doctest: +SKIP
>>> write_brief([reply_a], Path("brief.docx"))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import phrases
from .answer.timeline import shift_spans
from .errors import UsageError
from .records import Answer, Extract
from .ui.render import _safe_url as safe_url  # the chat's rule for a URL that may be a link

# --- the fixed words of a brief (labels, never claims) ---------------------------
BRIEF_TITLE = "Brief"
EXPORTED = "Exported {when} UTC. Every quote is verbatim from the sources listed at the end."
QUESTION = "Question"
FOLLOW_UP = "follow-up to: {question}"
SOURCES = "Sources"
QUOTED = "Quoted"
CHARACTERS = "characters {start}–{end}"
PAGE = "page {page}"
FILE = "file"
FORMATS = ("md", "docx")


@dataclass
class Source:
    """One numbered source of a brief and the extracts quoted from it."""

    number: int
    first: Extract
    quoted: list[Extract] = field(default_factory=list)


def number_sources(reply: Answer) -> dict[str, Source]:
    """doc_id -> Source for one answer, numbered as the chat numbers them (each extract's citation)."""
    sources: dict[str, Source] = {}
    if reply.abstained:
        return sources
    for extract in reply.extracts:
        source = sources.get(extract.doc_id)
        if source is None:
            source = sources[extract.doc_id] = Source(extract.citation, extract)
        if not any((e.char_start, e.char_end) == (extract.char_start, extract.char_end) for e in source.quoted):
            source.quoted.append(extract)
    return dict(sorted(sources.items(), key=lambda item: item[1].number))


def _question(reply: Answer, follows: str | None) -> str:
    """``Question: …``, with ``(follow-up to: …)`` for a question read as a follow-up."""
    text = f"{QUESTION}: {reply.question}"
    return f"{text} ({FOLLOW_UP.format(question=follows)})" if follows else text


def _follow_ups(answers: Sequence[Answer], follow_ups: Sequence[str | None] | None) -> list[str | None]:
    """The question each answer follows up (None for a stand-alone one), one per answer."""
    given = list(follow_ups or [])
    return given + [None] * (len(answers) - len(given))


def _groups(reply: Answer) -> list[list[Extract]]:
    """The answer's extracts grouped per document: consecutive ones in a timeline (date order),
    every one of a document under its first appearance otherwise."""
    groups: list[list[Extract]] = []
    by_doc: dict[str, list[Extract]] = {}
    for extract in reply.extracts:
        if reply.timeline:
            if groups and groups[-1][0].doc_id == extract.doc_id:
                groups[-1].append(extract)
            else:
                groups.append([extract])
        elif extract.doc_id in by_doc:
            by_doc[extract.doc_id].append(extract)
        else:
            by_doc[extract.doc_id] = [extract]
            groups.append(by_doc[extract.doc_id])
    return groups


def _headers(reply: Answer) -> list[str]:
    """The fixed phrases above an answer: the filters applied, the timeline header when dates differ."""
    lines = []
    strength = getattr(reply, "strength", None)  # the evidence label, where the answer package gives one
    if strength and hasattr(phrases, "strength_phrase"):
        lines.append(phrases.strength_phrase(strength, getattr(reply, "strength_reason", None)))
    if reply.filters:
        lines.append(
            phrases.filter_phrase(reply.filters.get("since"), reply.filters.get("until"), reply.filters.get("source"))
        )
    if reply.timeline and len({e.date for e in reply.extracts}) > 1:
        lines.append(phrases.TIMELINE_HEADER)
    return lines


def _silence(reply: Answer) -> str:
    """An abstention's fixed phrase: the one the answer gave (naming a filter), else ``NO_ANSWER``."""
    return reply.answer if reply.abstained and reply.answer else phrases.NO_ANSWER


def _caption(extract: Extract, number: int) -> str:
    """``[n] title · date · source``: the document line above its quotes."""
    parts = [extract.title or phrases.UNTITLED, phrases.date_label(extract.date)]
    parts.append(extract.source or phrases.SOURCE_UNKNOWN)
    return f"[{number}] " + " · ".join(parts)


def _where(extract: Extract) -> str:
    """Where one quote lies: speaker, characters a–b, page."""
    parts = [extract.speaker] if extract.speaker else []
    parts.append(CHARACTERS.format(start=extract.char_start, end=extract.char_end))
    if extract.page:
        parts.append(PAGE.format(page=extract.page))
    return ", ".join(parts)


def _source_parts(source: Source) -> tuple[str, str | None, str]:
    """(``[n] title · date · source``, the URL or None, ``file …``) of the Sources list."""
    first = source.first
    parts = [
        first.title or phrases.UNTITLED,
        phrases.date_label(first.date),
        first.source or phrases.SOURCE_UNKNOWN,
    ]
    return f"[{source.number}] " + " · ".join(parts), first.url, f"{FILE} {first.doc_id}"


def _quoted(source: Source) -> list[str]:
    return [f"{QUOTED}: {_where(e)}" for e in source.quoted]


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")


# --- Markdown ----------------------------------------------------------------------

_INLINE = re.compile(r"([\\`*_\[\]<>~|])")
_LINE_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)]))")


def _md(text: str) -> str:
    """Text shown literally by a Markdown renderer: inline syntax and line-start markers escaped."""
    escaped = _INLINE.sub(r"\\\1", text)
    return "\n".join(_LINE_START.sub(_escape_marker, line) for line in escaped.split("\n"))


def _escape_marker(match: re.Match) -> str:
    """``# x`` -> ``\\# x``, ``1. x`` -> ``1\\. x``: a line start that would make a heading or a list."""
    if match.group(2):
        return f"{match.group(1)}\\{match.group(2)}"
    return f"{match.group(1)}{match.group(3)}\\{match.group(4)}"


def _md_quote(text: str, marks: Sequence[tuple[int, int]] = ()) -> list[str]:
    """A verbatim extract as a Markdown block quote, paragraph breaks kept, the spans ``marks``
    (character offsets into ``text``) inside ``<mark>`` (one per line they cross)."""
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    pieces, last = [], 0
    for start, end in marks:
        start, end = max(start - lead, last), min(end - lead, len(text))
        if start >= end:
            continue
        pieces.append(_INLINE.sub(r"\\\1", text[last:start]))
        inner = (_INLINE.sub(r"\\\1", part) for part in text[start:end].split("\n"))
        pieces.append("\n".join(f"<mark>{part}</mark>" if part.strip() else part for part in inner))
        last = end
    pieces.append(_INLINE.sub(r"\\\1", text[last:]))
    escaped = "\n".join(_LINE_START.sub(_escape_marker, line) for line in "".join(pieces).split("\n"))
    return [f"> {line}".rstrip() for line in escaped.split("\n")]


def _marks(reply: Answer, extract: Extract) -> list[tuple[int, int]]:
    """Spans of ``extract`` holding words new relative to the previous statement of a timeline."""
    if not reply.timeline:
        return []
    position = reply.extracts.index(extract)
    return shift_spans(extract.text, reply.extracts[position - 1].text) if position else []


def _md_url(url: str) -> str:
    """A source URL in Markdown: an autolink for a plain http(s) address, escaped text otherwise."""
    safe = safe_url(url)
    return f"<{safe}>" if safe and not set("<>") & set(safe) else _md(url)


def brief_markdown(
    answers: Sequence[Answer], *, follow_ups: Sequence[str | None] | None = None, exported: str | None = None
) -> str:
    """The brief as Markdown text (see the module docstring); ``follow_ups`` holds, per answer,
    the question it follows up in the chat (None for a stand-alone question)."""
    out = [f"# {BRIEF_TITLE}", "", EXPORTED.format(when=exported or _now()), ""]
    for reply, follows in zip(answers, _follow_ups(answers, follow_ups)):
        out += [f"## {_md(_question(reply, follows))}", ""]
        if reply.abstained or not reply.extracts:
            out += [_silence(reply), ""]
            continue
        out += [line for header in _headers(reply) for line in (header, "")]
        for group in _groups(reply):
            number = group[0].citation
            out += [f"**{_md(_caption(group[0], number))}**", ""]
            for extract in group:
                out += _md_quote(extract.text, _marks(reply, extract))
                out += [">", f"> — [{number}] {_md(_where(extract))}", ""]
        out += [f"### {SOURCES}", ""]
        for source in number_sources(reply).values():
            line, url, file = _source_parts(source)
            out.append(" · ".join([_md(line), *([_md_url(url)] if url else []), _md(file)]) + "  ")
            out += [f"  {_md(q)}  " for q in _quoted(source)]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- Word ---------------------------------------------------------------------------


def _hyperlink(paragraph, url: str) -> None:
    """Append ``url`` to a python-docx paragraph as a clickable link.

    python-docx reads hyperlinks but has no call to add one: the run goes inside a
    ``w:hyperlink`` whose ``r:id`` is an external relationship of the document part."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = paragraph.add_run(url)
    run.font.underline = True  # the default template has no "Hyperlink" style: look like one
    run.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
    link.append(run._r)
    paragraph._p.append(link)


def brief_docx(
    answers: Sequence[Answer], *, follow_ups: Sequence[str | None] | None = None, exported: str | None = None
) -> bytes:
    """The brief as a Word document (.docx bytes), made with python-docx; its core properties
    hold the brief's title (with the first question) and the time it was made."""
    from docx import Document as WordDocument  # lazy: only exports need python-docx
    from docx.shared import Pt

    word = WordDocument()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    properties = word.core_properties
    properties.title = f"{BRIEF_TITLE}: {answers[0].question}" if answers else BRIEF_TITLE
    properties.subject = EXPORTED.format(when=exported or _now())
    properties.author = properties.last_modified_by = "briefing"
    properties.created = properties.modified = now
    properties.comments = properties.keywords = ""
    word.add_heading(BRIEF_TITLE, level=0)
    word.add_paragraph(EXPORTED.format(when=exported or _now()))
    for reply, follows in zip(answers, _follow_ups(answers, follow_ups)):
        word.add_heading(_question(reply, follows), level=1)
        if reply.abstained or not reply.extracts:
            word.add_paragraph(_silence(reply))
            continue
        for header in _headers(reply):
            word.add_paragraph().add_run(header).italic = True
        for group in _groups(reply):
            number = group[0].citation
            word.add_paragraph().add_run(_caption(group[0], number)).bold = True
            for extract in group:
                quote = word.add_paragraph(style="Quote")
                _docx_quote(quote, extract.text, _marks(reply, extract))
                note = word.add_paragraph(f"— [{number}] {_where(extract)}")
                note.paragraph_format.left_indent = Pt(36)
        word.add_heading(SOURCES, level=2)
        for source in number_sources(reply).values():
            line, url, file = _source_parts(source)
            paragraph = word.add_paragraph(f"{line} · ")
            if url and safe_url(url):
                _hyperlink(paragraph, safe_url(url))
                paragraph.add_run(f" · {file}")
            else:
                paragraph.add_run(f"{url} · {file}" if url else file)
            for text in _quoted(source):
                word.add_paragraph(text, style="List Bullet")
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _docx_quote(paragraph, text: str, marks: Sequence[tuple[int, int]]) -> None:
    """The verbatim quote as runs of ``paragraph``, the spans ``marks`` highlighted."""
    from docx.enum.text import WD_COLOR_INDEX

    lead = len(text) - len(text.lstrip())
    text = text.strip()
    last = 0
    for start, end in marks:
        start, end = max(start - lead, last), min(end - lead, len(text))
        if start >= end:
            continue
        if start > last:
            paragraph.add_run(text[last:start])
        paragraph.add_run(text[start:end]).font.highlight_color = WD_COLOR_INDEX.YELLOW
        last = end
    if last < len(text) or not text:
        paragraph.add_run(text[last:])


def write_brief(
    answers: Sequence[Answer], path: Path, *, fmt: str | None = None, follow_ups: Sequence[str | None] | None = None
) -> Path:
    """Write the brief of ``answers`` to ``path`` as ``fmt`` ("md" or "docx"; by default the
    file's extension); ``follow_ups`` as in :func:`brief_markdown`.  Raises UsageError for another format."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise UsageError(f"a brief is written as {' or '.join(FORMATS)}, not {fmt or '(no extension)'!r}")
    if fmt == "md":
        path.write_text(brief_markdown(answers, follow_ups=follow_ups), encoding="utf-8")
    else:
        path.write_bytes(brief_docx(answers, follow_ups=follow_ups))
    return path
