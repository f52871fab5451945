"""``briefing eval --qa``: qa-train files as evaluations, near-miss unanswerables, the per-domain table."""

from __future__ import annotations

import json
import lzma

import pytest

from briefing.cli import main
from briefing.errors import UsageError
from briefing.evaluation.gold import Span
from briefing.evaluation.qa import domain_name, load_qa, qa_hit

C0 = (
    "The S-400 is a Russian air defence system. Turkey took delivery of the first S-400 batteries in July 2019. "
    "The United States removed Turkey from the F-35 programme in response."
)
C1 = (
    "Grain exports from Ukraine resumed through the Black Sea corridor in August 2022. "
    "The first ship carried 26,000 tonnes of maize to Lebanon. The corridor closed in July 2023."
)
C2 = "Cyprus bought the S-300 in 1997. The missiles were later moved to the Greek island of Crete in 1999."
ROWS = [
    {
        "id": "q1",
        "question": "When did Turkey take delivery of the S-400?",
        "context": C0,
        "answers": ["July 2019"],
        "answer_sentences": ["Turkey took delivery of the first S-400 batteries in July 2019."],
    },
    {
        "id": "q2",
        "question": "What did the first grain ship carry to Lebanon?",
        "context": C1,
        "answers": ["26,000 tonnes of maize"],
        "answer_sentences": ["The first ship carried 26,000 tonnes of maize to Lebanon."],
    },
    {
        "id": "q3",
        "question": "Where were the Cypriot missiles moved?",
        "context": C2,
        "answers": ["Crete"],
        "answer_sentences": ["The missiles were later moved to the Greek island of Crete in 1999."],
    },
    {"id": "q4", "question": "Is the corridor open?", "context": C1, "answers": ["no"], "answer_sentences": []},
    {
        "id": "q5",
        "question": "What did the second turn ask?",
        "context": C2,
        "answers": ["Crete"],
        "answer_sentences": ["The missiles were later moved to the Greek island of Crete in 1999."],
        "turn": 2,
    },
]


@pytest.fixture
def qa_file(tmp_path):
    path = tmp_path / "tiny-qa.jsonl.xz"
    with lzma.open(path, "wt", encoding="utf-8") as out:
        for row in ROWS:
            out.write(json.dumps(row) + "\n")
    return path


def test_contexts_become_documents_and_answers_gold_spans(qa_file):
    dataset = load_qa(qa_file, limit=10, min_documents=0)
    assert dataset.name == domain_name(qa_file) == "tiny-qa"
    assert sorted(r["text"] for r in dataset.records) == sorted([C0, C1, C2])
    by_id = {q.id: q for q in dataset.questions}
    assert "q5" not in by_id  # a later dialogue turn leans on the ones before
    assert by_id["q4"].kind == "unanswerable"  # "no" is no span and no sentence holds it
    q1 = by_id["q1"]
    assert q1.kind == "answerable"
    text = next(r["text"] for r in dataset.records if r["text"] == C0)
    assert {text[s.char_start : s.char_end] for s in q1.spans} == {"July 2019", ROWS[0]["answer_sentences"][0]}


def test_near_miss_cuts_the_answering_sentences_and_keeps_the_rest(qa_file):
    dataset = load_qa(qa_file, limit=10, min_documents=0, near_miss=True)
    assert all(not q.answerable for q in dataset.questions)
    texts = [r["text"] for r in dataset.records]
    assert not any("July 2019" in t or "26,000 tonnes" in t or "Crete" in t for t in texts)
    assert any(t.startswith("The S-400 is a Russian air defence system.") for t in texts)
    assert any("The corridor closed in July 2023." in t for t in texts)


def test_sample_is_reproducible_and_distractors_fill_the_index(qa_file):
    first = load_qa(qa_file, limit=1, min_documents=3, seed=5)
    again = load_qa(qa_file, limit=1, min_documents=3, seed=5)
    assert [q.id for q in first.questions] == [q.id for q in again.questions]
    assert len(first.records) == 3 and len(first.questions) == 1


def test_bad_files_are_refused(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "no context"}\n')
    with pytest.raises(UsageError, match="not a qa-train row"):
        load_qa(bad)
    with pytest.raises(UsageError, match="cannot read"):
        load_qa(tmp_path / "missing.jsonl")


def test_qa_hit_holds_a_span_or_half_of_a_sentence():
    answer_sentence = Span(0, "d", 100, 200)
    answer_span = Span(1, "d", 150, 160)
    spans = [answer_sentence, answer_span]
    assert qa_hit(spans, "d", 100, 200) == {0, 1}
    assert qa_hit(spans, "d", 140, 170) == {0, 1}  # a piece of the sentence holding the span
    assert qa_hit(spans, "d", 190, 300) == frozenset()  # touches the sentence's end only
    assert qa_hit(spans, "d", 0, 160) == {0, 1}  # the sentence with the one before
    assert qa_hit(spans, "other", 100, 200) == frozenset()


def test_eval_qa_prints_the_per_domain_table(qa_file, tmp_path, capsys):
    argv = ["eval", "--qa", str(qa_file), "--near-miss", "--qa-documents", "0", "--cache", str(tmp_path / "c")]
    assert main(argv + ["--baseline", "dense-sentence", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [r["gold_set"] for r in data["gold_sets"]]
    assert names == ["tiny-qa", "tiny-qa near-miss"]
    plain, near = data["gold_sets"]
    assert plain["hit_rule"] == "qa" and plain["metrics"]["verbatim_rate"] == 1.0
    assert near["kinds"] == {"unanswerable": 3}
    assert "dense-sentence" in plain["baselines"]
    (row,) = data["domains"]
    assert row["domain"] == "tiny-qa" and row["answerable"] == 3 and row["unanswerable"] == 4
    assert 0.0 <= row["false_abstention"] <= 1.0 and "dense-sentence_hit@1" in row
    assert main(argv) == 0
    out = capsys.readouterr().out
    table = out[out.index("domain") :]
    assert "tiny-qa" in table and "false_abstention" in table and "silenced by" in table
    assert main(["eval", "--qa", str(tmp_path / "none.jsonl")]) == 2
