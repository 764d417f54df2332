"""Assemble per-document results into the three claim tables.

Assembly is a separate, pure step (INDRA's idea): evidence rows are grouped by
(cause concept, direction, effect concept) into claims, whatever document or
sentence stated them; negated statements are counted apart, never as support.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict

import pandas as pd

from pipeline.discourse import evidence_id
from pipeline.model import DocumentResult, Evidence
from pipeline.tables import CLAIM_COLUMNS, DOCUMENT_COLUMNS, EVIDENCE_COLUMNS, Tables


def _bool(value: bool) -> str:
    return "true" if value else "false"


def typed(frame: pd.DataFrame, integers: set[str]) -> pd.DataFrame:
    """Fixed column types, so that an empty table (every document failed) still validates."""
    return frame.astype({c: ("int64" if c in integers else "str") for c in frame.columns})


def concept_names(results: list[DocumentResult]) -> dict[str, str]:
    """One name per concept id across the corpus: its commonest written form."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for res in results:
        for ev in res.evidence:
            counts[ev.cause.concept_id][ev.cause.name] += 1
            counts[ev.effect.concept_id][ev.effect.name] += 1
    return {cid: min(c.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0] for cid, c in counts.items()}


def evidence_frame(results: list[DocumentResult], names: dict[str, str]) -> pd.DataFrame:
    rows = []
    for res in results:
        for ev in res.evidence:
            rows.append({
                "evidence_id": evidence_id(ev), "doc_id": ev.doc_id, "sentence": ev.sentence,
                "start_char": ev.start_char, "end_char": ev.end_char, "section": ev.section,
                "cause_text": ev.cause.text, "cause_name": names[ev.cause.concept_id],
                "cause_id": ev.cause.concept_id,
                "effect_text": ev.effect.text, "effect_name": names[ev.effect.concept_id],
                "effect_id": ev.effect.concept_id, "relation": ev.relation, "direction": ev.direction,
                "negated": _bool(ev.negated), "hedge": ev.hedge, "context": ev.context, "rule": ev.rule,
            })
    frame = typed(pd.DataFrame(rows, columns=EVIDENCE_COLUMNS), {"start_char", "end_char"})
    return frame.sort_values(["doc_id", "start_char", "evidence_id"], kind="stable").reset_index(drop=True)


def claim_id(cause_id: str, direction: str, effect_id: str) -> str:
    return "C" + hashlib.sha1(f"{cause_id}|{direction}|{effect_id}".encode()).hexdigest()[:10]


def claims_frame(results: list[DocumentResult], names: dict[str, str]) -> pd.DataFrame:
    groups: dict[tuple[str, str, str], list[Evidence]] = defaultdict(list)
    for res in results:
        for ev in res.evidence:
            groups[(ev.cause.concept_id, ev.direction, ev.effect.concept_id)].append(ev)
    rows = []
    for (cause_id, direction, effect_id), evs in groups.items():
        support = [e for e in evs if not e.negated]
        shown = support or evs
        docs = sorted({e.doc_id for e in support})
        example = min(shown, key=lambda e: (e.hedge != "", len(e.sentence), e.doc_id, e.start_char))
        rows.append({
            "claim_id": claim_id(cause_id, direction, effect_id),
            "cause_id": cause_id, "cause_name": names[cause_id], "direction": direction,
            "effect_id": effect_id, "effect_name": names[effect_id],
            "n_evidence": len(support), "n_documents": len(docs), "doc_ids": ";".join(docs),
            "n_negated": len(evs) - len(support),
            "relations": ";".join(sorted({e.relation for e in shown})),
            "example_sentence": example.sentence,
        })
    frame = typed(pd.DataFrame(rows, columns=CLAIM_COLUMNS), {"n_evidence", "n_documents", "n_negated"})
    return frame.sort_values(
        ["n_documents", "n_evidence", "cause_name", "effect_name", "direction", "claim_id"],
        ascending=[False, False, True, True, True, True], kind="stable",
    ).reset_index(drop=True)


def documents_frame(results: list[DocumentResult]) -> pd.DataFrame:
    rows = [{
        "doc_id": r.doc_id, "path": r.path, "title": r.title, "url": r.url, "publisher": r.publisher,
        "date": r.date, "status": r.status, "error": r.error, "n_sentences": r.n_sentences,
        "n_evidence": len(r.evidence),
    } for r in results]
    frame = typed(pd.DataFrame(rows, columns=DOCUMENT_COLUMNS), {"n_sentences", "n_evidence"})
    return frame.sort_values(["doc_id", "path"], kind="stable").reset_index(drop=True)


def assemble(results: list[DocumentResult]) -> Tables:
    names = concept_names(results)
    return Tables(evidence=evidence_frame(results, names), claims=claims_frame(results, names),
                  documents=documents_frame(results))
