"""Text folding for lexical matching: accents, hyphenated codes, stop words.

"Çavuşoğlu" and "Cavusoglu" fold to the same token, and so do "S-400", "S400"
and "s-400" ("s400").  The same folding runs on passages and on questions.
"""

from __future__ import annotations

import re

from unidecode import unidecode

_CODE_HYPHEN = re.compile(r"\b([A-Za-z]{1,6})[-‐‑–](\d{1,5})\b")
_TOKEN = re.compile(r"[a-z0-9]+")

# A short English stop-word list (the usual IR one), applied to questions only.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves say said says tell told""".split()
)


# Characters the corpus is full of (curly quotes, dashes, no-break spaces), with exactly what
# unidecode gives them: once they are replaced, most texts are ASCII and skip unidecode's
# character-by-character path (two to three times faster on the demo corpus's sentences and passages).
_COMMON = tuple((c, unidecode(c)) for c in "\u2019\u2018\u201c\u201d\u2013\u2014\u2026\u00a0\u2022\u00b7")


def fold_for_lexical(text: str) -> str:
    """ASCII-folded, code-joined text for the lexical index (case is left to the tokenizer)."""
    if not text.isascii():
        for character, replacement in _COMMON:
            if character in text:
                text = text.replace(character, replacement)
        if not text.isascii():
            text = unidecode(text)
    return _CODE_HYPHEN.sub(r"\1\2", text)


def lexical_terms(text: str) -> list[str]:
    """Folded lower-case content words of a question, stop words removed, in order, unique."""
    tokens = _TOKEN.findall(fold_for_lexical(text).lower())
    return list(dict.fromkeys(t for t in tokens if t not in STOP_WORDS))


def fts_match_query(text: str) -> str:
    """An FTS5 MATCH expression OR-ing the question's content words."""
    return " OR ".join(f'"{term}"' for term in lexical_terms(text))
