"""What a question asks for beyond its words: a date filter, a change over time.

A date is applied as a filter only when the question names exactly one period
with a clear preposition ("in 2021", "in June 2022", "during May 2022",
"since March 2022", "after 2021", "before 2022", "until July 2022") and asks
about what sources said or did (say, state, announce, position, policy, call,
meet ...).  "Why did Cyprus withdraw the S-300 in 1999?" names the date of an
event, not of a statement, so it is not a filter.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from ..dates import month_period, next_day, previous_day

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_PERIOD = rf"(?:(?P<month>{_MONTH_NAMES})\.?\s+)?(?P<year>(?:19|20)\d\d)"
_DATE_RE = re.compile(
    rf"\b(?P<prep>in|during|since|after|before|until|till|by)\s+(?:early\s+|late\s+|mid-?\s*)?{_PERIOD}\b",
    re.IGNORECASE,
)
_ANY_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_STATEMENT_RE = re.compile(
    r"\b(say|says|said|saying|state[sd]?|statements?|announce[sd]?|announcements?|position|stance|policy|"
    r"view|comment\w*|brief\w*|tell|told|mention\w*|discuss\w*|talk\w*|call(?:s|ed)?|meet\w*|met|"
    r"readouts?|remarks?|urge[sd]?|warn\w*|condemn\w*|respon\w*|react\w*|spokes\w*|chang\w*|shift\w*|"
    r"soften\w*|harden\w*|still|sanction\w*)\b",
    re.IGNORECASE,
)

_CHANGE_RE = re.compile(
    r"\b(chang\w*|still|shift\w*|soften\w*|harden\w*|over time|evolv\w*|any change|revers\w*|"
    r"no longer|anymore|any more|remain\w*|continu\w*|consistent|same position|moved?|backtrack\w*|"
    r"u-turn|reconsider\w*|timeline|over the (?:months|years)|has .* been|"
    # "since" counts only before a date or "then": "since March 2022", "since February 24", "since
    # then"; "since the new administration took office" names an event, not a span of statements.
    rf"since\s+(?:then|(?:early\s+|late\s+|mid-?\s*)?(?:(?:{_MONTH_NAMES})\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?"
    rf"(?:,?\s+(?:19|20)\d\d)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_NAMES})|(?:19|20)\d\d|"
    r"(?:last|this) (?:year|month|week|spring|summer|autumn|fall|winter)|yesterday)))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateRange:
    since: str | None
    until: str | None


def date_filter(question: str) -> DateRange | None:
    """The date range a question states unambiguously, else None."""
    matches = list(_DATE_RE.finditer(question))
    if not _STATEMENT_RE.search(question):
        return None
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

    >>> is_change_question("Has the US softened its stance?"), is_change_question("Who called since the summit?")
    (True, False)
    """
    return bool(_CHANGE_RE.search(question))


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
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|percent|several|few"
)
_A_NUMBER = rf"\d[\d,.]*|{_NUMBER_WORDS}"  # digits or a number word (inside a group)
_HAS_DATE = re.compile(
    r"\b(?:(?:19|20)\d\d|(?-i:January|February|March|April|May|June|July|August|September|October|"
    r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"yesterday|today|tomorrow|last (?:year|month|week)|next (?:year|month|week)|this (?:year|month|week)|"
    r"earlier this|ago)\b",
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
_NUMBER_TOKEN = re.compile(rf"\b\d[\d,.]*\b|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_MONTH_DAY = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.? \d{1,2}\b"
)
_CAPITALISED_WORD = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-zA-Z\-]+")
_NOT_NAMES = frozenset(
    """the a an this that these those it he she they we i you our his her their its mr ms dr question
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday and but or so if as in on at of for to with by from""".split()
)


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
    """
    if "times" in words and re.search(r"\b(?:once|twice|thrice)\b", text, re.IGNORECASE):
        return True  # "how many times...?" answered "twice"
    for word in words:
        if len(word) < 3 or word in {"and", "or"}:
            continue
        stem = word[:5] if len(word) > 5 else word.rstrip("s")
        # (?<![\w-]): not the number of a code such as F-16 or S-400
        if re.search(rf"(?<![\w-]){_COUNT}\b(?:\s+[\w'-]+){{0,3}}?\s+{re.escape(stem)}", text, re.IGNORECASE):
            return True
    return False


# --- the fact asked for: a count, a sum of money, a length of time ----------------
_MONEY_QUESTION = re.compile(
    r"\bhow much (?:money|aid|assistance|funding|funds|financing|ransom)\b|\b(?:dollar|monetary) (?:value|amount)\b|"
    r"\bhow much\b[^?]*\b(?:cost|costs|pay|paid|spend|spent|worth|pledge|pledged|price)\b",
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


def missing_fact(question: str, texts: list[str]) -> str | None:
    """The kind of fact ``question`` asks for when none of ``texts`` holds one: ``count`` ("how
    many X": :func:`holds_count_of`), ``money`` ("how much aid…", "the dollar value of…": a sum
    in a currency) or ``duration`` ("what prison sentence…", "how long did…": a number of
    years, months, weeks, days or hours, a life term, or a span of years); None when the question
    asks for none of these or one of the texts holds it.

    >>> missing_fact("How much did Turkey pay Russia for the S-400?", ["Turkey bought the S-400."])
    'money'
    >>> missing_fact("What prison term was he serving?", ["He was sentenced to 16 years."])
    """
    counted = counted_words(question)
    if counted:
        return None if any(holds_count_of(text, counted) for text in texts) else "count"
    if _MONEY_QUESTION.search(question):
        return None if any(_MONEY.search(text) for text in texts) else "money"
    if _DURATION_QUESTION.search(question):
        return None if any(_DURATION.search(text) for text in texts) else "duration"
    return None
