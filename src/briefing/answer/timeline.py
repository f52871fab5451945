"""Timelines for "did it change?" questions: the subject, positions, the period, the label.

A change question's **subject** is its content words minus the vocabulary of change and stance
(position, stance, view, policy, change, shift, evolve, still, ever, remain, since ...), the words
that name the asking government itself (US, United States, Washington, the State Department) and
the dates (a date is a filter, :mod:`.question`).  "Has the US stance on a Turkish offensive in
northern Syria changed?" -> turkish, offensive, northern, syria.

Every statement of a timeline holds the subject, measured absolutely (:func:`on_subject`: at least
half the subject's IDF weight among the statement's own words, or its speaker label's), not relative
to the best candidate: "Washington's position has not changed" holds *position* and *changed*, which
are no part of a subject, and never enters a timeline about Syria.  When no candidate holds the
subject the bot abstains.

Statements are **positions**, not agenda lines: reporters' questions, greetings and lead-ins
("opened the briefing with an update on", "spoke today with") are left out (:func:`is_lead_in`),
and a statement with stance language (urge, support, oppose, condemn, remain, must, will not ...,
:func:`stance`) is preferred over one without when one statement is chosen for a date.

When the subject has names and other words (its *matter*: "grain" of "exporting Ukraine's grain
through the Black Sea") spoken of on two dates or more, the period starts with the first statement
holding the matter, not with one that only names Ukraine and the Black Sea.  Words the question
writes together are held together ("war crimes", "a two-state solution": two of them side by side,
in the question's order), so "Russian forces" does not open a timeline on war crimes, nor "the
state" one on a two-state solution.

The timeline **covers the period**: one statement per date, the earliest and the latest dated
ones always in, then the best-scoring other dates up to ``AnswerParams.timeline_documents`` (14),
oldest first; for a date and among dates, a statement holding the subject's matter comes before one
that only names the subject.  A document dated only by its year or month never leads because "2021" sorts before
"2021-06-10": it is placed after the dated statements of its period, and its caption says "2021,
no day given" (:func:`briefing.phrases.date_label`); an undated one comes last.

The **label** is "strong" only when the question has a subject and its statements carry at least
two full dates; otherwise "partial", with the fixed phrase that says why
(:data:`briefing.phrases.TIMELINE_PARTIAL`).

**Follow-ups** ("Did it change?", "Has that changed since?", "And now?") name no subject of their
own: :func:`follow_up_question` answers them with the previous question's subject.

:func:`shift_spans` finds, inside a statement, the words new relative to the previous statement
on the subject, for the UI and the brief to highlight (formatting only; the text stays verbatim).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from ..corpus.speakers import is_question_label
from ..dates import period_bounds
from ..records import Document
from ..textfold import STOP_WORDS, fold_for_lexical
from .question import MONTHS, is_change_question
from .sentences import Candidate

# The vocabulary of change and stance: never a subject.  Inflections count (_change_word): "change"
# covers changed, changes, changing; "currency" is not "current".
CHANGE_WORDS = frozenset(
    """position stance view policy policies approach attitude posture line tone rhetoric language message
    messaging thinking opinion outlook change shift evolve evolution still ever remain since continue continuity
    stay stayed steady consistent consistency alter soften harden reverse reversal move moved grow grew
    over time timeline anymore longer same now today currently current recent recently latest earlier
    later previous previously before after back track u-turn reconsider differ different new old hold
    held become became going gone went go statement statements official officially publicly public
    express expressed comment comments signal signals indicate sign tell year years month months week
    weeks day days period course across throughout ago then yet far mid early late announce urge unchanged
    unchanging develop evolving""".split()
)
# How a position is spoken of, not what about: "How has the US *described* …", "the US *assessment*
# of …", "US *concern* about …", "US *support* for …" (stance verbs and their nouns).  Matched as
# they are written, with the inflections of _change_word.
DESCRIBING_WORDS = frozenset(
    """describe description characterize characterise characterization characterisation portray depict
    assess assessment evaluate evaluation regard consider response respond react reaction concern support
    toward towards regarding""".split()
)
# The asking government itself: in a State Department collection nearly every statement is the US's.
ACTOR_WORDS = frozenset(
    """us u s united states america american americans washington administration government department
    state spokesperson spokesman secretary""".split()
)
QUESTION_WORDS = frozenset("any ever how what whether has have had did does do is are was were case situation".split())
_TOKEN = re.compile(r"[a-z0-9]+")
_COMPOUND_END = re.compile(r"[a-z0-9]-([a-z]+)")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
SUBJECT_SHARE = 0.5  # a statement holds the subject when it holds this share of its IDF weight ...
SUBJECT_WORDS = 3  # ... or this many of its words

# Lead-ins, agenda lines and greetings: what a briefing says before it says anything.
_LEAD_IN = re.compile(
    r"\b(?:(?:open(?:ed|s)?|beg[ai]n|began|start(?:ed|s)?|kick(?:ed)? off)\s+(?:the|today's|this|his|her|our)\s+"
    r"(?:\w+\s+){0,2}(?:briefing|press conference|conference|remarks|session)|"
    r"(?:an?|brief|short)\s+update\s+on\b|"
    r"spoke\s+(?:today\s+|yesterday\s+|earlier\s+|again\s+|by\s+(?:phone|telephone|video)\s+)*with\b|"
    r"(?:met|meets|will meet)\s+(?:today\s+|yesterday\s+)?with\b.{0,120}\bto discuss\b|"
    r"(?:held|hosted|had)\s+(?:a|an)\s+(?:\w+\s+){0,2}(?:call|meeting|phone call|conversation)\s+with\b|"
    r"will travel to\b|(?:a few|one|a couple of|several|two|three)\s+(?:items|things|announcements)\s+"
    r"(?:at the top|to start|to begin)|at the top\b|let me (?:start|begin)|to (?:start|begin) with)",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^\W*(?:[A-Z][A-Z .'’-]+:\s*)?(?:good (?:morning|afternoon|evening)|thank you|thanks|hello|hi\b|welcome|"
    r"happy to|great to|nice to)",
    re.IGNORECASE,
)
# Stance language: what an official says about the subject, not that they met about it.
_STANCE = re.compile(
    r"\b(?:urg\w*|call(?:s|ed)? (?:on|for)|support\w*|oppos\w*|condemn\w*|concern\w*|welcom\w*|reject\w*|"
    r"remain\w*|continu\w*|commit\w*|insist\w*|reiterat\w*|reaffirm\w*|believ\w*|expect\w*|must|should|"
    r"will not|won't|cannot|can't|never|no longer|not|incompatible|unacceptable|important|position|policy|"
    r"stance|view|oppose|strongly|firmly|clear|made clear|deeply|sanction\w*|warn\w*|demand\w*|"
    r"encourag\w*|applaud\w*|recogni[sz]\w*|stand\w*|determin\w*|resolv\w*)\b",
    re.IGNORECASE,
)


def _fold(text: str) -> list[str]:
    return _TOKEN.findall(fold_for_lexical(text).lower())


# Endings that make two forms of one word once a shared stem of four letters or more is cut off:
# inflections and derivations ("sanction"/"sanctioned", "investigation"/"investigating",
# "offensive"/"offense", "north"/"northern") ...
_INFLECTIONS = frozenset(
    "|s|es|ed|d|ing|ly|al|e|er|ers|ern|ion|ions|ation|ations|ive|ives|y|ies|ied|ment|ments|ic|ical|cy|tic".split("|")
)
# ... and a place with the word for its people, the usual English patterns: a place's ending and
# the endings its people's word may take in its place ("Syria"/"Syrian", "Iraq"/"Iraqi",
# "Burma"/"Burmese", "Ukraine"/"Ukrainian", "Turkey"/"Turkish"/"Turks", "Lebanon"/"Lebanese",
# "Kosovo"/"Kosovar"), in either order.
_DEMONYMS = {
    "": frozenset("n ns an ans ian ians ese i is ish".split()),
    "a": frozenset("n ns an ans ese".split()),
    "e": frozenset("ian ians an ans".split()),
    "y": frozenset("ian ians ish".split()),
    "ey": frozenset("ish s".split()),
    "on": frozenset("ese".split()),
    "o": frozenset("an ans ar ars".split()),
}


def _same_word(term: str, token: str) -> bool:
    """One word in two forms: equal, or sharing a stem of at least four letters whose two endings
    are inflections or derivations ("offensive"/"offense", "normalizing"/"normalization"), or a
    place and its people ("syria"/"syrian", "turkey"/"turkish", "burma"/"burmese").  "war" is not
    "ward", "strait" not "strategy", "armenia" not "armed", "investigating" not "invested",
    "crimea" not "crime"."""
    if term == token:
        return True
    common = 0
    for a, b in zip(term, token):
        if a != b:
            break
        common += 1
    if common < 4:
        return False
    ends = (term[common:], token[common:])
    if ends[0] in _INFLECTIONS and ends[1] in _INFLECTIONS:
        return True
    return any(b in _DEMONYMS.get(a, ()) for a, b in (ends, ends[::-1]))


def _holds(term: str, tokens: Iterable[str]) -> bool:
    return any(_same_word(term, token) for token in tokens)


_SUFFIXES = ("", "s", "es", "ed", "d", "ing", "ly", "al")


def _change_word(token: str, vocabulary: frozenset[str] = CHANGE_WORDS) -> bool:
    """A word of change or stance, inflected or not: "changed", "shifting", "positions"."""
    for word in vocabulary:
        stem = word[:-1] if word.endswith("e") and len(word) > 3 else word
        if token.startswith(stem) and token[len(stem) :] in _SUFFIXES + (("e",) if stem != word else ()):
            return True
    return False


def subject_terms(question: str) -> tuple[str, ...]:
    """The question's subject: its folded content words minus the change and stance vocabulary,
    the words that say how a position is spoken of (describe, assessment, concern, support ...),
    the asking government's own names, question words and dates.

    >>> subject_terms("Has the US stance on a Turkish offensive in northern Syria changed?")
    ('turkish', 'offensive', 'northern', 'syria')
    >>> subject_terms("Did it change?"), subject_terms("Did the US position on Turkey's S-400 purchase change?")
    ((), ('turkey', 's400', 'purchase'))
    >>> subject_terms("How has the US described the situation in Hong Kong over time?")
    ('hong', 'kong')
    >>> subject_terms("Is the US still committed to a two-state solution?")
    ('committed', 'two', 'state', 'solution')
    """
    # The second half of a hyphenated compound is no name of the asking government: "two-state".
    compound = set(_COMPOUND_END.findall(fold_for_lexical(question).lower()))
    out = []
    for token in _fold(question):
        if len(token) < 2 or token in STOP_WORDS or token in QUESTION_WORDS:
            continue
        if token in ACTOR_WORDS and token not in compound:
            continue
        if token in MONTHS or _YEAR.match(token) or (token.isdigit() and len(token) <= 2 and int(token) <= 31):
            continue
        if _change_word(token) or _change_word(token, DESCRIBING_WORDS):
            continue
        out.append(token)
    return tuple(dict.fromkeys(out))


_CASED_TOKEN = re.compile(r"[A-Za-z0-9]+")
_SENTENCE_END = re.compile(r"[.?!:;]\s*$")


def subject_names(question: str) -> tuple[str, ...]:
    """The subject terms the question writes as names: capitalized ("Turkey", "S-400", "PRC"), not
    first in a sentence (where any word is capitalized).  None when the question has no lower-case
    letter (written all in capitals, case says nothing).

    >>> subject_names("Has the US stance on a Turkish offensive in northern Syria changed?")
    ('turkish', 'syria')
    >>> subject_names("Crimea: has the US position changed?"), subject_names("HAS CRIMEA CHANGED?")
    ((), ())
    """
    return _names_of(subject_name_groups(question))


def _names_of(groups: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(term for group in groups for term in group))


def subject_name_groups(question: str, terms: Iterable[str] | None = None) -> tuple[tuple[str, ...], ...]:
    """The question's names as written, one group for each run of capitalized words: "the South
    China Sea" is one name, "China's claims" another.

    >>> subject_name_groups("Has the US position on China's claims in the South China Sea changed?")
    (('china',), ('south', 'china', 'sea'))
    """
    folded = fold_for_lexical(question)
    if not any(c.islower() for c in folded):
        return ()
    terms = set(subject_terms(question) if terms is None else terms)
    groups: list[list[str]] = []
    last, last_end = -2, 0
    for n, match in enumerate(_CASED_TOKEN.finditer(folded)):
        token = match.group()
        first = not folded[: match.start()].strip() or bool(_SENTENCE_END.search(folded[: match.start()]))
        if first or not token[0].isupper() or token.lower() not in terms:
            continue
        gap = folded[last_end : match.start()] if last == n - 1 else ""
        if last == n - 1 and gap.isspace():  # "Armenia-Azerbaijan", "Ortega-Murillo": two names
            groups[-1].append(token.lower())
        else:
            groups.append([token.lower()])
        last, last_end = n, match.end()
    return tuple(dict.fromkeys(tuple(dict.fromkeys(g)) for g in groups))


# Other names of one thing, as official texts and the press write them: a state's official or
# short name, its acronym, a transliteration, an agreement's acronym.  Alternate names only, no
# metonyms ("Beijing", "the Kremlin") and nothing wider or narrower.  A statement that writes one
# of a group's names holds the words of the name the question wrote ("DPRK" holds *north korea*).
ALIASES = tuple(
    tuple(tuple(name.split()) for name in group.split("|"))
    for group in (
        "north korea|dprk|democratic people s republic of korea",
        "south korea|rok|republic of korea",
        "china|prc|people s republic of china",
        "burma|myanmar",
        "turkey|turkiye",
        "united kingdom|uk|britain|great britain",
        "european union|eu",
        "united nations|un",
        "united arab emirates|uae",
        "jcpoa|joint comprehensive plan of action|iran nuclear deal|iran deal",
        "lukashenka|lukashenko",
        "zelenskyy|zelensky|zelenskiy",
        "ivory coast|cote d ivoire",
        "czech republic|czechia",
        "east timor|timor leste",
        "swaziland|eswatini",
        "cape verde|cabo verde",
        "isis|isil|daesh|islamic state",
        "al qaida|al qaeda|al qa ida",
        "nato|north atlantic treaty organization",
        "covid|covid19|coronavirus",
    )
)


def subject_runs(question: str, terms: Iterable[str] | None = None) -> tuple[tuple[str, ...], ...]:
    """The question's subject terms as it writes them together, word after word ("two-state" is two
    words written together; "committed to a" is not).

    >>> subject_runs("How did the US position on whether Russia's forces committed war crimes in Ukraine evolve?")
    (('russia',), ('forces', 'committed', 'war', 'crimes'), ('ukraine',))
    >>> subject_runs("Is the US still committed to a two-state solution for Israelis and Palestinians?")
    (('committed',), ('two', 'state', 'solution'), ('israelis',), ('palestinians',))
    """
    terms = set(subject_terms(question) if terms is None else terms)
    runs: list[list[str]] = []
    previous = False
    for token in _fold(question):
        if token in terms and previous:
            runs[-1].append(token)
        elif token in terms:
            runs.append([token])
        previous = token in terms
    return tuple(dict.fromkeys(tuple(run) for run in runs))


def _has_phrase(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1))


def subject_aliases(question: str) -> tuple[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]], ...]:
    """The names the question writes that have other names (:data:`ALIASES`): (the question's
    name, its other names).

    >>> subject_aliases("Has the US approach to North Korea changed?")
    ((('north', 'korea'), (('dprk',), ('democratic', 'people', 's', 'republic', 'of', 'korea'))),)
    """
    tokens = _fold(question)
    out = []
    for group in ALIASES:
        for name in group:
            if _has_phrase(tokens, name):
                out.append((name, tuple(other for other in group if other != name)))
                break
    return tuple(out)


def _words(text: str, aliases=()) -> tuple[set[str], set[str]]:
    """A statement's folded words, and those of them written capitalized (a name's mentions); a
    name of ``aliases`` written another way (capitalized) adds the question's name's words."""
    cased = _CASED_TOKEN.findall(fold_for_lexical(text))
    tokens = [t.lower() for t in cased]
    words, capitalized = set(tokens), {t.lower() for t in cased if t[0].isupper()}
    for name, others in aliases:
        for other in others:
            n = len(other)
            # An acronym ("UN", "EU", "ROK") only as written, in capitals: "un" may be a word's piece.
            acronym = n == 1 and len(other[0]) <= 4
            if any(
                tuple(tokens[i : i + n]) == other and (not acronym or cased[i].isupper())
                for i in range(len(tokens) - n + 1)
            ):
                words.update(name)
                capitalized.update(name)
                break
    return words, capitalized


@dataclass(frozen=True)
class Subject:
    """A question's subject terms, the weight of each (its IDF in the index) and the terms the
    question writes as names (:func:`subject_names`)."""

    terms: tuple[str, ...]
    weights: tuple[float, ...]
    unseen: tuple[str, ...] = ()  # terms no passage of the index holds (when the frequencies were given)
    names: tuple[str, ...] = ()
    aliases: tuple = ()  # the question's names that have other names (subject_aliases)
    name_groups: tuple[tuple[str, ...], ...] = ()  # its names as written (subject_name_groups); else one each
    runs: tuple[tuple[str, ...], ...] = ()  # its terms as the question writes them together (subject_runs)

    @classmethod
    def of(cls, question: str, frequency: Callable[[str], int] | None = None, passages: int = 1) -> Subject:
        terms, aliases = subject_terms(question), subject_aliases(question)
        groups = subject_name_groups(question, terms)
        names = _names_of(groups)
        if frequency is None:
            return cls(terms, tuple(1.0 for _ in terms), (), names, aliases, groups, subject_runs(question, terms))
        total = max(passages, 1)
        weights, unseen = [], []
        for term in terms:
            count = frequency(term)
            weights.append(math.log(1 + (total - count + 0.5) / (count + 0.5)))
            if count == 0:
                unseen.append(term)
        return cls(terms, tuple(weights), tuple(unseen), names, aliases, groups, subject_runs(question, terms))

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def search_text(self) -> str:
        """What a search for the subject alone looks for: its terms and its names' other names."""
        others = [" ".join(other) for _, group in self.aliases for other in group]
        return " ".join([*self.terms, *others])

    def _held(self, text: str, speaker: str | None) -> list[bool]:
        """Which terms a statement holds (its own words and its speaker label's); a name only in a
        capitalized mention: "Crimea" is not held by "war crimes", "Ream Naval Base" not by "based"."""
        words, capitalized = _words(text, self.aliases)
        if speaker:
            more, more_capitalized = _words(speaker, self.aliases)
            words, capitalized = words | more, capitalized | more_capitalized
        return [_holds(term, capitalized if term in self.names else words) for term in self.terms]

    def _names_one(self, held: dict[str, bool]) -> bool:
        """Does a statement name the subject: at least half the weight of one of the question's
        names as written ("Navalny" for "Aleksey Navalny"; not "the Law of the Sea" for "the South
        China Sea")?"""
        weight = dict(zip(self.terms, self.weights))
        groups = self.name_groups or tuple((name,) for name in self.names)
        for group in groups:
            total = sum(weight.get(term, 0.0) for term in group) or 1.0
            if sum(weight.get(term, 0.0) for term in group if held.get(term)) / total >= SUBJECT_SHARE:
                return True
        return False

    def share(self, text: str, speaker: str | None = None) -> float:
        """The share of the subject's weight held by ``text`` (with its speaker label's words)."""
        if not self.terms:
            return 1.0
        total = sum(self.weights) or 1.0
        return sum(w for w, h in zip(self.weights, self._held(text, speaker)) if h) / total

    @property
    def matter(self) -> tuple[str, ...]:
        """The subject's words that are not names ("grain", "exporting" of "exporting Ukraine's
        grain through the Black Sea"); empty when the question writes no name or only names."""
        if not self.names:
            return ()
        return tuple(term for term in self.terms if term not in self.names)

    @cached_property
    def matter_units(self) -> tuple[tuple[str, ...], ...]:
        """:attr:`matter` as the question writes it: words written together ("war crimes", "the
        military regime", "a two-state solution", "forces committed war crimes") are one unit, a
        word written alone ("coup", "treatment") is a unit of its own."""
        matter = set(self.matter)
        units: list[tuple[str, ...]] = []
        for run in self.runs or tuple((term,) for term in self.terms):
            unit: list[str] = []
            for term in (*run, ""):  # a name ends a unit: "PRC military presence" -> military presence
                if term in matter:
                    unit.append(term)
                elif unit:
                    units.append(tuple(unit))
                    unit = []
        return tuple(dict.fromkeys(units))

    def holds_matter(self, text: str, speaker: str | None = None) -> bool:
        """Does a statement hold one of :attr:`matter_units` (true when there is no matter)?  A word
        written alone is held in any form; words written together only when the statement writes
        two of them together, in the question's order ("war crimes", "two-state solution", "crimes
        were committed" no; "Russian forces" no: *forces* was written with *committed war crimes*,
        and "Russian forces will not be received with open arms" is no statement on war crimes)."""
        units = self.matter_units
        if not units:
            return True
        held = dict(zip(self.terms, self._held(text, speaker)))
        tokens = _fold(text) + (_fold(speaker) if speaker else [])
        pairs = list(zip(tokens, tokens[1:]))
        for unit in units:
            if len(unit) == 1 and held.get(unit[0]):
                return True
            for a, b in zip(unit, unit[1:]):
                if held.get(a) and held.get(b) and any(_same_word(a, x) and _same_word(b, y) for x, y in pairs):
                    return True
        return False

    def held_by(self, text: str, speaker: str | None = None) -> bool:
        """Does a statement hold the subject?  Absolutely: at least ``SUBJECT_SHARE`` of its weight,
        or ``SUBJECT_WORDS`` of its words when the subject is long ("the running total of security
        assistance to Ukraine since the invasion ..."); a one-word subject must be held.  When the
        question names its subject ("Sudan's democratic transition"), the statement must name it
        too: one of the names at least ("democratic transition" in Mali is not Sudan's)."""
        if not self.terms:
            return True
        held = self._held(text, speaker)
        if self.names and not self._names_one(dict(zip(self.terms, held))):
            return False
        if len(self.terms) == 1:
            return held[0]
        total = sum(self.weights) or 1.0
        share = sum(w for w, h in zip(self.weights, held) if h) / total
        return share >= SUBJECT_SHARE or sum(held) >= SUBJECT_WORDS


