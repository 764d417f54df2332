"""Assemble per-document results into the three claim tables.

Assembly is a separate, pure step (INDRA's idea): evidence rows are grouped by
(cause concept, direction, effect concept) into claims, whatever document or
sentence stated them; negated statements are counted apart, never as support.

Corpus-wide judgements are made here, because they need every document:
which documents are near duplicates, which form one independent source, what
each source sells, and so which evidence is in conflict of interest. Every
flag lands in a column of the evidence table next to the sentence it is
about, and claims are scored from those columns alone (`support.py`), so a
reader can recompute any score from `evidence.csv`.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd

from pipeline.discourse import evidence_id
from pipeline.duplicates import near_duplicates
from pipeline.interest import Parents, conflict
from pipeline.model import Cue, DocumentResult, Offer
from pipeline.sources import independent_sources
from pipeline.support import Statement, support
from pipeline.tables import CLAIM_COLUMNS, DOCUMENT_COLUMNS, EVIDENCE_COLUMNS, Tables

_OPPOSITE = {"increases": "decreases", "decreases": "increases"}


def _bool(value: bool) -> str:
    return "true" if value else "false"


def typed(frame: pd.DataFrame, integers: set[str], floats: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Fixed column types, so that an empty table (every document failed) still validates."""
    return frame.astype({c: ("int64" if c in integers else "float64" if c in floats else "str")
                         for c in frame.columns})


def _one_line(text: str) -> str:
    return " ".join(text.split())


def format_cues(cues: list[Cue] | tuple[Cue, ...]) -> str:
    """`category "words" in "sentence"`, ` | `-separated: each cue with the sentence a reader can find."""
    return " | ".join(f'{c.category} "{_one_line(c.text)}" in "{_one_line(c.sentence)}"' for c in cues)


@dataclass(frozen=True)
class CorpusSources:
    """Who stands behind each document, across the corpus."""

    duplicates: dict[str, tuple[str, float]]  # doc_id -> (earlier document it nearly copies, similarity)
    independent: dict[str, str]  # doc_id -> independent source label
    promotional: frozenset[str]  # independent sources with a promotional document
    offers: dict[str, list[tuple[str, Offer]]]  # independent source -> (seller, offer) pairs


def corpus_sources(results: list[DocumentResult]) -> CorpusSources:
    duplicates = near_duplicates(results)
    independent = independent_sources(results, duplicates)
    promotional: set[str] = set()
    offers: dict[str, list[tuple[str, Offer]]] = defaultdict(list)
    for res in sorted(results, key=lambda r: r.doc_id):
        if res.doc_id not in independent or res.promotion is None:
            continue
        label = independent[res.doc_id]
        if res.promotion.promotional:
            promotional.add(label)
        offers[label] += [(res.source.name, offer) for offer in res.promotion.offers]
    return CorpusSources(duplicates, independent, frozenset(promotional), dict(offers))


