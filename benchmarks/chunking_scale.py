"""Cost of sentence splitting and chunking per MB of text: is it linear in the document's length?

    python benchmarks/chunking_scale.py [--sizes 5 50] [--kinds prose one-paragraph no-punctuation]

For each size (MB of UTF-8 text) and kind of text, a fresh process loads the real tokenizer
(all-MiniLM-L6-v2, which chunking counts word pieces with), then times ``chunk_document`` on
a generated document and reads its peak RSS (``ru_maxrss``) above the RSS after loading.
Kinds: ``prose`` (news-style paragraphs, from the shipped article's sentences), ``one-paragraph``
(the same sentences with no paragraph break), ``no-punctuation`` (words only: one endless
sentence, cut at word boundaries).  Prints a markdown table with wall and CPU seconds (the CPU
time of the one process, which other load on the machine does not inflate much) and MB of peak
memory per MB of text; the slope between sizes shows whether the cost is linear.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "corpus" / "us-turkey-s400-article.md"


def make_text(kind: str, megabytes: float) -> str:
    body = SEED.read_text(encoding="utf-8").split("---", 2)[-1]
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", body) if len(s.strip()) > 20]
    target = int(megabytes * 1024 * 1024)
    parts: list[str] = []
    size = 0
    index = 0
    while size < target:
        sentence = sentences[index % len(sentences)]
        if kind == "no-punctuation":
            sentence = re.sub(r"[.!?;:,]", "", sentence)
        separator = "\n\n" if kind == "prose" and index % 4 == 3 else " "
        parts.append(sentence + separator)
        size += len(sentence.encode("utf-8")) + len(separator)
        index += 1
    return "".join(parts)


def measure(kind: str, megabytes: float) -> dict:
    """Run in a child process: the chunking cost of one generated document."""
    import resource

    from briefing.corpus.chunking import ChunkingParams, chunk_document
    from briefing.index.embedder import Embedder
    from briefing.records import Document

    embedder = Embedder()
    embedder.count_tokens(["warm up"])
    text = make_text(kind, megabytes)
    document = Document(doc_id="big.txt", path="big.txt", text=text)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu_started = time.perf_counter(), time.process_time()
    chunks = chunk_document(document, embedder.count_tokens, ChunkingParams())
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert all(0 <= c.char_start < c.char_end <= len(text) for c in chunks)
    assert all(a.char_start <= b.char_start for a, b in zip(chunks, chunks[1:]))
    assert all(document.text[c.char_start : c.char_end].strip() for c in chunks)
    return {
        "kind": kind,
        "mb": megabytes,
        "passages": len(chunks),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "peak_above_baseline_mb": round(peak - baseline, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[5, 50])
    parser.add_argument("--kinds", nargs="+", default=["prose", "one-paragraph", "no-punctuation"])
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per measurement")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child[0], float(args.child[1]))))
        return 0
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    rows = []
    for kind in args.kinds:
        for size in args.sizes:
            try:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", kind, str(size)],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=args.timeout,
                )
            except subprocess.TimeoutExpired:
                rows.append({"kind": kind, "mb": size, "error": f"over {args.timeout} s"})
                continue
            if done.returncode != 0:
                rows.append({"kind": kind, "mb": size, "error": done.stderr.strip().splitlines()[-1:]})
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print("| text | MB | passages | wall s | CPU s | CPU s per MB | peak MB above baseline | peak MB per MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        if "error" in row:
            print(f"| {row['kind']} | {row['mb']:g} | — | {row['error']} | | | | |")
            continue
        print(
            f"| {row['kind']} | {row['mb']:g} | {row['passages']} | {row['seconds']} | {row['cpu_seconds']} | "
            f"{row['cpu_seconds'] / row['mb']:.2f} | {row['peak_above_baseline_mb']} | "
            f"{row['peak_above_baseline_mb'] / row['mb']:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
