"""The fact check: a question that asks for a particular fact is not answered by extracts lacking it.

The abstention model sees that the passages are on topic, not that the fact asked for is
missing ("How many F-16 jets has Turkey asked to buy?" against "Turkey asked to buy F-16
fighter jets").  Some facts can be looked for in the extracts' own words:

* a count ("how many X": a number followed by X), a sum of money ("how much aid…", "the dollar
  value of…": an amount in a currency), a length of time ("what prison term…", "how long
  did…": a number of years, months, days…);
* a date ("on what date…", "what is the date of…": a month, a numeric date, a weekday or
  "yesterday") or a year ("in what year…": a year the question does not already hold);
* a person asked for by kind ("Which Turkish official was sanctioned…", "Which career diplomat
  was named…"): a personal name the question does not hold;
* the actor whose words are asked for ("How did Moscow respond…", "What did NATO's Secretary
  General say…", "Has Erdogan commented…"): one of the actor's names, or a name for the same
  actor (Moscow: Russia, the Kremlin), in an extract, its speaker, its document's title or
  source; for "What did X say…", X in a caption or saying something in an extract ("Stoltenberg
  said", "according to the Kremlin"), not merely named.  The US government's own names
  (Washington, the State Department, the spokesperson) are everywhere in a briefing corpus and
  are not checked;
* what the question denies ("What cannot be solved…", "Which treaty has Turkey not signed?"): an
  extract that states something, with no negation at all, does not say what is *not* so;
* the opposite of what the question asks ("What is the *least* important class?" against "the most
  important class", "an *informal* language" against "a formal language"), or one word of an
  extract changed (:mod:`.word_swaps`: "used in *perpendicular* computing" against "used in
  parallel computing", "uses a *flexible* set of rules" against "uses a fixed set of rules");
* a figure the question states ("Who wrote the paper in 1974?", "the 15 largest cities"): some
  document the extracts come from (its text, title or date) must state it too.  An extract from a
  document that never gives the question's year or number is about something else; nor do
  extracts that count the thing with another number ("three finite graphs" against "two").

The negation and the opposite are checked in questions that ask for something, not in yes/no
questions (an opposite answers "Did Turkey support it?").

``missing_fact`` says which is missing; :mod:`.decide` then abstains.
"""

from __future__ import annotations

import re

from ..textfold import lexical_terms
from .features import stems
from .question import DAY_WORDS, GOVERNMENT_WORDS, MONTH_WORDS, NUMBER_WORDS, YES_NO_QUESTION, person_names
from .word_swaps import OPPOSITES, belittles, prefixed, swaps_opposite, swaps_word, unprefixed

_A_NUMBER = rf"\d[\d,.]*|{NUMBER_WORDS}"  # digits or a number word (inside a group)

# --- what a "how many" question counts ---------------------------------------
_COUNT_QUESTION = re.compile(r"\bhow many\s+(.*)", re.IGNORECASE | re.DOTALL)
_COUNT_PHRASE_END = frozenset(
    """did does do were was are is had has have will would could can should may might been be being
    the of in on at to for from by with according since under over during""".split()
)
_COUNT = rf"(?:{_A_NUMBER}|single|both)"


def counted_words(question: str) -> tuple[str, ...]:
    """The words naming what a "how many" question counts, lower-cased (empty for other questions,
    and when the question counts with a verb: "How many died...").

    >>> counted_words("How many F-16 fighter jets has Turkey asked to buy?")
    ('f-16', 'fighter', 'jets')
    >>> counted_words("How many died in the bombing?"), counted_words("Who met the minister?")
    ((), ())
    """
    match = _COUNT_QUESTION.search(question)
    if not match:
        return ()
    words: list[str] = []
    for word in re.findall(r"[\w'-]+", match.group(1))[:4]:
        if word.lower() in _COUNT_PHRASE_END:
            break
        words.append(word.lower())
    if words and words[0].endswith("ed"):  # "how many died / fled / attended": a verb, not a noun
        return ()
    return tuple(words)


