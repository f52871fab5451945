"""The chat in a real browser (Debian chromium via playwright): ask, cite, source view, hostile input.

One in-process server for the module, on a temporary corpus of the seed article plus a
hostile document, with the session's real model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import article_corpus, free_port

from briefing import phrases

REPO = Path(__file__).resolve().parents[2]
ARTEFACTS = REPO / "test-artefacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 120_000  # generous: the first answer calibrates the index, slow on a busy shared machine

HOSTILE_NAME = "2022-03-04-fisheries-bulletin.md"
HOSTILE = """---
title: "Fisheries bulletin <script>window.__xss = 'title'</script>"
date: "2022-03-04"
source: "Harbour Wire <img src=x onerror=\\"window.__xss='source'\\">"
url: "javascript:window.__xss='url'"
---
The cod quota agreement between Norway and Iceland was signed in Tromsø <script>window.__xss = 'script'</script> after three days of talks.

Under the cod quota agreement, the Barents Sea catch limit rises by ten percent <img src=x onerror="window.__xss='img'"> for Icelandic trawlers.

Read the cod quota agreement text [here](javascript:window.__xss='md') or <a href="javascript:window.__xss='a'">here</a> with **bold** claims, ${window.__xss='template'} and <iframe srcdoc="<script>parent.__xss='iframe'</script>"></iframe> attached.
"""
HOSTILE_QUESTION = "What does the cod quota agreement say?"

# A long document whose answer lies near its end: "Whole document" must open there, not at the top.
LONG_NAME = "2022-05-01-port-committee-minutes.md"
LONG = (
    '---\ntitle: "Port committee minutes"\ndate: "2022-05-01"\nsource: "Harbour Office"\n---\n'
    + "\n\n".join(f"Item {n}: the port committee reviewed berth {n} and its mooring lines." for n in range(1, 61))
    + "\n\nThe Faroe ferry timetable will change on 3 May, the port authority announced.\n\n"
    + "\n\n".join(f"Item {n}: the committee noted the tide tables for berth {n}." for n in range(61, 66))
    + "\n"
)
LONG_QUESTION = "When will the Faroe ferry timetable change?"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory, real_embedder):
    from briefing.ui.app import build_app, launch, prepare

    folder = tmp_path_factory.mktemp("ui-browser")
    corpus = folder / "corpus"
    article_corpus(corpus)
    (corpus / HOSTILE_NAME).write_text(HOSTILE, encoding="utf-8")
    (corpus / LONG_NAME).write_text(LONG, encoding="utf-8")
    holder = prepare(corpus, folder / "index", embedder=real_embedder, show_bar=False)
    demo = build_app(holder)
    port = free_port()
    launch(demo, port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield {"url": f"http://127.0.0.1:{port}/", "holder": holder}
    finally:
        demo.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.goto(server["url"])
    page.locator("#bf-question textarea").wait_for()
    page.errors = errors
    yield page
    context.close()


ANSWERS = "#bf-transcript .bf-answer:not(.bf-pending)"


def _ask(page, question: str):
    """Ask in the box and wait for this question's answer (the one after those already shown)."""
    before = page.locator(ANSWERS).count()
    box = page.locator("#bf-question textarea")
    box.fill(question)
    box.press("Enter")
    answer = page.locator(ANSWERS).nth(before)
    answer.wait_for()
    return answer


def _assert_inert(page, where: str) -> None:
    scope = page.locator(where)
    assert page.evaluate("window.__xss") is None, page.evaluate("window.__xss")
    for selector in ("script", "img", "iframe", "a[href^='javascript']", "strong", "[onerror]"):
        assert scope.locator(selector).count() == 0, f"{selector} in {where}"
    assert page.locator("img[src='x'], a[href^='javascript'], iframe[srcdoc]").count() == 0


def test_ask_read_the_extract_and_open_the_source(page):
    answer = _ask(page, "Did the US position change?")
    quote = answer.locator("blockquote", has_text="has not changed").first
    assert quote.is_visible()
    assert answer.locator(".bf-timeline-header").count() == 0  # one document, one date: no timeline header
    assert answer.locator("figcaption").count() == 1  # one caption per document
    cite = answer.locator("button.bf-cite").first
    assert cite.inner_text() == "[1]"
    caption = answer.locator("figcaption").first.inner_text()
    assert "US State Department renews call on Turkey to drop the S-400 (news report)" in caption
    assert "2021" in caption
    assert "Fisheries" not in answer.inner_text()  # the hostile document is not part of this answer
    assert page.locator("#bf-question textarea").input_value() == ""

    cite.click()
    mark = page.locator("#bf-source-view .bf-passage mark").first
    mark.wait_for()
    assert "has not changed" in mark.inner_text() or "has not changed" in answer.inner_text()
    source_view = page.locator("#bf-source-view").inner_text()
    assert "us-turkey-s400-article.md" in source_view
    assert "paragraph" in source_view and "characters" in source_view and "% into the document" in source_view
    ARTEFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTEFACTS / "ui-answer.png"))
    assert not [e for e in page.errors if "Error evaluating template" in e], page.errors


