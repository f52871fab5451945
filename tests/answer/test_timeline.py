"""Timelines for "did it change?" questions (issue 24): subject, positions, period, dates, label,
follow-ups, the shift marked inside quotes, and the change metrics of ``briefing eval``.

Fast: the logic runs on hand-made candidates or a fake-embedder index of fictional briefings;
the real model's timelines are checked on the demo corpus in test_timeline_demo.py.
"""

from __future__ import annotations

import json
from html import escape

import numpy as np
import pytest
from conftest import fake_index

from briefing import phrases
from briefing.answer import answer
from briefing.answer.sentences import Candidate
from briefing.answer.timeline import (
    Subject,
    _same_word,
    build_timeline,
    date_order,
    follow_up_question,
    is_lead_in,
    shift_spans,
    stance,
    subject_name_groups,
    subject_names,
    subject_terms,
)
from briefing.brief import brief_markdown
from briefing.evaluation.gold import load_gold, on_gold_subject
from briefing.evaluation.metrics import Timeline, change_metrics, chronological
from briefing.records import Answer, Document, Extract, Passage
from briefing.ui.render import render_answer

# --- 1. the subject, not the change words ---------------------------------------


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        (
            "Has the US stance on a Turkish offensive in northern Syria changed?",
            ("turkish", "offensive", "northern", "syria"),
        ),
        ("Did the US position on Turkey's S-400 purchase change?", ("turkey", "s400", "purchase")),
        (
            "Did Valdoria's position on the Northern Corridor pipeline change?",
            ("valdoria", "northern", "corridor", "pipeline"),
        ),
        ("Has Kesland's stance on the Northern Corridor ever shifted?", ("kesland", "northern", "corridor")),
        ("Has the view of Washington on Nord Stream 2 evolved since March 2022?", ("nord", "stream")),
        ("Is the policy still the same today?", ()),
        ("Has the US position on currency manipulation changed?", ("currency", "manipulation")),
    ],
)
def test_subject_is_the_question_without_change_and_stance_words(question, subject):
    assert subject_terms(question) == subject


def test_subject_is_held_absolutely_not_relative_to_the_best():
    subject = Subject(("turkish", "offensive", "northern", "syria"), (1.0, 2.0, 2.0, 1.0))
    # The S-400 line matches "position" and "changed", never the subject.
    assert not subject.held_by(
        "Washington's position has not changed, reiterating that the Russian system is not compatible."
    )
    assert subject.held_by("We are deeply concerned about a new Turkish offensive into northern Syria.")
    # Inflections and demonyms are the same word; "war" is not "ward".
    assert subject.held_by("Turkey's offensive in Syria's north would be a mistake.")
    assert not subject.held_by("The Russian offensive in Ukraine continues.")  # a third of the weight
    assert Subject(("syrian",), (1.0,)).held_by("in Syria")
    assert not Subject(("war",), (1.0,)).held_by("the ward")


@pytest.mark.parametrize(
    ("term", "token"),
    [
        ("syria", "syrian"),
        ("turkey", "turkish"),
        ("turkey", "turks"),
        ("kosovo", "kosovar"),
        ("burma", "burmese"),
        ("china", "chinese"),
        ("iraq", "iraqi"),
        ("ukraine", "ukrainian"),
        ("lebanon", "lebanese"),
        ("s400", "s400s"),
        ("offensive", "offense"),
        ("normalizing", "normalization"),
        ("north", "northern"),
        ("sanction", "sanctioned"),
    ],
)
def test_word_forms_are_one_word(term, token):
    assert _same_word(term, token) and _same_word(token, term)


@pytest.mark.parametrize(
    ("term", "token"),
    [
        ("crimea", "crime"),
        ("crimea", "crimes"),
        ("strait", "strategy"),
        ("armenia", "armed"),
        ("investigating", "invested"),
        ("war", "ward"),
    ],
)
def test_a_shared_beginning_is_not_one_word(term, token):
    assert not _same_word(term, token) and not _same_word(token, term)


def test_s400_in_any_spelling_holds_the_s400():
    subject = Subject.of("Did the US position on Turkey's S-400 purchase change?")
    assert subject.terms == ("turkey", "s400", "purchase") and subject.names == ("turkey", "s400")
    for text in ("Turkey's purchase of the S400", "Turkey's purchase of S-400s", "the s-400 purchase by Turkey"):
        assert subject.held_by(text), text


