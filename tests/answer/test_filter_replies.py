"""When the filters are why nothing is found, the reply says so and names them (issue 26, point 1):
a filter that leaves no passage, and a date in the question outside the sidebar's date filter."""

from __future__ import annotations

import pytest
from conftest import fake_index

from briefing import phrases
from briefing.answer import answer
from briefing.answer.evidence import date_conflict
from briefing.answer.retrieve import Filters
from briefing.brief import brief_markdown
from briefing.ui.render import render_answer

DOCS = {
    "2021-06-01-statement.md": (
        '---\ntitle: "S-400 statement"\ndate: "2021-06-01"\nsource: "Office of the Spokesperson"\n---\n'
        "The State Department said in June that its position on the S-400 purchase has not changed. "
        "The spokesperson said the United States urges Turkey not to retain the S-400 system.\n"
    ),
    "2022-03-01-briefing.md": (
        '---\ntitle: "Press briefing"\ndate: "2022-03-01"\nsource: "Office of the Spokesperson"\n---\n'
        "The spokesperson said the department discussed the S-400 purchase with Turkey again in March. "
        "He said the position on CAATSA sanctions remains the same.\n"
    ),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return fake_index(tmp_path_factory.mktemp("filter-replies"), DOCS)


def test_a_filter_that_leaves_no_passage_names_the_filter(index):
    reply = answer(index, "What did the State Department say about the S-400?", filters=Filters(since="2031-01-01"))
    assert reply.abstained and not reply.extracts
    assert reply.answer == phrases.empty_filter_phrase("2031-01-01", None, None)
    assert "from 2031-01-01" in reply.answer and reply.answer != phrases.NO_ANSWER


def test_an_empty_source_filter_is_named_too(index):
    reply = answer(index, "What did the State Department say about the S-400?", filters=Filters(source="Kremlin"))
    assert reply.answer == phrases.empty_filter_phrase(None, None, "Kremlin")
    assert "“Kremlin”" in reply.answer


def test_a_question_the_filtered_sources_do_not_answer_keeps_the_usual_phrase(index):
    reply = answer(index, "What is the recipe for sourdough bread?", filters=Filters(since="2021-01-01"))
    assert reply.abstained and reply.answer == phrases.NO_ANSWER


def test_a_year_in_the_question_outside_the_date_filter_names_both():
    question = "What did the State Department say about the S-400 in 2021?"
    conflict = date_conflict(question, Filters(since="2022-01-01"))
    assert conflict == phrases.date_conflict_phrase(("2021-01-01", "2021-12-31"), "2022-01-01", None)
    assert "2021-01-01 to 2021-12-31" in conflict and "from 2022-01-01" in conflict
    assert date_conflict(question, Filters(until="2020-12-31"))  # before the filter as well as after it


@pytest.mark.parametrize(
    "filters",
    [Filters(since="2021-06-01"), Filters(until="2021-03-01"), Filters(source="Spokesperson"), None],
)
def test_no_conflict_when_the_dates_overlap_or_no_date_filter_is_set(filters):
    assert date_conflict("What did the State Department say about the S-400 in 2021?", filters) is None


def test_no_conflict_when_the_question_states_no_date():
    assert date_conflict("What did the State Department say about the S-400?", Filters(since="2022-01-01")) is None


def test_the_conflict_is_the_answer_and_nothing_is_quoted(index):
    question = "What did the State Department say about the S-400 in 2021?"
    unfiltered = answer(index, question)
    assert not unfiltered.abstained  # the question alone is answered (from its own date, 2021)
    reply = answer(index, question, filters=Filters(since="2022-01-01"))
    assert reply.abstained and not reply.extracts
    assert reply.answer == date_conflict(question, Filters(since="2022-01-01"))


def test_the_chat_and_the_brief_show_the_phrase_that_names_the_filter(index):
    reply = answer(index, "What did the State Department say about the S-400?", filters=Filters(since="2031-01-01"))
    html = render_answer(reply, 0)
    assert "from 2031-01-01" in html and phrases.NO_ANSWER not in html
    brief = brief_markdown([reply], exported="2026-01-01 00:00")
    assert "from 2031-01-01" in brief and phrases.NO_ANSWER not in brief
