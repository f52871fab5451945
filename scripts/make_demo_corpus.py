#!/usr/bin/env python3
"""Build corpus/state-dept-demo.jsonl: the demo selection of the State Department collection.

The State Department press releases are a work of the US government (public domain).
The selection is deterministic: the records below, chosen by `_id`, plus every record whose
text mentions the S-400 (``S-400``/``S400``) together with Turkey (``Turk``/``Türk``).
Records are written unchanged (all original fields, original `_id`s), in the order of the
source file, one JSON object per line, UTF-8.

Usage:
    python scripts/make_demo_corpus.py [--source PATH] [--output PATH]

Defaults: --source ../shared/datasets/state-dept-press-releases/press_releases.jsonl
(relative to the repository root), --output corpus/state-dept-demo.jsonl.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "datasets" / "state-dept-press-releases" / "press_releases.jsonl"
DEFAULT_OUTPUT = ROOT / "corpus" / "state-dept-demo.jsonl"

# Rule: every record that mentions the S-400 and Turkey is in the demo (the five briefing
# transcripts 2021-06-09, 2021-06-10, 2021-06-21, 2022-03-21, 2022-05-20 when this was written).
S400 = re.compile(r"\bS-?400", re.IGNORECASE)
TURKEY = re.compile(r"Turk(?!men)|Türk")

# Explicit choices, by theme. Short records (readouts, statements) are preferred; the long
# transcripts are there for what officials said on Turkey at the podium.
THEMES: dict[str, list[str]] = {
    # S-400 outside Turkey: India and CAATSA (interview, 2021-07-29).
    "s400_other": ["sdpr-00477"],
    # Turkey, F-16s and Finland/Sweden's NATO accession: transcripts and press availabilities.
    "turkey_nato_transcripts": [
        "sdpr-01557",  # Blinken and Finnish FM Haavisto, 2022-05-27
        "sdpr-01582",  # Blinken and NATO SG Stoltenberg, 2022-06-01
        "sdpr-01620",  # Department Press Briefing, 2022-06-06 (F-16 sale to Turkey)
        "sdpr-01934",  # Department Press Briefing, 2022-07-21 (F-16s, northern Syria)
    ],
    # Turkey: calls, meetings, travel, statements.
    "turkey": [
        "sdpr-00003",
        "sdpr-00006",
        "sdpr-00473",
        "sdpr-00634",
        "sdpr-00773",
        "sdpr-00798",
        "sdpr-00829",
        "sdpr-00855",
        "sdpr-00923",
        "sdpr-00970",
        "sdpr-01135",
        "sdpr-01298",
        "sdpr-01457",
        "sdpr-01477",
        "sdpr-01481",
        "sdpr-01486",
        "sdpr-01772",
    ],
    # Greece, Cyprus, Eastern Mediterranean.
    "greece_cyprus": [
        "sdpr-00071",
        "sdpr-00407",
        "sdpr-00586",
        "sdpr-00589",
        "sdpr-00790",
        "sdpr-01035",
        "sdpr-01122",
        "sdpr-01270",
        "sdpr-01400",
        "sdpr-01473",
        "sdpr-01479",
        "sdpr-01568",
    ],
    # NATO: Stoltenberg, ministerials, Sweden.
    "nato": [
        "sdpr-00046",
        "sdpr-00073",
        "sdpr-00848",
        "sdpr-00853",
        "sdpr-01152",
        "sdpr-01158",
        "sdpr-01357",
        "sdpr-01362",
        "sdpr-01441",
        "sdpr-01488",
        "sdpr-01755",
    ],
    # Russia-Ukraine: security assistance announcements, calls with FM Kuleba, Black Sea grain.
    "ukraine": [
        "sdpr-00786",
        "sdpr-00934",
        "sdpr-00961",
        "sdpr-01044",
        "sdpr-01145",
        "sdpr-01218",
        "sdpr-01262",
        "sdpr-01375",
        "sdpr-01494",
        "sdpr-01703",
        "sdpr-01757",
        "sdpr-01802",
        "sdpr-01841",
        "sdpr-01937",
        "sdpr-02004",
        "sdpr-00532",
        "sdpr-00534",
        "sdpr-00610",
        "sdpr-00747",
        "sdpr-00784",
        "sdpr-00813",
        "sdpr-00932",
        "sdpr-01048",
        "sdpr-01167",
        "sdpr-01388",
        "sdpr-01529",
        "sdpr-01831",
        "sdpr-02002",
        "sdpr-01939",
        "sdpr-02021",
    ],
    # Sanctions on Russia (incl. CAATSA designations of defense enterprises).
    "russia_sanctions": [
        "sdpr-00838",
        "sdpr-01026",
        "sdpr-01159",
        "sdpr-01179",
        "sdpr-01390",
        "sdpr-01596",
        "sdpr-01789",
        "sdpr-01998",
    ],
    # Afghanistan, 2021 peace process to 2022 Taliban rule.
    "afghanistan": [
        "sdpr-00098",
        "sdpr-00107",
        "sdpr-00367",
        "sdpr-00385",
        "sdpr-00509",
        "sdpr-00533",
        "sdpr-00573",
        "sdpr-00642",
        "sdpr-00750",
        "sdpr-01021",
        "sdpr-01028",
        "sdpr-01240",
        "sdpr-01751",
        "sdpr-01784",
        "sdpr-01809",
        "sdpr-01907",
        "sdpr-01984",
        "sdpr-01986",
    ],
}


def select(records: list[dict]) -> list[dict]:
    chosen = {i for ids in THEMES.values() for i in ids}
    known = {r["_id"] for r in records}
    missing = sorted(chosen - known)
    if missing:
        raise SystemExit(f"ids not in the source: {', '.join(missing)}")
    for r in records:
        if S400.search(r["text"]) and TURKEY.search(r["text"]):
            chosen.add(r["_id"])
    return [r for r in records if r["_id"] in chosen]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = ap.parse_args(argv)
    with args.source.open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    selected = select(records)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8", newline="\n") as out:
        for r in selected:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    size = args.output.stat().st_size
    chars = sum(len(r["text"]) for r in selected)
    print(f"{len(selected)} records, {chars} text characters, {size} bytes -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