def is_lead_in(text: str, speaker: str | None = None) -> bool:
    """A reporter's question, a greeting or an agenda line rather than a position.

    >>> is_lead_in("Spokesperson Orlan opened the weekly briefing with an update on the Northern Corridor.")
    True
    >>> is_lead_in("We continue to urge Turkey not to retain the S-400 system.")
    False
    """
    if is_question_label(speaker) or text.lstrip().upper().startswith("QUESTION:"):
        return True
    return bool(_GREETING.match(text) or _LEAD_IN.search(text))


def stance(text: str) -> int:
    """How many stance words (urge, support, oppose, remain, must, will not ...) a statement holds."""
    return len(_STANCE.findall(text))


# --- dates -----------------------------------------------------------------------


def full_date(date: str | None) -> bool:
    """Is ``date`` a day (YYYY-MM-DD), not a year or a month?"""
    return bool(date) and len(date) == 10


def date_order(date: str | None) -> tuple[str, int]:
    """Where a statement sorts: a day at its date; a year or a month after every day of its period
    (it never leads because "2021" sorts before "2021-06-10"); no date last."""
    if not date:
        return ("9999-99-99", 2)
    if full_date(date):
        return (date, 0)
    try:
        return (period_bounds(date)[1], 1)
    except ValueError:
        return ("9999-99-99", 2)