def test_hostile_document_is_inert_in_chat_and_source_view(page):
    answer = _ask(page, HOSTILE_QUESTION)
    text = answer.inner_text()
    assert "<script>window.__xss = 'script'</script>" in text  # shown as text
    assert "[here](javascript:window.__xss='md')" in text or "<img src=x" in text
    _assert_inert(page, "#bf-transcript")

    answer.locator("button.bf-cite").first.click()
    page.locator("#bf-source-view .bf-passage mark").first.wait_for()
    page.locator("#bf-source-view details.bf-whole summary").click()
    whole = page.locator("#bf-source-view details.bf-whole .bf-passage").inner_text()
    assert "[here](javascript:window.__xss='md')" in whole
    assert "<iframe srcdoc=" in whole and "${window.__xss='template'}" in whole
    source_view = page.locator("#bf-source-view").inner_text()
    assert "Fisheries bulletin <script>window.__xss = 'title'</script>" in source_view
    assert "javascript:window.__xss='url'" in source_view  # the url as text, not a link
    page.wait_for_timeout(500)  # give any injected handler the chance to run
    _assert_inert(page, "#bf-source-view")
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "ui-hostile.png"))
    assert not page.errors or all("Error evaluating template" not in e and "dialog" not in e for e in page.errors)


def test_abstention_shows_only_the_fixed_message(page):
    answer = _ask(page, "What is the recipe for sourdough bread?")
    assert answer.inner_text().strip() == phrases.NO_ANSWER
    assert answer.locator("blockquote, button.bf-cite").count() == 0


def test_rebuild_when_busy_says_so_and_the_chat_still_answers(server):
    from gradio_client import Client

    from briefing.ui.app import BUSY

    client = Client(server["url"], verbose=False)
    holder = server["holder"]
    assert holder.rebuild_lock.acquire(blocking=False)
    try:
        messages, *_ = client.predict([], api_name="/add_documents")
        assert BUSY.split(";")[0] in messages
        transcript, _ = client.predict("Did the US position change?", "", "", "All sources", 3, api_name="/chat")
        assert "has not changed" in transcript
    finally:
        holder.rebuild_lock.release()


def test_a_filter_that_leaves_nothing_is_named_in_the_reply(page):
    page.locator("#bf-since input, #bf-since textarea").first.fill("2031-01-01")
    answer = _ask(page, "Did the US position change?")
    assert answer.inner_text().strip() == phrases.empty_filter_phrase("2031-01-01", None, None)
    page.locator("#bf-since input, #bf-since textarea").first.fill("2022-01-01")
    answer = _ask(page, "What did the State Department say about the S-400 in 2021?")
    expected = phrases.date_conflict_phrase(("2021-01-01", "2021-12-31"), "2022-01-01", None)
    assert answer.inner_text().strip() == expected
    assert answer.locator("blockquote, button.bf-cite").count() == 0


def test_new_chat_asks_before_it_clears_the_conversation_and_its_brief(page):
    _ask(page, "Did the US position change?")
    page.wait_for_function("() => !document.querySelector('#bf-brief-md').disabled")
    page.locator("#bf-clear").click()
    question = page.locator("#bf-clear-question")
    question.wait_for()
    assert "clears the answer of this conversation and its brief" in question.inner_text()
    assert page.locator(ANSWERS).count() == 1  # nothing is cleared yet
    page.locator("#bf-clear-no").click()
    page.locator("#bf-clear-row").wait_for(state="hidden")
    assert page.locator(ANSWERS).count() == 1
    assert not page.locator("#bf-brief-md").is_disabled()

    page.locator("#bf-clear").click()
    page.locator("#bf-clear-yes").click()
    page.locator(ANSWERS).first.wait_for(state="detached")
    page.locator("#bf-clear-row").wait_for(state="hidden")
    page.wait_for_function("() => document.querySelector('#bf-brief-md').disabled")
    assert page.locator(ANSWERS).count() == 0


def test_an_example_chip_asks_on_click(page):
    from briefing.ui.app import EXAMPLES

    page.locator("#bf-examples").get_by_text(EXAMPLES[0]).first.click()
    answer = page.locator(ANSWERS).first
    answer.wait_for()  # asked without pressing Enter or "Ask"
    assert page.locator("#bf-transcript .bf-question-text").first.inner_text() == EXAMPLES[0]
    assert answer.locator("blockquote").count() >= 1
    assert page.locator("#bf-question textarea").input_value() == ""


def test_whole_document_opens_at_the_highlighted_quote(page):
    answer = _ask(page, LONG_QUESTION)
    assert "Faroe ferry timetable" in answer.inner_text()
    answer.locator("button.bf-cite").first.click()
    page.locator("#bf-source-view .bf-passage mark").first.wait_for()
    page.locator("#bf-source-view details.bf-whole summary").click()
    mark = page.locator("#bf-source-view details.bf-whole .bf-passage mark")
    assert "Faroe ferry timetable" in mark.inner_text()
    page.wait_for_timeout(300)
    # the mark lies inside the visible part of the panel that scrolls (as app.js finds it)
    shown = mark.evaluate(
        """(mark) => {
            let box = mark.parentElement;
            while (box && box !== document.body) {
                const style = getComputedStyle(box);
                if (/(auto|scroll)/.test(style.overflowY) && box.scrollHeight > box.clientHeight) break;
                box = box.parentElement;
            }
            const outer = box.getBoundingClientRect(), inner = mark.getBoundingClientRect();
            return {scrolls: box !== document.body, top: inner.top - outer.top, bottom: outer.bottom - inner.bottom};
        }"""
    )
    assert shown["scrolls"] and shown["top"] >= 0 and shown["bottom"] >= 0, shown
