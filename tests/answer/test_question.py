"""Question analysis: stated date ranges and change questions."""

import pytest

from briefing.answer.question import DateRange, date_filter, is_change_question, person_names
from briefing.textfold import fold_for_lexical, lexical_terms


@pytest.mark.parametrize(
    "question,expected",
    [
        ("What did Price say about Turkey in 2021?", DateRange("2021-01-01", "2021-12-31")),
        ("What was said in June 2022 about sanctions?", DateRange("2022-06-01", "2022-06-30")),
        ("Statements on Ukraine during Feb 2022", DateRange("2022-02-01", "2022-02-28")),
        ("Has the position shifted since March 2022?", DateRange("2022-03-01", None)),
        ("What was announced after 2021?", DateRange("2022-01-01", None)),
        ("What did they say before 2022?", DateRange(None, "2021-12-31")),
        ("Any statements until July 2021?", DateRange(None, "2021-07-31")),
        # A span stated from end to end, in a statement or change question.
        ("Did the line on F-16s shift between June and July 2022?", DateRange("2022-06-01", "2022-07-31")),
        ("Did it shift between mid-June and early July 2022?", DateRange("2022-06-01", "2022-07-31")),
        ("Did the status change between the 2021 and 2022 reports?", DateRange("2021-01-01", "2022-12-31")),
        ("Did the plan hold steady from 2021 into mid-2022?", DateRange("2021-01-01", "2022-12-31")),
        ("How did the total grow between April and July 2022?", DateRange("2022-04-01", "2022-07-31")),
        ("What did the US say from May 2021 to January 2022?", DateRange("2021-05-01", "2022-01-31")),
        ("Did the characterization change in spring 2022?", DateRange("2022-03-01", "2022-05-31")),
        ("Did the count change during summer 2021?", DateRange("2021-06-01", "2021-08-31")),
        ("Has the stance softened over the summer of 2022?", DateRange("2022-06-01", "2022-08-31")),
        ("How did the embassy's status change over the course of 2022?", DateRange("2022-01-01", "2022-12-31")),
        ("How did Ankara respond in 2021?", DateRange("2021-01-01", "2021-12-31")),
    ],
)
def test_unambiguous_dates_become_filters(question, expected):
    assert date_filter(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "What did Price say about Turkey?",
        "Compare 2021 and 2022 statements on Turkey",
        "What did they say in 2021 and in 2022?",
        "Why did Cyprus withdraw the S-300 in 1999?",  # no preposition: a fact, not a filter
        "Did confidence change from May to June?",  # no year to read
        "How many people were killed between 2020 and 2022?",  # neither statements nor change
        "Did the US position change from 2021 to the eve of the invasion?",  # one end is an event
        "In 1962, who was responsible for the paper on real-time computations?",  # "responsible" states nothing
    ],
)
def test_ambiguous_or_absent_dates_are_not_filters(question):
    assert date_filter(question) is None


@pytest.mark.parametrize(
    "question",
    [
        "Did the US position change?",
        "Is the US still opposed to the S-400?",
        "Has Washington softened its stance?",
        "Did the policy harden over time?",
        "Any change in the US view since 2021?",
        "Has there been a shift on CAATSA?",
        "Was the Deputy Secretary's trip altered after it was first announced?",
        "Did the plan to reopen the consulate hold steady from 2021 into mid-2022?",
        "Has the goal in the nuclear talks stayed the same from 2021 through mid-2022?",
        "Did the US go from describing possible war crimes to formally concluding they had happened?",
        "How did the running total of security assistance grow between April and July 2022?",
        "Does the US continue to oppose the pipeline?",
        "Has there been a change in the US position?",
    ],
)
def test_change_questions_are_detected(question):
    assert is_change_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who is the spokesman?",
        "What did Akar propose?",
        "Where are the S-300s?",
        # Continuity words in a question asking for a fact, and "change" as the fact asked for.
        "Which international convention did Blinken thank Turkey for continuing to implement?",
        "In their May 2021 call, talks between Turkey and which NATO ally did the US continue to support?",
        "Which UN resolutions were violated by the July 2021 move to put Varosha under Turkish Cypriot control?",
        "Why did the State Department move some embassy staff to Lviv in February 2022?",
        "What change to the Foreign Service Officer Test did the department announce in April 2022?",
        "What would need to remain constant in a multiplication algorithm?",
        "How many people were killed between 2020 and 2022?",
        "Does the sale fall under CAATSA?",
    ],
)
def test_plain_questions_are_not_change_questions(question):
    assert not is_change_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "How many times have Blinken and Cavusoglu spoken by phone since the new administration took office?",
        "Who has Sherman met since the summit?",
        "What has Turkey bought since it joined NATO?",
    ],
)
def test_since_an_event_is_not_a_change_question(question):
    assert not is_change_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "How much security assistance has the US given Ukraine since February 24?",
        "What has Price said about Turkey since March 2022?",
        "What has Washington said since 2021?",
        "Has anything been said about the S-400 since then?",
        "Has the position changed since the new administration took office?",  # "changed" still counts
    ],
)
def test_since_a_date_or_then_is_a_change_question(question):
    assert is_change_question(question)


def test_lexical_folding_matches_codes_and_accents():
    assert lexical_terms("S-400") == lexical_terms("S400") == lexical_terms("s400") == ["s400"]
    assert lexical_terms("Çavuşoğlu") == lexical_terms("Cavusoglu") == ["cavusoglu"]
    assert "caatsa" in lexical_terms("What is CAATSA?")
    assert fold_for_lexical("F-35 and COVID-19") == "F35 and COVID19"


def test_folding_equals_unidecode_on_the_demo_corpus():
    """The fast path (common punctuation replaced, then ASCII) folds exactly as unidecode does."""
    import json

    from conftest import REPO
    from unidecode import unidecode

    from briefing.textfold import _CODE_HYPHEN

    texts = [json.loads(line)["text"] for line in (REPO / "corpus" / "state-dept-demo.jsonl").open(encoding="utf-8")]
    texts += ["Çavuşoğlu’s “S–400” — 2,000 km…\u00a0• ·", "S\u2013400"]
    for text in texts:
        for piece in [text, *text.split(". ")]:
            assert fold_for_lexical(piece) == _CODE_HYPHEN.sub(r"\1\2", unidecode(piece))


@pytest.mark.parametrize(
    ("text", "question", "names"),
    [
        ("I am announcing that Ambassador Mike Hammer will succeed him.", "Who succeeds Satterfield?", ["Mike Hammer"]),
        ("The United States welcomes the appointment of Hans Grundberg.", "Who is the new envoy?", ["Hans Grundberg"]),
        ("During the trip Special Envoy Lenderking met officials.", "Who went to Riyadh?", ["Lenderking"]),  # titled
        # The question's own person (same surname), institutions, places and months are no names.
        ("Special Envoy David Satterfield will travel to the UAE.", "Who succeeds Satterfield?", []),
        ("The Department of State and the United Nations Security Council met.", "Who met?", []),
        ("The Marshall Islands and Saudi Arabia signed in New York in July.", "Who signed?", []),
        ("So there is a spotlight on this case.", "Who handles the case?", []),
    ],
)
def test_personal_names_a_who_question_looks_for(text, question, names):
    assert person_names(text, question) == names
