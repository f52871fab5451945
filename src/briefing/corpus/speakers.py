"""Speaker turns in briefing transcripts (``MR PRICE:``, ``QUESTION:`` ...).

A turn starts at a line that opens with an upper-case label and a colon (or, in a
transcript that writes names in mixed case, a name that opens two turns or more) and
runs until the next such line.  Every sentence inside a turn carries that
turn's speaker; text before the first turn has no speaker.
"""

from __future__ import annotations

import bisect
import re

# A label of 2-60 characters at the start of a line, then a colon: letters (any alphabet's),
# spaces, dots, hyphens and apostrophes, all upper-case (checked in ``_turn_labels``). That covers
# "MR PRICE", "MS. PSAKI", "SECRETARY BLINKEN", "FOREIGN MINISTER ÇAVUŞOĞLU" (Ş and Ğ lie outside
# Latin-1: until 2026-11-26 his turns were read as the previous speaker's) and "PARTICIPANT".
_LETTER = r"[^\W\d_]"
TURN_RE = re.compile(rf"^[ \t]*({_LETTER}(?:{_LETTER}|[ .'’\-]){{1,58}}(?:{_LETTER}|\.)):[ \t]", re.MULTILINE)


# Transcripts that write names in mixed case ("Alexandra de Hoop Scheffer:", "Deputy Secretary of
# State Sherman:", "Irene Braam, Executive Director of the Bertelsmann Foundation:"): a label of
# two to twelve words, every word capitalised but these particles; commas allowed.
NAME_RE = re.compile(rf"^[ \t]*({_LETTER}(?:{_LETTER}|[ .,'’\-]){{1,98}}(?:{_LETTER}|\.)):[ \t]", re.MULTILINE)
_PARTICLES = frozenset(
    "a al and bin d da de del della den der di du el for ibn la le of on the to van von y zu".split()
)


def _is_name(label: str) -> bool:
    """A mixed-case label that reads as a name or title: "The United States’ position is clear" is none."""
    words = label.replace(",", " ").split()
    if not 2 <= len(words) <= 12 or words[0].lower() in _PARTICLES:  # "The United States and Australia:"
        return False
    return all(w[0].isupper() or w.lower() in _PARTICLES for w in words)


def _turn_labels(text: str):
    """(offset, label) of every turn label in ``text``: upper-case ones ("MR PRICE:"; "Note:" is
    none), and mixed-case names in a transcript where at least one such name opens two turns or more
    (one "Second question is:" line in a briefing is no turn)."""
    labels = {}
    for match in TURN_RE.finditer(text):
        label = " ".join(match.group(1).split())
        if label == label.upper():
            labels[match.start(1)] = label
    names = [(m.start(1), " ".join(m.group(1).split())) for m in NAME_RE.finditer(text)]
    names = [(start, label) for start, label in names if label != label.upper() and _is_name(label)]
    if len(names) > len({label for _, label in names}):  # a name opens two turns or more
        labels.update(names)
    yield from sorted(labels.items())


# Recorded with the chunking parameters in each index's manifest: a new reading of the labels
# rebuilds an index from scratch, so that no document keeps turns read the old way.
LABELS_VERSION = 3  # 2: labels in any alphabet (FOREIGN MINISTER ÇAVUŞOĞLU, RINKĒVIČS); 3: mixed-case names

QUESTION_LABELS = {"QUESTION", "Q", "REPORTER", "JOURNALIST"}


class SpeakerTurns:
    """Looks up the speaker at any character offset of one document's text."""

    def __init__(self, text: str):
        self._starts: list[int] = []
        self._labels: list[str] = []
        for start, label in _turn_labels(text):
            self._starts.append(start)
            self._labels.append(label)

    def __bool__(self) -> bool:
        return len(self._starts) >= 2

    def speaker_at(self, offset: int) -> str | None:
        """The label of the turn holding ``offset``, or ``None`` outside any turn."""
        if not self:
            return None
        position = bisect.bisect_right(self._starts, offset) - 1
        return self._labels[position] if position >= 0 else None


def is_question_label(speaker: str | None) -> bool:
    """True for a reporter's turn (``QUESTION:``), whose words are not an official's."""
    return bool(speaker) and speaker.rstrip(".").upper() in QUESTION_LABELS
