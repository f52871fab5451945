"""Incremental indexing, crash safety, locking and manifest checks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import STATE_DEPT, FakeEmbedder, article_corpus

from briefing.corpus.chunking import ChunkingParams
from briefing.errors import CorpusEmptyError, IndexBusyError, IndexMismatchError, IndexMissingError
from briefing.index import build_index, load_index
from briefing.index.manifest import read_manifest


def quiet(**kwargs):
    return dict(show_bar=False, log=lambda _: None, **kwargs)


def make_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\ntitle: A\ndate: 2021-01-02\n---\nAlpha talks about tariffs. Alpha again.\n")
    (corpus / "b.txt").write_text("Bravo discusses missiles and NATO.\n\nSecond paragraph of bravo.")
    records = [
        {"_id": f"r{i}", "title": f"R{i}", "date": f"2022-02-0{i + 1}", "text": f"Record {i} on topic {i}."}
        for i in range(3)
    ]
    (corpus / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return corpus


def embedded_docs(fake: FakeEmbedder, index) -> set[str]:
    """Which documents' passages the fake embedder saw (by exact passage text)."""
    texts = set(fake.encoded)
    found = set()
    for doc_id in index.store.document_hashes():
        document = index.store.document(doc_id)
        if any(t in document.text for t in texts):
            found.add(doc_id)
    return found


def test_incremental_add_change_remove_embeds_only_what_changed(tmp_path):
    corpus = make_corpus(tmp_path)
    index_dir = tmp_path / "index"
    first = build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    assert sorted(first.added) == ["a.md", "b.txt", "c.jsonl#r0", "c.jsonl#r1", "c.jsonl#r2"]

    unchanged = build_index(corpus, index_dir, embedder=(fake := FakeEmbedder()), **quiet())
    assert (unchanged.added, unchanged.changed, unchanged.removed, unchanged.unchanged) == ([], [], [], 5)
    assert fake.encoded == [] and unchanged.embedded_passages == 0

    (corpus / "a.md").write_text("---\ntitle: A\ndate: 2021-01-02\n---\nAlpha now talks about sanctions.\n")
    (corpus / "b.txt").unlink()
    (corpus / "d.md").write_text("Delta is new.")
    with open(corpus / "c.jsonl", "a") as handle:
        handle.write(json.dumps({"_id": "r9", "date": "2022-03-01", "text": "Appended record nine."}) + "\n")
    report = build_index(corpus, index_dir, embedder=(fake := FakeEmbedder()), **quiet())
    assert sorted(report.added) == ["c.jsonl#r9", "d.md"]
    assert report.changed == ["a.md"]
    assert report.removed == ["b.txt"]
    assert report.unchanged == 3
    assert sorted(fake.encoded) == sorted(
        ["Alpha now talks about sanctions.", "Delta is new.", "Appended record nine."]
    )

    index = load_index(index_dir, embedder=FakeEmbedder())
    assert sorted(index.store.document_hashes()) == [
        "a.md",
        "c.jsonl#r0",
        "c.jsonl#r1",
        "c.jsonl#r2",
        "c.jsonl#r9",
        "d.md",
    ]
    assert index.vectors.ntotal == index.store.counts()[1]
    # Removing a record from the collection removes just that record.
    lines = (corpus / "c.jsonl").read_text().splitlines()
    (corpus / "c.jsonl").write_text("\n".join(line for line in lines if '"r1"' not in line) + "\n")
    report = build_index(corpus, index_dir, embedder=(fake := FakeEmbedder()), **quiet())
    assert report.removed == ["c.jsonl#r1"] and fake.encoded == []


def test_passages_and_vectors_agree_after_updates(tmp_path):
    corpus = make_corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    (corpus / "a.md").write_text("Changed alpha.")
    build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    index = load_index(index_dir, embedder=FakeEmbedder())
    ids = index.store.passage_ids()
    for passage_id in ids:
        index.vectors.reconstruct(passage_id)  # raises if the vector is missing
    assert index.vectors.ntotal == len(ids)
    for doc_id in index.store.document_hashes():
        document = index.store.document(doc_id)
        for passage in index.store.passages(ids).values():
            if passage.doc_id == doc_id:
                assert document.text[passage.char_start : passage.char_end] == passage.text


