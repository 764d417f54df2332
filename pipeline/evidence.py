"""One document in, its evidence rows out: parse, extract, resolve."""

from __future__ import annotations

from dataclasses import dataclass, replace

from spacy.tokens import Span

from pipeline import promotion, sources
from pipeline.analysis import ParsedDocument, parse, shared_nlp
from pipeline.discourse import DocumentResolver
from pipeline.duplicates import signature
from pipeline.extract.lexicon import load_lexicon
from pipeline.induced import Candidate, candidates, induced_evidence, load_model, load_priors, mesh_id
from pipeline.linker import Linker, shared_linker
from pipeline.model import LITERATURE_FORMATS, Document, DocumentResult, Entity, Evidence, Mention
from pipeline.normalise import Normaliser
from pipeline.recognise import shared_recogniser
from pipeline.strength import shared_model
from pipeline.strength.claim import claim_strength

_GENERIC_RELATIONS = {"associated_with", "affects", "plays_role", "risk_factor", "caused_by"}


def _dedupe(rows: list[Evidence]) -> list[Evidence]:
    """One row per (sentence, cause, effect, direction): the most specific relation wins."""
    best: dict[tuple, Evidence] = {}
    for ev in rows:
        key = (ev.start_char, ev.cause.text.lower(), ev.effect.text.lower(), ev.direction, ev.negated)
        old = best.get(key)
        if old is None or (old.relation in _GENERIC_RELATIONS and ev.relation not in _GENERIC_RELATIONS):
            best[key] = ev
    return sorted(best.values(), key=lambda e: (e.start_char, e.cause.start, e.effect.start,
                                                 e.cause.text, e.effect.text, e.direction))


def noun_phrases(parsed: ParsedDocument, normaliser: Normaliser) -> list[tuple[int, Span]]:
    """(piece offset, span) of every noun phrase headed by a noun, leading determiners and
    quantifiers cut: the phrases `linked_phrases` links."""
    out = []
    for piece in parsed.pieces:
        for chunk in piece.doc.noun_chunks:
            toks = [t for t in chunk if not t.is_punct]
            while toks and toks[0].lower_ in normaliser.lex.strip_words:
                toks = toks[1:]
            if toks and toks[-1].pos_ in {"NOUN", "PROPN"}:
                out.append((piece.offset, piece.doc[toks[0].i : toks[-1].i + 1]))
    return out


def linked_phrases(parsed: ParsedDocument, normaliser: Normaliser, abbreviations: dict[str, str]) -> list[Mention]:
    """Every noun phrase of the document that names a KB concept as written (no backoff), so
    that entities.csv can count a concept's mentions and forms beyond the claims' arguments."""
    phrases = [(offset, span, normaliser.words(span.text, abbreviations))
               for offset, span in noun_phrases(parsed, normaliser)]
    normaliser.linker.prefetch(text for _, _, text in phrases)
    out = []
    for offset, span, text in phrases:
        found = normaliser.linker.link(text, backoff=False)
        if found is not None:
            out.append(Mention(span.text, offset + span.start_char, offset + span.end_char,
                               found.name, found.concept_id))
    return out


def _sentence_span(parsed: ParsedDocument, start: int, end: int) -> Span | None:
    """The parsed sentence whose document offsets are [start, end), from the piece that holds it;
    a list item's row spans its whole piece."""
    holder = None
    for piece in parsed.pieces:
        if len(piece.doc) and piece.start(0) <= start < piece.end(len(piece.doc.text)):
            for sent in piece.doc.sents:
                if piece.start(sent.start_char) == start and piece.end(sent.end_char) == end:
                    return sent
            holder = holder or piece.doc[:]
    return holder


