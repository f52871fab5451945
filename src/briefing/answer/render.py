"""The answer as markdown: fixed phrases, quoted extracts with [n], then the citations."""

from __future__ import annotations

import re
from collections import OrderedDict

from .. import phrases
from ..records import Extract
from .retrieve import Filters


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", text)


def render_markdown(extracts: list[Extract], *, timeline: bool, filters: Filters | None) -> str:
    """The answer as markdown: fixed phrases, quoted extracts with [n], then the citations."""
    if not extracts:
        return phrases.NO_ANSWER
    lines = []
    if filters:
        lines.append(phrases.filter_phrase(filters.since, filters.until, filters.source))
        lines.append("")
    if timeline:
        lines.append(phrases.TIMELINE_HEADER)
        lines.append("")
    for extract in extracts:
        quoted = " ".join(_escape_markdown(extract.text).split())
        speaker = f"**{_escape_markdown(extract.speaker)}**" if extract.speaker else ""
        prefix = f"{speaker} — " if speaker else ""
        if timeline:
            prefix = (
                f"**{extract.date or phrases.DATE_UNKNOWN}** " + prefix
                if speaker
                else f"**{extract.date or phrases.DATE_UNKNOWN}** — "
            )
        lines.append(f"> {prefix}{quoted} [{extract.citation}]")
        lines.append("")
    cited = OrderedDict()
    for extract in extracts:
        cited.setdefault(extract.citation, extract)
    for number, extract in cited.items():
        parts = [
            _escape_markdown(extract.title or phrases.UNTITLED),
            extract.date or phrases.DATE_UNKNOWN,
            _escape_markdown(extract.source or phrases.SOURCE_UNKNOWN),
            _escape_markdown(extract.path),
        ]
        lines.append(f"[{number}] " + " — ".join(parts))
    return "\n".join(lines).strip()