def test_bad_file_is_skipped_and_previous_version_kept(tmp_path):
    corpus = make_corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    (corpus / "a.md").write_bytes(b"\xff\xfe broken now")
    (corpus / "junk.bin").write_bytes(b"\x00\x01")
    report = build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    assert {s.path for s in report.skipped} == {"a.md", "junk.bin"}
    index = load_index(index_dir, embedder=FakeEmbedder())
    assert "a.md" in index.store.document_hashes()  # nothing lost
    (corpus / "a.md").write_text("Fixed alpha.")
    report = build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    assert report.changed == ["a.md"]


def test_chunking_or_model_change_forces_announced_full_rebuild(tmp_path):
    corpus = make_corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    messages = []
    report = build_index(
        corpus,
        index_dir,
        embedder=FakeEmbedder(),
        params=ChunkingParams(max_tokens=64),
        show_bar=False,
        log=messages.append,
    )
    assert report.full_rebuild_reason and "chunking" in report.full_rebuild_reason
    assert any("full rebuild" in m for m in messages)
    assert len(report.added) == 5

    class OtherModel(FakeEmbedder):
        identity = "other@0002"

    report = build_index(corpus, index_dir, embedder=OtherModel(), params=ChunkingParams(max_tokens=64), **quiet())
    assert "model changed" in report.full_rebuild_reason
    with pytest.raises(IndexMismatchError, match="rebuild"):
        load_index(index_dir, embedder=FakeEmbedder())
    report = build_index(
        corpus, index_dir, embedder=OtherModel(), params=ChunkingParams(max_tokens=64), full=True, **quiet()
    )
    assert report.full_rebuild_reason == "--full was given"


def test_schema_mismatch_and_missing_index_are_named_errors(tmp_path):
    with pytest.raises(IndexMissingError, match="briefing index"):
        load_index(tmp_path / "nothing", embedder=FakeEmbedder())
    corpus = make_corpus(tmp_path)
    build_index(corpus, tmp_path / "index", embedder=FakeEmbedder(), **quiet())
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    manifest["schema_version"] = 999
    (tmp_path / "index" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="--full"):
        load_index(tmp_path / "index", embedder=FakeEmbedder())


def test_an_index_of_schema_1_asks_for_a_full_rebuild_and_an_update_rebuilds_it(tmp_path):
    """Schema 2 added the documents' date periods: an older index cannot be filtered correctly."""
    corpus = make_corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    manifest = json.loads((index_dir / "manifest.json").read_text())
    manifest["schema_version"] = 1
    (index_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=r"schema version 1.*briefing index --full"):
        load_index(index_dir, embedder=FakeEmbedder())
    messages: list[str] = []
    report = build_index(corpus, index_dir, embedder=FakeEmbedder(), show_bar=False, log=messages.append)
    assert any(m.startswith("full rebuild:") and "schema version 1" in m for m in messages)
    assert len(report.added) == 5 and report.unchanged == 0
    index = load_index(index_dir, embedder=FakeEmbedder())
    assert index.store.passage_ids_where(since="2022-02-02", until="2022-02-02")  # dates are queryable again


def test_empty_corpus_is_an_error_and_keeps_previous_index(tmp_path):
    corpus = make_corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    generation = read_manifest(index_dir).generation
    for path in corpus.iterdir():
        path.unlink()
    with pytest.raises(CorpusEmptyError):
        build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())
    assert read_manifest(index_dir).generation == generation
    assert load_index(index_dir, embedder=FakeEmbedder()).store.counts()[0] == 5
    with pytest.raises(CorpusEmptyError):
        build_index(tmp_path / "missing", tmp_path / "index2", embedder=FakeEmbedder(), **quiet())


def test_concurrent_build_gets_a_clear_lock_error(tmp_path):
    from filelock import FileLock

    corpus = make_corpus(tmp_path)
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    with FileLock(str(index_dir / ".lock")):
        with pytest.raises(IndexBusyError, match="another `briefing index`"):
            build_index(corpus, index_dir, embedder=FakeEmbedder(), **quiet())


def _env():
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_DISABLE_PROGRESS_BARS="1", BRIEFING_PROGRESS="1")
    return env


