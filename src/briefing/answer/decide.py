"""The decision: abstain, or choose the extracts (a timeline for "did it change?" questions).

Abstain (no extracts, the fixed message) when the abstention model finds the
question unlikely to be answered by the sources (``Evidence.answerability``
below the threshold), when the question names something the corpus never
mentions (``Evidence.names_missing``), or when a question asking for a count, a sum
of money, a length of time, a date, or what a named actor said would be answered by extracts
none of which holds it (:mod:`.fact_check`: an on-topic sentence without the fact asked for),
or when it changes one word of an extract (:mod:`.word_swaps`: "perpendicular" for "parallel").
Otherwise show the candidates scoring close enough to the best one (no padding),
near-duplicates dropped (the earliest kept), for "What did X say…" X's own words first, with a
calibrated evidence label (strong / partial); for "did it change?" questions, a timeline of
on-subject positions, one per date, oldest first (:mod:`.timeline`), labelled by what it shows.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import phrases
from ..records import Answer, Document, Extract, spans_overlap
from .evidence import Evidence
from .fact_check import asked_actor, asks_for_words, mentions_actor, missing_fact, speaks
from .params import AnswerParams
from .render import render_markdown
from .scorer import strong_model
from .sentences import Candidate, final_model
from .timeline import Subject, build_timeline

_WORD = re.compile(r"\w+")


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _is_duplicate(a: str, b: str, jaccard: float) -> bool:
    """Two spans that say the same thing: word sets this alike, and the same numbers.  "The code word
    for round 1 is periwinkle-1." and "... for round 2 is periwinkle-2." share 9 of 11 words but
    answer different questions, so both stay.

    >>> _is_duplicate("The code for round 1 is red-1.", "The code for round 2 is red-2.", 0.5)
    False
    >>> _is_duplicate("The code for round 1 is red.", "The code for round 1 is red!", 0.8)
    True
    """
    first, second = _tokens(a), _tokens(b)
    if not first or not second:
        return a.strip() == b.strip()
    if {t for t in first if t.isdigit()} != {t for t in second if t.isdigit()}:
        return False
    return len(first & second) / len(first | second) >= jaccard


def _date_key(date: str | None) -> str:
    return date or "9999"


def _select(
    candidates: list[Candidate], documents: dict[str, Document], top: int, per_document: bool, jaccard: float
) -> list[Candidate]:
    chosen: list[Candidate] = []
    for candidate in candidates:
        text = documents[candidate.doc_id].text[candidate.char_start : candidate.char_end]
        if per_document and any(c.doc_id == candidate.doc_id for c in chosen):
            continue
        duplicate_of = next(
            (
                i
                for i, c in enumerate(chosen)
                if _is_duplicate(text, documents[c.doc_id].text[c.char_start : c.char_end], jaccard)
                or (
                    c.doc_id == candidate.doc_id
                    and spans_overlap(c.char_start, c.char_end, candidate.char_start, candidate.char_end)
                )
            ),
            None,
        )
        if duplicate_of is not None:
            kept = chosen[duplicate_of]
            if kept.doc_id != candidate.doc_id and _date_key(candidate.date) < _date_key(kept.date):
                chosen[duplicate_of] = replace(candidate, score=kept.score)
            continue
        chosen.append(candidate)
        if len(chosen) >= top:
            break
    return chosen


def _strength(evidence: Evidence, score: float) -> str:
    """ "strong" when the strong model's probability that the best extract answers
    (``Evidence.first_right``) reaches its cut (``strong_cut``, calibrated leave one domain out in
    ``scripts/train_answer_models.py``); without that model, when ``score`` (the first extract's)
    reaches the final scorer's cut (``strong_probability``).  Else "partial"."""
    right = evidence.first_right  # None without a strong model
    if right is not None:
        return "strong" if right >= strong_model().extra.get("strong_cut", 1.0) else "partial"
    model = final_model(evidence.params)
    strong = model.extra.get("strong_probability", 1.0) if model is not None else 1.0
    return "strong" if score >= strong else "partial"


def _floor(candidates: list[Candidate], ratio: float) -> float:
    """``ratio`` of the best sentence-scorer probability: the match stage reorders the best few (``match_top``),
    it does not move the floors, which stay where their ratios were tuned."""
    return max(c.first_probability for c in candidates) * ratio


def _worth_reading(candidates: list[Candidate], params: AnswerParams) -> list[Candidate]:
    """Candidates close enough to the best one to be worth reading (no padding): the first, and
    those at or above the floor of ``extract_ratio``."""
    if not candidates:
        return []
    floor = _floor(candidates, params.extract_ratio)
    return [c for i, c in enumerate(candidates) if i == 0 or c.first_probability >= floor]


def _actor_first(question: str, chosen: list[Candidate], documents: dict[str, Document]) -> list[Candidate]:
    """For "What did X say…", X's own words first: extracts whose speaker names X (without a speaker,
    whose document's source does), or in which X says something ("Stoltenberg said"); the rest keep
    their order after them."""
    actor = asked_actor(question) if asks_for_words(question) else ()
    if not actor:
        return chosen

    def said_by_actor(candidate: Candidate) -> bool:
        document = documents[candidate.doc_id]
        voice = candidate.speaker or document.source or ""
        text = document.text[candidate.char_start : candidate.char_end]
        return mentions_actor(actor, [voice]) or speaks(actor, [text])

    return sorted(chosen, key=lambda candidate: not said_by_actor(candidate))


def _captions(chosen: list[Candidate], documents: dict[str, Document]) -> list[str]:
    """What each extract's caption says besides its date: speaker, document title and source."""
    return [" ".join(filter(None, (c.speaker, documents[c.doc_id].title, documents[c.doc_id].source))) for c in chosen]


def _source(document: Document) -> str:
    """A document's words for the fact check: its title, date and text."""
    return " ".join(filter(None, (document.title, document.date, document.text)))


# The fact check's kinds that silenced more than 1% of the answerable questions of a qa-train domain
# (benchmarks/rule_audit.py: money 2.5% and negation 1.7% on doc2dial, count 1.7% on SQuAD 1.1) silence
# only when no candidate of the retrieved passages holds that kind of fact; the others (date, year,
# duration, person: 0.8% at most) keep to the shown extracts.
_KIND_OF_FACT = {"count", "money", "negation"}


def _held_elsewhere(evidence: Evidence, kind: str) -> bool:
    """Does a candidate sentence of the retrieved passages, shown or not, hold the kind of fact
    the question asks for?  Then the sources may answer and the ranking missed it: an extract is
    shown rather than a silence."""
    texts = [evidence.documents[c.doc_id].text[c.char_start : c.char_end] for c in evidence.candidates]
    return missing_fact(evidence.question, texts) != kind


def _chosen(evidence: Evidence, top: int, params: AnswerParams) -> tuple[list[Candidate], str | None, str | None]:
    """The extracts to show, before the fact check, with a timeline's own strength label and the
    fixed phrase that says why (:mod:`.timeline`; None for other questions): a timeline on the
    question's subject (empty when no candidate holds it), or the candidates worth reading."""
    if evidence.timeline:
        built = build_timeline(
            evidence.candidates + evidence.subject_candidates,
            evidence.documents,
            evidence.subject or Subject.of(evidence.question),
            max(top, params.timeline_documents),
            floor=_floor(evidence.candidates, params.timeline_ratio),
        )
        return built.chosen, built.strength, built.reason
    chosen = _select(
        _worth_reading(evidence.candidates, params), evidence.documents, top, False, params.duplicate_jaccard
    )
    return _actor_first(evidence.question, chosen, evidence.documents), None, None


def abstention_reason(
    evidence: Evidence, *, top: int = 5, threshold: float | None = None, params: AnswerParams | None = None
) -> str | None:
    """Why :func:`decide` abstains, or None when it answers: ``no_candidate``; ``model`` (the
    abstention model's answerability below the cut in force, ``Evidence.threshold``: the global
    cut or, lower, the per-index off-topic one, which therefore never silences anything itself);
    ``unseen_name`` (``Evidence.names_missing``); ``off_subject`` (a timeline none of whose
    candidates holds the question's subject); or the fact check's kind (``fact:count``,
    ``fact:swap``… :func:`.fact_check.missing_fact`)."""
    return _decision(evidence, top, threshold, params)[0]


def _decision(evidence: Evidence, top: int, threshold: float | None, params: AnswerParams | None):
    """(why it abstains or None, the chosen candidates, their texts, a timeline's strength, why)."""
    params = params or evidence.params
    threshold = evidence.threshold if threshold is None else threshold
    if not evidence.candidates:
        return "no_candidate", [], [], None, None
    if threshold > -1.0 and evidence.answerability < threshold:
        return "model", [], [], None, None
    if threshold > -1.0 and evidence.names_missing:
        return "unseen_name", [], [], None, None
    chosen, strength, why = _chosen(evidence, top, params)
    if not chosen:
        return "off_subject", [], [], None, None
    documents = evidence.documents
    texts = [documents[c.doc_id].text[c.char_start : c.char_end] for c in chosen]
    if params.fact_check and threshold > -1.0 and not evidence.timeline:
        sources = [_source(document) for document in documents.values()]  # every retrieved document
        kind = missing_fact(evidence.question, texts, _captions(chosen, documents), sources)
        if kind in _KIND_OF_FACT and _held_elsewhere(evidence, kind):
            kind = None
        if kind:
            return f"fact:{kind}", [], [], None, None
    return None, chosen, texts, strength, why


def decide(
    evidence: Evidence,
    *,
    top: int = 5,
    threshold: float | None = None,
    params: AnswerParams | None = None,
) -> Answer:
    """Turn gathered evidence into extracts, or an abstention.

    Abstains when the question's answerability (``Evidence.answerability``) is
    below ``threshold`` (default ``Evidence.threshold``: the global cut, calibrated
    per index; -1 or less never abstains), and for the reasons of :func:`abstention_reason`.
    Shows only extracts scoring at least ``params.extract_ratio`` of the best one.
    """
    params = params or evidence.params
    applied, documents = evidence.filters, evidence.documents
    filters_dict = applied.to_dict() if applied else {}
    reason, chosen, texts, strength, why = _decision(evidence, top, threshold, params)
    if reason is not None:
        silence = evidence.filter_note or phrases.NO_ANSWER  # the filter named when it is why nothing was found
        return Answer(question=evidence.question, abstained=True, answer=silence, filters=filters_dict)
    numbers: dict[str, int] = {}
    extracts = []
    for candidate, text in zip(chosen, texts):
        document = documents[candidate.doc_id]
        number = numbers.setdefault(candidate.doc_id, len(numbers) + 1)
        extracts.append(
            Extract(
                citation=number,
                text=text,
                doc_id=candidate.doc_id,
                path=document.path,
                char_start=candidate.char_start,
                char_end=candidate.char_end,
                score=candidate.score,
                title=document.title,
                date=document.date,
                source=document.source,
                url=document.url,
                speaker=candidate.speaker,
                page=document.page_at(candidate.char_start),
                passage_id=candidate.passage.passage_id,
            )
        )
    # A timeline is strong only when it holds the subject on two dates or more (timeline.py).
    strength = strength or _strength(evidence, chosen[0].score)
    return Answer(
        question=evidence.question,
        abstained=False,
        answer=render_markdown(extracts, timeline=evidence.timeline, filters=applied, strength=strength, reason=why),
        extracts=tuple(extracts),
        timeline=evidence.timeline,
        filters=filters_dict,
        strength=strength,
        strength_reason=why,
    )
