"""The transcripts' question -> answer turns as a qa-train domain (scripts/transcript_qa.py)."""
# ruff: noqa: E501 (a transcript is written as it is, one turn a line)

from __future__ import annotations

import json
import lzma

from conftest import load_script

from briefing.evaluation.gold import scored_documents
from briefing.evaluation.qa import _usable

TRANSCRIPT = """MR PRICE: Good afternoon, everyone. I have two things at the top.

QUESTION: Thank you, Ned. On Turkey, the S-400 has been in the news again this week. Has anything changed in how the US sees Ankara's purchase of the system?

MR PRICE: Our position has not changed at all on that. We continue to urge Turkey not to retain the S-400 system. We have made that clear at every level, including to our counterparts in Ankara.

QUESTION: And on Greece?

MR PRICE: I have nothing new on that, I'm afraid, beyond what we said last week.

MODERATOR: Next question, please.

QUESTION: Can you tell us what the Secretary will raise with the Foreign Minister on Thursday?

MODERATOR: We will go to the next caller.

QUESTION: What does the department say about the detained journalist in Minsk, and will you press for his release?

MR PRICE: We are deeply concerned by the detention of the journalist in Minsk. We call for his immediate release and we will keep pressing for it.
"""


def test_a_reply_to_a_reporter_becomes_a_question_with_its_answer_sentences():
    script = load_script("transcript_qa")
    rows = script.rows_of({"_id": "sdpr-x", "title": "Department Press Briefing", "text": TRANSCRIPT})
    first = rows[0]
    assert first["question"] == (
        "Has anything changed in how the US sees Ankara's purchase of the system?"
    )  # its question sentences only, not the preamble
    assert first["answer_sentences"] == [
        "Our position has not changed at all on that.",
        "We continue to urge Turkey not to retain the S-400 system.",
        "We have made that clear at every level, including to our counterparts in Ankara.",
    ]
    assert first["context"] in TRANSCRIPT and first["context"].startswith("MR PRICE: Good afternoon")
    assert all(sentence in first["context"] for sentence in first["answer_sentences"])
    assert _usable(first)
    # "And on Greece?" is too short to stand alone, a moderator's turn answers nothing, and a
    # window (two turns before the question, three after the reply) never overlaps the one before.
    assert [row["id"] for row in rows] == ["sdpr-x-t001", "sdpr-x-t008"]
    last = rows[1]
    assert last["answer_sentences"][0] == "We are deeply concerned by the detention of the journalist in Minsk."
    assert last["context"].startswith("QUESTION: Can you tell us") and "Next question" not in last["context"]


def test_the_documents_the_evaluation_scores_are_read_from_the_gold_sets_and_the_demo_corpus(tmp_path):
    (tmp_path / "eval" / "gold").mkdir(parents=True)
    (tmp_path / "corpus").mkdir()
    evidence = [{"path": "press_releases.jsonl", "doc_id": "press_releases.jsonl#sdpr-00007", "quote": "We urge."}]
    gold = {"id": "g1", "question": "Did the US urge it?", "kind": "answerable", "evidence": evidence}
    (tmp_path / "eval" / "gold" / "set.jsonl").write_text(json.dumps(gold) + "\n\n", encoding="utf-8")
    (tmp_path / "corpus" / "demo.jsonl").write_text(json.dumps({"_id": "sdpr-00009", "text": "t"}) + "\n")
    (tmp_path / "corpus" / "notes.md").write_text("not a collection")
    assert scored_documents(tmp_path) == {"sdpr-00007", "sdpr-00009"}


def test_a_transcript_the_evaluation_scores_gives_no_training_question(tmp_path):
    script = load_script("transcript_qa")
    cited = sorted(scored_documents(script.ROOT))[0]
    data = tmp_path / "press_releases.jsonl"
    data.write_text(
        "".join(json.dumps({"_id": _id, "title": "Briefing", "text": TRANSCRIPT}) + "\n" for _id in (cited, "sdpr-x")),
        encoding="utf-8",
    )
    out = tmp_path / "transcripts.jsonl.xz"
    assert script.main(["--data", str(data), "--out", str(out)]) == 0
    with lzma.open(out, "rt", encoding="utf-8") as rows:
        ids = [json.loads(line)["id"] for line in rows]
    assert ids == ["sdpr-x-t001", "sdpr-x-t008"]  # the cited transcript's two questions are left out
