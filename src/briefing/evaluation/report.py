"""Terminal tables, and a markdown report with PNG charts, of an evaluation."""

from __future__ import annotations

import math
import zlib
from pathlib import Path

from .calibration import Calibration
from .metrics import coverage_recall_at_k
from .runner import RECALL_KS, EvalResult

KIND_COLOURS = {"answerable": "#1b7837", "change": "#2166ac", "unanswerable": "#b2182b"}
SUMMARY_ROWS = (
    [
        ("hit@1", "answers: the first extract overlaps a gold quote"),
        ("hit@3", "answers: one of the first 3 extracts overlaps a gold quote"),
        ("hit@1_anywhere", "answers: a gold answer string anywhere in the first extract (as MEASURED.md counts)"),
        ("hit@3_anywhere", "answers: a gold answer string anywhere in one of the first 3 extracts"),
        ("abstention_recall", "unanswerable questions the bot abstained on"),
        ("false_abstention", "answerable questions the bot abstained on"),
        ("abstention_precision", "abstentions that were on unanswerable questions"),
        ("abstention_f1", "F1 of abstention precision and recall"),
        ("verbatim_rate", "extracts equal to their source span (must be 1.0)"),
    ]
    + [(f"recall@{k}", f"retrieval: share of gold quotes in the top {k} passages") for k in RECALL_KS]
    + [
        ("mrr@10", "retrieval: 1 / rank of the first passage holding a gold quote"),
        ("ndcg@10", "retrieval: nDCG of the top 10 passages (relevant = overlaps a gold quote)"),
    ]
    + [
        ("first_on_subject", "change: the first statement holds the gold subject terms (abstention = 0)"),
        ("subject_precision", "change: share of the statements holding the gold subject terms"),
        ("date_recall", "change: share of the gold dates among the statements' dates (abstention = 0)"),
        ("timeline_dates", "change: share of the gold dates shown by a statement overlapping a gold quote"),
        ("order", "change: the statements are in date order"),
        ("strong_off_subject", "change: answers labelled strong whose first statement is off subject (count)"),
    ]
)
CONTAIN_MEANINGS = {
    "hit@1": "answers: the first extract holds a gold answer span of its paragraph",
    "hit@3": "answers: one of the first 3 extracts holds a gold answer span of its paragraph",
}


def _score(value: float) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a count
    return "—" if value is None or not math.isfinite(value) else f"{value:.3f}"


def _value(value) -> str:
    return f"{value:g}" if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def comparison(result: EvalResult) -> tuple[list[str], list[list[str]]]:
    """The system and each baseline side by side: header and rows (metric, values ..., meaning).

    A baseline retrieves no passages, so its retrieval metrics show "—".
    """
    systems = [result] + list(result.baselines)
    summaries = [r.summary() for r in systems]
    header = ["metric"] + [r.system for r in systems] + ["meaning"]
    rows = []
    for name, meaning in SUMMARY_ROWS:
        if name not in summaries[0]:
            continue
        if result.hit_rule == "contain":
            meaning = CONTAIN_MEANINGS.get(name, meaning)
        rows.append([name] + [_score(s.get(name)) for s in summaries] + [meaning])
    return header, rows


def _settings_line(result: EvalResult) -> str:
    parts = [
        f"briefing: mode {result.mode}, threshold {result.threshold:g}, "
        f"{result.extracts} extracts, {result.seconds:.1f} s"
    ]
    for baseline in result.baselines:
        settings = ", ".join(f"{key} {value}" for key, value in baseline.settings.items())
        parts.append(f"{baseline.system}: {settings}, {baseline.seconds:.1f} s")
    return "; ".join(parts)


def models_line(result: EvalResult) -> str:
    if not result.answer_models:
        return "answer model files: none (answer/models/*.json)"
    return "answer model files: " + ", ".join(f"{m['file']} sha256 {m['sha256'][:16]}…" for m in result.answer_models)


