"""The only words the bot writes itself. Everything else in an answer is quoted."""

NO_ANSWER = "No passage in the sources answers this question."
TIMELINE_HEADER = "Statements in date order:"
FILTER_HEADER = "Sources limited to {what}."
DATE_UNKNOWN = "date unknown"
SOURCE_UNKNOWN = "source unknown"
UNTITLED = "untitled"


def filter_phrase(since: str | None, until: str | None, source: str | None) -> str:
    """The fixed header naming the filters applied, e.g. 'Sources limited to 2021-01-01 to 2021-12-31.'"""
    parts = []
    if since and until:
        parts.append(f"{since} to {until}")
    elif since:
        parts.append(f"from {since}")
    elif until:
        parts.append(f"until {until}")
    if source:
        parts.append(f"source “{source}”")
    return FILTER_HEADER.format(what=", ".join(parts))


STRENGTH = {
    "strong": "Evidence: strong — the first extract closely matches the question.",
    "partial": "Evidence: partial — the extracts are related to the question; check whether they answer it.",
}


def strength_phrase(strength: str) -> str:
    """The fixed label for how strong the evidence is ("strong" or "partial")."""
    return STRENGTH[strength]