def test_another_name_of_the_subject_holds_it():
    korea = Subject.of("Has the US approach to North Korea remained the same over time?")
    assert korea.terms == ("north", "korea")
    assert korea.held_by("We call on the DPRK to return to dialogue.")
    assert korea.held_by("the Democratic People's Republic of Korea")
    assert not korea.held_by("We call on the ROK and Japan to cooperate.")  # South Korea is another state
    assert "dprk" in korea.search_text.split()  # the search for the subject alone looks for it too
    deal = Subject.of("How did the US describe its position on the JCPOA over time?")
    assert deal.held_by("a mutual return to compliance with the Iran nuclear deal")
    assert Subject.of("Did Burma's junta change course?").held_by("the military regime in Myanmar")
    # An acronym only as written: "un" in lower case is no United Nations.
    un = Subject.of("Has the US stance on the United Nations changed?")
    assert un.held_by("at the UN Security Council") and not un.held_by("an un-named official")
    assert Subject.of("Has the US stance on Valdoria changed?").aliases == ()


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("How has the US described Valdoria's pipeline over time?", ("valdoria", "pipeline")),
        ("How did the US assessment of Kesland's harbour evolve?", ("kesland", "harbour")),
        ("Has US support for Valdoria's sovereignty shifted?", ("valdoria", "sovereignty")),
        ("Did US concern about the Kesland ferry change?", ("kesland", "ferry")),
        ("How has the US characterized the Northern Corridor over time?", ("northern", "corridor")),
        ("Has the US position toward Kesland remained unchanged?", ("kesland",)),
        ("How did the US position on the Northern Corridor develop?", ("northern", "corridor")),
    ],
)
def test_words_about_how_a_position_is_spoken_of_are_no_subject(question, subject):
    assert subject_terms(question) == subject


def test_a_named_subject_must_be_named():
    question = "Did the US view of Valdoria's democratic transition change over time?"
    assert subject_names(question) == ("valdoria",)
    subject = Subject(("valdoria", "democratic", "transition"), (1.0, 1.0, 1.0), names=("valdoria",))
    assert subject.held_by("Valdoria's transition to democratic rule must continue.")
    assert subject.held_by("Valdorian leaders pledged a democratic transition.")  # the people's word names it
    # The rest of the subject, but another country: two thirds of the weight, no name.
    assert not subject.held_by("Kesland's democratic transition must continue.")
    # A name is held only where it is written as a name: "war crimes" is no mention of Crimea.
    crimea = Subject.of("Has the US position on Crimea remained the same?")
    assert crimea.names == ("crimea",)
    assert not crimea.held_by("Russia's war crimes in Ukraine will not go unpunished.")
    assert crimea.held_by("We will never recognize Russia's purported annexation of Crimea.")
    # A name of several words is held by half its weight at least, not by its commonest word.
    sea = Subject.of("Has the US position on China's claims in the South China Sea remained unchanged?")
    assert sea.name_groups == (("china",), ("south", "china", "sea"))
    assert sea.held_by("The PRC's claims in the South China Sea are unlawful.")
    assert not sea.held_by("They have asserted claims that are not consistent with the Law of the Sea.")
    assert subject_name_groups("Has the US approach to the Armenia-Azerbaijan conflict shifted?") == (
        ("armenia",),
        ("azerbaijan",),
    )
    # Case says nothing in a question written without it.
    assert subject_names("has the us position on crimea changed?") == ()
    assert Subject.of("has the us position on crimea changed?").held_by("the crimean peninsula")


# --- 2. positions, not agenda lines ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Spokesperson Orlan opened the weekly briefing with an update on the Northern Corridor pipeline.",
        "Secretary Blinken spoke today with Turkish Foreign Minister Cavusoglu about the S-400.",
        "MR PRICE: Good afternoon, everyone. Happy Thursday.",
        "Thank you for the question on the S-400.",
    ],
)
def test_lead_ins_and_greetings_are_no_positions(text):
    assert is_lead_in(text)


def test_reporters_questions_are_no_positions_and_stance_counts():
    assert is_lead_in("Do you still oppose the S-400?", "QUESTION")
    assert not is_lead_in("We continue to urge Turkey not to retain the S-400 system.", "MR PRICE")
    assert stance("We continue to urge Turkey not to retain the S-400.") >= 2
    assert stance("The minister travelled to Ankara on Tuesday.") == 0


# --- 3, 4, 5. the period, partial dates, the label ---------------------------------


def _document(doc_id: str, date: str | None, text: str) -> Document:
    return Document(doc_id=doc_id, path=doc_id, text=text, title=doc_id, date=date)