def holds_count_of(text: str, words: tuple[str, ...]) -> bool:
    """Does ``text`` give a count of one of ``words``: a number (not a code's, as in F-16), then
    within three words that word (compared on its first five letters, so "vessel" finds "vessels")?

    >>> holds_count_of("The regime imposed visa bans on 511 Russian military officers.", ("officers",))
    True
    >>> holds_count_of("Is there a route of at most 2000 kilometres?", ("miles",))
    False
    >>> holds_count_of("From 2004 to 2007, the top five U.S. investment banks grew.", ("banks",))
    True
    """
    if "times" in words and re.search(r"\b(?:once|twice|thrice)\b", text, re.IGNORECASE):
        return True  # "how many times...?" answered "twice"
    for word in words:
        if len(word) < 3 or word in {"and", "or"}:
            continue
        stem = word[:5] if len(word) > 5 else word.rstrip("s")
        # (?<![\w-]): not the number of a code such as F-16 or S-400
        # the words between may be abbreviations ("five U.S. investment banks")
        if re.search(rf"(?<![\w-]){_COUNT}\b(?:\s+[\w'.-]+){{0,3}}?\s+{re.escape(stem)}", text, re.IGNORECASE):
            return True
    return False


# --- a sum of money, a length of time -----------------------------------------------
_MONEY_QUESTION = re.compile(
    r"\bhow much (?:money|aid|assistance|funding|funds|financing|ransom)\b|\b(?:dollar|monetary) (?:value|amount)\b|"
    r"\bhow much\b[^?]*\b(?:cost|costs|pay|paid|spend|spent|worth|pledge|pledged|price)\b|"
    r"\bfor how much\b|\b(?:what|which) (?:is|was|were|are) the (?:price|cost|purchase price)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:million|billion|trillion|dollars|euros|pounds)\b|"
    r"\b(?:million|billion|trillion) (?:dollars|euros|pounds)\b|\bUSD\s?\d",
    re.IGNORECASE,
)
_DURATION_QUESTION = re.compile(
    r"\b(?:prison|jail) (?:term|sentence)\b|\bsentenced to how\b|"
    r"\bhow long (?:did|had|has|have|do|does|will|would)\b",
    re.IGNORECASE,
)
_DURATION = re.compile(
    rf"\b(?:{_A_NUMBER})[\s-]+(?:years?|months?|weeks?|days?|hours?|decades?)\b|"
    r"\blife (?:sentence|in prison|imprisonment|term)\b|\bsince (?:1\d|20)\d\d\b|"
    r"\b(?:1\d|20)\d\d\s*(?:-|–|to|until)\s*(?:1\d|20)\d\d\b",
    re.IGNORECASE,
)


# --- a date, a year ------------------------------------------------------------------
# Only questions that say they ask for a date: "When did X…?" is also answered by "in the coming
# days" or by the document's own date ("today"), and SQuAD's "When X, what Y?" asks for Y.
_DATE_QUESTION = re.compile(
    r"\b(?:on|by|from|until|since) (?:what|which) (?:exact )?(?:date|day)s?\b|"
    r"\bwhat (?:is|was|were|are) the (?:exact )?dates?\b|\b(?:what|which) (?:exact )?dates?\b",
    re.IGNORECASE,
)
_YEAR_QUESTION = re.compile(r"\b(?:what|which) year\b", re.IGNORECASE)
# "Which Turkish defense procurement official…": a person, named.
_PERSON_QUESTION = re.compile(
    r"\bwhich (?:[\w-]+ ){0,3}(?:official|diplomat|envoy|minister|ambassador|spokesperson|spokesman|"
    r"researcher|scientist|commander|negotiator|lawmaker|senator|journalist|reporter)s?\b",
    re.IGNORECASE,
)
# Month names only capitalised ("may" is a verb), unless a day comes before them ("16 february 2009"
# in a lowercased text); a day named relative to the document's date counts.
_DATE = re.compile(
    rf"\b(?:{MONTH_WORDS})\b|\b\d{{1,2}}\s+(?i:{MONTH_WORDS})\b|\b\d{{4}}-\d\d-\d\d\b|"
    rf"\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|\b(?i:{DAY_WORDS}|tonight)\b"
)
# A year of the last five centuries, or any year marked as one ("300 AD", "44 BC").
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b|\b\d{1,4}\s*(?i:ad|bce?|ce)\b")


def _holds_new(pattern: re.Pattern, texts: list[str], question: str) -> bool:
    """Does one of ``texts`` hold a match of ``pattern`` that ``question`` does not already hold?"""
    asked = {match.group().lower() for match in pattern.finditer(question)}
    return any(match.group().lower() not in asked for text in texts for match in pattern.finditer(text))


# --- the actor whose words are asked for ------------------------------------------------
_ACTOR_VERBS = (
    r"say|said|tell|told|respond|responded|react|reacted|reply|replied|comment|commented|describe|"
    r"characteri[sz]e|announce|urge|warn|claim|argue|think|make of|view|speak|spoke|spoken|call for"
)
_ADVERBS = r"(?:(?:ever|personally|publicly|officially|formally|already|first|initially)\s+)?"
_ACTOR_QUESTION = re.compile(
    rf"^\W*(?:what|how)\s+(?:did|does|do|has|have|had|will|would)\s+(?P<a>.+?)\s+{_ADVERBS}(?:{_ACTOR_VERBS})\b|"
    rf"^\W*(?:has|have|did|does|do)\s+(?P<b>.+?)\s+{_ADVERBS}(?:{_ACTOR_VERBS})\b|"
    r"^\W*what\s+(?:was|is|were|are)\s+(?P<c>.+?)(?:'s|’s)\s+(?:response|reaction|reply|position|view|comment)\b",
    re.IGNORECASE,
)
# Words that name no particular actor in a US briefing corpus, or only a title.
_NOT_DISTINCTIVE = GOVERNMENT_WORDS | frozenset(
    """u s us washington spokesman spokeswoman spokespeople prime official officials representative side
    leader leaders""".split()
)
# Other names for the same actor: a capital for its government, the Kremlin for Russia's.
_SAME_ACTOR = {
    "moscow": ("russia", "kremlin"),
    "kremlin": ("russia", "moscow", "putin", "peskov"),
    "ankara": ("turkey", "turkiye", "erdogan"),
    "beijing": ("china", "prc"),
    "kyiv": ("ukraine", "kiev", "zelensky", "zelenskyy"),
    "kiev": ("ukraine", "kyiv"),
    "tehran": ("iran",),
    "pyongyang": ("dprk", "korea"),
    "damascus": ("syria", "assad"),
    "caracas": ("venezuela", "maduro"),
    "havana": ("cuba",),
    "minsk": ("belarus", "lukashenka", "lukashenko"),
    "athens": ("greece",),
    "nicosia": ("cyprus",),
    "brussels": ("eu", "european", "nato"),
    "london": ("uk", "britain", "british"),
    "paris": ("france", "french"),
    "berlin": ("germany", "german"),
    "tokyo": ("japan", "japanese"),
    "seoul": ("korea", "rok"),
    "taipei": ("taiwan",),
    "kabul": ("afghanistan", "taliban"),
    "islamabad": ("pakistan",),
    "riyadh": ("saudi",),
    "cairo": ("egypt",),
    "baghdad": ("iraq",),
    "jerusalem": ("israel",),
}


def asked_actor(question: str) -> tuple[str, ...]:
    """The folded names (capitalised words) of the actor whose words ``question`` asks for, without
    titles and the US government's own names; empty when it asks for no one's words, or only for
    those, or names no one ("What did the court say…").

    >>> asked_actor("What did NATO's Secretary General say about Turkey's proposal?")
    ('nato',)
    >>> asked_actor("How did Washington react to the verdict?"), asked_actor("Who met the minister?")
    ((), ())
    """
    match = _ACTOR_QUESTION.search(question)
    if not match:
        return ()
    phrase = next(group for group in match.groups() if group)
    if len(phrase.split()) > 6:
        return ()  # a clause, not a name: "What did the talks that began in May say…"
    capitalised = " ".join(word for word in phrase.split() if word[:1].isupper())  # names, not "the court"
    names = [term for term in lexical_terms(capitalised) if term not in _NOT_DISTINCTIVE and not term.isdigit()]
    return tuple(name for name in names if len(name) >= 3)


# "What did X say / tell / comment…" asks for X's own words; "How did X respond / react…" may be
# answered by what X did.
_WORDS_ASKED = re.compile(
    r"\b(?:say|said|tell|told|comment|commented|speak|spoke|spoken|describe|characteri[sz]e|announce|claim|argue|"
    r"call for)\s*$",
    re.IGNORECASE,
)
_SAYING = re.compile(
    r"\b(?:said|says|say|saying|told|tells|stated|states|statement|announced|urged|warned|responded|replied|added|"
    r"noted|argued|claimed|declared|insisted|stressed|according|spokes\w*|called|calls|spoke|spoken|speak|talk\w*|"
    r"conversation|phone|remarks|commented|comments)\b",
    re.IGNORECASE,
)


def asks_for_words(question: str) -> bool:
    """Does ``question`` ask what an actor *said* ("What did X say…", "Has X commented…"), not what
    it did ("How did X respond…")?

    >>> asks_for_words("What did NATO's Secretary General say about it?"), asks_for_words("How did Moscow respond?")
    (True, False)
    """
    match = _ACTOR_QUESTION.search(question)
    return bool(match) and bool(_WORDS_ASKED.search(match.group(0)))


def speaks(names: tuple[str, ...], texts: list[str], window: int = 6) -> bool:
    """Does one of ``texts`` name one of ``names`` (as :func:`mentions_actor` does) within ``window``
    words of a word of saying ("Stoltenberg said", "according to the Kremlin", "Erdogan's
    statement")?  "…not compatible with NATO equipment" names NATO but has it say nothing."""
    for text in texts:
        words = re.findall(r"[\w’']+", text)
        for at, word in enumerate(words):
            if mentions_actor(names, [word]):
                nearby = " ".join(words[max(0, at - window) : at + window + 1])
                if _SAYING.search(nearby):
                    return True
    return False


def mentions_actor(names: tuple[str, ...], texts: list[str]) -> bool:
    """Does one of ``texts`` name one of ``names``: the word, one sharing its first four letters
    ("Turkish" for "Turkey"), or another name for the same actor (``_SAME_ACTOR``)?"""
    words = {term for text in texts for term in lexical_terms(text)}
    prefixes = {word[:4] for word in words if len(word) >= 4}
    for name in names:
        if name in words or (len(name) >= 5 and name[:4] in prefixes):
            return True
        if any(other in words for other in _SAME_ACTOR.get(name, ())):
            return True
    return False


# --- a negation, an opposite, a figure the question states --------------------------------
# Checked in questions that ask for something ("What…", "Which…", "Who…"), not in yes/no ones
# (question.YES_NO_QUESTION): "Did Turkey support the resolution?" is answered by "Turkey opposed it".
# "whether or not", "may or may not", "yes/no" deny nothing.
_NOT_A_NEGATION = re.compile(r"\b(?:whether )?or not\b|\bmay or may not\b|\byes(?:/| or )no\b", re.IGNORECASE)
_QUESTION_NEGATION = re.compile(r"\b(?:not|never|cannot|neither|nor|none)\b|n't\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|neither|nor|none|nothing|nobody|nowhere|without|lack\w*|fail\w*|unable|"
    r"impossible|refus\w*|declin\w*|reject\w*|den(?:y|ies|ied)|absen\w*)\b|n't\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z][a-z-]+")
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_DESIGNATION = re.compile(r"\b[A-Za-z]+-\d+\b")  # "F-35", "S-400", "COVID-19"
_NUMBER_VALUES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_COUNTED = re.compile(rf"(?<![\w-])(\d{{1,2}}|{'|'.join(_NUMBER_VALUES)})\s+([a-z]+)", re.IGNORECASE)


def denies(question: str) -> bool:
    """Does ``question`` ask about what is *not* so (and is not a yes/no question)?

    >>> denies("What cannot be solved by a computer?"), denies("What is solved, whether or not by hand?")
    (True, False)
    """
    if YES_NO_QUESTION.search(question):
        return False
    return bool(_QUESTION_NEGATION.search(_NOT_A_NEGATION.sub(" ", question)))


def opposes(question: str, texts: list[str]) -> bool:
    """Do ``texts`` hold the opposite of a word of ``question`` and not the word itself (compared on
    stems): "the least…" against "the most…", "informal" against "formal" (unless they deny
    something), "solved" against "unsolved"?  False for yes/no questions, which opposites answer.

    >>> opposes("What is the least important class?", ["#P is the most important class."])
    True
    >>> opposes("What is the most important class?", ["#P is the most important class."])
    False
    """
    if YES_NO_QUESTION.search(question):
        return False
    asked = set(_WORD.findall(question.lower()))
    said = {word for text in texts for word in _WORD.findall(text.lower())}
    said_stems = set(stems(" ".join(texts)))
    negated = any(_NEGATION.search(text) for text in texts)
    for word in asked:
        if set(stems(word)) <= said_stems:
            continue
        root = unprefixed(word)
        if root and root in said and not negated:
            return True  # asks "informal", the extracts say "formal" and deny nothing
        if prefixed(word) & said:
            return True  # asks "solved", the extracts say "unsolved"
        opposite = OPPOSITES.get(word, set())
        if opposite & said and not opposite & asked:  # not "Is it simple or complex?"
            return True
    return False


def figures(text: str) -> set[str]:
    """The numbers written in digits in ``text``, without thousands commas or leading zeros
    (a date 2022-07-04 gives 2022, 7 and 4; "F-16" gives 16).

    >>> sorted(figures("On 2022-07-04, 1,000 troops and the F-16."))
    ['1000', '16', '2022', '4', '7']
    """
    out = set()
    for match in _FIGURE.findall(text):
        figure = match.rstrip(".,").replace(",", "")
        out.add(figure.lstrip("0") or "0")
    return out


def _counts(text: str) -> list[tuple[int, str]]:
    """Small counts and the word each counts, on its first five letters: "two finite graphs" -> (2, "finit")."""
    out = []
    for number, word in _COUNTED.findall(text):
        value = int(number) if number.isdigit() else _NUMBER_VALUES[number.lower()]
        out.append((value, word.lower()[:5]))
    return out


def _counted_near(value: int, word: str, texts: list[str]) -> bool:
    """Does a text give ``value`` within three words before ``word`` (its first five letters):
    "two of the three national newspapers" holds two of the national newspapers?"""
    forms = [str(value)] + [name for name, number in _NUMBER_VALUES.items() if number == value]
    pattern = rf"(?<![\w-])(?:{'|'.join(forms)})\b(?:\s+[\w'.-]+){{0,3}}?\s+{re.escape(word)}"
    return any(re.search(pattern, text, re.IGNORECASE) for text in texts)


def miscounts(question: str, texts: list[str]) -> bool:
    """Do ``texts`` count what ``question`` counts with another number, and never with its own?

    >>> miscounts("Which problem asks if three finite graphs are isomorphic?", ["whether two finite graphs are"])
    True
    >>> miscounts("Which two national newspapers are in New York?", ["two of the three national daily newspapers"])
    False
    """
    said = [count for text in texts for count in _counts(text)]
    for value, word in _counts(question):
        others = {v for v, w in said if w == word}
        if value != 1 and others and value not in others and not _counted_near(value, word, texts):
            return True
    return False


