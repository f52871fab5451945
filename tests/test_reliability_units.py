"""Fast checks of the reliability pieces without the model: corpus walk, size limit, login throttle, heap trim."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import time
from pathlib import Path

import pytest

from briefing.corpus import SkippedFile, load_corpus, read_file
from briefing.corpus.chunking import ChunkingParams, chunk_document
from briefing.corpus.limits import max_document_bytes
from briefing.corpus.walk import os_reason, shown_path
from briefing.errors import CorpusError, UsageError
from briefing.records import Document
from briefing.ui import memory
from briefing.ui.auth import AuthConfigError, Throttled, load_credentials


def _words(texts):
    return [len(text.split()) for text in texts]


def test_walk_reports_special_entries_and_reads_the_rest(tmp_path):
    (tmp_path / "good.md").write_text("A good document.")
    (tmp_path / "inside.md").mkdir()
    (tmp_path / "inside.md" / "nested.txt").write_text("Read although its folder is named like a document.")
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "loop").symlink_to(tmp_path)  # a folder link back to the root
    os.mkfifo(tmp_path / "pipe.txt")
    with open(os.fsencode(tmp_path) + b"/caf\xe9.md", "wb") as handle:
        handle.write(b"Latin-1 name.")
    (tmp_path / ".hidden.md").write_text("never read, never reported")
    documents, skipped = load_corpus(tmp_path)
    assert sorted(d.doc_id for d in documents) == ["good.md", "inside.md/nested.txt"]
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["caf\\xe9.md"].startswith("the file name is not UTF-8")
    assert reasons["dangling.md"].startswith("broken symbolic link")
    assert "link loop" in reasons["loop"]
    assert reasons["pipe.txt"].startswith("a FIFO")
    assert reasons["inside.md"].startswith("a folder, not a document")
    assert not any(".hidden" in path for path in reasons)


def test_os_reasons_and_escaped_names():
    assert os_reason(PermissionError(errno.EACCES, "Permission denied")) == "no permission to read it"
    assert os_reason(OSError(errno.ENAMETOOLONG, "File name too long")).startswith("path too long")
    assert os_reason(OSError(errno.ELOOP, "loop")) == "symbolic link loop"
    assert shown_path("ok/na\udcffme.md") == "ok/na\\xffme.md"
    assert shown_path("Çavuşoğlu.md") == "Çavuşoğlu.md"


def test_size_limit_refuses_before_reading_and_per_record(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000)
    with pytest.raises(CorpusError, match=r"over the 0\.001 MB document size limit|document size limit"):
        read_file(tmp_path, big, max_bytes=1000)
    lines = [{"_id": "small", "text": "short"}, {"_id": "large", "text": "x" * 5000}]
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    documents, skipped = read_file(tmp_path, tmp_path / "c.jsonl", max_bytes=2000)
    assert [d.doc_id for d in documents] == ["c.jsonl#small"]
    assert [s.path for s in skipped] == ["c.jsonl:2"] and "document size limit" in skipped[0].reason
    monkeypatch.setenv("BRIEFING_MAX_DOCUMENT_MB", "2.5")
    assert max_document_bytes() == int(2.5 * 1024 * 1024)
    monkeypatch.setenv("BRIEFING_MAX_DOCUMENT_MB", "lots")
    with pytest.raises(UsageError, match="BRIEFING_MAX_DOCUMENT_MB"):
        max_document_bytes()
    with pytest.raises(UsageError):
        max_document_bytes(0)


def test_any_exception_in_a_reader_is_a_reported_skip(tmp_path, monkeypatch):
    import briefing.corpus as corpus

    (tmp_path / "a.md").write_text("Fine text.")

    def explode(path, relative):
        raise RecursionError("parser bug")

    monkeypatch.setattr(corpus, "read_text", explode)
    documents, skipped = load_corpus(tmp_path)
    assert documents == [] and skipped == [SkippedFile("a.md", "could not be read (RecursionError: parser bug)")]


def test_endless_sentence_is_cut_in_linear_pieces_that_fit():
    text = "word " * 60_000 + "end"
    document = Document(doc_id="d", path="d", text=text)
    calls: list[int] = []

    def count(texts):
        calls.append(len(texts))
        return _words(texts)

    chunks = chunk_document(document, count, ChunkingParams(max_tokens=50, overlap_sentences=0))
    assert all(len(text[c.char_start : c.char_end].split()) <= 50 for c in chunks)
    assert chunks[0].char_start == 0 and chunks[-1].char_end == len(text)
    assert sum(len(text[c.char_start : c.char_end].split()) for c in chunks) == 60_001
    assert len(calls) < 100  # counted in batches, not one call per piece


def test_throttle_delays_each_attempt_after_failures_and_resets_on_success():
    now = [0.0]
    slept: list[float] = []
    throttle = Throttled({"ana": "s3cret"}, clock=lambda: now[0])

    async def attempts():
        original = asyncio.sleep

        async def fake_sleep(seconds):
            slept.append(seconds)
            await original(0)

        asyncio.sleep = fake_sleep
        try:
            results = [await throttle.attempt("ana", f"guess{i}") for i in range(6)]
            results.append(await throttle.attempt("ana", "s3cret"))
            results.append(await throttle.attempt("ana", "s3cret"))
            results.append(await throttle.attempt("bob", "s3cret"))
        finally:
            asyncio.sleep = original
        return results

    results = asyncio.run(attempts())
    assert results == [False] * 6 + [True, True, False]
    assert slept == [1.0, 2.0, 4.0, 8.0, 16.0, 16.0]  # none after the reset, none before bob's first try
    assert throttle.delay_for("bob") == 1.0
    now[0] += 901
    assert throttle.delay_for("bob") == 0.0


def test_credentials_prefer_the_file_then_the_flag_then_the_environment(tmp_path):
    users = tmp_path / "users"
    users.write_text("# comment\nana:pa:ss\n\nbob:x\n")
    assert load_credentials(users, "c:d", {"BRIEFING_AUTH": "e:f"}) == {"ana": "pa:ss", "bob": "x"}
    assert load_credentials(None, "c:d", {"BRIEFING_AUTH": "e:f"}) == {"c": "d"}
    assert load_credentials(None, None, {"BRIEFING_AUTH": "e:f"}) == {"e": "f"}
    assert load_credentials(None, None, {}) is None
    with pytest.raises(AuthConfigError, match="user:password"):
        load_credentials(None, "nopassword", {})
    with pytest.raises(AuthConfigError, match="cannot read"):
        load_credentials(tmp_path / "missing", None, {})


def test_heap_trim_is_available_and_cheap():
    if not memory.trim():
        pytest.skip("not glibc")
    started = time.perf_counter()
    memory.trim()
    assert time.perf_counter() - started < 1.0


def test_fault_checkpoint_kills_only_at_the_named_stage_and_count(tmp_path):
    import subprocess
    import sys

    script = (
        "from briefing.faults import checkpoint\n"
        "for stage in ['read', 'store', 'store', 'store']:\n"
        "    checkpoint(stage)\n"
        "print('done')"
    )
    env = dict(os.environ, BRIEFING_FAULT_AT="store:2")
    killed = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert killed.returncode == -9 and "done" not in killed.stdout
    env["BRIEFING_FAULT_AT"] = "store:9"
    assert subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True).stdout == "done\n"
    gate = tmp_path / "go"
    env["BRIEFING_FAULT_AT"] = f"read:1:wait={gate}"
    held = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not Path(f"{gate}.reached").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert held.poll() is None
    gate.touch()
    assert held.communicate(timeout=30)[0] == "done\n"
