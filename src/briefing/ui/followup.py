"""The follow-up rule: when a chat question is read as a follow-up of the previous one.

A follow-up's retrieval query gets the previous stand-alone question as context
(see :func:`follow_up_context`); the answer is still made of extracts alone.
"""

from __future__ import annotations

import re

FOLLOW_UP_OPENERS = (
    "and",
    "but",
    "also",
    "what about",
    "how about",
    "what of",
    "same for",
    "then what",
    "so what",
)
BACK_REFERENCES = frozenset(
    {
        "he",
        "she",
        "it",
        "they",
        "them",
        "him",
        "her",
        "his",
        "hers",
        "its",
        "their",
        "theirs",
        "this",
        "that",
        "these",
        "those",
        "there",
        "then",
        "same",
    }
)
SHORT_QUESTION_WORDS = 6
BARE_QUESTION_WORDS = 2
_WORDS = re.compile(r"[\w'’-]+")


def is_follow_up(question: str) -> bool:
    """True when ``question`` reads as a follow-up to the previous question of the chat.

    The rule, in order:

    1. it opens with a continuation: "and", "but", "also", "what about", "how about",
       "what of", "same for", "then what", "so what" (e.g. "and what did Turkey say?",
       "What about Greece?");
    2. or it is short (at most six words) and contains a word that points back:
       he, she, it, they, them, him, her, his, hers, its, their, theirs, this, that,
       these, those, there, then, same (e.g. "Why did they refuse?", "When was that?");
    3. or it has at most two words ("Why?", "Since when?", "Greece?").

    The first question of a conversation is never a follow-up.

    A follow-up is answered with ``answer(index, question, context=...)`` where the
    context is the previous question (see :func:`follow_up_context`); the context
    only steers retrieval, and the answer is still made of verbatim extracts alone.

    >>> is_follow_up("and what did Turkey say?"), is_follow_up("Did the US position change?")
    (True, False)
    """
    words = [w.lower().strip("'’-") for w in _WORDS.findall(question)]
    if not words:
        return False
    opening = " ".join(words[:2])
    for opener in FOLLOW_UP_OPENERS:
        if words[0] == opener or opening == opener:
            return True
    if len(words) <= BARE_QUESTION_WORDS:
        return True
    return len(words) <= SHORT_QUESTION_WORDS and any(w in BACK_REFERENCES for w in words)


def follow_up_context(question: str, previous: list[tuple[str, str | None]]) -> str | None:
    """The retrieval context for ``question`` given the earlier turns, or None.

    ``previous`` holds ``(question, context)`` of the earlier turns, oldest first.
    A follow-up gets the previous question as context; when that question was a
    follow-up itself, its own context comes first, so "Did the US position change?",
    "and Turkey?", "why?" keeps the subject without growing without bound (the
    context is at most the last stand-alone question plus the previous question).
    """
    if not previous or not is_follow_up(question):
        return None
    last_question, last_context = previous[-1]
    if last_context:
        anchor = last_context.split("\n")[0]
        return f"{anchor}\n{last_question}" if anchor != last_question else last_question
    return last_question


FOLLOW_UP_NOTE = "Read as a follow-up to:"  # shown above a question read as a follow-up
