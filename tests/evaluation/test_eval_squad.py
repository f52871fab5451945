"""SQuAD v2 evaluation, the plain sentence baselines, and gold sets refused on the wrong index."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import CORPUS, REPO, SHARED

from briefing.cli import main
from briefing.errors import UsageError
from briefing.evaluation.baselines import SentenceBank, baseline_extracts, parse_baselines
from briefing.evaluation.gold import GoldQuestion, Span, corpus_mismatch, quotes_contained, quotes_overlapped
from briefing.evaluation.runner import evaluate_baseline
from briefing.evaluation.squad import COLLECTION_NAME, doc_id_of, load_squad, prepare_squad_index

SEED_GOLD = REPO / "eval" / "gold" / "seed.jsonl"

P0 = (
    "The S-400 is a Russian air defence system. Turkey took delivery of the first S-400 batteries in July 2019. "
    "The United States removed Turkey from the F-35 programme in response."
)
P1 = (
    "Grain exports from Ukraine resumed through the Black Sea corridor in August 2022. "
    "The first ship carried 26,000 tonnes of maize to Lebanon."
)
P2 = "Cyprus bought the S-300 in 1997. The missiles were later moved to the Greek island of Crete in 1999."

TINY_SQUAD = {
    "version": "v2.0",
    "data": [
        {
            "title": "Air_defence_purchases",
            "paragraphs": [
                {
                    "context": P0,
                    "qas": [
                        {
                            "id": "q-when",
                            "question": "When did Turkey take delivery of the S-400?",
                            "answers": [
                                {"text": "July 2019", "answer_start": P0.index("July 2019")},
                                {"text": "July 2019", "answer_start": P0.index("July 2019")},
                            ],
                            "is_impossible": False,
                        },
                        {
                            "id": "q-impossible",
                            "question": "How much did Turkey pay for the S-400?",
                            "answers": [],
                            "plausible_answers": [{"text": "first S-400 batteries", "answer_start": 60}],
                            "is_impossible": True,
                        },
                    ],
                },
                {
                    "context": P2,
                    "qas": [
                        {
                            "id": "q-where",
                            "question": "Where were the Cypriot S-300 missiles moved?",
                            # answer_start is off by two: the nearest occurrence is taken
                            "answers": [{"text": "Crete", "answer_start": P2.index("Crete") + 2}],
                            "is_impossible": False,
                        }
                    ],
                },
            ],
        },
        {
            "title": "Grain_corridor",
            "paragraphs": [
                {
                    "context": P1,
                    "qas": [
                        {
                            "id": "q-tonnes",
                            "question": "How many tonnes of maize did the first grain ship carry?",
                            "answers": [{"text": "26,000 tonnes", "answer_start": P1.index("26,000 tonnes")}],
                            "is_impossible": False,
                        },
                        {
                            "id": "q-wheat-price",
                            "question": "What was the price of wheat in Lebanon?",
                            "answers": [],
                            "is_impossible": True,
                        },
                    ],
                }
            ],
        },
    ],
}


@pytest.fixture
def tiny_squad(tmp_path):
    path = tmp_path / "tiny-squad.json"
    path.write_text(json.dumps(TINY_SQUAD), encoding="utf-8")
    return path


# --- the loader (no model) ---------------------------------------------------------------


def test_load_squad_paragraphs_become_documents_and_questions_gold(tiny_squad):
    dataset = load_squad(tiny_squad)
    assert [r["_id"] for r in dataset.records] == ["p000", "p001", "p002"]
    assert [r["title"] for r in dataset.records] == ["Air defence purchases"] * 2 + ["Grain corridor"]
    assert [r["text"] for r in dataset.records] == [P0, P2, P1]
    by_id = {q.id: q for q in dataset.questions}
    assert len(by_id) == 5 and dataset.unanswerable == 2
    assert by_id["q-impossible"].kind == "unanswerable" and not by_id["q-impossible"].evidence
    when = by_id["q-when"]
    assert when.kind == "answerable" and len(when.evidence) == 1  # the duplicate annotator answer kept once
    assert when.evidence[0].doc_id == doc_id_of("p000") == f"{COLLECTION_NAME}#p000"
    (span,) = when.spans
    assert P0[span.char_start : span.char_end] == "July 2019" and span.doc_id == "squad.jsonl#p000"
    (where,) = by_id["q-where"].spans
    assert (where.char_start, where.char_end) == (P2.index("Crete"), P2.index("Crete") + 5)
    assert dataset.unlocated == []


def test_load_squad_reports_unlocated_answers_and_rejects_other_json(tmp_path):
    data = json.loads(json.dumps(TINY_SQUAD))
    data["data"][0]["paragraphs"][0]["qas"][0]["answers"] = [{"text": "not in the text", "answer_start": 3}]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    dataset = load_squad(path)
    assert dataset.unlocated == ["q-when: not in the text"]
    question = next(q for q in dataset.questions if q.id == "q-when")
    assert question.kind == "answerable" and question.spans == ()
    for text in ("[1, 2]", '{"data": [{"paragraphs": [{"qas": []}]}]}', "not json"):
        path.write_text(text)
        with pytest.raises(UsageError):
            load_squad(path)


def test_hit_by_containment_is_stricter_than_overlap():
    spans = [Span(0, "d", 10, 20)]
    assert quotes_contained(spans, "d", 5, 25) == {0}
    assert quotes_contained(spans, "d", 10, 20) == {0}
    assert quotes_contained(spans, "d", 12, 30) == frozenset()  # overlaps, does not contain
    assert quotes_overlapped(spans, "d", 12, 30) == {0}
    assert quotes_contained(spans, "other", 0, 100) == frozenset()


def test_parse_baselines():
    assert parse_baselines(None) == []
    assert parse_baselines(["all"]) == ["dense-sentence", "hybrid-sentence"]
    assert parse_baselines(["hybrid-sentence", "all"]) == ["hybrid-sentence", "dense-sentence"]


# --- baselines over an index built with the fake embedder ---------------------------------


@pytest.fixture
def fake_squad_index(tiny_squad, tmp_path, fake_embedder):
    dataset = load_squad(tiny_squad)
    index = prepare_squad_index(dataset, embedder=fake_embedder, cache=tmp_path / "cache", log=lambda _: None)
    yield dataset, index
    index.close()


def test_squad_index_is_cached_by_content(tiny_squad, tmp_path, fake_embedder):
    dataset = load_squad(tiny_squad)
    messages = []
    first = prepare_squad_index(dataset, embedder=fake_embedder, cache=tmp_path / "c", log=messages.append)
    assert first.manifest.documents == 3
    first.close()
    second = prepare_squad_index(dataset, embedder=fake_embedder, cache=tmp_path / "c", log=messages.append)
    second.close()
    assert any("reusing" in m for m in messages)
    assert len(list((tmp_path / "c").iterdir())) == 1


def test_baselines_return_verbatim_sentences_and_never_abstain(fake_squad_index, tmp_path, fake_embedder):
    dataset, index = fake_squad_index
    bank = SentenceBank(index, cache=tmp_path / "vectors", log=lambda _: None)
    assert len(bank) == 7  # every sentence of the three paragraphs, once
    texts = {r["_id"]: r["text"] for r in dataset.records}
    question = "How many tonnes of maize did the first grain ship carry?"
    for name in ("dense-sentence", "hybrid-sentence"):
        extracts = baseline_extracts(bank, name, question, index.encode_query(question), top=3)
        assert len(extracts) == 3
        for extract in extracts:
            source = texts[extract["doc_id"].split("#", 1)[1]]
            assert source[extract["char_start"] : extract["char_end"]] == extract["text"]
        assert "26,000 tonnes" in extracts[0]["text"]
        scores = [e["score"] for e in extracts]
        assert scores == sorted(scores, reverse=True)
    for name in ("dense-sentence", "hybrid-sentence"):
        result = evaluate_baseline(index, dataset.questions, name, bank=bank, hit="contain")
        summary = result.summary()
        assert not any(q.abstained for q in result.questions)
        assert summary["abstention_recall"] == 0.0 and summary["false_abstention"] == 0.0
        assert summary["verbatim_rate"] == 1.0
        assert "recall@5" not in summary and "hit@1_anywhere" in summary  # no passages retrieved
        assert summary["hit@3"] > 0


def test_system_extracts_are_scored_by_containment(fake_squad_index):
    from briefing.evaluation.runner import evaluate

    dataset, index = fake_squad_index
    result = evaluate(index, dataset.questions, threshold=-1.0, hit="contain", name="tiny")
    assert result.hit_rule == "contain"
    for question in result.questions:
        for extract in question.extracts:
            assert "hit_anywhere" in extract  # the rule reaches every extract, answerable or not
            assert not extract["hit"] or extract["hit_anywhere"]  # a contained span is a string inside
    summary = result.summary()
    assert summary["hit@1_anywhere"] >= summary["hit@1"] > 0
    assert "recall@5" in summary and "false_abstention" in summary


def test_hybrid_baseline_uses_sentence_bm25(fake_squad_index, tmp_path):
    _, index = fake_squad_index
    bank = SentenceBank(index, cache=tmp_path / "vectors", log=lambda _: None)
    scores = bank.bm25("maize")
    assert scores.shape == (len(bank),) and (scores > 0).sum() == 1
    assert "maize" in bank.texts[int(np.argmax(scores))]
    assert not bank.bm25("the of and").any()  # stop words only


def test_sentence_vectors_are_cached_on_disk(fake_squad_index, tmp_path, fake_embedder):
    _, index = fake_squad_index
    first = SentenceBank(index, cache=tmp_path / "vectors", log=lambda _: None)
    encoded = len(fake_embedder.encoded)
    second = SentenceBank(index, cache=tmp_path / "vectors", log=lambda _: None)
    assert len(fake_embedder.encoded) == encoded  # nothing encoded again
    assert "cache " in second.source and np.allclose(first.vectors, second.vectors)


def test_stored_sentence_vectors_are_used_only_when_asked(fake_squad_index, tmp_path, fake_embedder):
    _, index = fake_squad_index

    def sentence_vectors(passages):
        return {
            p.passage_id: fake_embedder.encode(
                [p.text[s.char_start - p.char_start : s.char_end - p.char_start] for s in p.sentences]
            )
            for p in passages
        }

    index.sentence_vectors = sentence_vectors
    plain = SentenceBank(index, cache=tmp_path / "vectors", log=lambda _: None)
    assert plain.source.startswith("each sentence encoded alone")
    bank = SentenceBank(index, cache=tmp_path / "other", stored=True, log=lambda _: None)
    assert bank.source.startswith("stored") and bank.vectors.shape[0] == len(bank)
    assert np.allclose(bank.vectors, plain.vectors, atol=1e-6)
    assert not (tmp_path / "other").exists()


# --- a gold set on the wrong index is refused ----------------------------------------------


def test_corpus_mismatch_names_missing_and_extra_documents(fake_squad_index):
    _, index = fake_squad_index
    ours = GoldQuestion("a", "q?", "answerable", (load_squad_evidence("squad.jsonl#p000"),))
    assert corpus_mismatch(index, [ours]) == ([], [])
    other = GoldQuestion("b", "q?", "answerable", (load_squad_evidence("squad.jsonl#p999"),))
    assert corpus_mismatch(index, [other]) == (["squad.jsonl#p999"], [])
    elsewhere = GoldQuestion("c", "q?", "answerable", (load_squad_evidence(None, path="article.md"),))
    missing, extra = corpus_mismatch(index, [elsewhere])
    assert missing == ["article.md"] and len(extra) == 3


def load_squad_evidence(doc_id, path="squad.jsonl"):
    from briefing.evaluation.gold import Evidence

    return Evidence(path, "quote", doc_id)


def test_eval_refuses_an_index_holding_other_documents(seed_index_dir, tmp_path, capsys):
    # A gold set of unanswerable questions cites no file: every indexed document lies outside its corpus.
    gold = tmp_path / "g.jsonl"
    gold.write_text(json.dumps({"id": "x", "question": "Who won the 1966 World Cup?", "kind": "unanswerable"}) + "\n")
    argv = ["eval", "--index", str(seed_index_dir / "index"), "--questions", str(gold), "--json"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "outside the files" in err and "--allow-extra-documents" in err and "--corpus" in err
    assert main(argv + ["--allow-extra-documents"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 1


def test_eval_refuses_an_index_lacking_cited_documents(seed_index_dir, tmp_path, capsys):
    gold = tmp_path / "g.jsonl"
    gold.write_text(
        json.dumps(
            {"id": "x", "question": "q?", "kind": "answerable", "evidence": [{"path": "gone.md", "quote": "words"}]}
        )
        + "\n"
    )
    argv = ["eval", "--index", str(seed_index_dir / "index"), "--questions", str(gold), "--allow-extra-documents"]
    assert main(argv) == 2
    assert "lacks 1 document" in capsys.readouterr().err


@pytest.mark.integration
def test_eval_with_corpus_builds_its_own_cached_index(tmp_path, capsys):
    corpus = tmp_path / "article"
    corpus.mkdir()
    (corpus / "us-turkey-s400-article.md").write_bytes((CORPUS / "us-turkey-s400-article.md").read_bytes())
    lines = [line for line in SEED_GOLD.read_text().splitlines() if line.strip()]
    gold = tmp_path / "small.jsonl"
    gold.write_text("\n".join([lines[1], lines[30]]) + "\n")
    argv = ["eval", "--questions", str(gold), "--corpus", str(corpus), "--cache", str(tmp_path / "cache"), "--json"]
    assert main(argv) == 0
    first = capsys.readouterr()
    assert json.loads(first.out)["questions"] == 2 and "indexing" in first.err
    assert main(argv) == 0
    assert "reusing the index" in capsys.readouterr().err
    assert main(["eval", "--questions", str(gold), "--corpus", str(corpus), "--index", "x"]) == 2


# --- the whole command on a tiny SQuAD file, real model ------------------------------------


@pytest.mark.integration
def test_eval_squad_with_baselines_side_by_side(tiny_squad, tmp_path, capsys):
    cache = tmp_path / "cache"
    report = tmp_path / "report"
    argv = ["eval", "--squad", str(tiny_squad), "--baseline", "all", "--cache", str(cache)]
    assert main(argv + ["--json", "--report", str(report)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["questions"] == 5 and data["hit_rule"] == "contain"
    assert set(data["baselines"]) == {"dense-sentence", "hybrid-sentence"}
    for name, baseline in data["baselines"].items():
        metrics = baseline["metrics"]
        assert metrics["abstention_recall"] == 0.0 and metrics["false_abstention"] == 0.0, name
        assert metrics["verbatim_rate"] == 1.0
        assert metrics["hit@3"] >= metrics["hit@1"]
    metrics = data["metrics"]
    for key in ("hit@1", "hit@3", "hit@1_anywhere", "abstention_recall", "false_abstention", "verbatim_rate"):
        assert key in metrics
    assert metrics["verbatim_rate"] == 1.0 and "recall@5" in metrics
    assert data["params"]["threshold"] == data["threshold"]
    assert isinstance(data["answer_models"], list)
    text = (report / "report.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| metric"))
    assert "briefing" in header and "dense-sentence" in header and "hybrid-sentence" in header
    assert "| hit@1_anywhere |" in text and "| false_abstention |" in text
    assert main(argv) == 0  # the terminal table, from the cached index
    out = capsys.readouterr().out
    assert "dense-sentence" in out and "hybrid-sentence" in out and "false_abstention" in out


# --- the SQuAD 2.0 slice, real model: regression floors ------------------------------------

SQUAD_SLICE = SHARED / "datasets" / "squad2-dev-slice" / "computational-complexity.json"


@pytest.mark.integration
def test_squad_slice_answers_and_abstentions_stay_above_their_floors(tmp_path, capsys):
    """Measured 2026-12-06 (issue 23: the slice is never trained on; the abstention model is fitted on
    seven qa-train domains and the gold sets, its cut keeping every training domain's false abstention
    at 0.05 or less): hit@1 0.726, hit@3 0.827, abstention recall 0.276 at false abstention 0.000,
    verbatim 1.0 (``briefing eval --squad SLICE``). Measured 2026-12-07 with the ranking refitted
    without the slice too (docs/eval/transfer.md sections 9-10): 0.716, 0.817, 0.267 at 0.000. Before,
    with a model fitted on the slice itself: 0.716, 0.812, 0.606 at 0.015."""
    argv = ["eval", "--squad", str(SQUAD_SLICE), "--cache", str(tmp_path / "cache"), "--json"]
    assert main(argv) == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    assert metrics["verbatim_rate"] == 1.0
    assert metrics["hit@1"] >= 0.70 and metrics["hit@3"] >= 0.79
    assert metrics["abstention_recall"] >= 0.25 and metrics["false_abstention"] <= 0.05
