"""The answer as text: fixed phrases, then one caption per document with its extracts beneath.

:func:`render_markdown` is what the chat and ``briefing ask --json`` show;
:func:`render_text` is the same answer as plain text for the terminal, with no
markdown escapes, so quotes and citations copy cleanly.  Only fixed phrases
(:mod:`briefing.phrases`), citation metadata and the extracts themselves appear.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from .. import phrases
from ..records import Extract
from .retrieve import Filters


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", text)


def _plain(text: str) -> str:
    return text


def _by_document(extracts: list[Extract]) -> OrderedDict[int, list[Extract]]:
    """Citation number -> that document's extracts, in order of first appearance."""
    groups: OrderedDict[int, list[Extract]] = OrderedDict()
    for extract in extracts:
        groups.setdefault(extract.citation, []).append(extract)
    return groups


def shows_timeline(extracts: list[Extract], timeline: bool) -> bool:
    """The timeline header is shown only when the extracts carry more than one date."""
    return timeline and len({extract.date for extract in extracts}) > 1


def _caption(extract: Extract, escape) -> str:
    parts = [
        escape(extract.title or phrases.UNTITLED),
        phrases.date_label(extract.date),
        escape(extract.source or phrases.SOURCE_UNKNOWN),
        escape(extract.doc_id),  # the path, plus #record for a collection record
    ]
    return f"[{extract.citation}] " + " — ".join(parts)


def _render(extracts, *, timeline, filters, strength, markdown: bool, reason: str | None = None) -> str:
    if not extracts:
        return phrases.NO_ANSWER
    escape = _escape_markdown if markdown else _plain
    lines = []
    if filters:
        lines += [phrases.filter_phrase(filters.since, filters.until, filters.source), ""]
    if strength:
        lines += [phrases.strength_phrase(strength, reason), ""]
    if shows_timeline(extracts, timeline):
        lines += [phrases.TIMELINE_HEADER, ""]
    for group in _by_document(extracts).values():
        caption = _caption(group[0], escape)
        lines.append(f"**{caption}**" if markdown else caption)
        for extract in group:
            quoted = " ".join(escape(extract.text).split())
            # A transcript quote that opens with its turn's label ("MR PRICE: —") names the speaker itself.
            named = extract.speaker and not extract.text.lstrip().startswith(extract.speaker)
            speaker = escape(extract.speaker) if named else ""
            if markdown:
                prefix = f"**{speaker}** — " if speaker else ""
                lines.append(f"> {prefix}{quoted} [{extract.citation}]")
                lines.append(">" if extract is not group[-1] else "")
            else:
                prefix = f"{speaker}: " if speaker else ""
                lines.append(f"    {prefix}“{quoted}”")
        if not markdown:
            lines.append("")
    return "\n".join(lines).strip()


def render_markdown(
    extracts: list[Extract],
    *,
    timeline: bool,
    filters: Filters | None,
    strength: str | None = None,
    reason: str | None = None,
) -> str:
    """The answer as markdown: the evidence label (a timeline's ``reason`` picks its own), filter
    and timeline phrases, then per document a caption ``[n] title — date — source — document id``
    with its quoted extracts beneath."""
    return _render(extracts, timeline=timeline, filters=filters, strength=strength, markdown=True, reason=reason)


def render_text(
    extracts: list[Extract],
    *,
    timeline: bool,
    filters: Filters | None,
    strength: str | None = None,
    reason: str | None = None,
) -> str:
    """The same answer as plain text (no markdown escapes), for the terminal."""
    return _render(extracts, timeline=timeline, filters=filters, strength=strength, markdown=False, reason=reason)
