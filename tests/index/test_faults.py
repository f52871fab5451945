"""Fault injection through the real ``briefing`` command: kill -9 during builds, hostile corpus files.

Every build here is a real ``briefing index`` process with the real model.  Kill points are
deterministic: the build honours ``BRIEFING_FAULT_AT=<stage>:<n>`` by sending itself SIGKILL
the n-th time it reaches ``<stage>`` (``briefing.faults``).  After each kill the test checks
what a user would see: ``briefing ask`` answers from the generation the manifest names (the
previous one when the kill came before the switch), SQLite, FTS5 and FAISS agree on every
passage, and the next plain build recovers, holds exactly the corpus's documents and leaves no
stale generation or temporary file behind.

The default suite runs a few kill points (about two minutes on two cores); the
``faults_long`` marker runs every stage of incremental and full builds
(``pytest -m faults_long tests/index/test_faults.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "corpus" / "us-turkey-s400-article.md"
BRIEFING = [sys.executable, "-m", "briefing.cli"]
SEED_QUESTION = "Did the US position change?"
NEW_QUESTION = "Which city will host the permafrost monitoring summit?"
NEW_FACT = "hosted by Reykjavik"
TRIAL_TIMEOUT = 300

# Minutes of real processes (issue 26): out of the default run, in CI (`.ci/run`, `-m integration`).
pytestmark = pytest.mark.integration

DOCUMENTS = {
    "2021-03-04 sanctions.md": "---\ntitle: Sanctions briefing\ndate: 2021-03-04\nsource: Desk A\n---\n"
    "The spokesperson said the sanctions on the defence procurement agency remain in force.\n\n"
    "Officials added that talks with Ankara would continue at the technical level.\n",
    "notes/talks.txt": "Foreign ministers met in Brussels to discuss the alliance's air defence plans.\n\n"
    "They agreed to meet again in the autumn.\n",
    "notes/pipeline.md": "---\ntitle: Pipeline statement\ndate: 2022-05\n---\n"
    "The energy ministry announced that the pipeline inspection would be completed by December.\n",
}
RECORDS = [
    {
        "_id": f"r{i}",
        "title": f"Release {i}",
        "date": f"2022-0{i + 1}-15",
        "source": "Press Office",
        "text": f"Release {i} reports that the delegation discussed topic number {i} with its partners. "
        f"The delegation will publish a summary of topic {i} next week.",
    }
    for i in range(6)
]
NEW_DOCUMENT = (
    "---\ntitle: Arctic Council ministers meet\ndate: 2023-02-01\nsource: Nordic Desk\n---\n"
    "The Arctic Council ministers agreed that the next permafrost monitoring summit will be "
    "hosted by Reykjavik in 2024.\n"
)


def _env(**extra: str) -> dict[str, str]:
    env = dict(
        os.environ,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONUNBUFFERED="1",
    )
    env.pop("BRIEFING_FAULT_AT", None)
    env.update(extra)
    return env


def briefing(
    *args: str, env: dict | None = None, input: str | None = None, timeout: int = TRIAL_TIMEOUT
) -> subprocess.CompletedProcess:
    """Run ``briefing ARGS`` as a real process; returns the completed process (never raises on rc)."""
    return subprocess.run(
        [*BRIEFING, *args],
        env=env or _env(),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        errors="backslashreplace",
    )


def write_corpus(corpus: Path) -> None:
    corpus.mkdir(parents=True)
    shutil.copyfile(SEED, corpus / SEED.name)
    for name, text in DOCUMENTS.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "releases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")


def expected_doc_ids(corpus: Path) -> set[str]:
    """The document ids a complete build of the small test corpus must hold."""
    ids = set()
    for path in corpus.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        relative = path.relative_to(corpus).as_posix()
        if path.suffix == ".jsonl":
            ids.update(f"{relative}#{json.loads(line)['_id']}" for line in path.read_text().splitlines() if line)
        else:
            ids.add(relative)
    return ids


def manifest(index_dir: Path) -> dict:
    return json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))


def check_index(index_dir: Path) -> set[str]:
    """Assert that the generation the manifest names is complete and self-consistent; returns its doc ids.

    SQLite documents and passages, the FTS5 rows and the FAISS ids must be the same set of
    passages, and the manifest's counts must match them.
    """
    import faiss

    current = manifest(index_dir)
    folder = index_dir / current["generation"]
    assert folder.is_dir(), f"the manifest names {folder.name}, which does not exist"
    connection = sqlite3.connect(f"file:{folder / 'passages.sqlite'}?mode=ro", uri=True)
    try:
        doc_ids = {row[0] for row in connection.execute("SELECT doc_id FROM documents")}
        passage_ids = {row[0] for row in connection.execute("SELECT passage_id FROM passages")}
        fts_ids = {row[0] for row in connection.execute("SELECT rowid FROM passages_fts")}
        orphans = connection.execute(
            "SELECT COUNT(*) FROM passages WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
        ).fetchone()[0]
        empty_docs = connection.execute(
            "SELECT COUNT(*) FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM passages)"
        ).fetchone()[0]
    finally:
        connection.close()
    vectors = faiss.read_index(str(folder / "vectors.faiss"))
    faiss_ids = set(faiss.vector_to_array(vectors.id_map).tolist())
    assert orphans == 0 and empty_docs == 0
    assert passage_ids == fts_ids == faiss_ids, "SQLite, FTS5 and FAISS disagree"
    assert vectors.ntotal == len(passage_ids)
    assert (current["documents"], current["passages"]) == (len(doc_ids), len(passage_ids))
    return doc_ids


def ask(index_dir: Path, *questions: str) -> list[dict]:
    """``briefing ask --json`` for each question in one process; asserts it succeeded."""
    done = briefing("ask", "--index", str(index_dir), "--json", "--top", "3", "-", input="\n".join(questions) + "\n")
    assert done.returncode == 0, f"ask failed (rc {done.returncode}):\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(replies) == len(questions), done.stdout
    return replies


def no_leftovers(index_dir: Path) -> None:
    """Only the manifest's generation remains; no temporary manifest or half-built folder."""
    current = manifest(index_dir)["generation"]
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [current]
    assert not [p.name for p in index_dir.iterdir() if p.name.startswith(".manifest-") or p.name.endswith(".tmp")]


