"""Resolve what a sentence leaves to its context, and emit evidence.

Sentences rely on their document: `it`, `this deficit`, `these substances`
point back; `is one of the most well-established risk factors` leaves its
effect to the topic; `These factors may include:` hands its cause slot to the
list that follows; a list item's `Label:` names its subject; a heading such
as `Additional Factors Contributing to X` frames the items under it.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field

from spacy.tokens import Span

from pipeline.analysis import Piece
from pipeline.extract.frames import RawClaim
from pipeline.extract.lexicon import Lexicon
from pipeline.extract.mentions import Arg, mentions
from pipeline.model import Document, Evidence, Mention
from pipeline.normalise import Normaliser
from pipeline.topic import Topic, detect_topic

ANAPHOR_WINDOW = 3  # sentences searched back for an antecedent


@dataclass(frozen=True)
class Ent:
    """A resolved argument, with offsets in the document text."""

    text: str
    lemmas: str
    start: int
    end: int
    head: str = ""
    umbrella: str = ""
    is_topic: bool = False


@dataclass
class _Frame:
    """An open claim whose cause slot a list (or a heading's section) fills."""

    effect: list[Ent]
    relation: str
    direction: str
    negated: bool
    hedge: str
    context: str


@dataclass
class _Sentence:
    span: Span
    offset: int
    claims: list[tuple[list[Ent], list[Ent]]] = field(default_factory=list)


def _prefix_match(a: str, b: str) -> bool:
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])