def concept_names(results: list[DocumentResult]) -> dict[str, str]:
    """One name per concept id across the corpus: its commonest written form."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for res in results:
        for ev in res.evidence:
            counts[ev.cause.concept_id][ev.cause.name] += 1
            counts[ev.effect.concept_id][ev.effect.name] += 1
    return {cid: min(c.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0] for cid, c in counts.items()}


def evidence_frame(results: list[DocumentResult], names: dict[str, str], corpus: CorpusSources,
                   parents: Parents | None = None) -> pd.DataFrame:
    rows = []
    for res in results:
        label = corpus.independent.get(res.doc_id, "")
        offers = corpus.offers.get(label, [])
        promotional_doc = res.promotion is not None and res.promotion.promotional
        cues = res.promotion.cues if res.promotion is not None else ()
        for ev in res.evidence:
            here = [c for c in cues if ev.start_char <= c.start_char < ev.end_char]
            reasons = [r for r in (conflict("cause", ev.cause, offers, parents),
                                   conflict("effect", ev.effect, offers, parents)) if r]
            rows.append({
                "evidence_id": evidence_id(ev), "doc_id": ev.doc_id, "sentence": ev.sentence,
                "start_char": ev.start_char, "end_char": ev.end_char, "section": ev.section,
                "cause_text": ev.cause.text, "cause_name": names[ev.cause.concept_id],
                "cause_id": ev.cause.concept_id,
                "effect_text": ev.effect.text, "effect_name": names[ev.effect.concept_id],
                "effect_id": ev.effect.concept_id, "relation": ev.relation, "direction": ev.direction,
                "negated": _bool(ev.negated), "hedge": ev.hedge, "strength": ev.strength,
                "context": ev.context, "rule": ev.rule,
                "independent_source": label, "source_promotional": _bool(label in corpus.promotional),
                "promotional_sentence": _bool(promotional_doc and bool(here)),
                "promotional_cues": format_cues(here),
                "conflict_of_interest": _bool(bool(reasons)), "conflict_reason": "; ".join(reasons),
            })
    frame = typed(pd.DataFrame(rows, columns=EVIDENCE_COLUMNS), {"start_char", "end_char"})
    return frame.sort_values(["doc_id", "start_char", "evidence_id"], kind="stable").reset_index(drop=True)


def claim_id(cause_id: str, direction: str, effect_id: str) -> str:
    return "C" + hashlib.sha1(f"{cause_id}|{direction}|{effect_id}".encode()).hexdigest()[:10]


def _statements(rows: list[dict]) -> list[Statement]:
    conflicted = {r["independent_source"] for r in rows if r["conflict_of_interest"] == "true"}
    return [Statement(r["independent_source"], r["source_promotional"] == "true",
                      r["independent_source"] in conflicted, r["hedge"] != "", r["relation"]) for r in rows]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def explain(n_sources: int, n_neutral: int, n_conflicted: int, hedged: bool, against_claims: list[str],
            n_denials: int) -> str:
    """One short sentence a reader can check against the other columns."""
    if n_sources == 0:
        parts = ["no source states it"]
    elif n_sources == 1:
        parts = ["1 independent source, " + ("non-promotional" if n_neutral else "promotional")]
        if n_conflicted:
            parts.append("it sells what the claim is about")
    else:
        parts = [f"{n_sources} independent sources, {n_neutral} of them non-promotional"]
        if n_conflicted:
            parts.append(f"{n_conflicted} of them {'sells' if n_conflicted == 1 else 'sell'} what the claim is about")
    if hedged:
        parts.append("hedged statements only")
    against = []
    if against_claims:
        against.append("contradicted by " + ";".join(against_claims))
    if n_denials:
        against.append(f"denied in {_plural(n_denials, 'statement')}")
    parts.append(", ".join(against) if against else "no contradiction")
    return "; ".join(parts)


def claims_frame(evidence: pd.DataFrame) -> pd.DataFrame:
    """One row per (cause, direction, effect), scored from the evidence table's columns.

    Works on plain records: pandas selections per claim cost ~10 ms each, 30 s for 1,000 abstracts.
    """
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for record in evidence.to_dict(orient="records"):
        groups[(record["cause_id"], record["direction"], record["effect_id"])].append(record)
    rows = []
    for (cause_id, direction, effect_id), evs in sorted(groups.items()):
        pro = [e for e in evs if e["negated"] == "false"]
        denials = [e for e in evs if e["negated"] == "true"]
        opposed = [e for e in groups.get((cause_id, _OPPOSITE[direction], effect_id), ()) if e["negated"] == "false"]
        shown = pro or evs
        example = min(shown, key=lambda e: (e["source_promotional"] == "true", e["conflict_of_interest"] == "true",
                                            e["hedge"] != "", len(e["sentence"]), e["doc_id"], e["start_char"]))
        sources = sorted({e["independent_source"] for e in pro})
        promotional = sorted({e["independent_source"] for e in pro if e["source_promotional"] == "true"})
        conflicted = sorted({e["independent_source"] for e in pro if e["conflict_of_interest"] == "true"})
        against_ids = [claim_id(cause_id, _OPPOSITE[direction], effect_id)] if opposed else []
        n_neutral = len(sources) - len(promotional)
        doc_ids = sorted({e["doc_id"] for e in pro})
        rows.append({
            "claim_id": claim_id(cause_id, direction, effect_id),
            "cause_id": cause_id, "cause_name": example["cause_name"], "direction": direction,
            "effect_id": effect_id, "effect_name": example["effect_name"],
            "support": support(_statements(pro), _statements(denials + opposed)),
            "support_explained": explain(len(sources), n_neutral, len(conflicted),
                                         bool(pro) and all(e["hedge"] != "" for e in pro), against_ids,
                                         len(denials)),
            "n_sources": len(sources), "sources": ";".join(sources),
            "n_independent_non_promotional": n_neutral,
            "promotional_share": round(len(promotional) / len(sources), 3) if sources else 0.0,
            "n_conflicted": len(conflicted),
            "conflict_of_interest": ("none" if not conflicted else "all" if len(conflicted) == len(sources)
                                     else "some"),
            "contradicted_by": ";".join(against_ids),
            "n_evidence": len(pro), "n_documents": len(doc_ids), "doc_ids": ";".join(doc_ids),
            "n_negated": len(denials),
            "relations": ";".join(sorted({e["relation"] for e in shown})),
            "example_sentence": example["sentence"],
        })
    frame = typed(pd.DataFrame(rows, columns=CLAIM_COLUMNS),
                  {"n_evidence", "n_documents", "n_negated", "n_sources", "n_independent_non_promotional",
                   "n_conflicted"}, frozenset({"support", "promotional_share"}))
    return frame.sort_values(
        ["support", "cause_name", "effect_name", "direction", "claim_id"],
        ascending=[False, True, True, True, True], kind="stable",
    ).reset_index(drop=True)


def _offers(res: DocumentResult) -> str:
    if res.promotion is None:
        return ""
    return " | ".join(f"{o.name} [{o.concept_id}] from {o.basis}" for o in res.promotion.offers)


def documents_frame(results: list[DocumentResult], corpus: CorpusSources) -> pd.DataFrame:
    rows = []
    for r in results:
        duplicate_of, similarity = corpus.duplicates.get(r.doc_id, ("", None))
        promotion = r.promotion
        rows.append({
            "doc_id": r.doc_id, "path": r.path, "title": r.title, "url": r.url, "publisher": r.publisher,
            "date": r.date, "status": r.status, "error": r.error, "n_sentences": r.n_sentences,
            "n_evidence": len(r.evidence),
            "source": r.source.name if r.source else "", "source_basis": r.source.basis if r.source else "",
            "duplicate_of": duplicate_of, "duplicate_similarity": "" if similarity is None else similarity,
            "independent_source": corpus.independent.get(r.doc_id, ""),
            "promotional_score": promotion.score if promotion else "",
            "promotional": _bool(promotion.promotional) if promotion else "",
            "promotional_cues": format_cues(promotion.cues) if promotion else "",
            "sells": _offers(r),
        })
    frame = typed(pd.DataFrame(rows, columns=DOCUMENT_COLUMNS), {"n_sentences", "n_evidence"})
    return frame.sort_values(["doc_id", "path"], kind="stable").reset_index(drop=True)


def assemble(results: list[DocumentResult], parents: Parents | None = None) -> Tables:
    """The three tables; `parents(concept_id)` (the concept hierarchy, when there is one) widens
    conflicts of interest to concepts that fall under what a source sells."""
    names = concept_names(results)
    corpus = corpus_sources(results)
    evidence = evidence_frame(results, names, corpus, parents)
    return Tables(evidence=evidence, claims=claims_frame(evidence), documents=documents_frame(results, corpus))
