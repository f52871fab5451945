"""Reading corpus files: formats, metadata, dates, and bad files reported by path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS, SEED_TEXT

from briefing.corpus import CorpusError, date_from_filename, load_corpus, read_file


def write(root: Path, name: str, content: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_shipped_seed_article_has_front_matter_and_verbatim_body():
    documents, skipped = load_corpus(CORPUS)
    assert skipped == []
    seed = next(d for d in documents if d.doc_id == "us-turkey-s400-article.md")
    assert seed.text == SEED_TEXT.read_text(encoding="utf-8")
    assert seed.date == "2021"
    assert seed.title


def test_front_matter_fields(tmp_path):
    write(
        tmp_path, "a.md", "---\ntitle: Talks\ndate: 2022-06-01\nsource: State\nurl: https://x.test/a\n---\nBody text.\n"
    )
    (document,), _ = read_file(tmp_path, tmp_path / "a.md")
    assert (document.title, document.date, document.source, document.url) == (
        "Talks",
        "2022-06-01",
        "State",
        "https://x.test/a",
    )
    assert document.text == "Body text.\n"


@pytest.mark.parametrize("value,expected", [("2022", "2022"), ("2022-06", "2022-06"), ("'2022-06-30'", "2022-06-30")])
def test_partial_dates_are_kept_as_given(tmp_path, value, expected):
    write(tmp_path, "a.md", f"---\ndate: {value}\n---\nBody.\n")
    (document,), _ = read_file(tmp_path, tmp_path / "a.md")
    assert document.date == expected


def test_date_from_file_name_prefix_only_when_no_front_matter_date(tmp_path):
    write(tmp_path, "2022-03-04-readout.txt", "Body.")
    write(tmp_path, "2022-13-40-bad.txt", "Body.")
    write(tmp_path, "notes.txt", "Body.")
    documents, _ = load_corpus(tmp_path)
    dates = {d.path: d.date for d in documents}
    assert dates == {"2022-03-04-readout.txt": "2022-03-04", "2022-13-40-bad.txt": None, "notes.txt": None}
    assert date_from_filename("2021-02-29-x.md") is None


def test_jsonl_collection_record_ids_and_fields(tmp_path):
    lines = [
        {
            "_id": "r1",
            "title": "One",
            "date": "2021-05-20",
            "author": "Office of the Spokesperson",
            "url": "u",
            "text": "First.",
        },
        {"id": 7, "title": "Two", "date": "2021-05", "source": "Embassy", "text": "Second."},
        {"_id": "r3", "text": ""},
        "not an object",
    ]
    write(tmp_path, "sub/coll.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n{broken\n")
    documents, skipped = load_corpus(tmp_path)
    assert [d.doc_id for d in documents] == ["sub/coll.jsonl#r1", "sub/coll.jsonl#7"]
    assert documents[0].source == "Office of the Spokesperson" and documents[1].source == "Embassy"
    assert {s.path for s in skipped} == {"sub/coll.jsonl:3", "sub/coll.jsonl:4", "sub/coll.jsonl:5"}


def test_html_main_text_is_extracted(tmp_path):
    html = (
        "<html><head><title>Readout</title></head><body><nav>Home | About | Contact</nav>"
        "<article><h1>Readout of the call</h1><p>The Secretary spoke with the Foreign Minister about "
        "the situation in the region and reaffirmed support for a negotiated settlement.</p>"
        "<p>They agreed to meet again in Brussels next month to continue the discussion.</p></article>"
        "<footer>Copyright</footer></body></html>"
    )
    write(tmp_path, "2022-01-02-readout.html", html)
    (document,), _ = read_file(tmp_path, tmp_path / "2022-01-02-readout.html")
    assert "reaffirmed support for a negotiated settlement" in document.text
    assert "Copyright" not in document.text
    assert document.date == "2022-01-02"


def _tiny_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF with one line of text per page (no PDF writer needed)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None]
    kids = []
    for text in pages:
        content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content.decode()}\nendstream")
        content_id = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
            f"/Resources << /Font << /F1 {{font}} 0 R >> >> >>"
        )
        kids.append(len(objects))
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    font_id = len(objects)
    objects = [o.replace("{font}", str(font_id)) if o else o for o in objects]
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_pages_are_kept(tmp_path):
    write(tmp_path, "brief.pdf", _tiny_pdf(["First page says hello.", "Second page says goodbye."]))
    (document,), _ = read_file(tmp_path, tmp_path / "brief.pdf")
    second = document.text.index("Second page")
    assert document.page_at(0) == 1
    assert document.page_at(second) == 2


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("empty.md", "", "empty"),
        ("blank.txt", "   \n\n", "empty"),
        ("latin1.txt", "caf\xe9".encode("latin-1"), "not UTF-8"),
        ("binary.txt", b"\x00\x01\x02binary", "binary"),
        ("bad-front.md", "---\ntitle: [unclosed\n---\nBody.\n", "malformed front matter"),
        ("bad-date.md", "---\ndate: June 2021\n---\nBody.\n", "date"),
        ("image.png", b"\x89PNG\r\n", "unknown extension"),
        ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
    ],
)
def test_bad_files_are_reported_by_path_and_skipped(tmp_path, name, content, reason):
    write(tmp_path, "good.md", "A good document.")
    write(tmp_path, name, content)
    documents, skipped = load_corpus(tmp_path)
    assert [d.doc_id for d in documents] == ["good.md"]
    assert len(skipped) == 1 and skipped[0].path == name
    assert reason in skipped[0].reason


def test_read_file_raises_with_reason(tmp_path):
    write(tmp_path, "x.md", b"\xff\xfe\xfa")
    with pytest.raises(CorpusError, match="not UTF-8"):
        read_file(tmp_path, tmp_path / "x.md")


def test_hidden_files_are_ignored(tmp_path):
    write(tmp_path, ".draft.md", "secret")
    write(tmp_path, ".git/x.md", "secret")
    write(tmp_path, "a.md", "Visible.")
    documents, skipped = load_corpus(tmp_path)
    assert [d.doc_id for d in documents] == ["a.md"] and skipped == []


@pytest.mark.parametrize(
    ("front", "source"),
    [
        ('source: "Harbour Wire"\npublication: "Other"', "Harbour Wire"),
        ('publication: "Hürriyet Daily News"', "Hürriyet Daily News"),
        ('site_name: "Al-Monitor"\nurl: "https://www.al-monitor.com/a"', "Al-Monitor"),
        ('url: "https://www.reuters.com/world/us-turkey-s400"', "reuters.com"),
        ('url: "not a url"', None),
    ],
)
def test_a_news_article_without_a_source_takes_its_publication_or_site(tmp_path, front, source):
    path = write(tmp_path, "article.md", f'---\ntitle: "Talks"\n{front}\n---\nThe talks went on.\n')
    (document,), _ = read_file(tmp_path, path)
    assert document.source == source


def test_a_collection_record_with_a_url_and_no_source_takes_the_site(tmp_path):
    record = {"_id": "r1", "text": "The talks went on.", "url": "https://news.example.org/r1"}
    write(tmp_path, "c.jsonl", json.dumps(record) + "\n")
    documents, _ = load_corpus(tmp_path)
    assert documents[0].source == "news.example.org"