def _with_strength(rows: list[Evidence], parsed: ParsedDocument) -> list[Evidence]:
    """Label each distinct sentence once (from the parse the claims came from), then each row."""
    spans = {}
    for ev in rows:
        key = (ev.start_char, ev.end_char)
        if key not in spans:
            span = _sentence_span(parsed, *key)
            if span is None:
                raise ValueError(f"evidence sentence at {key} is not in any parsed piece")
            spans[key] = span
    labels = dict(zip(spans, shared_model().classify(list(spans.values())), strict=True))
    return [replace(ev, strength=claim_strength(labels[(ev.start_char, ev.end_char)], ev)) for ev in rows]


@dataclass(frozen=True)
class _Phrase:
    """An offer's words in the shape the normaliser names claim arguments from."""

    text: str
    norm: str
    is_topic: bool = False
    name: str = ""


def sentence_spans(parsed: ParsedDocument) -> list[tuple[int, int]]:
    """Every sentence's span in the document text, in document order."""
    return [(p.start(s.start_char), p.end(s.end_char)) for p in parsed.pieces for s in p.doc.sents]


def pair_candidates(document: Document, parsed: ParsedDocument, entities: list[Entity], rows: list[Evidence],
                    linker: Linker) -> list[Candidate]:
    """The document's chemical-disease pairs with their features (`pipeline.induced`)."""
    title = next(((b.start, b.end) for b in document.blocks if b.kind == "title"), None)
    return candidates(document.text, title, sentence_spans(parsed), entities, rows, linker.ancestors, load_priors(),
                      lambda cid: mesh_id(cid, linker))


@dataclass(frozen=True)
class Extracted:
    """What the sentence-level steps found in one document, before the document-level judgement."""

    parsed: ParsedDocument
    normaliser: Normaliser
    resolver: DocumentResolver
    rows: list[Evidence]
    entities: list[Entity]


def extract(document: Document) -> Extracted:
    lex = load_lexicon()
    parsed = parse(document, shared_nlp())
    linker = shared_linker()
    normaliser = Normaliser(lex, linker)
    resolver = DocumentResolver(document, parsed, lex, normaliser)
    rows = _dedupe(resolver.run())
    spans = [(b.start, b.end) for b in document.blocks if b.kind != "debris"]
    entities = shared_recogniser(linker).find(document.text, spans, parsed.abbreviations)
    return Extracted(parsed, normaliser, resolver, rows, entities)


def analyse_document(document: Document) -> DocumentResult:
    """All evidence in `document`; an exception becomes an error result, never a crash."""
    try:
        found = extract(document)
        parsed, normaliser, resolver = found.parsed, found.normaliser, found.resolver
        linker = shared_linker()
        rows = found.rows
        if document.fmt in LITERATURE_FORMATS:  # the judgement was trained on abstracts, and only abstracts get it
            pairs = pair_candidates(document, parsed, found.entities, found.rows, linker)
            rows = rows + induced_evidence(document.doc_id, document.text, pairs, load_model(), linker.ancestors,
                                           found.rows)
        rows = _with_strength(rows, parsed)
        phrases = linked_phrases(parsed, normaliser, resolver.abbreviations)
        n_sentences = resolver.n_sentences
        findings = promotion.find(document, parsed)
        source = sources.identify(document, findings)
        promo = promotion.assess(findings, source, lambda text: normaliser.concept(_Phrase(text, text), None))
        minhash = signature(document.text)
    except Exception as exc:  # noqa: BLE001 - one document's failure must not cost the others
        return DocumentResult(document.doc_id, document.path, "error",
                              error=f"analysis failed: {type(exc).__name__}: {exc}",
                              title=document.title, url=document.url, publisher=document.publisher,
                              date=document.date, sha256=document.sha256)
    return DocumentResult(
        doc_id=document.doc_id, path=document.path, status="ok", title=document.title,
        url=document.url, publisher=document.publisher, date=document.date, sha256=document.sha256,
        n_sentences=n_sentences, evidence=tuple(rows), mentions=tuple(phrases), source=source, promotion=promo,
        minhash=minhash, entities=tuple(found.entities),
    )
