"""Dates as the corpus writes them: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

A partial date stands for its whole period: ``2021-05`` is 2021-05-01 to
2021-05-31.  :func:`period_bounds` is the one place that turns a date into its
period; the corpus, the store's date columns, question filters, the CLI and the
UI all use it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from .errors import BadDateError

_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def normalise_date(value: object, where: str) -> str | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` from a string or date; None for an empty value.

    Raises :class:`BadDateError` (naming ``where``) for anything else.

    >>> normalise_date("2021-05", "front matter")
    '2021-05'
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not _DATE_RE.match(text):
        raise BadDateError(f"{where}: date {text!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
    parts = [int(p) for p in text.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError as error:
        raise BadDateError(f"{where}: date {text!r} is not a calendar date") from error
    return text


def month_period(year: int, month: int | None) -> tuple[str, str]:
    """First and last day of a year (``month`` None) or of one month."""
    if month is None:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    last = calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"


def period_bounds(date: str) -> tuple[str, str]:
    """First and last day of a ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` period.

    >>> period_bounds("2022-02")
    ('2022-02-01', '2022-02-28')
    """
    parts = date.split("-")
    if len(parts) == 3:
        return date, date
    return month_period(int(parts[0]), int(parts[1]) if len(parts) == 2 else None)


def next_day(day: str) -> str:
    """The ISO date after ``day``."""
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def previous_day(day: str) -> str:
    """The ISO date before ``day``."""
    return (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