def _earliest(date: str) -> str:
    """The earliest day ``date`` may be: itself for a day, the first of its period for a year or
    a month ("2021" -> "2021-01-01")."""
    if full_date(date):
        return date
    try:
        return period_bounds(date)[0]
    except ValueError:
        return date


# --- choosing the statements -----------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """The statements chosen (oldest first) and the label's reason (a key of phrases.TIMELINE_PARTIAL
    or "strong")."""

    chosen: list[Candidate]
    reason: str

    @property
    def strength(self) -> str:
        return "strong" if self.reason == "strong" else "partial"


def _text(candidate: Candidate, documents: dict[str, Document]) -> str:
    return documents[candidate.doc_id].text[candidate.char_start : candidate.char_end]


def _rank(candidate: Candidate, text: str) -> float:
    """A statement's claim to stand for its date: its score, less when it holds no stance word."""
    return candidate.score * (1.0 if stance(text) else 0.7)


def build_timeline(
    candidates: list[Candidate],
    documents: dict[str, Document],
    subject: Subject,
    cap: int,
    floor: float = 0.0,
) -> Timeline:
    """One on-subject position per date, covering the period (see the module docstring).

        ``floor`` is a least sentence-scorer probability, read only when the question names no subject
        (every candidate would hold an empty one).  Returns an empty ``chosen`` when no candidate holds
        the subject, or when none holds it, the best positions above ``floor`` (reason "subject_unseen",
    labelled partial); empty only when there is no such position (the bot then abstains)."""
    pool: list[tuple[Candidate, str]] = []
    positions: list[tuple[Candidate, str]] = []  # every position above the floor, on subject or not
    seen: set[tuple[str, int, int]] = set()
    for candidate in candidates:
        key = (candidate.doc_id, candidate.char_start, candidate.char_end)
        if key in seen:
            continue
        seen.add(key)
        text = _text(candidate, documents)
        if is_lead_in(text, candidate.speaker):
            continue
        if candidate.first_probability >= floor:
            positions.append((candidate, text))
        if not subject.held_by(text, candidate.speaker):
            continue
        if not subject and candidate.first_probability < floor:
            continue
        pool.append((candidate, text))
    # The timeline opens on the subject's matter, not on its names alone: when the question's
    # subject has names and other words ("exporting Ukraine's grain through the Black Sea") and
    # the statements speak of those other words on two dates or more (words the question writes
    # together, "war crimes", "a two-state solution", spoken of together: Subject.holds_matter), its
    # period starts with the first of them; a statement before it, or on its date, that only names
    # Ukraine and the Black Sea ("aggressive actions against Ukraine") is left out.  Statements
    # after it that hold the subject by its names stay (the continuity of a named subject), and so
    # does the whole pool when the matter is spoken of on one date only ("tensions" between Greece
    # and Turkey, named on three other dates).
    matter = {id(c): subject.holds_matter(text, c.speaker) for c, text in pool}  # read once a statement
    sure = {c.date for c, _ in pool if c.date and matter[id(c)]}
    opens_on_matter = len(sure) >= 2
    if opens_on_matter:
        start = min(_earliest(date) for date in sure)
        pool = [
            (c, text)
            for c, text in pool
            if date_order(c.date)[0] > start or (date_order(c.date)[0] == start and matter[id(c)])
        ]
    unseen = not pool
    if unseen:
        # No statement names the subject in the question's words ("the system" for "the S-400"):
        # the best positions, labelled partial with that
        # reason (never strong), rather than a silence that would tell the analyst the sources are
        # silent (issue 23: a wrong silence is worse than a weak quote; on the seed article four
        # answerable change questions were silenced).
        pool = positions
        matter = {id(c): subject.holds_matter(text, c.speaker) for c, text in pool}
    if not pool:
        return Timeline([], "none")
    # One statement per date: the best-ranked (stance preferred) of those holding the subject's
    # matter when one does, then of the others; a date is the document's date.  Under the cap, the
    # dates whose statement holds the matter come before the dates that only name the subject: a
    # timeline on the war crimes of Russia's forces shows the dates war crimes were spoken of before
    # those on which Russia's forces shelled a city.
    best: dict[str, tuple[Candidate, str, tuple[bool, float]]] = {}
    for candidate, text in pool:
        date = candidate.date or ""
        rank = (matter[id(candidate)], _rank(candidate, text))
        if date not in best or rank > best[date][2]:
            best[date] = (candidate, text, rank)
    days = sorted(d for d in best if full_date(d))
    order = sorted(best, key=lambda d: best[d][2], reverse=True)
    picked: list[str] = []
    for date in ([days[0], days[-1]] if days else []) + order:
        if date not in picked and len(picked) < max(cap, 1):
            # The same words on two dates stay: a line repeated months later is the continuity asked about.
            picked.append(date)
    chosen = sorted((best[d][0] for d in picked), key=lambda c: (date_order(c.date), -c.score))
    shown_days = {c.date for c in chosen if full_date(c.date)}
    if not subject:
        reason = "no_subject"
    elif unseen:
        reason = "subject_unseen"
    elif (
        len(shown_days) >= 2
        and all(subject.held_by(_text(c, documents), c.speaker) for c in chosen)
        and (not opens_on_matter or subject.holds_matter(_text(chosen[0], documents), chosen[0].speaker))
    ):
        # Every statement shown holds the subject, and the first its matter when the period opens
        # on it (by construction of the pool; checked again here so that no later path can label
        # an off-subject opening strong).
        reason = "strong"
    elif shown_days:
        reason = "one_date"
    else:
        reason = "no_day"
    return Timeline(chosen, reason)


