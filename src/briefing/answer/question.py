"""What a question asks for beyond its words: a date filter, a change over time, an answer type.

A date is applied as a filter only when the question names exactly one period
with a clear preposition ("in 2021", "in June 2022", "during May 2022",
"since March 2022", "after 2021", "before 2022", "until July 2022"), or a span
from end to end ("between June and July 2022", "from 2021 into mid-2022", "in
spring 2022"), and asks about what sources said or did (say, state, announce,
position, policy, call, meet ...) or whether something changed.  "Why did
Cyprus withdraw the S-300 in 1999?" names the date of an event, not of a
statement, so it is not a filter.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from ..dates import month_period, next_day, previous_day

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# Capitalised month names and abbreviations, for patterns matched case-sensitively ("may" is a verb).
MONTH_WORDS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
)
# Days named in full or relative to a document's date, for the date patterns here and in fact_check.
DAY_WORDS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow"
_PERIOD = rf"(?:(?P<month>{_MONTH_NAMES})\.?\s+)?(?P<year>(?:19|20)\d\d)"
_DATE_RE = re.compile(
    rf"\b(?P<prep>in|during|since|after|before|until|till|by)\s+(?:early\s+|late\s+|mid-?\s*)?{_PERIOD}\b",
    re.IGNORECASE,
)
_ANY_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _span_side(n: str) -> str:
    """One end of a stated span: "June", "mid-June", "July 2022", "2021", "the 2021", "mid-2022"."""
    return (
        r"(?:the\s+)?(?:(?:early|mid|late)[\s-]*)?"
        rf"(?:(?P<month{n}>{_MONTH_NAMES})\.?(?:\s+(?P<year{n}>(?:19|20)\d\d))?|(?P<yearonly{n}>(?:19|20)\d\d))"
    )


_SPAN_RES = tuple(
    re.compile(rf"\b{opening}\s+{_span_side('1')}\s+{joint}\s+{_span_side('2')}\b", re.IGNORECASE)
    for opening, joint in (("between", "and"), ("from", "(?:to|into|through|until|till)"))
)
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11)}
_SEASON_RE = re.compile(
    r"\b(?:(?:in|during|over|through(?:out)?)\s+(?:the\s+)?(?P<season>spring|summer|autumn|fall)(?:\s+of)?|"
    r"over the course of|throughout)\s+(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_STATEMENT_RE = re.compile(
    r"\b(say|says|said|saying|state[sd]?|statements?|announce[sd]?|announcements?|position|stance|policy|"
    r"view|comment\w*|brief\w*|tell|told|mention\w*|discuss\w*|talk\w*|call(?:s|ed)?|meet\w*|met|"
    r"readouts?|remarks?|urge[sd]?|warn\w*|condemn\w*|respon(?:d\w*|se\w*)|react\w*|spokes\w*|chang\w*|shift\w*|"
    r"soften\w*|harden\w*|still|sanction\w*)\b",
    re.IGNORECASE,
)

_SINCE_A_DATE = (
    # "since" counts only before a date or "then": "since March 2022", "since February 24", "since
    # then"; "since the new administration took office" names an event, not a span of statements.
    rf"since\s+(?:then|(?:early\s+|late\s+|mid-?\s*)?(?:(?:{_MONTH_NAMES})\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?"
    rf"(?:,?\s+(?:19|20)\d\d)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_NAMES})|(?:19|20)\d\d|"
    r"(?:last|this) (?:year|month|week|spring|summer|autumn|fall|winter)|yesterday))"
)
# Words that ask about change in any question: "Did the position change?", "any change in",
# "soften", "altered", "hold steady", "go from … to", "since March 2022".  "What change to the
# test did the department announce?" asks for a fact: "change" right after what/which does not count.
_CHANGE_RE = re.compile(
    r"\b(?:(?<!what )(?<!which )chang\w*|shift\w*|soften\w*|harden\w*|over time|evolv\w*|revers\w*|"
    r"no longer|anymore|any more|consistent\w*|same position|backtrack\w*|u-turn|reconsider\w*|timeline|"
    r"over the (?:months|years|course)|alter(?:ed|ing|ation)?|h[oe]ld\w* steady|(?:go|goes|went|gone|going) from|"
    + _SINCE_A_DATE
    + r")\b",
    re.IGNORECASE,
)
# Words that ask about change only in a yes/no or "how did / has" question, as a stated span does
# ("between April and July 2022", _span_match): "Is the US still opposed?", "Has support remained
# the same?", "How did the total grow between April and July?"; not in "Which convention did Turkey
# continue to implement?" or "What would need to remain constant?".
_CONTINUITY_RE = re.compile(
    r"\b(?:still|remain\w*|continu\w*|stay\w*|has .* been|grow|grew|grown|increas\w*|decreas\w*|rise|rose|"
    r"risen|drop\w*)\b",  # not "fall": "Does the sale fall under CAATSA?"
    re.IGNORECASE,
)
_YES_NO_OPENING = r"did|does|do|has|have|had|is|are|was|were|will|would|can|could|should"
# A yes/no question ("Did Turkey support it?"), which an opposite or a denial answers (fact_check).
YES_NO_QUESTION = re.compile(rf"^\W*(?:{_YES_NO_OPENING}|may|might|must)\b", re.IGNORECASE)
_OPEN_QUESTION = re.compile(
    rf"^\W*(?:{_YES_NO_OPENING}|any|how (?:did|has|have|do|does|is|are|was|were))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateRange:
    since: str | None
    until: str | None


def _side(match: re.Match, side: str) -> tuple[int | None, int | None]:
    month = match.group(f"month{side}")
    year = match.group(f"year{side}") or match.group(f"yearonly{side}")
    return (MONTHS.get(month.lower().rstrip(".")) if month else None), (int(year) if year else None)


def _span_match(question: str) -> re.Match | None:
    """The question's "between <period> and <period>" or "from <period> to <period>", if any."""
    return next((m for m in (pattern.search(question) for pattern in _SPAN_RES) if m), None)


