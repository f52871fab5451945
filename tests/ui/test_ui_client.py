"""`python app.py` as a real server, driven through gradio_client: ask, filter, follow up, upload."""

from __future__ import annotations

import os
import re
import sys
from html import unescape
from pathlib import Path

import pytest
from conftest import ARTICLE, article_corpus, free_port, serving

from briefing import phrases

# Minutes of real processes (issue 26): out of the default run, in CI (`.ci/run`, `-m integration`).
pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180

NEW_DOCUMENT = """---
title: "Arctic Council ministers meet in Tromsø"
date: "2023-02-01"
source: "Nordic Desk"
---
The Arctic Council ministers agreed that the next permafrost monitoring summit will be hosted by Reykjavik in 2024.

Delegates also discussed icebreaker escort fees for the Northern Sea Route.
"""
NEW_QUESTION = "Which city will host the permafrost monitoring summit?"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """`python app.py --corpus TMP --index TMP --port P` in a subprocess (the seed article alone)."""
    folder = tmp_path_factory.mktemp("ui-app")
    corpus = folder / "corpus"
    article_corpus(corpus)
    port = free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
    command = [sys.executable, str(REPO / "app.py"), "--corpus", str(corpus), "--index", str(folder / "index"),
               "--port", str(port)]  # fmt: skip
    with serving(command, port, folder / "app.log", env, folder, START_TIMEOUT):
        yield {"url": f"http://127.0.0.1:{port}/", "corpus": corpus, "index": folder / "index",
               "log": folder / "app.log", "folder": folder}  # fmt: skip


@pytest.fixture
def client(app_server):
    from gradio_client import Client

    return Client(app_server["url"], verbose=False)


def _quotes(html: str) -> list[str]:
    return [unescape(q) for q in re.findall(r"<blockquote>(.*?)</blockquote>", html, re.DOTALL)]


def _ask(client, question, since="", until="", source="All sources", top=5) -> str:
    transcript, cleared = client.predict(question, since, until, source, top, api_name="/chat")
    assert cleared == ""
    return transcript


def _last_answer(transcript: str) -> str:
    return transcript.rsplit('<div class="bf-question">', 1)[-1]


def test_startup_updates_the_index_and_binds_localhost(app_server):
    log = app_server["log"].read_text()
    assert "indexing" in log  # the build's progress bar
    assert "1 documents" in log and "in the index" in log
    assert f"http://127.0.0.1:{app_server['url'].rsplit(':', 1)[1].strip('/')}" in log
    assert (app_server["index"] / "manifest.json").exists()


def test_answer_quotes_the_source_sentence_with_its_citation(client):
    answer = _last_answer(_ask(client, "did the US position change?"))
    quotes = _quotes(answer)
    assert any("has not changed" in quote for quote in quotes), quotes
    source = ARTICLE.read_text()
    assert all(quote in source for quote in quotes)  # verbatim
    assert re.search(r'class="bf-cite"[^>]*>\[1\]</button>', answer)
    assert "US State Department renews call on Turkey to drop the S-400 (news report)" in unescape(answer)
    # one document, every extract dated 2021: one caption, and no "Statements in date order" header
    assert phrases.TIMELINE_HEADER not in answer
    assert answer.count("<figcaption>") == 1


def test_follow_up_uses_the_previous_question(client):
    _ask(client, "Did the US position change?")
    transcript = _ask(client, "and what did Turkey say?")
    assert transcript.count('<div class="bf-question">') == 2
    follow_up = _last_answer(transcript)
    assert "Read as a follow-up to:" in follow_up and "Did the US position change?" in follow_up
    assert _quotes(follow_up) or phrases.NO_ANSWER in follow_up


def test_date_filter_that_excludes_everything_abstains(client):
    """It says the filter is why, in the fixed phrase that names it (issue 26), not that the sources are silent."""
    answer = _last_answer(_ask(client, "Did the US position change?", since="2022-01-01"))
    assert re.sub(r"<[^>]+>", "", answer.split("</div>", 1)[1]) == phrases.empty_filter_phrase("2022-01-01", None, None)
    assert "<blockquote>" not in answer


def test_malformed_date_is_refused(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="YYYY-MM-DD"):
        _ask(client, "Did the US position change?", until="2021-13-45")


def test_upload_rebuild_then_answer_from_the_new_document(client, app_server, tmp_path):
    from gradio_client import handle_file

    before = _last_answer(_ask(client, NEW_QUESTION))
    assert phrases.NO_ANSWER in before and "<blockquote>" not in before

    upload_dir = tmp_path / "up"
    upload_dir.mkdir()
    good = upload_dir / "2023-02-01 arctic council.md"
    good.write_text(NEW_DOCUMENT, encoding="utf-8")
    hidden = upload_dir / ".sneaky.md"
    hidden.write_text("hidden", encoding="utf-8")
    messages, status, _source, _files = client.predict(
        [handle_file(str(good)), handle_file(str(hidden))], api_name="/add_documents"
    )
    text = unescape(re.sub(r"<[^>]+>", "\n", messages))
    assert "Added 2023-02-01 arctic council.md." in text
    assert re.search(r"Rejected \S*sneaky\.md: ", text)
    assert "Index rebuilt: documents: 1 added" in text
    assert ">2</dd>" in status  # two documents now
    assert sorted(p.name for p in app_server["corpus"].iterdir()) == [
        "2023-02-01 arctic council.md",
        "us-turkey-s400-article.md",
    ]

    after = _last_answer(_ask(client, NEW_QUESTION))
    quotes = _quotes(after)
    assert any("hosted by Reykjavik" in quote for quote in quotes), after
    assert "Arctic Council ministers meet in Tromsø" in unescape(after)
