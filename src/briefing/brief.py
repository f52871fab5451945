"""A brief to take away: a conversation's answers as Markdown or Word (.docx).

A brief is built only from :class:`~briefing.records.Answer` and
:class:`~briefing.records.Extract` records and the fixed words below: each
question, then its verbatim extracts grouped per document, each quote followed by
the number of its source; then the numbered sources (title, date, source, URL,
file) with where every quote lies (speaker, characters a–b, page for PDFs).
Sources are numbered once for the whole brief, in order of first quotation, so a
document quoted in two answers keeps one number.  Nothing is summarised or
reworded; an abstention is its fixed phrase (``phrases.NO_ANSWER``, or the one naming the filter).

>>> text = brief_markdown([reply_a, reply_b])  # doctest: +SKIP
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
from .errors import UsageError
from .records import Answer, Extract

# --- the fixed words of a brief (labels, never claims) ---------------------------
BRIEF_TITLE = "Brief"
EXPORTED = "Exported {when} UTC. Every quote is verbatim from the sources listed at the end."
QUESTION = "Question"
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


def number_sources(answers: Sequence[Answer]) -> dict[str, Source]:
    """doc_id -> Source, numbered 1, 2, ... in order of first quotation across ``answers``."""
    sources: dict[str, Source] = {}
    for reply in answers:
        if reply.abstained:
            continue
        for extract in reply.extracts:
            source = sources.get(extract.doc_id)
            if source is None:
                source = sources[extract.doc_id] = Source(len(sources) + 1, extract)
            if not any((e.char_start, e.char_end) == (extract.char_start, extract.char_end) for e in source.quoted):
                source.quoted.append(extract)
    return sources


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
        lines.append(phrases.strength_phrase(strength))
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
    parts = [extract.title or phrases.UNTITLED, extract.date or phrases.DATE_UNKNOWN]
    parts.append(extract.source or phrases.SOURCE_UNKNOWN)
    return f"[{number}] " + " · ".join(parts)


def _where(extract: Extract) -> str:
    """Where one quote lies: speaker, characters a–b, page."""
    parts = [extract.speaker] if extract.speaker else []
    parts.append(CHARACTERS.format(start=extract.char_start, end=extract.char_end))
    if extract.page:
        parts.append(PAGE.format(page=extract.page))
    return ", ".join(parts)


def _source_lines(source: Source) -> tuple[str, list[str]]:
    """(the numbered source line, one line per quoted extract) for the Sources section."""
    first = source.first
    parts = [
        first.title or phrases.UNTITLED,
        first.date or phrases.DATE_UNKNOWN,
        first.source or phrases.SOURCE_UNKNOWN,
    ]
    if first.url:
        parts.append(first.url)
    parts.append(f"{FILE} {first.doc_id}")
    return f"[{source.number}] " + " · ".join(parts), [f"{QUOTED}: {_where(e)}" for e in source.quoted]


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


def _md_quote(text: str) -> list[str]:
    """A verbatim extract as a Markdown block quote, paragraph breaks kept."""
    return [f"> {line}".rstrip() for line in _md(text.strip()).split("\n")]


def brief_markdown(answers: Sequence[Answer], *, exported: str | None = None) -> str:
    """The brief as Markdown text (see the module docstring)."""
    sources = number_sources(answers)
    out = [f"# {BRIEF_TITLE}", "", EXPORTED.format(when=exported or _now()), ""]
    for reply in answers:
        out += [f"## {QUESTION}: {_md(reply.question)}", ""]
        if reply.abstained or not reply.extracts:
            out += [_silence(reply), ""]
            continue
        out += [line for header in _headers(reply) for line in (header, "")]
        for group in _groups(reply):
            number = sources[group[0].doc_id].number
            out += [f"**{_md(_caption(group[0], number))}**", ""]
            for extract in group:
                out += _md_quote(extract.text)
                out += [">", f"> — [{number}] {_md(_where(extract))}", ""]
    if sources:
        out += [f"## {SOURCES}", ""]
        for source in sources.values():
            line, quoted = _source_lines(source)
            out.append(f"{_md(line)}  ")
            out += [f"  {_md(q)}  " for q in quoted]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- Word ---------------------------------------------------------------------------


def brief_docx(answers: Sequence[Answer], *, exported: str | None = None) -> bytes:
    """The brief as a Word document (.docx bytes), made with python-docx."""
    from docx import Document as WordDocument  # lazy: only exports need python-docx
    from docx.shared import Pt

    sources = number_sources(answers)
    word = WordDocument()
    word.core_properties.title = BRIEF_TITLE
    word.add_heading(BRIEF_TITLE, level=0)
    word.add_paragraph(EXPORTED.format(when=exported or _now()))
    for reply in answers:
        word.add_heading(f"{QUESTION}: {reply.question}", level=1)
        if reply.abstained or not reply.extracts:
            word.add_paragraph(_silence(reply))
            continue
        for header in _headers(reply):
            word.add_paragraph().add_run(header).italic = True
        for group in _groups(reply):
            number = sources[group[0].doc_id].number
            word.add_paragraph().add_run(_caption(group[0], number)).bold = True
            for extract in group:
                quote = word.add_paragraph(style="Quote")
                quote.add_run(extract.text.strip())
                note = word.add_paragraph(f"— [{number}] {_where(extract)}")
                note.paragraph_format.left_indent = Pt(36)
    if sources:
        word.add_heading(SOURCES, level=1)
        for source in sources.values():
            line, quoted = _source_lines(source)
            word.add_paragraph(line)
            for text in quoted:
                word.add_paragraph(text, style="List Bullet")
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def write_brief(answers: Sequence[Answer], path: Path, *, fmt: str | None = None) -> Path:
    """Write the brief of ``answers`` to ``path`` as ``fmt`` ("md" or "docx"; by default the
    file's extension).  Raises UsageError for another format."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise UsageError(f"a brief is written as {' or '.join(FORMATS)}, not {fmt or '(no extension)'!r}")
    if fmt == "md":
        path.write_text(brief_markdown(answers), encoding="utf-8")
    else:
        path.write_bytes(brief_docx(answers))
    return path