def missing_fact(question: str, texts: list[str], captions: list[str] = (), sources: list[str] = ()) -> str | None:
    """The kind of fact ``question`` asks for when none of ``texts`` holds one, else None:

    * ``count`` ("how many X": :func:`holds_count_of`);
    * ``money`` ("how much aid…", "the dollar value of…": a sum in a currency);
    * ``duration`` ("what prison sentence…", "how long did…": a number of years, months, weeks,
      days or hours, a life term, or a span of years);
    * ``date`` ("on what date…", "what is the date of…": a month, a numeric date, a weekday,
      "today" or "yesterday" the question does not hold), ``year`` ("in what year…");
    * ``person`` ("Which official / diplomat / envoy…"): no text holds a personal name the question
      does not (:func:`.question.person_names`);
    * ``actor`` (:func:`asked_actor`): no text nor caption (``captions``: each extract's speaker,
      its document's title and source) names the actor whose words are asked for; or, when the
      question asks what the actor *said* (:func:`asks_for_words`), no caption names it and no
      text has it say anything (:func:`speaks`);
    * ``negation`` (:func:`denies`): the question asks what is not so, and no text holds a negation;
    * ``opposite`` (:func:`opposes`; :mod:`.word_swaps`: ``swaps_opposite``, ``belittles``): the
      texts say the opposite of a word of the question;
    * ``swap`` (:func:`.word_swaps.swaps_word`): the question copies an extract's words around one
      word and changes that word for another that is not its synonym;
    * ``figure``: a number of three digits or more, or a designation ("F-35"), the question states
      (:func:`figures`: a year, a sum; a small one is often written out, "season 7" for "the seventh
      season") is in none of
      ``sources`` (the retrieved documents: text, title and date; not checked when none are given), or the
      texts count what it counts with another number (:func:`miscounts`).

    >>> missing_fact("How much did Turkey pay Russia for the S-400?", ["Turkey bought the S-400."])
    'money'
    >>> missing_fact("What prison term was he serving?", ["He was sentenced to 16 years."])
    >>> missing_fact("How did Moscow respond?", ["The US urged Turkey to drop it."], ["State Dept"])
    'actor'
    """
    counted = counted_words(question)
    if counted:
        return None if any(holds_count_of(text, counted) for text in texts) else "count"
    if _MONEY_QUESTION.search(question):
        return None if any(_MONEY.search(text) for text in texts) else "money"
    if _DURATION_QUESTION.search(question):
        return None if any(_DURATION.search(text) for text in texts) else "duration"
    if _DATE_QUESTION.search(question) and not _holds_new(_DATE, texts, question):
        return "date"
    if _YEAR_QUESTION.search(question) and not _holds_new(_YEAR, texts, question):
        return "year"
    asks_person = _PERSON_QUESTION.search(question) and not YES_NO_QUESTION.search(question)
    if asks_person and not any(person_names(text, question) for text in texts):
        return "person"
    actor = asked_actor(question)
    if actor and not mentions_actor(actor, list(texts) + list(captions)):
        return "actor"
    if actor and asks_for_words(question) and not (mentions_actor(actor, list(captions)) or speaks(actor, texts)):
        return "actor"
    if denies(question) and not any(_NEGATION.search(text) for text in texts):
        return "negation"
    if opposes(question, texts) or swaps_opposite(question, texts) or belittles(question, texts):
        return "opposite"
    if swaps_word(question, texts):
        return "swap"
    # Years, sums and designations ("F-35", "S-400"): not a small number, often written out ("season 7").
    stated = {figure for figure in figures(question) if len(figure) >= 3} | figures(
        " ".join(_DESIGNATION.findall(question))
    )
    if stated and sources and not stated <= set().union(*(figures(source) for source in sources)):
        return "figure"
    if miscounts(question, texts):
        return "figure"
    return None