def _stated_span(question: str) -> DateRange | None:
    """A span the question states from end to end: "between June and July 2022", "from 2021 into
    mid-2022", "between the 2021 and 2022 reports", "in spring 2022", "during summer 2021", "over
    the course of 2022"; None when a side has no year to read."""
    match = _span_match(question)
    if match:
        (month1, year1), (month2, year2) = _side(match, "1"), _side(match, "2")
        year1, year2 = year1 or year2, year2 or year1
        if year1 is None:
            return None
        start, end = month_period(year1, month1)[0], month_period(year2, month2)[1]
        return DateRange(start, end) if start <= end else None
    match = _SEASON_RE.search(question)
    if match:
        year = int(match.group("year"))
        season = (match.group("season") or "").lower()
        if not season:
            return DateRange(*month_period(year, None))
        first, last = _SEASONS["autumn" if season == "fall" else season]
        return DateRange(month_period(year, first)[0], month_period(year, last)[1])
    return None


def date_filter(question: str) -> DateRange | None:
    """The date range a question states unambiguously, else None."""
    statement = bool(_STATEMENT_RE.search(question))
    if not statement and not is_change_question(question):
        return None
    span = _stated_span(question)
    if span or not statement:
        return span
    matches = list(_DATE_RE.finditer(question))
    if len(matches) != 1 or len(_ANY_YEAR.findall(question)) != 1:
        return None
    match = matches[0]
    month = MONTHS.get((match.group("month") or "").lower().rstrip("."))
    start, end = month_period(int(match.group("year")), month)
    prep = match.group("prep").lower()
    if prep in {"in", "during"}:
        return DateRange(start, end)
    if prep == "since":
        return DateRange(start, None)
    if prep == "after":
        return DateRange(next_day(end), None)
    if prep == "before":
        return DateRange(None, previous_day(start))
    return DateRange(None, end)  # until, till, by


def is_change_question(question: str) -> bool:
    """True when the question asks whether something changed or stayed the same over time.

    "since" alone is not enough: "since 2021", "since February 24" and "since then" make a
    span of time to show as a timeline, "since the new administration took office" does not.
    "still", "remain", "continue", "grow", "between June and July 2022" count only in a yes/no or
    "how did / has" question: "Which convention did Turkey continue to implement?" asks for a fact.

    >>> is_change_question("Has the US softened its stance?"), is_change_question("Who called since the summit?")
    (True, False)
    >>> is_change_question("Is it still opposed?"), is_change_question("Which talks did the US continue to support?")
    (True, False)
    """
    continuity = _CONTINUITY_RE.search(question) or _span_match(question)
    return bool(_CHANGE_RE.search(question)) or bool(continuity and _OPEN_QUESTION.search(question))


# --- answer types (the sentence scorer's features) ------------------------
_NUMBER_QUESTION = re.compile(
    r"\b(how (?:much|many|long|old|far|large|big|often)|what (?:is |was |were )?(?:the )?"
    r"(?:price|cost|number|amount|percentage|share|total|sum|value|figure|size)|"
    r"which (?:number|amount|percentage))\b",
    re.IGNORECASE,
)
_DATE_QUESTION = re.compile(
    r"(^|\b)(when\b|what (?:date|day|year|month|time)\b|which (?:date|day|year|month)\b|on what (?:date|day)\b|"
    r"in what (?:year|month)\b)",
    re.IGNORECASE,
)
NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|percent|several|few"
)
_HAS_DATE = re.compile(
    rf"\b(?:(?:19|20)\d\d|(?-i:{MONTH_WORDS})|{DAY_WORDS}|"
    r"last (?:year|month|week)|next (?:year|month|week)|this (?:year|month|week)|earlier this|ago)\b",
    re.IGNORECASE,
)


