"""The installed package's version, read from its metadata (never hard-coded)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """The version of the installed ``briefing`` distribution (``0+unknown`` when run from a bare tree)."""
    try:
        return version("briefing")
    except PackageNotFoundError:  # pragma: no cover - running without `pip install -e .`
        return "0+unknown"
