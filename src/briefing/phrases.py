"""The only words the bot writes itself. Everything else in an answer is quoted."""

NO_ANSWER = "No passage in the sources answers this question."
TIMELINE_HEADER = "Statements in date order:"
FILTER_HEADER = "Sources limited to {what}."
DATE_UNKNOWN = "date unknown"
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


def strength_phrase(strength: str) -> str:
    """The fixed label for how strong the evidence is ("strong" or "partial")."""
    return STRENGTH[strength]