def qa_row(result: EvalResult, near_miss: EvalResult | None = None) -> dict:
    """One domain's figures: hit@1 and hit@3 over answerable questions (an abstention is a miss),
    hit@1 of the answered ones, abstention on the unanswerable ones (the set's own and, when given,
    the near-miss copy's), false abstention, the share of answers labelled strong and how often
    their first extract was right, each baseline's hit@1, and what silenced answerable questions."""
    answerable = [q for q in result.questions if q.answerable]
    unanswerable = [q for q in result.questions if not q.answerable]
    if near_miss is not None:
        unanswerable += [q for q in near_miss.questions if not q.answerable]
    answered = [q for q in answerable if not q.abstained]
    strong = [q for q in answered if q.strength == "strong"]

    def first_right(q) -> bool:
        return bool(q.extracts) and bool(q.extracts[0]["hit"])

    def share(items, test) -> float | None:
        return sum(map(test, items)) / len(items) if items else None

    silenced: dict[str, int] = {}
    for q in answerable:
        if q.abstained_by:
            silenced[q.abstained_by] = silenced.get(q.abstained_by, 0) + 1
    return {
        "domain": result.name,
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": result.metrics["hit@1"].mean if answerable else None,
        "hit@3": result.metrics["hit@3"].mean if answerable else None,
        "hit@1_answered": share(answered, first_right),
        "abstention": share(unanswerable, lambda q: q.abstained),
        "false_abstention": share(answerable, lambda q: q.abstained),
        "strong_share": share(answered, lambda q: q.strength == "strong"),
        "strong_precision": share(strong, first_right),
        **{f"{b.system}_hit@1": b.metrics["hit@1"].mean for b in result.baselines if answerable},
        "silenced_by": {key: round(n / len(answerable), 3) for key, n in sorted(silenced.items())},
    }


def qa_rows(results: list[EvalResult]) -> list[dict]:
    """:func:`qa_row` of each domain; a near-miss result ("<domain> near-miss") joins its domain's row."""
    near = {r.name.removesuffix(" near-miss"): r for r in results if r.name.endswith(" near-miss")}
    return [qa_row(r, near.get(r.name)) for r in results if not r.name.endswith(" near-miss")]


def qa_table(results: list[EvalResult]) -> str:
    """The per-domain table of ``briefing eval --qa`` (:func:`qa_rows`)."""
    rows = qa_rows(results)
    if not rows:
        return ""
    baselines = [key for key in rows[0] if key.endswith("_hit@1") and key != "hit@1"]
    columns = ["hit@1", "hit@3", "hit@1_answered", "abstention", "false_abstention", "strong_share"]
    columns += ["strong_precision"] + baselines
    header = ["domain", "answerable", "unanswerable"] + columns + ["silenced by (share of answerable)"]
    body = [
        [row["domain"], str(row["answerable"]), str(row["unanswerable"])]
        + [_score(row.get(column)) for column in columns]
        + [", ".join(f"{key} {value:.3f}" for key, value in row["silenced_by"].items()) or "—"]
        for row in rows
    ]
    return plain_table(header, body)


def summary_table(result: EvalResult) -> str:
    """The metrics of the system and its baselines as an aligned plain-text table."""
    counts = result.to_dict()["kinds"]
    lines = [
        f"{result.name}: {len(result.questions)} questions "
        f"({', '.join(f'{n} {kind}' for kind, n in sorted(counts.items()))}), "
        f"mode {result.mode}, threshold {result.threshold:g}, hit = extract "
        f"{'contains' if result.hit_rule == 'contain' else 'overlaps'} a gold span, {result.seconds:.1f} s",
    ]
    header, rows = comparison(result)
    lines += ["  " + line for line in plain_table(header, rows).splitlines()]
    lines.append("  " + _settings_line(result))
    lines.append("  params: " + ", ".join(f"{key} {_value(value)}" for key, value in result.params.items()))
    lines.append("  " + models_line(result))
    for qid, number in result.unlocated():
        lines.append(f"  warning: {qid} quote {number} occurs in no indexed document")
    return "\n".join(lines)


def question_rows(result: EvalResult) -> list[list[str]]:
    """Per-question breakdown: id, kind, R@5, RR@10, hit@3, abstained, best score, evidence check."""
    rows = []
    for q in result.questions:
        if q.answerable:
            recall5 = result.metrics["recall@5"].per_query.get(q.id)
            rr = result.metrics["mrr@10"].per_query.get(q.id)
            hit3 = result.metrics["hit@3"].per_query.get(q.id)
        else:
            recall5 = rr = hit3 = None
        ok = q.abstained != q.answerable
        rows.append(
            [
                q.id,
                q.kind,
                _score(recall5),
                _score(rr),
                _score(hit3),
                ("yes" if q.abstained else "no") + ("" if ok else " ✗"),
                _score(q.best_score),
                "yes" if q.evidence else "no",
            ]
        )
    return rows


QUESTION_HEADER = ["id", "kind", "R@5", "RR@10", "hit@3", "abstained", "best score", "evidence"]