def _candidate(document: Document, score: float, speaker: str | None = None) -> Candidate:
    passage = Passage(
        passage_id=hash(document.doc_id) % 10_000,
        doc_id=document.doc_id,
        ordinal=0,
        char_start=0,
        char_end=len(document.text),
        text=document.text,
        sentences=(),
    )
    return Candidate(
        document.doc_id,
        0,
        len(document.text),
        score,
        score,
        passage,
        speaker,
        document.date,
        features=np.zeros(1),
        first_score=score,
    )


def _timeline(specs, question="Did Valdoria's position on the Northern Corridor pipeline change?", cap=8):
    documents = {doc_id: _document(doc_id, date, text) for doc_id, date, text, *_ in specs}
    candidates = [_candidate(documents[doc_id], score, *rest) for doc_id, _, _, score, *rest in specs]
    candidates.sort(key=lambda c: -c.score)
    return build_timeline(candidates, documents, Subject.of(question), cap)


def test_timeline_holds_only_on_subject_positions_one_per_date_oldest_first():
    built = _timeline(
        [
            ("a", "2021", "Washington's position has not changed on this.", 0.9),
            ("b", "2022-03-01", "Valdoria must not abandon the Northern Corridor pipeline.", 0.5),
            ("b2", "2022-03-01", "Valdoria remains committed to the Northern Corridor pipeline, we believe.", 0.4),
            ("c", "2021-05-01", "Valdoria strongly supports the Northern Corridor pipeline.", 0.3),
            (
                "d",
                "2021-09-01",
                "Orlan opened the weekly briefing with an update on Valdoria's Northern Corridor pipeline.",
                0.8,
            ),
            ("e", "2021-11-01", "Do you think Valdoria will drop the Northern Corridor pipeline?", 0.7, "QUESTION"),
        ]
    )
    assert [c.doc_id for c in built.chosen] == ["c", "b"]
    assert built.strength == "strong" and built.reason == "strong"


def test_no_statement_on_subject_is_partial_and_says_why(tmp_path):
    built = _timeline([("a", "2021-01-01", "Washington's position has not changed.", 0.9)])
    assert [c.doc_id for c in built.chosen] == ["a"]
    assert built.strength == "partial" and built.reason == "subject_unseen"


def test_no_position_at_all_means_abstention(tmp_path):
    built = _timeline([("a", "2021-01-01", "Thank you, everyone, and good afternoon.", 0.9)])
    assert built.chosen == [] and built.reason == "none"


def test_a_line_repeated_on_other_dates_stays():
    built = _timeline(
        [(f"d{n}", f"2021-0{n}-01", "Valdoria supports the Northern Corridor pipeline.", 0.5) for n in (1, 2, 3)]
    )
    assert [c.date for c in built.chosen] == ["2021-01-01", "2021-02-01", "2021-03-01"]


def test_earliest_and_latest_dates_are_always_in_under_the_cap():
    specs = [
        (f"d{n}", f"2021-{n:02d}-01", f"Valdoria will keep building the Northern Corridor pipeline, item {n}.", score)
        for n, score in zip(range(1, 11), (0.1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.05))
    ]
    built = _timeline(specs, cap=4)
    dates = [c.date for c in built.chosen]
    assert dates == sorted(dates) and len(dates) == 4
    assert dates[0] == "2021-01-01" and dates[-1] == "2021-10-01"


def test_year_only_document_never_leads_and_is_marked():
    built = _timeline(
        [
            ("article", "2021", "Valdoria urges support for the Northern Corridor pipeline.", 0.9),
            ("brief", "2021-06-10", "Valdoria must finish the Northern Corridor pipeline.", 0.5),
            ("later", "2022-03-21", "Valdoria will not give up the Northern Corridor pipeline.", 0.4),
        ]
    )
    assert [c.doc_id for c in built.chosen] == ["brief", "article", "later"]
    assert date_order("2021") > date_order("2021-12-30") and date_order(None) > date_order("2030-01-01")
    assert phrases.date_label("2021") == "2021, no day given"
    assert phrases.date_label("2021-06") == "2021-06, no day given"
    assert phrases.date_label("2021-06-10") == "2021-06-10" and phrases.date_label(None) == phrases.DATE_UNKNOWN


def test_label_is_partial_with_its_reason_on_one_date_or_no_day():
    one = _timeline([("a", "2021-06-10", "Valdoria supports the Northern Corridor pipeline.", 0.5)])
    assert one.strength == "partial" and one.reason == "one_date"
    undated = _timeline([("a", "2021", "Valdoria supports the Northern Corridor pipeline.", 0.5)])
    assert undated.strength == "partial" and undated.reason == "no_day"
    for reason in ("strong", "one_date", "no_day", "no_subject"):
        assert phrases.strength_phrase("partial", reason) == phrases.TIMELINE_STRENGTH[reason]
    assert phrases.strength_phrase("partial") == phrases.STRENGTH["partial"]


