"""`briefing eval` end to end: gold sets, --json, --report, --calibrate, --beir, bad input."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from briefing.cli import main

SEED_GOLD = REPO / "eval" / "gold" / "seed.jsonl"


@pytest.fixture
def small_gold(tmp_path):
    """Four seed questions (two answerable, one change, one unanswerable): a quick CLI run."""
    lines = [line for line in SEED_GOLD.read_text().splitlines() if line.strip()]
    chosen = [lines[1], lines[7], lines[21], lines[30]]
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(chosen) + "\n")
    return path


def test_eval_json_report_and_calibrate(seed_index_dir, small_gold, tmp_path, capsys):
    report = tmp_path / "report"
    code = main(
        [
            "eval",
            "--index",
            str(seed_index_dir / "index"),
            "--questions",
            str(small_gold),
            "--allow-extra-documents",  # whatever else the seed index fixture holds beside the article
            "--json",
            "--calibrate",
            "--report",
            str(report),
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["questions"] == 4
    assert data["metrics"]["verbatim_rate"] == 1.0
    assert 0.0 <= data["metrics"]["recall@5"] <= 1.0
    assert {"threshold", "objective", "curve"} <= set(data["calibration"])
    text = (report / "report.md").read_text()
    assert "## Summary" in text and "recall_at_k.png" in text
    for name in ("recall_at_k.png", "score_by_kind.png", "abstention_tradeoff.png"):
        assert (report / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_table_on_the_terminal(seed_index_dir, small_gold, capsys):
    assert (
        main(
            [
                "eval",
                "--index",
                str(seed_index_dir / "index"),
                "--questions",
                str(small_gold),
                "--allow-extra-documents",
                "--calibrate",
                "--mode",
                "dense",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "recall@5" in out and "abstention_f1" in out and "seed-002" in out
    assert "threshold" in out and "Youden J" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["eval"], "--questions"),
        (["eval", "--questions", "no/such/gold.jsonl"], "not found"),
        (["eval", "--questions", str(SEED_GOLD), "--mode", "all"], "--mode all is for --beir"),
        (
            [
                "eval",
                "--questions",
                str(SEED_GOLD),
                "--questions",
                str(SEED_GOLD),
                "--index",
                "a",
                "--index",
                "b",
                "--index",
                "c",
            ],
            "one --index per --questions",
        ),
        (["eval", "--beir", "no/such/folder"], "not a folder"),
    ],
)
def test_eval_usage_errors_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_eval_malformed_gold_set_exits_2(seed_index_dir, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "q?", "kind": "sometimes"}\n')
    assert main(["eval", "--index", str(seed_index_dir / "index"), "--questions", str(bad)]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err


def test_eval_without_an_index_exits_1(tmp_path, capsys):
    assert main(["eval", "--index", str(tmp_path / "none"), "--questions", str(SEED_GOLD)]) == 1
    assert "no index" in capsys.readouterr().err


# --- BEIR on a tiny dataset ------------------------------------------------------------

TINY_CORPUS = [
    ("d1", "Turkey buys S-400", "Turkey took delivery of the Russian S-400 air defence system in 2019."),
    ("d2", "CAATSA sanctions", "The United States imposed CAATSA sanctions on Turkey's defence procurement agency."),
    ("d3", "Wheat exports", "Ukraine resumed grain exports through the Black Sea corridor in August."),
    ("d4", "Vaccine donations", "The United States donated millions of COVID-19 vaccine doses to partner countries."),
    ("d5", "F-35 programme", "Turkey was removed from the F-35 fighter jet programme over the S-400 purchase."),
]
TINY_QUERIES = {
    "q1": "Which air defence system did Turkey buy from Russia?",
    "q2": "grain exports Black Sea",
    "q3": "sanctions on Turkey",
    "q9": "a query without judgements",
}
TINY_QRELS = [("q1", "d1", 1), ("q1", "d5", 1), ("q2", "d3", 1), ("q3", "d2", 2), ("q3", "d5", 0)]


@pytest.fixture
def tiny_beir(tmp_path):
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in TINY_CORPUS)
    )
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in TINY_QUERIES.items())
    )
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in TINY_QRELS)
    )
    return folder


def test_beir_index_is_cached_and_scored(tiny_beir, tmp_path, real_embedder):
    from briefing.evaluation.beir import evaluate_beir, load_beir, prepare_index

    pytrec_eval = pytest.importorskip("pytrec_eval")
    dataset = load_beir(tiny_beir)
    assert set(dataset.queries) == {"q1", "q2", "q3"} and dataset.qrels["q3"] == {"d2": 2}
    messages: list[str] = []
    index = prepare_index(tiny_beir, cache=tmp_path / "cache", embedder=real_embedder, log=messages.append)
    assert index.manifest.documents == 5
    document = index.store.document("corpus.jsonl#d1")
    assert document.text.startswith("Turkey buys S-400\n\nTurkey took delivery")
    results, runs = evaluate_beir(index, dataset, ["dense", "lexical", "hybrid"])
    index.close()
    for result in results:
        assert result.means()["recall@100"] == 1.0  # five documents: all are ranked
        assert result.means()["ndcg@10"] > 0.8
    # our document-level metrics agree with pytrec_eval on the same run
    dense = runs["dense"]
    scored = {qid: {d: float(len(ranked) - i) for i, d in enumerate(ranked)} for qid, ranked in dense.items()}
    reference = pytrec_eval.RelevanceEvaluator(dataset.qrels, {"ndcg_cut.10", "recall.100"}).evaluate(scored)
    for qid in dataset.qrels:
        assert results[0].metrics["ndcg@10"].per_query[qid] == pytest.approx(reference[qid]["ndcg_cut_10"])
        assert results[0].metrics["recall@100"].per_query[qid] == pytest.approx(reference[qid]["recall_100"])
    again: list[str] = []
    prepare_index(tiny_beir, cache=tmp_path / "cache", embedder=real_embedder, log=again.append).close()
    assert any("reusing" in message for message in again)
    assert len(list((tmp_path / "cache").iterdir())) == 1


def test_beir_cli_json(tiny_beir, tmp_path, capsys):
    code = main(["eval", "--beir", str(tiny_beir), "--mode", "lexical", "--cache", str(tmp_path / "cache"), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["queries"] == 3 and set(data["modes"]) == {"lexical"}
    assert set(data["modes"]["lexical"]) >= {"ndcg@10", "recall@100", "mrr@10"}


def test_beir_missing_qrels_split_exits_2(tiny_beir, capsys):
    assert main(["eval", "--beir", str(tiny_beir), "--split", "dev"]) == 2
    assert "qrels/dev.tsv" in capsys.readouterr().err