# --- corpus changes applied before a killed build -------------------------------------------


def add_document(corpus: Path) -> None:
    (corpus / "2023-02-01 arctic.md").write_text(NEW_DOCUMENT, encoding="utf-8")


def change_add_delete(corpus: Path) -> None:
    add_document(corpus)
    path = corpus / "2021-03-04 sanctions.md"
    path.write_text(path.read_text().replace("remain in force", "were lifted on Monday"), encoding="utf-8")
    (corpus / "notes" / "talks.txt").unlink()


def records_changed(corpus: Path) -> None:
    add_document(corpus)
    lines = (corpus / "releases.jsonl").read_text().splitlines()
    kept = [line for line in lines if '"r2"' not in line]  # one record removed
    kept[0] = kept[0].replace("next week", "next month")  # one record changed
    kept.append(json.dumps({"_id": "r9", "date": "2023-01-01", "text": "Release nine covers Arctic fisheries."}))
    (corpus / "releases.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")


def nothing(corpus: Path) -> None:
    """A --full build of an unchanged corpus."""


MUTATIONS = {"add": add_document, "change_add_delete": change_add_delete, "records": records_changed, "none": nothing}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The small corpus and its complete index, built once; trials work on copies."""
    folder = tmp_path_factory.mktemp("faults-base")
    write_corpus(folder / "corpus")
    done = briefing("index", "--corpus", str(folder / "corpus"), "--index", str(folder / "index"), "--json")
    assert done.returncode == 0, done.stderr
    assert check_index(folder / "index") == expected_doc_ids(folder / "corpus")
    return folder


def _copy_base(base: Path, work: Path) -> tuple[Path, Path]:
    shutil.copytree(base / "corpus", work / "corpus")
    shutil.copytree(base / "index", work / "index")
    return work / "corpus", work / "index"


def kill_trial(base: Path, work: Path, *, mutation: str, fault: str, full: bool) -> None:
    """One kill -9 at ``fault`` during a build after ``mutation``; asserts every guarantee."""
    corpus, index_dir = _copy_base(base, work)
    before = manifest(index_dir)["generation"]
    before_docs = check_index(index_dir)
    MUTATIONS[mutation](corpus)
    args = ["index", "--corpus", str(corpus), "--index", str(index_dir), *(["--full"] if full else [])]

    killed = briefing(*args, env=_env(BRIEFING_FAULT_AT=fault))
    assert killed.returncode == -9, (
        f"the build was not killed at {fault} (rc {killed.returncode}):\n{killed.stdout}\n{killed.stderr}"
    )
    assert "Traceback" not in killed.stderr, killed.stderr

    # The index still answers, from one complete generation: the previous one unless the kill
    # came after the manifest switch.
    switched = manifest(index_dir)["generation"] != before
    docs_now = check_index(index_dir)
    if not switched:
        assert docs_now == before_docs
    else:
        assert fault.startswith(("manifest", "cleanup")), f"the manifest switched before {fault}"
        assert docs_now == expected_doc_ids(corpus)
    seed_reply, new_reply = ask(index_dir, SEED_QUESTION, NEW_QUESTION)
    assert not seed_reply["abstained"] and seed_reply["extracts"]
    assert {e["doc_id"] for e in seed_reply["extracts"] + new_reply["extracts"]} <= docs_now
    if not switched and mutation != "none":
        assert not any(NEW_FACT in e["text"] for e in new_reply["extracts"])

    # The next plain build recovers, completes the work and cleans up.
    recovered = briefing("index", "--corpus", str(corpus), "--index", str(index_dir), "--json")
    assert recovered.returncode == 0, recovered.stderr
    assert "Traceback" not in recovered.stderr, recovered.stderr
    assert check_index(index_dir) == expected_doc_ids(corpus)
    no_leftovers(index_dir)


QUICK_TRIALS = [
    ("change_add_delete", "store:2", False),
    ("records", "manifest", False),
    ("none", "start", True),  # the failure: the old generation was removed first
    ("add", "vectors", True),
]
LONG_TRIALS = [
    *[
        (mutation, fault, False)
        for mutation in ("change_add_delete", "records")
        for fault in ("start", "copy", "read:1", "delete", "store:1", "commit", "vectors", "manifest")
    ],
    *[
        (mutation, fault, True)
        for mutation in ("none", "add")
        for fault in ("start", "read:3", "store:1", "store:6", "commit", "vectors", "manifest", "cleanup")
    ],
]


@pytest.mark.parametrize(
    ("mutation", "fault", "full"),
    QUICK_TRIALS,
    ids=[f"{'full' if f else 'incremental'}-{m}-{p}" for m, p, f in QUICK_TRIALS],
)
def test_kill_9_during_a_build_keeps_the_index_usable(base, tmp_path, mutation, fault, full):
    kill_trial(base, tmp_path, mutation=mutation, fault=fault, full=full)


@pytest.mark.faults_long
@pytest.mark.parametrize(
    ("mutation", "fault", "full"),
    LONG_TRIALS,
    ids=[f"{'full' if f else 'incremental'}-{m}-{p}" for m, p, f in LONG_TRIALS],
)
def test_kill_9_at_every_stage(base, tmp_path, mutation, fault, full):
    kill_trial(base, tmp_path, mutation=mutation, fault=fault, full=full)


def test_ask_answers_from_the_old_generation_while_a_full_build_runs(base, tmp_path):
    """A --full build held mid-way (``wait=`` fault): ask answers from the old generation, then the new."""
    corpus, index_dir = _copy_base(base, tmp_path)
    before = manifest(index_dir)["generation"]
    add_document(corpus)
    gate = tmp_path / "go"
    build = subprocess.Popen(
        [*BRIEFING, "index", "--corpus", str(corpus), "--index", str(index_dir), "--full", "--json"],
        env=_env(BRIEFING_FAULT_AT=f"store:3:wait={gate}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        reached = Path(f"{gate}.reached")
        deadline = time.monotonic() + 120
        while not reached.exists():
            assert build.poll() is None, f"the build ended before the wait point:\n{build.stderr.read()}"
            assert time.monotonic() < deadline, "the build never reached the wait point"
            time.sleep(0.2)
        during_seed, during_new = ask(index_dir, SEED_QUESTION, NEW_QUESTION)
        assert manifest(index_dir)["generation"] == before
        assert not during_seed["abstained"]
        assert not any(NEW_FACT in e["text"] for e in during_new["extracts"])
    finally:
        gate.touch()
        out, err = build.communicate(timeout=TRIAL_TIMEOUT)
    assert build.returncode == 0, err
    assert json.loads(out)["full_rebuild_reason"] == "--full was given"
    _, after_new = ask(index_dir, SEED_QUESTION, NEW_QUESTION)
    assert any(NEW_FACT in e["text"] for e in after_new["extracts"]), after_new
    no_leftovers(index_dir)


def test_stale_generations_and_temporary_files_are_cleaned_by_the_next_build(base, tmp_path):
    corpus, index_dir = _copy_base(base, tmp_path)
    stale = index_dir / "gen-20000101T000000000000Z"
    stale.mkdir()
    (stale / "passages.sqlite").write_bytes(b"half a database")
    (index_dir / ".manifest-abc123.tmp").write_text("{")
    done = briefing("index", "--corpus", str(corpus), "--index", str(index_dir))
    assert done.returncode == 0, done.stderr
    no_leftovers(index_dir)


# --- hostile and broken corpus files ------------------------------------------------------------


def _long_path_folder(root: Path) -> Path:
    """Nested folders whose full path is longer than PATH_MAX (4096), built relative to a dir fd."""
    name = "d" * 250
    fd = os.open(root, os.O_RDONLY)
    depth = 0
    try:
        while len(str(root)) + depth * (len(name) + 1) < 4300:
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
            depth += 1
        written = os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(written, b"A document too deep to be opened by its path.\n")
        os.close(written)
    finally:
        os.close(fd)
    return root / name


def _hostile_files(corpus: Path) -> dict[str, str]:
    """Create every kind of bad input; returns {reported path (a prefix for long ones): reason words}."""
    (corpus / "bad-date.md").write_text("---\ntitle: Bad date\ndate: 2021-13-45\n---\nThe text is fine.\n")
    (corpus / "bad-date-quoted.md").write_text("---\ndate: '2021-02-30'\n---\nThe text is fine.\n")
    (corpus / "front-matter-list.md").write_text("---\n- a\n- b\n---\nBody.\n")
    (corpus / "front-matter-yaml.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    with open(os.fsencode(corpus) + b"/bad\xffname.md", "wb") as handle:
        handle.write(b"A file whose name is not UTF-8.\n")
    _long_path_folder(corpus)
    with open(corpus / "huge.txt", "w", encoding="utf-8") as handle:
        line = "The delegation discussed the same subject once more in a long paragraph. " * 20 + "\n\n"
        for _ in range(21 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    os.mkfifo(corpus / "pipe.md")
    (corpus / "dangling.md").symlink_to(corpus / "missing-target.md")
    (corpus / "loop-a.md").symlink_to(corpus / "loop-b.md")
    (corpus / "loop-b.md").symlink_to(corpus / "loop-a.md")
    (corpus / "folder.md").mkdir()
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (corpus / "latin1.md").write_bytes("Caf\xe9 au lait at the embassy.\n".encode("latin-1"))
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "blank.txt").write_text("   \n\n  \n")
    (corpus / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\ngarbage\n%%EOF")
    (corpus / "not-a-pdf.pdf").write_text("this is plain text with a pdf extension")
    (corpus / "empty.html").write_text("<html><head><title>x</title></head><body></body></html>")
    (corpus / "unknown.xyz").write_text("an unknown extension")
    (corpus / "broken.jsonl").write_text(
        '{"_id": "ok1", "text": "A good record survives its broken neighbours."}\n'
        '{"_id": "bad1", "text": \n'
        '["not", "an", "object"]\n'
        '{"text": "no id"}\n'
        '{"_id": "bad4", "text": 42}\n'
        '{"_id": "bad5", "date": "2021-13-45", "text": "bad date"}\n'
        '{"_id": "ok1", "text": "duplicate id"}\n'
    )
    (corpus / "no-records.jsonl").write_text("not json at all\n")
    expected = {
        "bad-date.md": "date",
        "bad-date-quoted.md": "date",
        "front-matter-list.md": "front matter",
        "front-matter-yaml.md": "front matter",
        "bad\\xffname.md": "UTF-8",
        "d" * 250: "too long",
        "huge.txt": "MB",
        "pipe.md": "FIFO",
        "dangling.md": "link",
        "loop-a.md": "link",
        "loop-b.md": "link",
        "folder.md": "folder",
        "binary.txt": "binary",
        "latin1.md": "UTF-8",
        "empty.md": "empty",
        "blank.txt": "empty",
        "corrupt.pdf": "PDF",
        "not-a-pdf.pdf": "PDF",
        "empty.html": "text",
        "unknown.xyz": "extension",
        "broken.jsonl:2": "JSON",
        "broken.jsonl:3": "object",
        "broken.jsonl:4": "id",
        "broken.jsonl:5": "text",
        "broken.jsonl:6": "date",
        "broken.jsonl#ok1": "duplicate",
        "no-records.jsonl": "record",
    }
    if os.geteuid() != 0:  # root reads a chmod 000 file; the reason is checked in test_corpus instead
        (corpus / "locked.md").write_text("Nobody may read this.\n")
        (corpus / "locked.md").chmod(0)
        expected["locked.md"] = "permission"
    return expected


def test_every_bad_input_is_reported_by_path_and_the_rest_indexes(tmp_path):
    work = tmp_path
    corpus = work / "corpus"
    write_corpus(corpus)
    good = expected_doc_ids(corpus)
    bad = _hostile_files(corpus)
    started = time.monotonic()
    done = subprocess.run(
        [*BRIEFING, "index", "--corpus", str(corpus), "--index", str(work / "index"), "--json"],
        env=_env(),
        capture_output=True,
        timeout=TRIAL_TIMEOUT,
    )
    elapsed = time.monotonic() - started
    stderr = done.stderr.decode("utf-8", "backslashreplace")
    assert done.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    warnings = [line for line in stderr.splitlines() if line.startswith("warning: skipped ")]
    for path, reason in bad.items():
        found = [line for line in warnings if line.startswith(f"warning: skipped {path}")]
        assert found, f"{path} is not reported:\n" + "\n".join(warnings)
        assert reason in found[0].split(": ", 2)[-1] or reason in found[0], found[0]
    report = json.loads(done.stdout)
    assert set(report["added"]) == good | {"broken.jsonl#ok1"}
    assert check_index(work / "index") == good | {"broken.jsonl#ok1"}
    assert elapsed < 120, f"the build took {elapsed:.0f} s: the huge file was read"
    replies = ask(work / "index", SEED_QUESTION)
    assert not replies[0]["abstained"]


def test_an_indexed_file_that_turns_bad_keeps_its_previous_version(base, tmp_path):
    corpus, index_dir = _copy_base(base, tmp_path)
    (corpus / "2021-03-04 sanctions.md").write_text("---\ndate: 2021-13-45\n---\nThe sanctions were lifted.\n")
    done = briefing("index", "--corpus", str(corpus), "--index", str(index_dir))
    assert done.returncode == 0, done.stderr
    assert "warning: skipped 2021-03-04 sanctions.md: " in done.stderr
    assert "2021-03-04 sanctions.md" in check_index(index_dir)


def test_document_size_limit_is_configurable(base, tmp_path):
    corpus, index_dir = _copy_base(base, tmp_path)
    (corpus / "medium.txt").write_text("A medium sized paragraph about delegations and talks. " * 40_000)
    done = briefing("index", "--corpus", str(corpus), "--index", str(index_dir), env=_env(BRIEFING_MAX_DOCUMENT_MB="1"))
    assert done.returncode == 0, done.stderr
    assert "warning: skipped medium.txt: " in done.stderr and "1 MB" in done.stderr
    assert "medium.txt" not in check_index(index_dir)
