"""``.md`` and ``.txt`` files, with optional YAML front matter (title, date, source, url).

A news article's source may also be given as its ``publication``, ``publisher``, ``site``,
``site_name``, ``outlet`` or ``newspaper``; without any, the source is the URL's site
(:func:`briefing.corpus.documents.make_document`)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import CorpusError
from ..records import Document
from .documents import date_from_filename, decode, make_document, normalise_date

TEXT_EXTENSIONS = {".md", ".txt"}
SOURCE_KEYS = ("source", "publication", "publisher", "site", "site_name", "outlet", "newspaper")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def read_text(path: Path, relative: str) -> list[Document]:
    text = decode(path.read_bytes())
    meta: dict = {}
    match = _FRONT_MATTER_RE.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as error:
            raise CorpusError(f"malformed front matter: {str(error).splitlines()[0]}") from error
        except ValueError as error:  # YAML reads `date: 2021-13-45` as a date and fails on the month
            raise CorpusError(f"malformed front matter ({error}); write dates as YYYY-MM-DD") from error
        if loaded is not None and not isinstance(loaded, dict):
            raise CorpusError("malformed front matter: expected 'key: value' lines")
        meta = loaded or {}
        text = text[match.end() :]
    date = normalise_date(meta.get("date"), "front matter") or date_from_filename(path.name)
    source = next((meta[key] for key in SOURCE_KEYS if meta.get(key)), None)
    return [make_document(relative, text, title=meta.get("title"), date=date, source=source, url=meta.get("url"))]
