"""The analyst's first hour in a real browser (issue 13): a real server on a temporary copy of part of
the demo corpus, Debian chromium via playwright.

Ask the S-400 change question and see dated statements from several documents; export the brief as
.docx and read it back with python-docx; upload a broken file and see it refused (it never lands in
the corpus folder); remove a document and see it gone from the answers.

The corpus is the seed article plus the two demo records the S-400 timeline draws on besides it
(2021-06-10 briefing, 2021-06-21 Sherman transcript), so the index builds in seconds, not minutes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ARTEFACTS, ARTICLE, CORPUS, free_port

from briefing import phrases
from briefing.answer.timeline import date_order

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 60_000
COLLECTION = "state-dept-demo.jsonl"
RECORDS = ("sdpr-00125", "sdpr-00193")
REMOVED = f"{COLLECTION}#sdpr-00125"
REMOVED_TITLE = "Department Press Briefing – June 10, 2021"
QUESTION = "Did the US position on Turkey's S-400 purchase change?"

# Minutes of real processes (issue 26): out of the default run, in CI (`.ci/run`, `-m integration`).
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def demo_subset(folder: Path) -> Path:
    """A corpus folder with the seed article and the demo records RECORDS (lines copied unchanged)."""
    folder.mkdir(parents=True)
    (folder / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    with open(CORPUS / COLLECTION, encoding="utf-8") as source:
        lines = [line for line in source if json.loads(line)["_id"] in RECORDS]
    assert len(lines) == len(RECORDS)
    (folder / COLLECTION).write_text("".join(lines), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def demo(tmp_path_factory, real_embedder):
    from briefing.ui.app import build_app, launch, prepare

    folder = tmp_path_factory.mktemp("ui-demo")
    corpus = demo_subset(folder / "corpus")
    holder = prepare(corpus, folder / "index", embedder=real_embedder, show_bar=False)
    app = build_app(holder)
    port = free_port()
    launch(app, port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield {"url": f"http://127.0.0.1:{port}/", "corpus": corpus, "folder": folder}
    finally:
        app.close()


@pytest.fixture(scope="module")
def page(demo):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(demo["url"])
        page.locator("#bf-question textarea").wait_for()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _ask(page, question: str):
    before = page.locator("#bf-transcript .bf-answer:not(.bf-pending)").count()
    box = page.locator("#bf-question textarea")
    box.fill(question)
    box.press("Enter")
    page.locator("#bf-transcript .bf-answer:not(.bf-pending)").nth(before).wait_for()
    return page.locator("#bf-transcript .bf-answer:not(.bf-pending)").nth(before)


def test_first_hour(page, demo, tmp_path):
    try:
        _first_hour(page, demo, tmp_path)
    except BaseException:
        ARTEFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "ui-demo-failure.png"), full_page=True)
        raise


def _first_hour(page, demo, tmp_path):
    docx = pytest.importorskip("docx")

    # 1. The change question: a timeline of dated statements from several documents.
    answer = _ask(page, QUESTION)
    assert answer.locator(".bf-timeline-header").inner_text() == phrases.TIMELINE_HEADER
    dates = answer.locator(".bf-when-date").all_inner_texts()
    documents = {figure.get_attribute("data-citation") for figure in answer.locator("figure.bf-doc").all()}
    assert len(set(dates)) >= 3 and len(documents) >= 2, (dates, documents)
    days = [date.split(",")[0] for date in dates]  # "2021, no day given" -> "2021"
    assert days == sorted(days, key=date_order), dates  # a year-only date after the days of its year
    assert REMOVED_TITLE in answer.inner_text()
    quotes = answer.locator("blockquote").all_inner_texts()

    # 2. The brief as .docx, opened with python-docx: the quotes and their numbered sources.
    download_button = page.locator("#bf-brief-docx")
    page.wait_for_function("() => !document.querySelector('#bf-brief-docx').disabled")
    with page.expect_download() as info:
        download_button.click()
    saved = tmp_path / "brief.docx"
    info.value.save_as(saved)
    brief = docx.Document(str(saved))
    texts = [p.text for p in brief.paragraphs]
    assert f"Question: {QUESTION}" in texts
    brief_quotes = [p.text for p in brief.paragraphs if p.style.name == "Quote"]
    assert [" ".join(q.split()) for q in brief_quotes] == [" ".join(q.split()) for q in quotes]
    sources = texts[texts.index("Sources") + 1 :]
    assert any(line.startswith("[") and REMOVED_TITLE in line and REMOVED in line for line in sources), sources
    assert any(line.startswith("Quoted: ") and "characters " in line for line in sources)

    # 3. A broken upload is refused, says so where the user looks, and never lands in the corpus.
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not a real PDF")
    page.locator("#bf-upload input[type=file]").set_input_files(str(broken))
    page.locator("#bf-upload").get_by_text("broken.pdf").first.wait_for()  # uploaded to the server
    page.locator("#bf-rebuild").click()
    toast = page.locator(".toast-body", has_text="Rejected broken.pdf")
    toast.first.wait_for()
    assert "cannot be indexed" in page.locator("#bf-upload-log").inner_text()
    assert sorted(p.name for p in demo["corpus"].iterdir()) == [COLLECTION, ARTICLE.name]

    # 4. Remove a document (with confirmation): the collection loses the record, answers lose it too.
    page.locator("#bf-documents").get_by_text("Documents in the index").first.click()
    page.locator("#bf-doc-search input").fill("June 10")
    page.locator("#bf-docs .bf-docs-count", has_text="1 of 3 documents").wait_for()
    row = page.locator(f'#bf-docs tr[data-doc="{REMOVED}"]')
    assert page.locator("#bf-docs tbody tr").count() == 1
    row.locator("button.bf-remove").click()
    page.locator("#bf-remove-question", has_text=REMOVED_TITLE).wait_for()
    page.locator("#bf-remove-yes").click()
    page.locator("#bf-remove-log", has_text="Removed record sdpr-00125").wait_for()
    page.locator("#bf-docs", has_text="No indexed document matches").wait_for()
    records = [json.loads(line)["_id"] for line in (demo["corpus"] / COLLECTION).read_text().splitlines()]
    assert records == ["sdpr-00193"]
    again = _ask(page, QUESTION)
    assert REMOVED_TITLE not in again.inner_text()
    assert not re.search(r"\b2021-06-10\b", again.inner_text())