def test_strong_never_opens_off_subject():
    """A timeline whose statements only seem to hold the subject ("war crimes" for Crimea, another
    country's "democratic transition") is never labelled strong, and a strong one opens on subject."""
    specs = [
        ("a", "2022-03-01", "We condemn Russia's war crimes and will hold those responsible to account.", 0.9),
        ("b", "2022-05-01", "Russia's forces have committed war crimes, and we remain committed to justice.", 0.8),
    ]
    question = "Has the US position on Crimea remained the same?"
    built = _timeline(specs, question=question)
    assert built.strength == "partial" and built.reason == "subject_unseen"
    specs.append(("c", "2021-06-01", "Crimea is Ukraine, and we will never recognize its purported annexation.", 0.3))
    specs.append(("d", "2022-06-01", "We stand with Ukraine and will never accept Russia's claim on Crimea.", 0.2))
    built = _timeline(specs, question=question)
    assert built.strength == "strong" and [c.doc_id for c in built.chosen] == ["c", "d"]
    subject = Subject.of(question)
    assert subject.held_by(built.chosen[0].passage.text)
    transition = [
        ("m", "2021-05-01", "Kesland's democratic transition must stay on track, we believe.", 0.9),
        ("n", "2022-05-01", "We remain committed to Kesland's democratic transition.", 0.8),
    ]
    built = _timeline(transition, question="Did the US view of Valdoria's democratic transition change over time?")
    assert built.strength == "partial"


# --- the whole path on a fake index of fictional briefings ----------------------------

BRIEFINGS = {
    "2021-03-02-briefing.md": (
        "---\ntitle: Weekly briefing\ndate: 2021-03-02\n---\n"
        "Spokesperson Orlan opened the weekly briefing with an update on the Northern Corridor pipeline.\n\n"
        "Valdoria firmly supports the Northern Corridor pipeline and will help finance its construction.\n"
    ),
    "2021-09-14-briefing.md": (
        "---\ntitle: Weekly briefing\ndate: 2021-09-14\n---\n"
        "Valdoria remains committed to the Northern Corridor pipeline, but we are concerned about its cost.\n\n"
        "Our position on fishing quotas has not changed.\n"
    ),
    "2022-02-01-briefing.md": (
        "---\ntitle: Weekly briefing\ndate: 2022-02-01\n---\n"
        "Valdoria no longer supports the Northern Corridor pipeline and will not finance its construction.\n"
    ),
    "2022-05-05-harbour.md": (
        "---\ntitle: Harbour news\ndate: 2022-05-05\n---\n"
        "The harbour of Kesland opened a new ferry terminal for passengers and freight.\n"
    ),
}
QUESTION = "Did Valdoria's position on the Northern Corridor pipeline change?"


def module_index(files: dict[str, str], name: str):
    """A module-scoped fixture: an index of ``files`` (FakeEmbedder), closed after the module."""

    @pytest.fixture(scope="module", name=name)
    def fixture(tmp_path_factory):
        index = fake_index(tmp_path_factory.mktemp(name), files)
        yield index
        index.close()

    return fixture


briefings = module_index(BRIEFINGS, "briefings")


def test_change_question_is_a_timeline_of_positions(briefings):
    reply = answer(briefings, QUESTION, threshold=-1.0)
    assert reply.timeline and not reply.abstained
    texts = [e.text for e in reply.extracts]
    assert all("Northern Corridor" in text for text in texts), texts
    assert not any("opened the weekly briefing" in text for text in texts)
    assert [e.date for e in reply.extracts] == ["2021-03-02", "2021-09-14", "2022-02-01"]
    assert reply.strength == "strong" and reply.strength_reason == "strong"
    assert phrases.TIMELINE_STRENGTH["strong"] in reply.answer
    assert json.loads(json.dumps(reply.to_json_dict()))["strength_reason"] == "strong"


def test_change_question_off_every_subject_is_never_strong(briefings):
    """No statement names the subject: the best positions, labelled partial with the reason (a silence
    would tell the analyst the sources are silent, and paraphrased subjects are answerable)."""
    reply = answer(briefings, "Has the US position on the Arctic ice shelf treaty changed?", threshold=-1.0)
    assert reply.strength == "partial" and reply.strength_reason == "subject_unseen"
    assert phrases.TIMELINE_STRENGTH["subject_unseen"] in reply.answer


