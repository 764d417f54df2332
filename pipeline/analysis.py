"""Parse a document block by block with spaCy, keeping every offset.

Each block (heading, paragraph, list item) is parsed as its own Doc so that a
heading or a bullet never runs into the next sentence; a list item's
`Label:` is parsed apart from its sentence. Offsets of each piece in the
document text let every claim point back into the original.

Parenthetical asides (`Charcot-Marie-Tooth disease (a hereditary neuropathy
also known as ...) can damage ...`) derail the small parser, so they are
left out of the text it parses; each piece keeps the map from its parsed
text back to the document. Abbreviations are found on the whole, untouched
text with scispaCy's AbbreviationDetector, since a definition in the first
paragraph serves the whole document.
"""

from __future__ import annotations

import re
import sys
import threading
import warnings
from dataclasses import dataclass
from functools import cache

import spacy
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Token

import pipeline.extract.component  # noqa: F401  (registers the claim_extractor factory)
from pipeline.model import Block, Document
from pipeline.settings import SPACY_MODEL

_LOCK = threading.Lock()
_PARENTHETICAL = re.compile(r"\([^()\n]{1,200}\)")


@dataclass(frozen=True)
class Piece:
    """A parsed span of a block: the whole block, or a list item's label or body.

    `positions[i]` is where character `i` of the parsed text sits in the block's span, so
    that `start`/`end` give document offsets although asides were left out of the parse.
    """

    block_index: int
    block: Block
    role: str  # title | heading | paragraph | list_item | label
    offset: int
    doc: Doc
    positions: tuple[int, ...] = ()

    def start(self, i: int) -> int:
        if not self.positions:
            return self.offset + i
        return self.offset + self.positions[min(i, len(self.positions) - 1)]

    def end(self, i: int) -> int:
        if not self.positions or i == 0:
            return self.offset + i
        return self.offset + self.positions[min(i, len(self.positions)) - 1] + 1


@dataclass(frozen=True)
class ParsedDocument:
    pieces: list[Piece]
    abbreviations: dict[str, str]  # short form (as written) -> long form (as written)


class _Lemmas:
    """spaCy's rule lemmatizer, remembering every answer. It caches its lemmas per (form, part of
    speech, morphology) but for a base form, most tokens of a text, which it works out again each time
    from the morphology; that answer depends on the same three things, so it goes in the same cache."""

    def __init__(self, lemmatizer: Lemmatizer):
        self.lemmatizer = lemmatizer

    def __call__(self, token: Token) -> list[str]:
        key = (token.orth, token.pos, token.morph.key)
        cache = self.lemmatizer.cache
        if key not in cache:
            cache[key] = self.lemmatizer.rule_lemmatize(token)
        return cache[key]


def build_nlp() -> Language:
    """The pinned English pipeline without its NER (it has no disease or drug
    labels and costs most of the parse time), plus our claim extractor."""
    nlp = spacy.load(SPACY_MODEL, exclude=["ner"])
    lemmatizer = nlp.get_pipe("lemmatizer")
    if lemmatizer.mode == "rule":
        lemmatizer.lemmatize = _Lemmas(lemmatizer)
    nlp.add_pipe("claim_extractor")
    return nlp


def build_abbreviation_nlp() -> Language:
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  (registers the factory)

    # scispaCy's detector builds a matcher it never fills when no global abbreviations are set
    warnings.filterwarnings("ignore", message=r"\[W036\]", category=UserWarning)

    nlp = spacy.blank("en")
    # hyphenated words stay whole, so that `ataxia-telangiectasia (A-T)` is a definition: split,
    # `A - T` has one-letter words the detector rejects
    infixes = [p for p in nlp.Defaults.infixes if "(?:-|" not in p]
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
    nlp.add_pipe("abbreviation_detector")
    # spaCy's length cap guards the parser's memory; this pipeline only tokenizes and matches, and
    # ingest already bounds a document's length (settings.Limits), so a raised limit must not fail here
    nlp.max_length = sys.maxsize
    return nlp


@cache
def shared_nlp() -> Language:
    """One pipeline per process: loading it costs about a second."""
    return build_nlp()


@cache
def shared_abbreviation_nlp() -> Language:
    return build_abbreviation_nlp()


def strip_parentheticals(text: str) -> tuple[str, tuple[int, ...]]:
    """`text` without its parenthetical asides, and where each kept character came from."""
    kept: list[str] = []
    positions: list[int] = []
    pos = 0
    for m in _PARENTHETICAL.finditer(text):
        start = m.start()
        while start > pos and text[start - 1] == " ":  # the space before the aside goes with it
            start -= 1
        kept.append(text[pos:start])
        positions.extend(range(pos, start))
        pos = m.end()
    kept.append(text[pos:])
    positions.extend(range(pos, len(text)))
    return "".join(kept), tuple(positions)


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


def abbreviations(text: str, nlp: Language | None = None) -> dict[str, str]:
    nlp = nlp or shared_abbreviation_nlp()
    with _LOCK:
        doc = nlp(text)
    found: dict[str, str] = {}
    for short in sorted(doc._.abbreviations, key=lambda s: s.start):
        found.setdefault(short.text, short._.long_form.text)
    return found


def parse(document: Document, nlp: Language | None = None, batch_size: int = 64) -> ParsedDocument:
    """Parse every piece of `document`, in document order."""
    nlp = nlp or shared_nlp()
    spans = spans_of(document)
    stripped = [strip_parentheticals(document.text[s:e]) for _, _, _, s, e in spans]
    with _LOCK:
        docs = list(nlp.pipe((text for text, _ in stripped), batch_size=batch_size))
    pieces = [Piece(i, block, role, start, doc, positions)
              for (i, block, role, start, _), doc, (_, positions) in zip(spans, docs, stripped, strict=True)]
    return ParsedDocument(pieces, abbreviations(document.text))
