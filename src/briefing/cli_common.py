"""What the ``briefing`` command and ``briefing eval`` share: logging and filter options.

Low in the package on purpose: ``cli.py`` and ``evaluation/cli.py`` both import
it, and it imports neither.
"""

from __future__ import annotations

import argparse
import sys

from .answer.retrieve import Filters
from .dates import normalise_date, period_bounds
from .errors import BadDateError


def log(message: str) -> None:
    """A progress or warning line on stderr."""
    print(message, file=sys.stderr, flush=True)


def date_arg(value: str) -> str:
    """argparse type for --since/--until: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    try:
        return normalise_date(value, "date")
    except BadDateError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_filter_args(parser: argparse.ArgumentParser) -> None:
    """--since, --until and --source on ``parser``."""
    parser.add_argument("--since", type=date_arg, help="only documents dated on or after this date (YYYY[-MM[-DD]])")
    parser.add_argument("--until", type=date_arg, help="only documents dated on or before this date")
    parser.add_argument("--source", help="only documents whose source contains this text")


def filters_from_args(args) -> Filters:
    """Filters from --since/--until/--source; partial dates cover their whole period."""
    since = period_bounds(args.since)[0] if args.since else None
    until = period_bounds(args.until)[1] if args.until else None
    return Filters(since, until, args.source)
