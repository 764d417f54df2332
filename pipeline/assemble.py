"""Assemble per-document results into the claim tables.

Assembly is a separate, pure step (INDRA's idea): evidence rows are grouped by
(cause concept, direction, effect concept) into claims, whatever document or
sentence stated them; negated statements are counted apart, never as support.

Two corpus-level steps come first and last. Mentions that linked to no
concept are merged when their surface forms are near-identical (same words in
another order, or char 3-gram cosine >= UNLINKED_SIMILARITY), so a new corpus
still groups. And claims are related along the concepts' is-a hierarchy
(INDRA's refinement): a claim about `iron deficiency anemia` also supports the
claim about `iron deficiency` with the same direction and effect; the claims
table says which rows are specific, which general, and counts the documents
behind a general row including its more specific ones.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from itertools import product

import pandas as pd

from pipeline.discourse import evidence_id
from pipeline.linker import ConceptInfo, shared_linker
from pipeline.model import DocumentResult, Evidence, Mention
from pipeline.tables import CLAIM_COLUMNS, DOCUMENT_COLUMNS, ENTITY_COLUMNS, EVIDENCE_COLUMNS, Tables

UNLINKED_SIMILARITY = 0.9
LOCAL = "local:"
Ancestors = Callable[[str], set[str]]


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _mentions(results: Iterable[DocumentResult]) -> Iterable[Mention]:
    for res in results:
        for ev in res.evidence:
            yield ev.cause
            yield ev.effect


def unlinked_groups(results: list[DocumentResult], known: set[str] | None = None) -> dict[str, str]:
    """Surface-form concept id -> the id its near-identical forms are merged under (the commonest).

    `known` ids (curated local concepts of the KB) are never merged away."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    counts: Counter[str] = Counter(m.concept_id for m in _mentions(results)
                                   if m.concept_id.startswith(LOCAL) and m.concept_id not in (known or set()))
    ids = sorted(counts, key=lambda c: (-counts[c], len(c), c))
    if len(ids) < 2:
        return {}
    parent = {c: c for c in ids}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:  # the commonest id (first in `ids`) represents the group
            keep, drop = sorted((ra, rb), key=ids.index)
            parent[drop] = keep

    by_words: dict[tuple[str, ...], str] = {}
    for c in ids:
        words = tuple(sorted(set(c[len(LOCAL):].split("_"))))
        if words in by_words:
            union(by_words[words], c)
        else:
            by_words[words] = c
    texts = [c[len(LOCAL):].replace("_", " ") for c in ids]
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3)).fit_transform(texts)
    similar = (vectors @ vectors.T).tocoo()
    for i, j, score in zip(similar.row, similar.col, similar.data, strict=True):
        if i < j and score >= UNLINKED_SIMILARITY:
            union(ids[i], ids[j])
    return {c: find(c) for c in ids if find(c) != c}


def merge_unlinked(results: list[DocumentResult], known: set[str] | None = None) -> list[DocumentResult]:
    groups = unlinked_groups(results, known)
    if not groups:
        return results

    def fix(m: Mention) -> Mention:
        return replace(m, concept_id=groups[m.concept_id]) if m.concept_id in groups else m

    return [replace(r, evidence=tuple(replace(e, cause=fix(e.cause), effect=fix(e.effect)) for e in r.evidence))
            for r in results]


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
    frame = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    return frame.sort_values(["doc_id", "start_char", "evidence_id"], kind="stable").reset_index(drop=True)


def claim_id(cause_id: str, direction: str, effect_id: str) -> str:
    return "C" + hashlib.sha1(f"{cause_id}|{direction}|{effect_id}".encode()).hexdigest()[:10]


def refinements(keys: Iterable[tuple[str, str, str]], ancestors: Ancestors) -> dict[tuple, list[tuple]]:
    """Claim key -> the keys of the more general claims it also supports: same direction, cause
    and effect each the same concept or an ancestor of it, not both the same."""
    present = set(keys)
    out: dict[tuple, list[tuple]] = {}
    for cause, direction, effect in sorted(present):
        general = [(c, direction, e) for c, e in product({cause} | ancestors(cause), {effect} | ancestors(effect))
                   if (c, e) != (cause, effect) and (c, direction, e) in present]
        if general:
            out[(cause, direction, effect)] = sorted(general)
    return out


