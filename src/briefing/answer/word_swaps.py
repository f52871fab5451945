"""A question that changes one word of an extract: it asks about something the extract does not say.

SQuAD 2.0's unanswerable questions were written by crowd workers who copied a sentence of the
paragraph and changed a word, so the passage stays on topic and neither retrieval nor the
abstention model can tell; an analyst's question can do the same ("the *least* important…"
when the sources say "an important…").  Three changes are looked for here, on the words around
the change, which the question and an extract share:

* an opposite in the word's place (:func:`swaps_opposite`): "used in *perpendicular* computing"
  against "used in parallel computing".  The opposites are a fixed table of generic pairs
  (:data:`OPPOSITES`), WordNet's direct antonyms (:func:`antonyms`) and a negating prefix added
  or dropped ("*uncomplicated* definitions" against "complicated definitions");
* another word in its place, two words copied on each side, that is not a WordNet synonym of it
  (:func:`swaps_word`): "uses a *flexible* set of rules" against "uses a fixed set of rules", but
  not "the time *needed* to obtain" against "the time required to obtain";
* a word that belittles ("the *least* influential researcher", "*rarely* used";
  :func:`belittles`) where no extract says that anything is least, rare, few or small.

None is checked in yes/no questions, which an opposite answers ("Did Turkey support it?" -
"Turkey opposed it").  WordNet 3.0's tables ship in ``models/`` (``antonyms.tsv``,
``synonyms.tsv.gz``), built by ``scripts/build_wordnet_tables.py``.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from ..textfold import STOP_WORDS
from .features import stems
from .question import YES_NO_QUESTION

MODELS = Path(__file__).parent / "models"
ANTONYMS = MODELS / "antonyms.tsv"
SYNONYMS = MODELS / "synonyms.tsv.gz"

# Opposites a question can swap in for what the sources say ("the least…" for "the most…"); not
# words of events ("open", "support", "start"), whose opposites a briefing states in passing.
_OPPOSITE_PAIRS = (
    "least most|fewest most|smallest largest|minimum maximum|minimal maximal|lowest highest|earliest latest|"
    "shortest longest|worst best|weakest strongest|slowest fastest|slower faster|easiest hardest|easier harder|"
    "softest hardest|softer harder|simplest hardest|simple complex|simplicity complexity|abstract concrete|"
    "upper lower|inner outer|major minor|majority minority|positive negative|true false|precise inaccurate|"
    "increase decrease|higher lower|high low|larger smaller|large small|greater lesser|more less|more fewer|"
    "better worse|above below|inside outside|internal external|public private|northern southern|eastern western|"
    "always never|include exclude|included excluded|inclusive exclusive|permanent temporary|older newer|"
    "oldest newest|younger older|youngest oldest|top bottom|wider narrower|richest poorest|stronger weaker|"
    "strong weak|fast slow|deep shallow|longer shorter|ascending descending|explicit implicit|primary secondary|"
    "offensive defensive"
)


def _both_ways(pairs: str) -> dict[str, set[str]]:
    """Each word of the pairs ("least most|fewest most|…") with its opposites: "most" -> {"least", "fewest"}."""
    opposites: dict[str, set[str]] = {}
    for first, second in (pair.split() for pair in pairs.split("|")):
        opposites.setdefault(first, set()).add(second)
        opposites.setdefault(second, set()).add(first)
    return opposites


OPPOSITES = _both_ways(_OPPOSITE_PAIRS)
_NEGATING_PREFIX = re.compile(r"^(?:un|in|im|ir|il|dis|non-?)(\w{5,})$")
_PREFIXES = ("un", "in", "im", "ir", "il", "dis", "non", "non-")
# Words that begin like a negation and are none ("instance" does not deny "stance").
_NOT_NEGATED = frozenset(
    """instance information inform increase income inside input index injury inmate intend intent invest insight
    indeed import important impress impact impose improve immigrant immigrants immigration install instead intense
    interest infamous discover display dispose dismiss distribute dispatch discuss discount disorder disease
    disclose discharge dispute""".split()
)
_TOKEN = re.compile(r"[a-z][a-z-]*|\d+")
_BELITTLING = re.compile(r"(?<!\bat )\b(?:least|fewest|rarely|seldom|uncommonly|infrequently)\b", re.IGNORECASE)
_SMALL = re.compile(
    r"(?<!\bat )\b(?:least|fewest|few|fewer|less|little|lowest|smallest|minimum|minimal|rare|rarely|seldom|"
    r"uncommon|uncommonly|infrequent|infrequently)\b",
    re.IGNORECASE,
)


def _table_lines(text: str):
    return (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))


@lru_cache(maxsize=1)
def antonyms() -> dict[str, frozenset[str]]:
    """WordNet 3.0's one-word direct antonyms (``models/antonyms.tsv``): "parallel" -> {"perpendicular", ...}."""
    table: dict[str, set[str]] = {}
    for first, second in _table_lines(ANTONYMS.read_text(encoding="utf-8")):
        table.setdefault(first, set()).add(second)
    return {word: frozenset(others) for word, others in table.items()}


@lru_cache(maxsize=1)
def _synsets() -> dict[str, frozenset[int]]:
    """Word stem -> the WordNet 3.0 synsets (numbered) holding a word with that stem (``models/synonyms.tsv.gz``)."""
    text = gzip.decompress(SYNONYMS.read_bytes()).decode("utf-8")
    return {stem: frozenset(int(n) for n in numbers.split()) for stem, numbers in _table_lines(text)}


