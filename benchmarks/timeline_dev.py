"""Dev check of "did it change?" timelines: the UI's example change questions and a few dev
questions written for tuning (never the held-out gold set), on one index.

    PYTHONPATH=src python benchmarks/timeline_dev.py --index DIR [--first N] [--follow-ups | --follow-up TEXT ...]

Prints each timeline (date, label, speaker, the start of each statement) and, for every question,
whether its first statement and each statement hold the dev subject terms (groups of alternatives).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from briefing.answer import answer  # noqa: E402
from briefing.evaluation.gold import on_gold_subject  # noqa: E402
from briefing.index import load_index  # noqa: E402

# The UI's change examples (src/briefing/ui/app.py) and dev questions (tuning only).
DEV = [
    ("Did the US position on Turkey's S-400 purchase change?", [["S-400", "S400"]]),
    ("Has the US stance on a Turkish offensive in northern Syria changed?", [["Syria"]]),
    ("How much security assistance has the US given Ukraine since February 24?", [["Ukraine"], ["assistance"]]),
    ("Has the US position on Cyprus reunification shifted?", [["Cyprus"]]),
    ("Did the US stance on Nord Stream 2 change?", [["Nord Stream"]]),
    ("Has US support for Finland and Sweden joining NATO changed over time?", [["Finland", "Sweden"]]),
    ("Is the US still pressing Russia with sanctions?", [["sanction"], ["Russia"]]),
    ("Has the US position on the Afghan evacuation changed since August 2021?", [["Afghan"]]),
    ("Did the US view of tensions between Greece and Turkey change?", [["Greece", "Greek"]]),
    ("Has the US stance on the Montreux Convention changed?", [["Montreux"]]),
]
FOLLOW_UPS = ["Did it change?", "Has that changed since?", "And now?"]


def show(reply, groups) -> tuple[bool, float]:
    print(f"  {'ABSTAINED' if reply.abstained else reply.strength} ({reply.strength_reason})")
    held = [on_gold_subject(e.text, groups) for e in reply.extracts]
    for extract, ok in zip(reply.extracts, held):
        text = " ".join(extract.text.split())[:150]
        print(f"   {'+' if ok else '-'} {extract.date or '????'} {extract.speaker or ''} | {text}")
    return (bool(held) and held[0]), (sum(held) / len(held) if held else 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", required=True, type=Path)
    parser.add_argument("--follow-ups", action="store_true", help="ask each follow-up of FOLLOW_UPS after each answer")
    parser.add_argument("--follow-up", action="append", help="ask this follow-up instead (repeatable)")
    parser.add_argument("--first", type=int, default=len(DEV), help="only the first N questions (3: the UI's)")
    args = parser.parse_args()
    follow_ups_asked = args.follow_up or (FOLLOW_UPS if args.follow_ups else [])
    index = load_index(args.index)
    firsts, precisions, answered_follow_ups, follow_ups = [], [], 0, 0
    for question, groups in DEV[: args.first]:
        print(question)
        reply = answer(index, question, top=8)
        first, precision = show(reply, groups)
        firsts.append(first)
        precisions.append(precision)
        if follow_ups_asked and not reply.abstained:
            for follow_up in follow_ups_asked:
                again = answer(index, follow_up, top=8, context=question)
                follow_ups += 1
                answered_follow_ups += not again.abstained
                label = "abstained" if again.abstained else again.strength
                print(f" > {follow_up}: {label}, {len(again.extracts)} statements")
    print(f"first on subject {sum(firsts)}/{len(firsts)}; subject precision {sum(precisions) / len(precisions):.3f}")
    if follow_ups_asked:
        print(f"follow-ups answered {answered_follow_ups}/{follow_ups}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