def claims_frame(results: list[DocumentResult], names: dict[str, str], ancestors: Ancestors | None = None
                 ) -> pd.DataFrame:
    groups: dict[tuple[str, str, str], list[Evidence]] = defaultdict(list)
    for res in results:
        for ev in res.evidence:
            groups[(ev.cause.concept_id, ev.direction, ev.effect.concept_id)].append(ev)
    refines = refinements(groups, ancestors or (lambda _: set()))
    refined_by: dict[tuple, list[tuple]] = defaultdict(list)
    for specific, generals in refines.items():
        for general in generals:
            refined_by[general].append(specific)
    rows = []
    for (cause_id, direction, effect_id), evs in groups.items():
        key = (cause_id, direction, effect_id)
        support = [e for e in evs if not e.negated]
        shown = support or evs
        docs = sorted({e.doc_id for e in support})
        with_specific = set(docs) | {e.doc_id for k in refined_by.get(key, []) for e in groups[k] if not e.negated}
        example = min(shown, key=lambda e: (e.hedge != "", len(e.sentence), e.doc_id, e.start_char))
        specificity = {(True, True): "both", (True, False): "specific", (False, True): "general"}.get(
            (key in refines, key in refined_by), "")
        rows.append({
            "claim_id": claim_id(cause_id, direction, effect_id),
            "cause_id": cause_id, "cause_name": names[cause_id], "direction": direction,
            "effect_id": effect_id, "effect_name": names[effect_id],
            "n_evidence": len(support), "n_documents": len(docs), "doc_ids": ";".join(docs),
            "n_negated": len(evs) - len(support),
            "relations": ";".join(sorted({e.relation for e in shown})),
            "example_sentence": example.sentence,
            "specificity": specificity,
            "supports": ";".join(sorted(claim_id(*k) for k in refines.get(key, []))),
            "n_documents_with_specific": len(with_specific),
        })
    frame = pd.DataFrame(rows, columns=CLAIM_COLUMNS)
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
    frame = pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)
    return frame.sort_values(["doc_id", "path"], kind="stable").reset_index(drop=True)


def entities_frame(results: list[DocumentResult], names: dict[str, str],
                   info: Callable[[str], ConceptInfo | None]) -> pd.DataFrame:
    """One row per concept the claims name: its vocabulary, parents, and every form the corpus
    writes it in (claim arguments and other noun phrases that link to it)."""
    spans: dict[str, set[tuple]] = defaultdict(set)
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for res in results:
        for m in [*(m for e in res.evidence for m in (e.cause, e.effect)), *res.mentions]:
            if m.concept_id in names:
                span = (res.doc_id, m.start, m.end, m.text)
                if span not in spans[m.concept_id]:
                    spans[m.concept_id].add(span)
                    forms[m.concept_id][" ".join(m.text.replace(";", ",").split())] += 1
    rows = []
    for cid, name in names.items():
        found = info(cid)
        rows.append({
            "concept_id": cid, "name": name,
            "source_vocabulary": found.source if found else "surface form",
            "parents": ";".join(found.parents) if found else "",
            "n_mentions": len(spans[cid]),
            "surface_forms": ";".join(f for f, _ in sorted(forms[cid].items(), key=lambda kv: (-kv[1], kv[0]))),
        })
    frame = pd.DataFrame(rows, columns=ENTITY_COLUMNS)
    return frame.sort_values(["n_mentions", "concept_id"], ascending=[False, True], kind="stable").reset_index(
        drop=True)


def assemble(results: list[DocumentResult]) -> Tables:
    linker = shared_linker()
    results = merge_unlinked(results, {c for c in linker.infos if c.startswith(LOCAL)})
    names = concept_names(results)
    return Tables(evidence=evidence_frame(results, names), claims=claims_frame(results, names, linker.ancestors),
                  documents=documents_frame(results), entities=entities_frame(results, names, linker.info))