def synonyms(first: str, second: str) -> bool:
    """Do two words share a WordNet synset, compared on stems ("needed" and "required" do)?

    >>> synonyms("needed", "required"), synonyms("flexible", "fixed")
    (True, False)
    """
    table = _synsets()
    return bool(table.get(word_stem(first), frozenset()) & table.get(word_stem(second), frozenset()))


def word_stem(word: str) -> str:
    """The stem a table is keyed on: ``word``'s stems ("needed" -> "need", "well-known" -> "well-known")."""
    return "-".join(stems(word)) or word


def unprefixed(word: str) -> str | None:
    """The root of a word that negates it by a prefix ("informal" -> "formal"), else None
    ("instance" is no negation of "stance")."""
    if word in _NOT_NEGATED:
        return None
    match = _NEGATING_PREFIX.match(word)
    return match.group(1) if match else None


def prefixed(word: str) -> set[str]:
    """The word's forms with a negating prefix ("solved" -> "unsolved", "insolved"…), for roots of
    five letters or more, without words that only look like negations."""
    if len(word) < 5:
        return set()
    return {prefix + word for prefix in _PREFIXES if prefix + word not in _NOT_NEGATED}


def opposites(word: str) -> set[str]:
    """The table's and WordNet's opposites of ``word`` and its form with a negating prefix added or dropped."""
    found = set(OPPOSITES.get(word, ())) | antonyms().get(word, frozenset()) | prefixed(word)
    root = unprefixed(word)
    if root:
        found.add(root)
    return found


def _words(text: str) -> list[str]:
    """Lower-cased words and numbers of ``text``, in order."""
    return _TOKEN.findall(text.lower())


def _neighbours(tokens: list[str], i: int) -> set[str]:
    """Stems of the content words just before and just after ``tokens[i]``."""
    around = [tokens[j] for j in (i - 1, i + 1) if 0 <= j < len(tokens) and tokens[j] not in STOP_WORDS]
    return set(stems(" ".join(around)))


def swaps_opposite(question: str, texts: list[str]) -> bool:
    """Does ``question`` put the opposite (:func:`opposites`) of an extract's word in its place,
    beside a content word that the word itself never stands beside in the extracts?

    >>> swaps_opposite("What number is used in perpendicular computing?", ["used in parallel computing"])
    True
    >>> swaps_opposite("What is used in parallel computing?", ["used in parallel computing, not serial computing"])
    False
    >>> swaps_opposite("Is parallel computing faster?", ["Perpendicular computing is faster."])
    False
    """
    if YES_NO_QUESTION.search(question):
        return False
    asked, said = _words(question), [_words(text) for text in texts]
    for i, word in enumerate(asked):
        opposite = opposites(word)
        beside = _neighbours(asked, i)
        if not opposite or not beside or opposite & set(asked):  # not "Is it simple or complex?"
            continue
        # where the word itself stands, the extracts say it
        own = set().union(*(_neighbours(tokens, j) for tokens in said for j, t in enumerate(tokens) if t == word))
        for tokens in said:
            if any(token in opposite and (_neighbours(tokens, j) & beside) - own for j, token in enumerate(tokens)):
                return True
    return False


def swaps_word(question: str, texts: list[str], copied: int = 2) -> bool:
    """Does ``question`` copy ``copied`` words on each side of an extract's word (compared on stems,
    at least one a content word) and put in its place a content word the extracts never use
    and that is not the word's synonym (:func:`synonyms`)?

    >>> swaps_word("What uses a flexible set of rules?", ["It uses a fixed set of rules to act."])
    True
    >>> swaps_word("How is the time needed to obtain it?", ["the time required to obtain it"])
    False
    """
    if YES_NO_QUESTION.search(question):
        return False
    asked, said = _words(question), [_words(text) for text in texts]
    asked_stems = [word_stem(token) for token in asked]
    said_stems = [[word_stem(token) for token in tokens] for tokens in said]
    everywhere = {stem for tokens in said_stems for stem in tokens}
    for i in range(copied, len(asked) - copied):
        word = asked[i]
        if word in STOP_WORDS or asked_stems[i] in everywhere:
            continue
        left, right = asked_stems[i - copied : i], asked_stems[i + 1 : i + 1 + copied]
        if all(token in STOP_WORDS for token in asked[i - copied : i] + asked[i + 1 : i + 1 + copied]):
            continue
        for tokens, token_stems in zip(said, said_stems):
            for j in range(copied, len(tokens) - copied):
                if (
                    token_stems[j - copied : j] == left
                    and token_stems[j + 1 : j + 1 + copied] == right
                    and tokens[j] not in STOP_WORDS
                    and token_stems[j] not in asked_stems
                    and not synonyms(word, tokens[j])
                ):
                    return True
    return False


def belittles(question: str, texts: list[str]) -> bool:
    """Does ``question`` ask for the least, fewest or rarest (not "at least") when no extract
    says that anything is least, few, rare or small?

    >>> belittles("Who was the least influential researcher?", ["Cook was an influential researcher."])
    True
    >>> belittles("Which state is the least populous?", ["Wyoming has the smallest population."])
    False
    """
    if YES_NO_QUESTION.search(question) or not _BELITTLING.search(question):
        return False
    return not any(_SMALL.search(text) for text in texts)