_PERSON_QUESTION = re.compile(
    r"\b(who|whom|whose)\b|\b(?:which|what) (?:official|minister|spokes(?:person|man|woman)|envoy|president|"
    r"secretary|ambassador|person|leader|diplomat|representative|general|prime minister)\b",
    re.IGNORECASE,
)
_PLACE_QUESTION = re.compile(
    r"\bwhere\b|\b(?:which|what|in which|in what) (?:country|countries|city|cities|place|region|capital|port|state)\b",
    re.IGNORECASE,
)
_NUMBER_TOKEN = re.compile(rf"\b\d[\d,.]*\b|\b(?:{NUMBER_WORDS})\b", re.IGNORECASE)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_MONTH_DAY = re.compile(rf"\b(?:{MONTH_WORDS})\.? \d{{1,2}}\b")
_CAPITALISED_WORD = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-zA-Z\-]+")
_NOT_NAMES = frozenset(
    """the a an this that these those it he she they we i you our his her their its mr ms dr question
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday and but or so if as in on at of for to with by from""".split()
)


_TITLE = re.compile(
    r"(?:Ambassador|Secretary|Minister|President|Envoy|Representative|Senator|Spokesperson|Spokesman|"
    r"Spokeswoman|Mr|Ms|Mrs|Dr|Director|Coordinator|Chairman|Chair|Governor|General|Admiral|Judge|Justice|"
    r"Professor|King|Queen|Prince|Sheikh|Commissioner|Administrator|Counselor|Chancellor|Colonel|Mayor|Emir)\.?"
)
# Words of US government bodies and of titles: they name no particular person or actor
# (person_names here, fact_check.asked_actor).
GOVERNMENT_WORDS = frozenset(
    """a administration ambassador america american americans an assistant department deputy dr embassy
    envoy foreign general government her his house its minister ministry mr ms office our president
    secretary special spokesperson state states the their under united white""".split()
)
# Capitalised words that do not make a person's name: those, institutions, generic place words,
# months and days, and sentence openers.
_NOT_PERSON = GOVERNMENT_WORDS | frozenset(
    """of and for to in on at by with from as nations council service security republic islands
    federation affairs bureau rights human national international global senior press congress
    committee commission agency organization program act convention accords accord treaty union
    european court consulate mission forces army navy military party front group network company
    bank fund corporation strategic mechanism summit conference day week initiative partnership
    alliance coalition north south east west northern southern eastern western central new saudi
    arab emirates kingdom sea black red gulf middle horn africa asia pacific europe caribbean latin
    director coordinator secretary-general federal public health world trade economic energy defense
    justice treasury commerce homeland institute university center policy law executive order
    january february march april may june july august september october november december monday
    tuesday wednesday thursday friday saturday sunday i we he she they it this that these those
    question today yesterday""".split()
)
_CAPITAL_TOKEN = re.compile(r"[A-Za-z][\w'’\-]*")


def person_names(text: str, question: str) -> list[str]:
    """Personal names in ``text`` whose last word ``question`` does not hold: two or more capitalised words
    that name no institution, place word or month ("Mike Hammer", "Hans Grundberg"), or one after a
    title ("Envoy Lenderking").  A heuristic, not a tagger: "Addis Ababa" passes for a name.

    >>> person_names("I am announcing that Ambassador Mike Hammer will succeed him.", "Who succeeds Satterfield?")
    ['Mike Hammer']
    >>> person_names("Special Envoy David Satterfield will travel to the UAE.", "Who succeeds Satterfield?")
    []
    """
    asked = question.lower()
    tokens = _CAPITAL_TOKEN.findall(text)
    names, i = [], 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and tokens[j][:1].isupper() and tokens[j].lower() not in _NOT_PERSON:
            j += 1
        if j == i:
            i += 1
            continue
        run = tokens[i:j]
        titled = i > 0 and _TITLE.fullmatch(tokens[i - 1]) is not None
        if (len(run) >= 2 or titled) and run[-1].lower() not in asked:  # the question's own person: same surname
            names.append(" ".join(run))
        i = j
    return names


def answer_type(question: str) -> str | None:
    """What kind of answer the question asks for: number, date, person, place, or None.

    >>> answer_type("Who succeeded Khalilzad as special representative?")
    'person'
    """
    if _NUMBER_QUESTION.search(question):
        return "number"
    if _DATE_QUESTION.search(question):
        return "date"
    if _PERSON_QUESTION.search(question):
        return "person"
    if _PLACE_QUESTION.search(question):
        return "place"
    return None


def holds_answer_type(kind: str | None, text: str, question: str) -> bool:
    """Does ``text`` hold an answer of ``kind`` that ``question`` does not already contain?

    A count for "number" (not a year or a day of a month), a date for "date", a
    name the question does not use for "person" and "place"; True without a kind.
    """
    if kind is None:
        return True
    asked = question.lower()
    if kind == "number":
        days = {match.group().split()[-1] for match in _MONTH_DAY.finditer(text)}
        return any(
            token.lower() not in asked and not _YEAR.match(token) and token not in days
            for token in (m.group().rstrip(".,") for m in _NUMBER_TOKEN.finditer(text))
        )
    if kind == "date":
        return any(match.group().lower() not in asked for match in _HAS_DATE.finditer(text))
    return any(word.lower() not in asked and word.lower() not in _NOT_NAMES for word in _CAPITALISED_WORD.findall(text))