def plain_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(header, widths))]
    lines.append("  ".join("-" * width for width in widths))
    lines.extend("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) for row in rows)
    return "\n".join(lines)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def calibration_rows(calibration: Calibration) -> list[list[str]]:
    rows = []
    for row in calibration.table():
        mark = " ←" if row.threshold == calibration.threshold else ""
        rows.append(
            [
                f"{row.threshold:.3f}{mark}",
                f"{row.precision:.3f}",
                f"{row.recall:.3f}",
                f"{row.f1:.3f}",
                f"{row.false_abstention:.3f}",
                f"{row.youden:.3f}",
                f"{row.answered:.3f}",
            ]
        )
    return rows


CALIBRATION_HEADER = ["threshold", "precision", "recall", "F1", "false abstention", "Youden J", "answered"]


def calibration_text(calibration: Calibration) -> str:
    return (
        f"threshold {calibration.threshold:g} (maximises abstention {calibration.objective}"
        + (
            f", answering at least {calibration.min_answered:.0%} of answerable questions"
            if calibration.min_answered
            else ""
        )
        + f" on "
        f"{calibration.questions} questions, {calibration.unanswerable} unanswerable): precision "
        f"{calibration.best.precision:.3f}, recall {calibration.best.recall:.3f}, F1 {calibration.best.f1:.3f}, "
        f"{calibration.best.answered:.1%} of answerable questions answered; the score separates answerable "
        f"from unanswerable questions with ROC AUC {calibration.auc:.3f} (0.5 = chance)\n"
        + plain_table(CALIBRATION_HEADER, calibration_rows(calibration))
    )


def _pyplot():
    import matplotlib  # lazy: a heavy import, needed only when a report is written

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def recall_curve_png(results: list[EvalResult], path: Path) -> None:
    """Recall@k (share of gold quotes found) for k = 1 … 10, one line per gold set."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4), dpi=110)
    ks = list(range(1, 11))
    for result in results:
        answerable = [q for q in result.questions if q.answerable]
        covers = {q.id: [frozenset(p["quotes"]) for p in q.passages] for q in answerable}
        wanted = {q.id: q.quotes - len(q.unlocated) for q in answerable}
        values = [coverage_recall_at_k(covers, wanted, k).mean for k in ks]
        axes.plot(ks, values, marker="o", label=result.name)
        for k in (1, 5, 10):
            axes.annotate(
                f"{values[k - 1]:.2f}",
                (k, values[k - 1]),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8,
            )
    axes.set_xlabel("k (passages read)")
    axes.set_ylabel("recall@k (share of gold quotes found)")
    axes.set_ylim(0, 1.05)
    axes.set_xticks(ks)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    axes.set_title("How many of the gold quotes the first k passages hold")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def score_distribution_png(results: list[EvalResult], threshold: float, path: Path) -> None:
    """Best-extract score of every question, by kind, with the abstention threshold."""
    plt = _pyplot()
    questions = [q for result in results for q in result.questions]
    kinds = [kind for kind in ("answerable", "change", "unanswerable") if any(q.kind == kind for q in questions)]
    figure, axes = plt.subplots(figsize=(6.5, 3.8), dpi=110)
    finite = [q.best_score for q in questions if math.isfinite(q.best_score)]
    floor = (min(finite) if finite else 0.0) - 0.08
    for row, kind in enumerate(kinds):
        items = [q for q in questions if q.kind == kind]
        xs = [q.best_score if math.isfinite(q.best_score) else floor for q in items]
        ys = [row + ((zlib.crc32(q.id.encode()) % 1000) / 1000 - 0.5) * 0.35 for q in items]
        checked = [i for i, q in enumerate(items) if q.evidence]
        failed = [i for i, q in enumerate(items) if not q.evidence]
        axes.scatter(
            [xs[i] for i in checked],
            [ys[i] for i in checked],
            s=28,
            alpha=0.8,
            color=KIND_COLOURS[kind],
            edgecolors="white",
            linewidths=0.5,
        )
        axes.scatter(
            [xs[i] for i in failed],
            [ys[i] for i in failed],
            s=30,
            marker="x",
            alpha=0.9,
            color=KIND_COLOURS[kind],
            linewidths=1.2,
        )
        axes.boxplot(
            [x for x in xs if x > floor] or [floor],
            positions=[row],
            vert=False,
            widths=0.5,
            showfliers=False,
            medianprops={"color": "black"},
            boxprops={"alpha": 0.5},
        )
    axes.axvline(threshold, color="black", linestyle="--", linewidth=1)
    axes.text(threshold, len(kinds) - 0.45, f" threshold {threshold:g}", fontsize=8, va="bottom")
    axes.text(
        0.01,
        0.01,
        "× = evidence check fails: abstains whatever the threshold",
        transform=axes.transAxes,
        fontsize=7,
        va="bottom",
    )
    axes.set_yticks(range(len(kinds)), [f"{kind}\n({sum(q.kind == kind for q in questions)})" for kind in kinds])
    axes.set_xlabel("best extract score (answered when ≥ threshold)")
    axes.set_ylim(-0.8, len(kinds) - 0.2)
    axes.grid(axis="x", alpha=0.3)
    axes.set_title("Unanswerable questions should sit left of the line")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def tradeoff_png(calibration: Calibration, path: Path) -> None:
    """Abstention precision, recall, F1 and answered share against the threshold."""
    plt = _pyplot()
    rows = calibration.table(step=0.005)
    xs = [row.threshold for row in rows]
    figure, axes = plt.subplots(figsize=(6, 4), dpi=110)
    axes.plot(xs, [r.f1 for r in rows], label="abstention F1", linewidth=2)
    axes.plot(xs, [r.precision for r in rows], label="abstention precision", linestyle="--")
    axes.plot(xs, [r.recall for r in rows], label="abstention recall", linestyle="--")
    axes.plot(xs, [r.answered for r in rows], label="answerable questions answered", linestyle=":")
    axes.axvline(calibration.threshold, color="black", linewidth=1)
    axes.text(calibration.threshold, 0.02, f" chosen {calibration.threshold:g}", fontsize=8)
    axes.set_xlabel("threshold")
    axes.set_ylim(0, 1.05)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="center left")
    axes.set_title("What the abstention threshold trades off")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_report(
    results: list[EvalResult], calibration: Calibration, folder: Path, *, command: str = "briefing eval"
) -> Path:
    """Write ``report.md`` and its PNG charts into ``folder``; returns the report path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    threshold = results[0].threshold
    recall_curve_png(results, folder / "recall_at_k.png")
    score_distribution_png(results, threshold, folder / "score_by_kind.png")
    tradeoff_png(calibration, folder / "abstention_tradeoff.png")
    lines = [
        "# Evaluation report",
        "",
        f"Generated by `{command}`. Metrics are defined in `src/briefing/evaluation/runner.py`.",
        "",
        "## Summary",
        "",
    ]
    for result in results:
        header, rows = comparison(result)
        lines += [f"### {result.name}", "", markdown_table(header, rows), "", _settings_line(result) + ".", ""]
    lines += [
        "Questions: "
        + "; ".join(
            f"{r.name}: {len(r.questions)} ({', '.join(f'{n} {k}' for k, n in sorted(r.to_dict()['kinds'].items()))})"
            for r in results
        )
        + f". Retrieval mode {results[0].mode}, abstention threshold {threshold:g}.",
        "",
        "Answer parameters (`briefing.answer.params.AnswerParams`): "
        + ", ".join(f"`{key}` {_value(value)}" for key, value in results[0].params.items())
        + ".",
        "",
        models_line(results[0])[0].upper() + models_line(results[0])[1:] + ".",
        "",
    ]
    lines += [
        "![recall@k](recall_at_k.png)",
        "",
        "## Abstention",
        "",
        "![best extract score by question kind](score_by_kind.png)",
        "",
        f"Calibrated threshold: **{calibration.threshold:g}** (maximises abstention {calibration.objective}; "
        f"precision {calibration.best.precision:.3f}, recall {calibration.best.recall:.3f}, "
        f"F1 {calibration.best.f1:.3f}, {calibration.best.answered:.1%} of answerable questions answered). "
        f"The score separates answerable from unanswerable questions with ROC AUC {calibration.auc:.3f} "
        "(0.5 is chance, 1.0 a perfect separator); the evidence check (×) abstains whatever the threshold.",
        "",
        "![abstention tradeoff](abstention_tradeoff.png)",
        "",
        markdown_table(CALIBRATION_HEADER, calibration_rows(calibration)),
        "",
    ]
    for result in results:
        lines += [
            f"## Per question: {result.name}",
            "",
            "✗ marks a wrong abstention decision.",
            "",
            markdown_table(
                QUESTION_HEADER + ["question"],
                [row + [q.question] for row, q in zip(question_rows(result), result.questions)],
            ),
            "",
        ]
        misses = [q for q in result.questions if q.answerable and not any(e["hit"] for e in q.extracts[:3])]
        if misses:
            lines += ["Answerable questions without a gold quote in the first 3 extracts:", ""]
            for q in misses:
                first = q.extracts[0]["text"] if q.extracts else "(abstained)"
                lines.append(f"- **{q.id}** {q.question} — first extract: “{' '.join(first.split())[:200]}”")
            lines.append("")
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
