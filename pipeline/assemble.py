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

Two steps concern concepts. Mentions that linked to no concept are merged
when their surface forms are near-identical (same words in another order, or
char 3-gram cosine >= UNLINKED_SIMILARITY), so a new corpus still groups. And
claims are related along the concepts' is-a hierarchy (INDRA's refinement): a
claim about `iron deficiency anemia` also supports the claim about `iron
deficiency` with the same direction and effect; the claims table says which
rows are specific, which general, and counts the documents behind a general
row including its more specific ones.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from itertools import product

import pandas as pd

from pipeline.discourse import evidence_id
from pipeline.duplicates import near_duplicates
from pipeline.extract.lexicon import load_lexicon
from pipeline.interest import Parents, ancestors, conflict
from pipeline.linker import ConceptInfo, shared_linker
from pipeline.model import Cue, DocumentResult, Mention, Offer
from pipeline.recognise import kind_of
from pipeline.sources import independent_sources
from pipeline.support import Statement, support
from pipeline.tables import CLAIM_COLUMNS, DOCUMENT_COLUMNS, ENTITY_COLUMNS, EVIDENCE_COLUMNS, Tables

UNLINKED_SIMILARITY = 0.9
LOCAL = "local:"
Ancestors = Callable[[str], set[str]]

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
    stance = _stance_words()
    for i, j, score in zip(similar.row, similar.col, similar.data, strict=True):
        if i < j and score >= UNLINKED_SIMILARITY and not _stance_differs(texts[i], texts[j], stance):
            union(ids[i], ids[j])
    return {c: find(c) for c in ids if find(c) != c}


def _stance_words() -> frozenset[str]:
    """Words that turn a thing into an action on it or a level of it (`avoid`, `quitting`, `low`):
    instructions, polarity modifiers, negations and verb cues of the claim lexicon."""
    lex = load_lexicon()
    verbs = {lemma for lemma, pos in lex.predicates if pos == "VERB"}
    return frozenset(verbs | set(lex.instructions) | set(lex.polarity_modifiers) | set(lex.negations))


def _stance_differs(a: str, b: str, stance: frozenset[str]) -> bool:
    """`avoid air pollution` is no spelling of `air pollution`: never merge across such a word."""
    def lemma(word: str) -> set[str]:
        stem = word.removesuffix("ing")
        if stem == word:
            return {word}
        return {word, stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem}

    return any(lemma(w) & stance for w in set(a.split()) ^ set(b.split()))


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


def evidence_frame(results: list[DocumentResult], names: dict[str, str], corpus: CorpusSources,
                   parents: Parents | None = None, kinds: Callable[[str], str] | None = None) -> pd.DataFrame:
    """One row per evidence; `kinds(concept_id)` is a concept's type (`chemical`, `disease`, ...)."""
    kinds = kinds or (lambda _: "")
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
                "cause_id": ev.cause.concept_id, "cause_type": kinds(ev.cause.concept_id),
                "effect_text": ev.effect.text, "effect_name": names[ev.effect.concept_id],
                "effect_id": ev.effect.concept_id, "effect_type": kinds(ev.effect.concept_id),
                "relation": ev.relation, "direction": ev.direction,
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


def claims_frame(evidence: pd.DataFrame, ancestors: Ancestors | None = None) -> pd.DataFrame:
    """One row per (cause, direction, effect), scored from the evidence table's columns; with the
    concept hierarchy (`ancestors`), related to the more general and more specific rows.

    Works on plain records: pandas selections per claim cost ~10 ms each, 30 s for 1,000 abstracts.
    """
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for record in evidence.to_dict(orient="records"):
        groups[(record["cause_id"], record["direction"], record["effect_id"])].append(record)
    refines = refinements(groups, ancestors or (lambda _: set()))
    refined_by: dict[tuple, list[tuple]] = defaultdict(list)
    for specific, generals in refines.items():
        for general in generals:
            refined_by[general].append(specific)
    rows = []
    for (cause_id, direction, effect_id), evs in sorted(groups.items()):
        key = (cause_id, direction, effect_id)
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
        with_specific = set(doc_ids).union(*({e["doc_id"] for e in groups[k] if e["negated"] == "false"}
                                             for k in refined_by.get(key, [])))
        specificity = {(True, True): "both", (True, False): "specific", (False, True): "general"}.get(
            (key in refines, key in refined_by), "")
        rows.append({
            "claim_id": claim_id(cause_id, direction, effect_id),
            "cause_id": cause_id, "cause_name": example["cause_name"], "cause_type": example["cause_type"],
            "direction": direction, "effect_id": effect_id, "effect_name": example["effect_name"],
            "effect_type": example["effect_type"],
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
            "specificity": specificity,
            "supports": ";".join(sorted(claim_id(*k) for k in refines.get(key, []))),
            "n_documents_with_specific": len(with_specific),
        })
    frame = typed(pd.DataFrame(rows, columns=CLAIM_COLUMNS),
                  {"n_evidence", "n_documents", "n_negated", "n_sources", "n_independent_non_promotional",
                   "n_conflicted", "n_documents_with_specific"}, frozenset({"support", "promotional_share"}))
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


def entities_frame(results: list[DocumentResult], names: dict[str, str],
                   info: Callable[[str], ConceptInfo | None]) -> pd.DataFrame:
    """One row per concept the claims name: its vocabulary's name for it, parents, and every form
    the corpus writes it in (claim arguments and other noun phrases that link to it)."""
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
            "concept_id": cid, "name": found.name if found else name,
            "type": kind_of(cid, found.types if found else None),
            "source_vocabulary": found.source if found else "surface form",
            "parents": ";".join(found.parents) if found else "",
            "n_mentions": len(spans[cid]),
            "surface_forms": ";".join(f for f, _ in sorted(forms[cid].items(), key=lambda kv: (-kv[1], kv[0]))),
        })
    frame = typed(pd.DataFrame(rows, columns=ENTITY_COLUMNS), {"n_mentions"})
    return frame.sort_values(["n_mentions", "concept_id"], ascending=[False, True], kind="stable").reset_index(
        drop=True)


def assemble(results: list[DocumentResult], parents: Parents | None = None) -> Tables:
    """The four tables. `parents(concept_id)` is the concept hierarchy, the knowledge base's unless
    given: it widens conflicts of interest to concepts that fall under what a source sells, and
    relates specific claims to general ones."""
    linker = shared_linker()
    if parents is None:
        def parents(cid: str) -> tuple[str, ...]:
            info = linker.info(cid)
            return info.parents if info else ()

    results = merge_unlinked(results, {c for c in linker.infos if c.startswith(LOCAL)})
    names = concept_names(results)
    corpus = corpus_sources(results)
    def kind(cid: str) -> str:
        info = linker.info(cid)
        return kind_of(cid, info.types if info else None)

    evidence = evidence_frame(results, names, corpus, parents, kind)
    return Tables(evidence=evidence, claims=claims_frame(evidence, lambda cid: ancestors(cid, parents)),
                  documents=documents_frame(results, corpus), entities=entities_frame(results, names, linker.info))