# A subject spoken of on many dates: 20 briefings on the pipeline, each on its own date, among
# unrelated ones (the full collection speaks of the JCPOA on 60 dates and more).
MANY = {
    **{
        f"2021-{n // 2 + 1:02d}-{n % 2 * 14 + 1:02d}-pipeline.md": (
            f"---\ntitle: Briefing {n}\ndate: 2021-{n // 2 + 1:02d}-{n % 2 * 14 + 1:02d}\n---\n"
            f"Valdoria remains committed to the Northern Corridor pipeline, statement {n} of the year.\n"
        )
        for n in range(20)
    },
    **{
        f"2022-{n + 1:02d}-03-harbour.md": (
            f"---\ntitle: Harbour {n}\ndate: 2022-{n + 1:02d}-03\n---\n"
            f"The harbour of Kesland opened ferry terminal number {n} for passengers and freight.\n"
        )
        for n in range(8)
    },
}


many = module_index(MANY, "many")


def test_a_subject_spoken_of_on_many_dates_is_searched_deeper_and_shows_more_dates(many):
    """The search for the subject alone reads ``timeline_subject_passages`` (96), deeper than the
    question's own search (``timeline_passages``), and a timeline shows up to
    ``timeline_documents`` (14) dates, one statement each (second full-collection pass); of the
    passages it finds, only those holding the subject are scored."""
    from dataclasses import replace

    from briefing.answer import gather
    from briefing.answer.params import DEFAULT_PARAMS

    assert DEFAULT_PARAMS.timeline_subject_passages > DEFAULT_PARAMS.timeline_passages
    shallow = replace(DEFAULT_PARAMS, threshold=-1.0, timeline_passages=2, timeline_subject_passages=2)
    deep = replace(shallow, timeline_subject_passages=30)
    found = {c.date for c in gather(many, QUESTION, params=shallow).subject_candidates}
    deeper = {c.date for c in gather(many, QUESTION, params=deep).subject_candidates}

    def deep_candidates(index):
        return gather(index, QUESTION, params=replace(deep, timeline_subject_passages=96)).subject_candidates

    assert len(found) <= 2 < 16 <= len(deeper)
    # Only passages holding the subject are scored: none of the harbour's.
    assert deeper and all("Northern Corridor" in many.store.document(c.doc_id).text for c in deep_candidates(many))
    reply = answer(many, QUESTION, threshold=-1.0)
    dates = [e.date for e in reply.extracts]
    assert len(dates) == len(set(dates)) == 14 and dates == sorted(dates)
    assert dates[0] == "2021-01-01" and dates[-1] == "2021-10-15"


# --- 6. follow-ups -------------------------------------------------------------------


@pytest.mark.parametrize(
    "follow_up", ["Did it change?", "Has that changed since?", "And now?", "Is that still the case?"]
)
def test_change_follow_ups_take_the_previous_subject(briefings, follow_up):
    assert follow_up_question(follow_up, QUESTION) is not None
    reply = answer(
        briefings, follow_up, threshold=-1.0, context="What does Valdoria say about the Northern Corridor pipeline?"
    )
    assert reply.question == follow_up and reply.timeline and not reply.abstained
    assert all("Northern Corridor" in e.text for e in reply.extracts)


def test_other_follow_ups_are_left_alone():
    assert follow_up_question("What about Kesland's harbour?", QUESTION) is None
    assert follow_up_question("Why?", QUESTION) is None
    assert follow_up_question("Did it change?", None) is None


# --- 7. the shift, marked verbatim ------------------------------------------------------


def _extract(n: int, text: str, date: str) -> Extract:
    return Extract(
        citation=n,
        text=text,
        doc_id=f"d{n}",
        path=f"d{n}",
        char_start=0,
        char_end=len(text),
        score=0.5,
        title="Briefing",
        date=date,
    )


def test_shift_spans_mark_new_words_only():
    before = "Valdoria remains committed to the Northern Corridor pipeline."
    now = "Valdoria no longer supports the Northern Corridor pipeline."
    assert [now[a:b] for a, b in shift_spans(now, before)] == ["no longer supports"]
    assert shift_spans(now, None) == []