# --- follow-ups --------------------------------------------------------------------

# Words of a follow-up that point back or fill in, not a subject: "Is that still the case?"
_BACK = frozenset("it that this they them its their those these there then same one true so".split())


def follow_up_question(question: str, context: str | None) -> str | None:
    """The question to answer for a change follow-up that names no subject of its own ("Did it
    change?", "Has that changed since?", "And now?"): the previous questions of ``context`` with
    this one after them, so the timeline takes their subject.  None for any other question.

    >>> follow_up_question("Did it change?", "Did Turkey buy the S-400?")
    'Did Turkey buy the S-400? Did it change?'
    >>> follow_up_question("And now?", "Has the US stance on Syria changed?")
    'Has the US stance on Syria changed? And now?'
    >>> follow_up_question("Did it change?", None), follow_up_question("What about Greece?", "Did it change?")
    (None, None)
    """
    if not context or not context.strip():
        return None
    own = [t for t in subject_terms(question) if t not in _BACK]
    if own:
        return None
    words = _fold(question)
    asks_change = is_change_question(question) or any(w in {"now", "since", "still", "anymore", "today"} for w in words)
    if not asks_change:
        return None
    previous = " ".join(line.strip() for line in context.split("\n") if line.strip())
    return f"{previous} {question.strip()}"


# --- the shift, word by word -------------------------------------------------------

_SPAN_WORD = re.compile(r"[\w'’-]+")
_FUNCTION_WORDS = frozenset("a an the of to in on at by for and or as is are was were be been it its this that".split())


def shift_spans(text: str, previous: str | None) -> list[tuple[int, int]]:
    """Character spans of ``text`` holding words absent from ``previous`` (the statement before
    it on the subject), adjacent new words merged into one span; none when there is no previous
    statement.  Function words (the, of, to ...) are not marked alone.

    >>> text = "We no longer support the pipeline."
    >>> [text[a:b] for a, b in shift_spans(text, "We remain committed to the pipeline.")]
    ['no longer support']
    """
    if not previous:
        return []
    before = {w.lower().strip("'’-") for w in _SPAN_WORD.findall(previous)}
    spans: list[tuple[int, int]] = []
    for match in _SPAN_WORD.finditer(text):
        word = match.group().lower().strip("'’-")
        if not word or word in before or word in _FUNCTION_WORDS:
            continue
        start, end = match.span()
        if spans and not text[spans[-1][1] : start].strip():
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans
