"""Speaker turns in briefing transcripts (``MR PRICE:``, ``QUESTION:`` ...).

A turn starts at a line that opens with an upper-case label and a colon and
runs until the next such line.  Every sentence inside a turn carries that
turn's speaker; text before the first turn has no speaker.
"""

from __future__ import annotations

import bisect
import re

# An upper-case label of 2-60 characters at the start of a line, then a colon.
# Letters, spaces, dots, hyphens and apostrophes cover "MR PRICE", "MS. PSAKI",
# "SECRETARY BLINKEN", "FOREIGN MINISTER ÇAVUŞOĞLU", "PARTICIPANT".
TURN_RE = re.compile(r"^[ \t]*([A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ .'’\-]{1,58}[A-ZÀ-ÖØ-Þ.]):[ \t]", re.MULTILINE)

QUESTION_LABELS = {"QUESTION", "Q", "REPORTER", "JOURNALIST"}


class SpeakerTurns:
    """Looks up the speaker at any character offset of one document's text."""

    def __init__(self, text: str):
        self._starts: list[int] = []
        self._labels: list[str] = []
        for match in TURN_RE.finditer(text):
            label = " ".join(match.group(1).split())
            self._starts.append(match.start(1))
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