class DocumentResolver:
    """Turns one document's parsed pieces into evidence rows."""

    def __init__(self, document: Document, pieces: list[Piece], lex: Lexicon, normaliser: Normaliser):
        self.document = document
        self.pieces = pieces
        self.lex = lex
        self.topic: Topic | None = detect_topic(pieces, lex)
        self.normaliser = normaliser
        self.history: deque[_Sentence] = deque(maxlen=ANAPHOR_WINDOW)
        self.evidence: list[Evidence] = []
        self.n_sentences = 0

    # -- arguments -------------------------------------------------------------

    def _topic_ent(self, start: int) -> list[Ent]:
        if self.topic is None:
            return []
        return [Ent(self.topic.name, self.topic.keys[0], start, start, is_topic=True)]

    def _ent(self, arg: Arg, offset: int) -> Ent:
        is_topic = bool(self.topic and self.topic.matches(arg.lemmas))
        return Ent(arg.text, arg.lemmas, offset + arg.start, offset + arg.end, arg.head, arg.umbrella, is_topic)

    def _resolve(self, arg: Arg, offset: int, sentence: _Sentence) -> list[Ent]:
        if arg.kind == "topic":
            return self._topic_ent(offset + arg.start)
        if arg.kind == "anaphor":
            return self._antecedent(arg, sentence)
        if arg.kind == "entity":
            return [self._ent(arg, offset)]
        return []

    def _antecedent(self, arg: Arg, sentence: _Sentence) -> list[Ent]:
        head = arg.head
        pronoun = head in {"this", "these", "that", "those", "they", "them", "such"}
        earlier = [s for s in self.history if s is not sentence]
        for past in reversed(earlier):
            for causes, effects in reversed(past.claims):
                if pronoun:
                    return causes
                for group in (causes, effects):
                    same = [e for e in group if e.umbrella and _prefix_match(e.umbrella, head)]
                    if same:
                        return same
                    same = [e for e in group if _prefix_match(e.head, head)]
                    if same:
                        return same[-1:]
        if pronoun:
            return []
        for past in reversed(earlier):
            for chunk in reversed(list(past.span.noun_chunks)):
                if _prefix_match(chunk.root.lemma_.lower(), head):
                    args = [a for a in mentions(chunk.root, self.lex) if a.kind == "entity"]
                    return [self._ent(a, past.offset) for a in args]
        return []

    def _is_vague(self, ent: Ent) -> bool:
        """`factors`, `research`, `one`: an umbrella word with nothing to say what."""
        words = [w for w in ent.lemmas.split() if w not in self.lex.strip_words]
        return not words or (len(words) == 1 and self.lex.is_class(words[0], "umbrella"))

    # -- evidence ----------------------------------------------------------------

    def _emit(self, causes: list[Ent], effects: list[Ent], raw: RawClaim | _Frame, sent_start: int,
              sent_end: int, section: str, rule: str, context: str = "") -> list[tuple[Ent, Ent]]:
        made = []
        text = self.document.text
        for cause in causes:
            for effect in effects:
                if getattr(raw, "symmetric", False) and cause.is_topic and not effect.is_topic:
                    cause, effect = effect, cause
                if self._is_vague(cause) or self._is_vague(effect):
                    continue
                if cause.is_topic and effect.is_topic:
                    continue
                if cause.lemmas == effect.lemmas:
                    continue
                if rule == "population" and not effect.is_topic:
                    continue
                made.append((cause, effect))
                c_name, c_id = self.normaliser.concept(cause, self.topic)
                e_name, e_id = self.normaliser.concept(effect, self.topic)
                self.evidence.append(Evidence(
                    doc_id=self.document.doc_id,
                    sentence=text[sent_start:sent_end],
                    start_char=sent_start,
                    end_char=sent_end,
                    section=section,
                    cause=Mention(cause.text, cause.start, cause.end, c_name, c_id),
                    effect=Mention(effect.text, effect.start, effect.end, e_name, e_id),
                    relation=raw.relation,
                    direction=raw.direction,
                    negated=raw.negated,
                    hedge=raw.hedge,
                    rule=rule,
                    context=context,
                ))
        return made

    def _sentence_claims(self, piece: Piece, section: str) -> tuple[list[_Frame], bool]:
        """Emit the claims of each sentence of a piece; return the list frames it opens
        and whether any claim's effect was the document topic."""
        frames: list[_Frame] = []
        topical = False
        for sent in piece.doc.sents:
            self.n_sentences += 1
            sentence = _Sentence(sent, piece.offset)
            self.history.append(sentence)
            raws = [r for r in (piece.doc._.claims or []) if r.sent_start == sent.start_char]
            for raw in raws:
                effects = self._resolve(raw.effect, piece.offset, sentence)
                if not effects:
                    continue
                if raw.cause.kind == "list":
                    frames.append(_Frame(effects, raw.relation, raw.direction, raw.negated, raw.hedge,
                                         sent.text))
                    continue
                causes = self._resolve(raw.cause, piece.offset, sentence)
                made = self._emit(causes, effects, raw, piece.offset + sent.start_char,
                                  piece.offset + sent.end_char, section, raw.rule)
                if made:
                    sentence.claims.append(([c for c, _ in made], [e for _, e in made]))
                    topical |= any(e.is_topic for _, e in made)
        return frames, topical

    def _item_args(self, piece: Piece) -> list[Ent]:
        """The thing a list item or its label names, when it is a phrase rather than a clause."""
        sents = list(piece.doc.sents)
        if not sents:
            return []
        root = sents[0].root
        if root.pos_ in {"VERB", "AUX"} and root.tag_ != "VBG":
            return []
        if any(c.dep_ in {"nsubj", "nsubjpass"} for c in root.children):
            return []
        return [self._ent(a, piece.offset) for a in mentions(root, self.lex) if a.kind == "entity"]

    def run(self) -> list[Evidence]:
        section = ""
        list_frames: list[_Frame] = []
        section_frames: list[_Frame] = []
        by_block: dict[int, list[Piece]] = {}
        for piece in self.pieces:
            by_block.setdefault(piece.block_index, []).append(piece)
        for _, group in sorted(by_block.items()):
            block = group[0].block
            if block.kind in {"title", "heading"}:
                section = self.document.text[block.start:block.end]
                list_frames = []
                frames, _ = self._sentence_claims(group[0], section)
                section_frames = frames + self._umbrella_frames(group[0], section)
                self.history.clear()
                continue
            if block.kind != "list_item":
                list_frames = []
            label = next((p for p in group if p.role == "label"), None)
            body = [p for p in group if p.role != "label"]
            topical = False
            opened: list[_Frame] = []
            for piece in body:
                frames, top = self._sentence_claims(piece, section)
                opened += frames
                topical |= top
            if block.kind == "list_item":
                frames = list_frames or section_frames
                if label is not None:
                    self.n_sentences += 1
                    items = [] if topical else self._item_args(label)
                else:
                    items = self._item_args(body[0]) if body else []
                for frame in frames:
                    self._emit(items, frame.effect, frame, block.start, block.end, section,
                               "list_item", context=frame.context)
            if opened:
                list_frames = opened
        return self.evidence

    def _umbrella_frames(self, piece: Piece, section: str) -> list[_Frame]:
        """A heading such as `Factors Contributing to X` frames the list items under it."""
        frames = []
        for raw in piece.doc._.claims or []:
            if raw.cause.kind != "entity":
                continue
            cause = self._ent(raw.cause, piece.offset)
            if not self._is_vague(cause):
                continue
            sentence = _Sentence(piece.doc[:], piece.offset)
            effects = self._resolve(raw.effect, piece.offset, sentence)
            if effects:
                frames.append(_Frame(effects, raw.relation, raw.direction, raw.negated, raw.hedge,
                                     section))
        return frames


def evidence_id(ev: Evidence) -> str:
    """Stable across runs and corpus changes: derived from what the row says."""
    key = "|".join([ev.doc_id, str(ev.start_char), str(ev.cause.start), str(ev.effect.start),
                    ev.cause.text, ev.effect.text, ev.direction, ev.relation])
    return "E" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
