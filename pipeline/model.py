"""The small immutable records that flow between the pipeline's stages.

Stages exchange plain frozen dataclasses rather than spaCy objects so that a
document's results can be cached, pickled to other processes and compared
byte for byte, and so that each stage can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["title", "heading", "paragraph", "list_item", "debris"]


@dataclass(frozen=True)
class Block:
    """A structural unit of a document: a heading, a paragraph or a list item.

    `start`/`end` delimit the block's content in the document text (a list
    item's bullet marker excluded); `label_end` marks the end of a leading
    `Label:` of a list item, so that the label never runs into its sentence.
    """

    kind: BlockKind
    start: int
    end: int
    label_end: int | None = None


@dataclass(frozen=True)
class Document:
    """One article as read from the corpus, with its text and structure."""

    doc_id: str
    path: str
    text: str
    blocks: tuple[Block, ...]
    sha256: str
    title: str = ""
    url: str = ""
    date: str = ""
    publisher: str = ""
    fmt: str = "txt"


@dataclass(frozen=True)
class IngestError:
    """A corpus item that could not be read; it becomes a `status=error` row."""

    doc_id: str
    path: str
    reason: str


@dataclass(frozen=True)
class Mention:
    """An argument of a claim: the text as written and its normalised concept."""

    text: str
    start: int
    end: int
    name: str
    concept_id: str


@dataclass(frozen=True)
class Evidence:
    """One sentence's statement that a cause changes an effect."""

    doc_id: str
    sentence: str
    start_char: int
    end_char: int
    section: str
    cause: Mention
    effect: Mention
    relation: str
    direction: Literal["increases", "decreases"]
    negated: bool = False
    hedge: str = ""
    rule: str = ""
    context: str = ""  # the lead-in or heading a list item's claim depends on
    strength: str = ""  # causal | conditional_causal | correlational | none (pipeline.strength)


@dataclass(frozen=True)
class Cue:
    """A promotional signal found in a document, with the sentence it sits in."""

    category: str  # call_to_action, first_person_offer, self_named_brand, pricing, ...
    text: str  # the words that matched
    sentence: str
    start_char: int  # the sentence's span in the document text
    end_char: int
    weight: float


@dataclass(frozen=True)
class Offer:
    """Something a document offers for sale (a service, product or kind of provider)."""

    name: str
    concept_id: str
    words: tuple[str, ...]  # the words a claim's concept must share to fall under it
    basis: str  # how it was found, quoting the text


@dataclass(frozen=True)
class Promotion:
    """Whether a document promotes something, how strongly, and why."""

    score: float
    promotional: bool
    cues: tuple[Cue, ...] = ()
    offers: tuple[Offer, ...] = ()


@dataclass(frozen=True)
class Source:
    """Who publishes a document: `key` decides which documents share a source."""

    name: str
    key: str
    basis: str  # where the name came from (metadata field, or the sentence naming it)


@dataclass(frozen=True)
class DocumentResult:
    """What analysing one document produced (or why it failed)."""

    doc_id: str
    path: str
    status: Literal["ok", "error"]
    error: str = ""
    title: str = ""
    url: str = ""
    publisher: str = ""
    date: str = ""
    sha256: str = ""
    n_sentences: int = 0
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    mentions: tuple[Mention, ...] = field(default_factory=tuple)  # noun phrases anywhere that link to the KB
    source: Source | None = None
    promotion: Promotion | None = None
    minhash: tuple[int, ...] = ()  # the text's MinHash signature, for near-duplicate detection
