"""A long analyst question reduced to what it asks, before retrieval.

"I am preparing a briefing note for the Ambassador … Could you tell me how the United
States described its position on …?" runs to a hundred words or more, most of them about
the person asking: retrieval and the abstention model then weigh the preamble as much as the
question, and the bot abstains where the short question is answered.  Over
``LONG_QUESTION_WORDS`` words, :func:`reduce_question` keeps the sentences that ask (those
ending in "?" or opening with a question word, else the last sentence), and inside them drops
a leading request frame ("I would like to know", "could you tell me", "please explain").
The words kept are the user's own, in order; nothing is added.  Shorter questions pass unchanged.

>>> reduce_question("I am preparing a note for the minister on NATO. " * 4 + "What did Turkey say about Sweden?")
'What did Turkey say about Sweden?'
"""

from __future__ import annotations

import re

LONG_QUESTION_WORDS = 40  # a question longer than this is reduced to what it asks

_WORD = re.compile(r"[\w'’-]+")
# Sentence ends: ".", "?", "!" or ";" followed by space, or a line break.
_SENTENCE = re.compile(r"[^.?!;\n]+(?:[.?!;]+|$)", re.MULTILINE)
_QUESTION_OPENING = re.compile(
    r"^\W*(?:how|what|when|where|which|who|whom|whose|why|whether|did|does|do|has|have|had|is|are|was|were|"
    r"will|would|can|could|should|may|might|must)\b",
    re.IGNORECASE,
)
# Words that ask something of the reader before the question proper: kept up to the last of them.
_REQUEST = re.compile(
    r"\b(?:(?:i|we)(?:'d| would| will| want| need| am| are|'m|'re)?\s+(?:like|want|need|hope|trying|wondering|"
    r"asking|keen|interested)\s+(?:to\s+)?(?:know|understand|find out|learn|see|ask|check|confirm)?(?:\s+about)?|"
    r"(?:could|can|would|will)\s+you\s+(?:please\s+)?(?:tell|show|explain|find|summari[sz]e|describe|help)"
    r"(?:\s+(?:me|us))?(?:\s+(?:find|understand|know))?(?:\s+out)?|"
    r"please\s+(?:tell|show|explain|find|summari[sz]e|describe|set out|clarify)(?:\s+(?:me|us))?(?:\s+out)?|"
    r"(?:tell|show)\s+(?:me|us)|my question is|the question is)\b[\s:,]*",
    re.IGNORECASE,
)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _sentences(text: str) -> list[str]:
    return [piece.strip() for piece in _SENTENCE.findall(text) if piece.strip()]


def _asks(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_QUESTION_OPENING.match(sentence))


def _drop_request(sentence: str) -> str:
    """The sentence from its question on: "… could you tell me how the US described X?" ->
    "how the US described X?" (the text after the last request frame, when words remain)."""
    frames = list(_REQUEST.finditer(sentence))
    if not frames:
        return sentence
    rest = sentence[frames[-1].end() :].strip()
    return rest if word_count(rest) >= 3 else sentence


def reduce_question(question: str, max_words: int = LONG_QUESTION_WORDS) -> str:
    """What a question over ``max_words`` words asks (see the module docstring); shorter
    questions, and long ones with nothing to cut, are returned unchanged."""
    if word_count(question) <= max_words:
        return question
    sentences = _sentences(question)
    asking = [s for s in sentences if _asks(s)] or sentences[-1:]
    reduced = " ".join(_drop_request(s) for s in asking).strip()
    if not reduced or word_count(reduced) < 3:
        return question
    return reduced[0].upper() + reduced[1:]
