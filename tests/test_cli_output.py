"""What `briefing ask` prints and writes: quiet plain text, and briefs (--format md|docx --output FILE)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from briefing import phrases
from briefing.cli import main

QUESTIONS = "did the US position change?\nWhat is the recipe for sourdough bread?\nWhat did Akar propose?\n"


def test_plain_text_has_no_loading_bars_and_no_markdown_escapes(seed_index_dir):
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "briefing.cli",
            "ask",
            "--index",
            str(seed_index_dir / "index"),
            "did the US position change?",
        ],
        capture_output=True,
        text=True,
        env=dict(env, HF_HUB_OFFLINE="1"),
    )
    assert result.returncode == 0, result.stderr
    assert "Loading weights" not in result.stderr and "it/s" not in result.stderr
    out = result.stdout
    assert "\\(" not in out and "**" not in out and "> " not in out
    # one caption per document, the citation copies as it reads
    title = "US State Department renews call on Turkey to drop the S-400 (news report)"
    assert out.count(title) == 1 and f"[1] {title}" in out
    assert "has not changed" in out
    assert phrases.TIMELINE_HEADER not in out  # every extract is dated 2021


def test_several_questions_make_one_docx_brief(seed_index_dir, tmp_path, monkeypatch, capsys):
    docx = pytest.importorskip("docx")
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(QUESTIONS))
    target = tmp_path / "brief.docx"
    assert (
        main(["ask", "--index", str(seed_index_dir / "index"), "--format", "docx", "--output", str(target), "-"]) == 0
    )
    assert capsys.readouterr().out == ""
    document = docx.Document(str(target))
    texts = [p.text for p in document.paragraphs]
    assert [t for t in texts if t.startswith("Question: ")] == [f"Question: {q}" for q in QUESTIONS.splitlines()]
    assert phrases.NO_ANSWER in texts
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert any("has not changed" in quote for quote in quotes)
    article = (seed_index_dir / "corpus" / "us-turkey-s400-article.md").read_text(encoding="utf-8")
    assert all(quote in article for quote in quotes)  # verbatim
    sources = texts[texts.index("Sources") + 1 :]
    assert sources[0].startswith("[1] US State Department renews call on Turkey to drop the S-400 (news report) · 2021")
    assert sources[0].endswith("file us-turkey-s400-article.md")
    assert any(line.startswith("Quoted: characters ") for line in sources)


def test_markdown_brief_to_stdout_and_usage_errors(seed_index_dir, tmp_path, capsys):
    index = str(seed_index_dir / "index")
    assert main(["ask", "--index", index, "--format", "md", "What did Akar propose?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Brief\n") and "## Question: What did Akar propose?" in out and "## Sources" in out
    assert main(["ask", "--index", index, "--format", "docx", "q?"]) == 2  # docx needs --output
    assert main(["ask", "--index", index, "--output", str(tmp_path / "b.pdf"), "q?"]) == 2
    assert main(["ask", "--index", index, "--json", "--format", "md", "q?"]) == 2
    assert "--output" in capsys.readouterr().err