def test_ui_and_brief_mark_the_shift_and_keep_the_quote_verbatim():
    first = _extract(1, "Valdoria remains committed to the <Northern> Corridor pipeline.", "2021-03-02")
    second = _extract(2, "Valdoria no longer supports the <Northern> Corridor pipeline.", "2022-02-01")
    reply = Answer("q", False, "", extracts=(first, second), timeline=True, strength="strong", strength_reason="strong")
    html = render_answer(reply, 0)
    assert '<mark class="bf-new">no longer supports</mark>' in html
    assert html.count("<mark") == 1  # nothing marked in the first statement
    assert "&lt;Northern&gt;" in html and "<Northern>" not in html  # still escaped
    quote = html.split("<blockquote>")[2].split("</blockquote>")[0]
    assert (
        quote.replace('<mark class="bf-new">', "").replace("</mark>", "")
        == "Valdoria no longer supports the &lt;Northern&gt; Corridor pipeline."
    )
    assert escape(phrases.TIMELINE_STRENGTH["strong"]) in html
    brief = brief_markdown([reply], exported="2026-01-01 00:00")
    assert "> Valdoria <mark>no longer supports</mark> the \\<Northern\\> Corridor pipeline." in brief
    plain = Answer("q", False, "", extracts=(first, second), timeline=False, strength="strong")
    assert "<mark" not in render_answer(plain, 0) and "<mark>" not in brief_markdown([plain], exported="x")


def test_docx_brief_highlights_the_shift_verbatim():
    docx = pytest.importorskip("docx")
    from io import BytesIO

    from briefing.brief import brief_docx

    first = _extract(1, "Valdoria remains committed to the pipeline.", "2021-03-02")
    second = _extract(2, "Valdoria no longer supports the pipeline.", "2022-02-01")
    reply = Answer("q", False, "", extracts=(first, second), timeline=True, strength="strong")
    word = docx.Document(BytesIO(brief_docx([reply], exported="x")))
    quote = [p for p in word.paragraphs if p.text == second.text][0]
    assert [r.text for r in quote.runs if r.font.highlight_color] == ["no longer supports"]


# --- 8. the metrics -------------------------------------------------------------------


def test_gold_subject_terms_and_change_metrics(tmp_path):
    gold = tmp_path / "changes.jsonl"
    line = {
        "id": "c1",
        "question": QUESTION,
        "kind": "change",
        "subject_terms": [["Northern Corridor"], ["Valdoria"]],
        "evidence": [{"path": "a.md", "doc_id": "a.md", "date": "2021-03-02", "quote": "x"}],
    }
    gold.write_text(json.dumps(line) + "\n", encoding="utf-8")
    question = load_gold(gold)[0]
    assert (
        question.subject_terms == (("Northern Corridor",), ("Valdoria",)) and question.evidence[0].date == "2021-03-02"
    )
    assert on_gold_subject("VALDORIA backs the northern corridor", question.subject_terms)
    assert not on_gold_subject("Our position has not changed.", question.subject_terms)
    on = "Valdoria backs the Northern Corridor."
    off = "Our position has not changed."
    timelines = {
        "good": Timeline(
            [on, on], ["2021-03-02", "2022-02-01"], "strong", question.subject_terms, ["2021-03-02", "2021-09-14"]
        ),
        "bad": Timeline([off, on], ["2021", "2020-01-01"], "strong", question.subject_terms, ["2021-03-02"]),
        "quiet": Timeline([], [], None, question.subject_terms, ["2021-03-02"]),
    }
    metrics = change_metrics(timelines, on_gold_subject)
    assert metrics["first_on_subject"].per_query == {"good": 1.0, "bad": 0.0, "quiet": 0.0}
    assert metrics["subject_precision"].per_query == {"good": 1.0, "bad": 0.5}
    assert metrics["date_recall"].per_query == {"good": 0.5, "bad": 0.0, "quiet": 0.0}
    assert metrics["order"].per_query == {"good": 1.0, "bad": 0.0}
    assert sum(metrics["strong_off_subject"].per_query.values()) == 1
    assert chronological(["2021-06-10", "2021", "2022-03-21", None]) and not chronological(["2022-01-01", "2021-05-01"])


def test_bad_subject_terms_are_refused(tmp_path):
    from briefing.errors import GoldSetError

    gold = tmp_path / "bad.jsonl"
    line = {
        "id": "c1",
        "question": "q?",
        "kind": "change",
        "subject_terms": ["Valdoria"],
        "evidence": [{"path": "a.md", "quote": "x"}],
    }
    gold.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(GoldSetError):
        load_gold(gold)