@pytest.mark.integration
@pytest.mark.skipif(not STATE_DEPT.exists(), reason="needs ../shared/datasets")
def test_killed_build_leaves_previous_index_usable_and_next_build_completes(tmp_path):
    """Real model, real process: SIGKILL a build part-way through embedding."""
    corpus = article_corpus(tmp_path / "corpus")  # the seed article alone: corpus/ also holds the demo collection
    index_dir = tmp_path / "index"
    briefing = [sys.executable, "-m", "briefing.cli"]
    subprocess.run(
        [*briefing, "index", "--corpus", str(corpus), "--index", str(index_dir)],
        check=True,
        env=_env(),
        capture_output=True,
    )
    before = read_manifest(index_dir)
    # A collection big enough that the build is still embedding when killed.
    with open(STATE_DEPT) as source, open(corpus / "releases.jsonl", "w") as target:
        for _, line in zip(range(80), source):
            target.write(line)
    process = subprocess.Popen(
        [*briefing, "index", "--corpus", str(corpus), "--index", str(index_dir)],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    # Wait until the new generation folder exists and holds data, then kill hard.
    while time.time() < deadline:
        generations = [g for g in index_dir.glob("gen-*") if g.name != before.generation]
        if generations and (generations[0] / "passages.sqlite").exists():
            time.sleep(3)
            break
        time.sleep(0.2)
    assert process.poll() is None, "the build finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert read_manifest(index_dir).generation == before.generation
    asked = subprocess.run(
        [*briefing, "ask", "--index", str(index_dir), "--json", "did the US position change?"],
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert asked.returncode == 0, asked.stderr
    assert not json.loads(asked.stdout)["abstained"]
    finished = subprocess.run(
        [*briefing, "index", "--corpus", str(corpus), "--index", str(index_dir), "--json"],
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert len(report["added"]) == 80 and report["unchanged"] == 1
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [read_manifest(index_dir).generation]


class RecordingEmbedder:
    """The real model, recording every text it embeds."""

    def __init__(self, inner):
        self.inner = inner
        self.encoded: list[str] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, texts, **kwargs):
        self.encoded.extend(texts)
        return self.inner.encode(texts, **kwargs)

    def encode_with_sentences(self, texts, spans, **kwargs):
        self.encoded.extend(texts)
        return self.inner.encode_with_sentences(texts, spans, **kwargs)


@pytest.mark.integration
def test_incremental_updates_with_the_real_model(tmp_path, real_embedder):
    """Add, change, remove and append with all-MiniLM-L6-v2; only the changed documents are embedded,
    and the answers follow the change."""
    from briefing.answer import answer

    corpus = make_corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=RecordingEmbedder(real_embedder), **quiet())

    (corpus / "a.md").write_text("---\ntitle: A\ndate: 2021-01-02\n---\nAlpha announced new sanctions on Freedonia.\n")
    (corpus / "b.txt").unlink()
    (corpus / "d.md").write_text("Delta reports that the Sylvanian embassy reopened in June.")
    with open(corpus / "c.jsonl", "a") as handle:
        handle.write(
            json.dumps({"_id": "r9", "date": "2022-03-01", "text": "Record nine covers Arctic fisheries."}) + "\n"
        )
    recorder = RecordingEmbedder(real_embedder)
    report = build_index(corpus, index_dir, embedder=recorder, **quiet())
    assert (sorted(report.added), report.changed, report.removed) == (["c.jsonl#r9", "d.md"], ["a.md"], ["b.txt"])
    assert sorted(recorder.encoded) == sorted(
        [
            "Alpha announced new sanctions on Freedonia.",
            "Delta reports that the Sylvanian embassy reopened in June.",
            "Record nine covers Arctic fisheries.",
        ]
    )
    index = load_index(index_dir, embedder=real_embedder)
    assert index.vectors.ntotal == index.store.counts()[1]
    reply = answer(index, "Which embassy reopened?", threshold=-1.0, top=1)
    assert reply.extracts[0].doc_id == "d.md"
    reply = answer(index, "What bravo paragraph discusses missiles?", threshold=-1.0, top=3)
    assert all(e.doc_id != "b.txt" for e in reply.extracts)
