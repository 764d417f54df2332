"""Parse a document block by block with spaCy, keeping every offset.

Each block (heading, paragraph, list item) is parsed as its own Doc so that a
heading or a bullet never runs into the next sentence; a list item's
`Label:` is parsed apart from its sentence. Offsets of each piece in the
document text let every claim point back into the original.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import pipeline.extract.component  # noqa: F401  (registers the claim_extractor factory)
from pipeline.model import Block, Document
from pipeline.settings import SPACY_MODEL

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Piece:
    """A parsed span of a block: the whole block, or a list item's label or body."""

    block_index: int
    block: Block
    role: str  # title | heading | paragraph | list_item | label
    offset: int
    doc: Doc


def build_nlp() -> Language:
    """The pinned English pipeline without its NER (no disease or drug labels),
    plus scispaCy's abbreviation detector and our claim extractor."""
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  (registers the factory)

    nlp = spacy.load(SPACY_MODEL, exclude=["ner"])
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("claim_extractor")
    return nlp


@cache
def shared_nlp() -> Language:
    """One pipeline per process: loading it costs about a second."""
    return build_nlp()


def spans_of(document: Document) -> list[tuple[int, Block, str, int, int]]:
    """(block index, block, role, start, end) of every piece to parse."""
    out = []
    text = document.text
    for i, block in enumerate(document.blocks):
        if block.kind == "debris":
            continue
        if block.label_end is not None:
            out.append((i, block, "label", block.start, block.label_end))
            body = block.label_end + 1
            while body < block.end and text[body].isspace():
                body += 1
            if body < block.end:
                out.append((i, block, block.kind, body, block.end))
        else:
            out.append((i, block, block.kind, block.start, block.end))
    return out


def parse(document: Document, nlp: Language | None = None, batch_size: int = 64) -> list[Piece]:
    """Parse every piece of `document`, in document order."""
    nlp = nlp or shared_nlp()
    spans = spans_of(document)
    texts = [document.text[s:e] for _, _, _, s, e in spans]
    with _LOCK:
        docs = list(nlp.pipe(texts, batch_size=batch_size))
    return [Piece(i, block, role, start, doc) for (i, block, role, start, _), doc in zip(spans, docs, strict=True)]