@pytest.mark.parametrize("follow_up", ["Did it change?", "Has that changed since?", "And now?"])
def test_the_chat_reads_change_follow_ups_with_the_previous_question(follow_up):
    from briefing.ui.followup import follow_up_context

    context = follow_up_context(follow_up, [(QUESTION, None)])
    assert context == QUESTION
    assert follow_up_question(follow_up, context) == f"{QUESTION} {follow_up}"


# --- the real model, on the seed article (real FAISS, real scorer) ------------------------


def test_seed_article_never_calls_a_change_question_about_another_subject_strong(seed_index):
    """The issue's headline: the S-400 article's "position has not changed" opened the northern
    Syria timeline, labelled strong. The article never mentions Syria: silence, or a partial label
    that says no statement names the subject."""
    reply = answer(seed_index, "Has the US stance on a Turkish offensive in northern Syria changed?")
    assert reply.abstained or (reply.strength == "partial" and reply.strength_reason == "subject_unseen")


def test_seed_article_s400_timeline_is_on_subject_and_says_why_it_is_partial(seed_index):
    reply = answer(seed_index, "Did the US position on Turkey's S-400 purchase change?")
    assert reply.timeline and not reply.abstained
    assert all(on_gold_subject(e.text, [["S-400", "S400", "system"]]) for e in reply.extracts[:1])
    # One document dated "2021" alone: partial, and the caption says no day is given.
    assert reply.strength == "partial" and reply.strength_reason == "no_day"
    assert "2021, no day given" in reply.answer


def test_seed_article_answers_did_it_change_after_a_question_it_answered(seed_index):
    first = answer(seed_index, "What did Price say about the S-400?")
    assert not first.abstained
    again = answer(seed_index, "Did it change?", context="What did Price say about the S-400?")
    assert not again.abstained and again.timeline and again.question == "Did it change?"


def test_a_timeline_opens_on_the_subjects_matter_not_its_names_alone():
    """A question whose subject has names and other words ("exporting Ukraine's grain through the
    Black Sea") opens its timeline with a statement holding one of the other words: one that only
    names Ukraine and the Black Sea, earlier, is about something else (issue 24, second pass)."""
    question = "How did the US position on exporting Ukraine's grain through the Black Sea evolve?"
    subject = Subject.of(question)
    assert subject.matter == ("exporting", "grain")
    names_only = "In the Black Sea, the Kerch Strait, we see continued aggressive actions against Ukraine."
    assert subject.held_by(names_only) and not subject.holds_matter(names_only)
    specs = [
        ("kerch", "2021-08-09", names_only, 0.9),
        ("silos", "2022-05-19", "Russia is stealing Ukrainian grain and blocking the Black Sea ports.", 0.5),
        ("deal", "2022-07-22", "The plan resumes Ukrainian exports through the Black Sea.", 0.6),
        ("ports", "2022-07-25", "Ukraine's Black Sea ports are still threatened, we remain concerned.", 0.4),
    ]
    built = _timeline(specs, question=question)
    # The names-only line after the first statement on the matter stays: the subject's continuity.
    assert [c.doc_id for c in built.chosen] == ["silos", "deal", "ports"]
    assert built.strength == "strong"
    # The matter spoken of on one date only: the statements naming the subject on other dates stay.
    question = "Did the US view of tensions between Greece and Turkey change?"
    specs = [
        ("talks", "2021-05-21", "We support talks between NATO Allies Turkey and Greece.", 0.3),
        ("work", "2022-05-25", "Our message remains that Turkey and Greece should work together.", 0.2),
        ("calm", "2022-06-16", "We urge Greece and Turkey to reduce tensions in the Aegean.", 0.6),
    ]
    assert [c.doc_id for c in _timeline(specs, question=question).chosen] == ["talks", "work", "calm"]
    # A subject of names alone, or of no name, has no matter: nothing is cut.
    assert Subject.of("Has the US position on Crimea remained the same?").matter == ()
    assert Subject.of("has the us position on grain exports changed?").matter == ()


def test_a_hyphenated_compound_keeps_the_actor_word():
    """A hyphenated "two-state" is no name of the asking government: *state* stays in the subject."""
    assert "state" in subject_terms("Is the US still committed to a two-state solution for Israelis and Palestinians?")
    assert "state" not in subject_terms("Has the State Department's position on Syria changed?")


