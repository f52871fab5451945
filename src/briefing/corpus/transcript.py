"""A transcript's turns: who speaks, where the turn lies in the text, and its sentences.

Used by the training scripts that read the State Department briefings as reporter question ->
official reply turns (``scripts/train_reranker.py``, ``scripts/transcript_qa.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .chunking import split_sentences
from .speakers import TURN_RE


@dataclass(frozen=True)
class Turn:
    label: str  # the speaker label, spaces tidied ("MR PRICE", "QUESTION")
    start: int  # where the label starts in the text
    end: int  # where the next turn starts (or the text ends)
    sentences: tuple[str, ...]  # its sentences of three characters or more, stripped


def turns(text: str) -> list[Turn]:
    """Every labelled turn of ``text``, in order (a turn may hold no sentence).

    >>> [(t.label, t.sentences) for t in turns("MR  PRICE: Good afternoon. Two things.\\nQUESTION: Why?")]
    [('MR PRICE', ('Good afternoon.', 'Two things.')), ('QUESTION', ('Why?',))]
    """
    matches = list(TURN_RE.finditer(text))
    out = []
    for match, following in zip(matches, matches[1:] + [None]):
        end = following.start() if following else len(text)
        sentences = (text[s:e].strip() for s, e in split_sentences(text, match.end(), end))
        out.append(
            Turn(" ".join(match.group(1).split()), match.start(), end, tuple(s for s in sentences if len(s) >= 3))
        )
    return out
