"""A real ``briefing serve`` with a login: password hygiene, slowed-down guessing, uploads parsed before they land."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html import unescape
from pathlib import Path

import pytest
from conftest import free_port, serving

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "corpus" / "us-turkey-s400-article.md"
START_TIMEOUT = 240
USER, PASSWORD = "analyst", "correct-horse-battery-staple"
GOOD = "---\ntitle: Harbour note\ndate: 2023-03-01\n---\nThe harbour authority of Piraeus announced new inspections.\n"

# Minutes of real processes (issue 26): out of the default run, in CI (`.ci/run`, `-m integration`).
pytestmark = pytest.mark.integration


def _env() -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", GRADIO_ANALYTICS_ENABLED="False")
    env.pop("BRIEFING_AUTH", None)
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``briefing serve --auth-file F`` over the shipped article, in a subprocess."""
    folder = tmp_path_factory.mktemp("serve-auth")
    corpus = folder / "corpus"
    corpus.mkdir()
    shutil.copyfile(SEED, corpus / SEED.name)
    auth_file = folder / "users.txt"
    auth_file.write_text(f"# who may sign in\n{USER}:{PASSWORD}\n")
    port = free_port()
    command = [sys.executable, "-m", "briefing.cli", "serve", "--corpus", str(corpus), "--index",
               str(folder / "index"), "--port", str(port), "--auth-file", str(auth_file)]  # fmt: skip
    with serving(command, port, folder / "serve.log", _env(), folder, START_TIMEOUT) as process:
        yield {"url": f"http://127.0.0.1:{port}/", "corpus": corpus, "pid": process.pid, "log": folder / "serve.log"}


def _login(url: str, user: str, password: str) -> tuple[int, float]:
    """POST Gradio's /login; returns (HTTP status, seconds taken)."""
    data = urllib.parse.urlencode({"username": user, "password": password}).encode()
    started = time.monotonic()
    try:
        with urllib.request.urlopen(urllib.request.Request(url + "login", data=data), timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def _client(server):
    from gradio_client import Client

    return Client(server["url"], auth=(USER, PASSWORD), verbose=False)


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "\n", html))


def test_the_password_is_not_on_the_command_line(server):
    cmdline = Path(f"/proc/{server['pid']}/cmdline").read_bytes().decode(errors="replace")
    assert "--auth-file" in cmdline
    assert PASSWORD not in cmdline
    assert PASSWORD not in server["log"].read_text(errors="replace")


def test_data_needs_a_login(server):
    from gradio_client import Client

    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises different errors across versions
        Client(server["url"], verbose=False).predict("Did the US position change?", "", "", "All sources", 5,
                                                     api_name="/chat")  # fmt: skip


def test_failed_logins_are_slowed_down_then_a_good_one_resets(server):
    timings = [_login(server["url"], USER, f"guess-{attempt}") for attempt in range(4)]
    assert [status for status, _ in timings] == [400] * 4
    # No wait before the first failure, then 1 s, 2 s, 4 s before each further attempt.
    assert timings[0][1] < 1.0
    assert timings[1][1] >= 0.9 and timings[2][1] >= 1.9 and timings[3][1] >= 3.9, timings
    status, waited = _login(server["url"], USER, PASSWORD)  # waits 8 s, like any attempt now
    assert status == 200 and waited >= 7.9
    status, waited = _login(server["url"], USER, PASSWORD)
    assert status == 200 and waited < 1.0


def test_an_upload_the_build_would_skip_is_refused_and_never_lands(server, tmp_path):
    from gradio_client import handle_file

    client = _client(server)
    bad_date = tmp_path / "bad-date.md"
    bad_date.write_text("---\ntitle: Poison\ndate: 2021-13-45\n---\nThis would have stopped every build.\n")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Caf\xe9 au lait.\n".encode("latin-1"))
    broken_pdf = tmp_path / "broken.pdf"
    broken_pdf.write_bytes(b"%PDF-1.4\ngarbage\n%%EOF")
    good = tmp_path / "2023-03-01 harbour.md"
    good.write_text(GOOD)
    messages = client.predict(
        [handle_file(str(bad_date)), handle_file(str(latin1)), handle_file(str(broken_pdf)), handle_file(str(good))],
        api_name="/add_documents",
    )[0]
    text = _text(messages)
    assert re.search(r"Rejected bad-date\.md: it cannot be indexed: malformed front matter .*date", text), text
    assert "Rejected latin1.txt: it cannot be indexed: not UTF-8" in text
    assert "Rejected broken.pdf: it cannot be indexed: unreadable PDF" in text
    assert "Added 2023-03-01 harbour.md." in text and "Index rebuilt: documents: 1 added" in text
    assert sorted(p.name for p in server["corpus"].iterdir()) == ["2023-03-01 harbour.md", SEED.name]

    # The server still builds and answers: the poison never reached the corpus.
    again = tmp_path / "again.md"
    again.write_text("The customs office of Thessaloniki extended its opening hours.\n")
    text = _text(client.predict([handle_file(str(again))], api_name="/add_documents")[0])
    assert "Index rebuilt: documents: 1 added" in text, text
    transcript = client.predict("Which harbour announced new inspections?", "", "", "All sources", 5,
                                api_name="/chat")[0]  # fmt: skip
    assert "Piraeus" in unescape(transcript)


def test_auth_on_the_command_line_warns(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "briefing.cli", "serve", "--auth", "someone:secret", "--corpus", str(tmp_path / "none"),
         "--index", str(tmp_path / "index")],
        env=_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "warning: --auth shows the password" in done.stderr and "--auth-file" in done.stderr
    assert done.returncode == 2  # then the missing corpus stops it, with one line