def test_words_the_question_writes_together_are_held_together():
    """The subject's matter as the question writes it (issue 24, third pass): "war crimes" and "a
    two-state solution" are held only by a statement writing two of their words together, in the
    question's order; a word written alone ("coup") in any form."""
    subject = Subject.of("How did the US position on whether Russia's forces committed war crimes in Ukraine evolve?")
    assert subject.runs == (("russia",), ("forces", "committed", "war", "crimes"), ("ukraine",))
    assert subject.matter_units == (("forces", "committed", "war", "crimes"),)
    assert subject.holds_matter("Russia's forces have committed war crimes in Ukraine.")
    assert subject.holds_matter("Those responsible for war crimes in Ukraine will be held to account.")
    assert not subject.holds_matter("Russian forces will not be received with open arms by Ukrainians.")
    assert not subject.holds_matter("Russia must answer for the crimes it has already committed in Ukraine.")
    two_state = Subject.of("Is the US still committed to a two-state solution for Israelis and Palestinians?")
    assert two_state.matter_units == (("committed",), ("two", "state", "solution"))
    assert two_state.holds_matter("We support a two-state solution for Israelis and Palestinians.")
    assert not two_state.holds_matter("It is the only way to give the Palestinians the state they deserve.")
    coup = Subject.of("Did the US position on the military regime in Burma change after the 2021 coup?")
    assert coup.matter_units == (("military", "regime"), ("coup",))
    assert coup.holds_matter("Since the coup, Burma has seen violence.")
    assert not coup.holds_matter("Burma's military ran the elections.")
    assert Subject.of(
        "Did US concern about the PRC military presence at Cambodia's Ream Naval Base change?"
    ).matter_units == (("military", "presence"),)


def test_a_timeline_opens_on_words_written_together_not_on_one_of_them():
    """A statement holding the subject's names and one generic word of its matter ("Russian
    *forces*" for "Russia's forces committed war crimes"; "the *state*" for "a two-state solution")
    does not open the timeline: it opens with the first statement on war crimes (issue 24: both
    questions of the gold set that opened off subject on the full collection)."""
    question = "How did the US position on whether Russia's forces committed war crimes in Ukraine evolve?"
    specs = [
        ("arms", "2022-02-19", "Russian forces will not be received with open arms by Ukrainians.", 0.9),
        ("punish", "2022-02-23", "Russia must answer for the crimes it has already committed in Ukraine.", 0.8),
        ("hold", "2022-03-04", "We will hold Russia's forces accountable for war crimes they commit in Ukraine.", 0.5),
        (
            "assess",
            "2022-03-23",
            "We assess that members of Russia's forces have committed war crimes in Ukraine.",
            0.6,
        ),
        ("shelling", "2022-04-22", "We condemn the shelling of civilians in Ukraine by Russian armed forces.", 0.7),
    ]
    built = _timeline(specs, question=question)
    assert [c.doc_id for c in built.chosen] == ["hold", "assess", "shelling"]
    assert built.strength == "strong"
    # On the first date of the matter, a statement holding only the names gives way to one on it.
    question = "Is the US still committed to a two-state solution for Israelis and Palestinians?"
    specs = [
        (
            "look",
            "2021-05-23",
            "Look, it is the only way to ensure Israel's future as a Jewish and democratic state, "
            "and to give the Palestinians the state to which they're entitled.",
            0.9,
        ),
        ("clear", "2021-05-23", "We remain committed to a two-state solution for Israelis and Palestinians.", 0.5),
        ("stand", "2021-06-10", "We absolutely stand by a two-state solution for Israelis and Palestinians.", 0.6),
    ]
    built = _timeline(specs, question=question)
    assert [c.doc_id for c in built.chosen] == ["clear", "stand"]
    assert built.strength == "strong"


def test_statements_on_the_matter_come_before_those_naming_the_subject_alone():
    """For a date and under the cap, a statement holding the subject's matter ("war crimes") is
    chosen over a better-scored one that only names it ("Russian armed forces" shelling Ukraine)."""
    question = "How did the US position on whether Russia's forces committed war crimes in Ukraine evolve?"
    specs = [
        ("hold", "2022-03-04", "We will hold Russia's forces accountable for war crimes they commit in Ukraine.", 0.5),
        ("shelling", "2022-04-22", "We condemn the shelling of civilians in Ukraine by Russian armed forces.", 0.9),
        ("mount", "2022-05-25", "Evidence continues to mount of war crimes by Russia's forces in Ukraine.", 0.3),
        ("assess", "2022-06-06", "We assess that Russia's forces have committed war crimes in Ukraine.", 0.4),
        ("strikes", "2022-06-06", "Russia's forces continue strikes on civilian infrastructure in Ukraine.", 0.8),
    ]
    built = _timeline(specs, question=question, cap=3)
    assert [c.doc_id for c in built.chosen] == ["hold", "mount", "assess"]
    assert built.strength == "strong"
