"""The only words the bot writes itself. Everything else in an answer is quoted."""

NO_ANSWER = "No passage in the sources answers this question."
TIMELINE_HEADER = "Statements in date order:"
FILTER_HEADER = "Sources limited to {what}."
DATE_UNKNOWN = "date unknown"
NO_DAY = "{date}, no day given"  # a document dated by its year or month only: "2021, no day given"
SOURCE_UNKNOWN = "source unknown"
UNTITLED = "untitled"


EMPTY_FILTER = "No passage in the sources is within the filter ({what}). Widen or clear the filter to get an answer."
DATE_CONFLICT = (
    "The question asks about {asked}, but the date filter is {what}. "
    "Clear the date filter or change the question to get an answer."
)


def filter_phrase(since: str | None, until: str | None, source: str | None) -> str:
    """The fixed header naming the filters applied, e.g. 'Sources limited to 2021-01-01 to 2021-12-31.'"""
    return FILTER_HEADER.format(what=describe_filter(since, until, source))


def empty_filter_phrase(since: str | None, until: str | None, source: str | None) -> str:
    """The reply when the filters leave no passage at all: it names the filter, not the sources' silence."""
    return EMPTY_FILTER.format(what=describe_filter(since, until, source))


def date_conflict_phrase(asked: tuple[str | None, str | None], since: str | None, until: str | None) -> str:
    """The reply when the date a question states lies outside the date filter, e.g. "in 2021"
    under "since 2022-01-01": both are named, and nothing is answered from either."""
    return DATE_CONFLICT.format(what=describe_filter(since, until, None), asked=describe_filter(*asked, None))


def describe_filter(since: str | None, until: str | None, source: str | None) -> str:
    """The words naming a filter: "2021-01-01 to 2021-12-31, source “AP”", "from 2022-01-01"."""
    parts = []
    if since and until:
        parts.append(f"{since} to {until}")
    elif since:
        parts.append(f"from {since}")
    elif until:
        parts.append(f"until {until}")
    if source:
        parts.append(f"source “{source}”")
    return ", ".join(parts)


STRENGTH = {
    "strong": "Evidence: strong — the first extract closely matches the question.",
    "partial": "Evidence: partial — the extracts are related to the question; check whether they answer it.",
}


# A timeline's label says what it shows (answer/timeline.py): strong only on subject on two dates or more.
TIMELINE_STRENGTH = {
    "strong": "Evidence: strong — every statement names the question's subject, on two dates or more.",
    "one_date": "Evidence: partial — the sources name this subject on one date only, which cannot show a change.",
    "no_day": "Evidence: partial — the statements on this subject give no full date, so their order is uncertain.",
    "subject_unseen": (
        "Evidence: partial — no statement names the question's subject in its words; "
        "check that these statements are about what you mean."
    ),
    "no_subject": (
        "Evidence: partial — the question names no subject besides the change it asks about; "
        "check that these statements are about what you mean."
    ),
}


def strength_phrase(strength: str, reason: str | None = None) -> str:
    """The fixed label for how strong the evidence is ("strong" or "partial"); a timeline's
    ``reason`` (a key of :data:`TIMELINE_STRENGTH`) gives its own label."""
    if reason in TIMELINE_STRENGTH:
        return TIMELINE_STRENGTH[reason]
    return STRENGTH[strength]


def date_label(date: str | None) -> str:
    """A document's date as a caption shows it: the day; a year or month alone marked as such
    ("2021, no day given"); "date unknown" without one."""
    if not date:
        return DATE_UNKNOWN
    return date if len(date) == 10 else NO_DAY.format(date=date)
