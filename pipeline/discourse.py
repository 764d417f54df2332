"""Resolve what a sentence leaves to its context, and emit evidence.

Sentences rely on their document: `it`, `this deficit`, `these substances`
point back; `is one of the most well-established risk factors` leaves its
effect to the topic; `These factors may include:` hands its cause slot to the
list that follows; a list item's `Label:` names its subject; a heading such
as `What causes X?` or `Factors Contributing to X` frames the items under it.
Headings frame their section but are not themselves evidence.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field, replace

from spacy.tokens import Span

from pipeline.analysis import ParsedDocument, Piece
from pipeline.extract.frames import RawClaim
from pipeline.extract.lexicon import Lexicon
from pipeline.extract.mentions import Arg, clause_mention, copula_subjects, mentions
from pipeline.model import LITERATURE_FORMATS, Document, Evidence, Mention
from pipeline.normalise import Normaliser
from pipeline.text import singular
from pipeline.topic import Topic, abbreviation_norms, detect_topic

ANAPHOR_WINDOW = 3  # sentences searched back for an antecedent
PRONOUNS = frozenset({"this", "these", "that", "those", "they", "them", "such"})


@dataclass(frozen=True)
class Ent:
    """A resolved argument, with offsets in the document text."""

    text: str
    norm: str
    start: int
    end: int
    head: str = ""
    umbrella: str = ""
    is_topic: bool = False
    vague: bool = False
    name: str = ""  # a name the construction gave it (idioms), used before normalisation
    outcome: bool = False  # framed as something one suffers: `the risk of clotting`


@dataclass
class _Frame:
    """A claim with one slot open, filled by a list, a section's items or a restatement.

    `slot` says which side is open; `causes` holds the known cause when the effect is open.
    `head`/`umbrella` describe the open cause (`medications`) so that `These medicines include X`
    finds it; `items` is the word that opened a list (`if` lists take clauses as items).
    """

    effect: list[Ent]
    relation: str
    direction: str
    negated: bool
    hedge: str
    context: str
    effect_template: str = ""
    symmetric: bool = False
    slot: str = "cause"
    causes: list[Ent] = field(default_factory=list)
    head: str = ""
    umbrella: str = ""
    items: str = ""


@dataclass
class _Sentence:
    span: Span
    piece: Piece
    claims: list[tuple[list[Ent], list[Ent]]] = field(default_factory=list)
    frames: list[_Frame] = field(default_factory=list)


def _is_phrase(piece: Piece) -> bool:
    """A list item's first sentence is a phrase (`Smoking.`, `A history of DVT.`), not a clause."""
    sents = list(piece.doc.sents)
    if not sents:
        return False
    root = sents[0].root
    verbal = root.pos_ in {"VERB", "AUX"} and root.tag_ != "VBG"
    return not verbal and not any(c.dep_ in {"nsubj", "nsubjpass"} for c in root.children)


def _prefix_match(a: str, b: str) -> bool:
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])


class DocumentResolver:
    """Turns one document's parsed pieces into evidence rows."""

    def __init__(self, document: Document, parsed: ParsedDocument, lex: Lexicon, normaliser: Normaliser):
        self.document = document
        self.pieces = parsed.pieces
        self.lex = lex
        self.topic: Topic | None = detect_topic(parsed, lex)
        self.abbreviation_norms = abbreviation_norms(parsed)
        # words that may follow the topic's name in a mention of it: "RLS symptoms", "restless leg sensations"
        self.trailing = frozenset(lex.effect_wrappers) | lex.noun_classes.get("manifestation", frozenset())
        self.normaliser = normaliser
        self.abbreviations = {k.lower(): v for k, v in parsed.abbreviations.items()}
        self.history: deque[_Sentence] = deque(maxlen=ANAPHOR_WINDOW)
        self.evidence: list[tuple[Evidence, Ent, Ent]] = []
        self.section_frames: list[_Frame] = []
        self.n_sentences = 0
        self.asked: frozenset[str] = frozenset()  # what the current sentence says is of unknown cause

    # -- arguments -------------------------------------------------------------

    def _topic_ent(self, start: int) -> list[Ent]:
        if self.topic is None:
            return []
        return [Ent(self.topic.name, self.topic.name, start, start, is_topic=True)]

    def _ent(self, arg: Arg, piece: Piece, name: str = "") -> Ent:
        norm = " ".join(self.abbreviation_norms.get(w, w) for w in arg.norm.split())
        trailing = self.trailing
        is_topic = bool(self.topic and (self.topic.matches(arg.norm, trailing) or self.topic.matches(norm, trailing)))
        is_topic = is_topic and not name
        return Ent(arg.text, norm, piece.start(arg.start), piece.end(arg.end), arg.head, arg.umbrella,
                   is_topic, arg.vague, name, arg.outcome)

    def _resolve(self, arg: Arg, piece: Piece, sentence: _Sentence, name: str = "") -> list[Ent]:
        if arg.kind == "topic" and arg.head == "it":
            return self._it(arg, sentence) or self._recent_topic(sentence) or self._topic_ent(piece.start(arg.start))
        if arg.kind == "topic" and arg.text:
            return self._recent_topic(sentence) or self._topic_ent(piece.start(arg.start))
        if arg.kind == "topic":
            return self._topic_ent(piece.start(arg.start))
        if arg.kind == "anaphor":
            return self._antecedent(arg, sentence)
        if arg.kind == "entity":
            return [self._ent(arg, piece, name)]
        return []

    def _it(self, arg: Arg, sentence: _Sentence) -> list[Ent]:
        """`Experts are not sure what causes subacute thyroiditis, but it may be related to ...`:
        `it` is a disorder named earlier in the same sentence, if there is one."""
        before = [c for c in sentence.span.noun_chunks if c.end_char <= arg.start]
        pronoun = next((t for t in sentence.span if t.idx == arg.start), None)
        if pronoun is not None and pronoun.dep_ in {"dobj", "pobj"}:
            # "... leak back into the esophagus and irritate it": an object `it` is the nearest thing
            # named before it, outside its own clause's subject ("Dust can cause it" is about the topic)
            verb = pronoun.head if pronoun.dep_ == "dobj" else pronoun.head.head
            subject = {t.i for c in verb.children if c.dep_ in {"nsubj", "nsubjpass", "csubj"} for t in c.subtree}
            others = [c for c in before if c.root.i not in subject]
            if others:
                found = [a for a in mentions(others[-1].root, self.lex) if a.kind == "entity"]
                return [self._ent(a, sentence.piece) for a in found[:1]]
        for chunk in reversed(before):
            found = [a for a in mentions(chunk.root, self.lex) if a.kind == "entity"]
            ents = [self._ent(a, sentence.piece) for a in found]
            if ents and all(self.lex.is_disorder(e.norm, e.head) for e in ents):
                return ents[:1]
        if pronoun is not None and pronoun.dep_ in {"nsubj", "nsubjpass"} and not before:
            return self._previous_subject(sentence)
        return []

    def _previous_subject(self, sentence: _Sentence) -> list[Ent]:
        """`PE is a very serious condition. It can damage the lungs`: a sentence that opens with `it`
        continues about the subject of the sentence before, when that names a disorder other than
        the topic."""
        earlier = [s for s in self.history if s is not sentence]
        if not earlier or earlier[-1].piece is not sentence.piece:
            return []
        root = earlier[-1].span.root
        subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        if subject is None:
            return []
        ents = [self._ent(a, earlier[-1].piece) for a in mentions(subject, self.lex) if a.kind == "entity"]
        return ents[:1] if ents and not ents[0].is_topic and self._disorder(ents[0]) else []

    def _recent_topic(self, sentence: _Sentence) -> list[Ent]:
        """`Chronic bronchitis is an ongoing condition. It occurs if ...`: the previous sentence's
        subject, when it is a kind of the topic, is what `it` and `the condition` mean."""
        earlier = [s for s in self.history if s is not sentence]
        if not earlier or self.topic is None:
            return []
        subjects = [c for c in earlier[-1].span.root.children if c.dep_ in {"nsubj", "nsubjpass"}]
        for subj in subjects:
            ents = [self._ent(a, earlier[-1].piece) for a in mentions(subj, self.lex) if a.kind == "entity"]
            if len(ents) == 1 and ents[0].is_topic and self.normaliser.subtype(ents[0].norm, self.topic):
                return ents
        return []

    def _antecedent(self, arg: Arg, sentence: _Sentence) -> list[Ent]:
        """`these substances` -> the substances named just before; `this deficit` -> `deficiency ...`."""
        head = arg.head
        pronoun = head in PRONOUNS
        umbrella = self.lex.is_class(head, "umbrella") or self.lex.is_class(head, "generic")
        earlier = [s for s in self.history if s is not sentence]
        for past in reversed(earlier):  # the nearest sentence first, its claims before its other nouns
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
                continue
            for chunk in reversed(list(past.span.noun_chunks)):
                if _prefix_match(chunk.root.lemma_.lower(), head):
                    # "Anticoagulants are the most common medicines ... These medicines": anticoagulants
                    named = copula_subjects(chunk.root) or [chunk.root]
                    args = [a for t in named for a in mentions(t, self.lex) if a.kind == "entity"]
                    return [self._ent(a, past.piece) for a in args]
        if umbrella:  # "these factors", "such substances": what the previous claim named
            for past in reversed(earlier):
                if past.claims:
                    return past.claims[-1][0]
        return []

    # -- evidence ----------------------------------------------------------------

    def _orderless(self, raw: RawClaim | _Frame, other: Ent) -> bool:
        """An association with the topic points at the topic, unless the sentence makes the topic
        its subject and the other side a disorder (`Sleep apnea is associated with heart failure`)."""
        form = getattr(raw, "rule", "").split(":")[-1]
        return form in {"noun", "modifier"} or not self._disorder(other)

    def _disorder(self, ent: Ent) -> bool:
        """By its head word, or by the knowledge-base concept it links to (`high blood pressure`);
        umbrella words (`underlying medical conditions`) say nothing of what the thing is."""
        if self.lex.is_disorder(ent.norm, ent.head):
            return True
        umbrella = any(self.lex.is_class(ent.head, c) for c in ("umbrella", "generic", "topic_reference"))
        return not umbrella and self.normaliser.is_disorder(ent.text)

    def _keep(self, cause: Ent, effect: Ent, raw: RawClaim | _Frame, rule: str) -> bool:
        if not cause.text or not effect.text:
            return False
        if (cause.vague or effect.vague) and not raw.negated:
            return False  # a vague denial ("no specific food causes stones") still says something
        if (cause.is_topic and effect.is_topic) or cause.norm == effect.norm:
            return False
        if rule == "population":  # "pregnant women experience Y" is a claim about the topic only, but
            # "people with hyperparathyroidism develop calcium stones" ties one disorder to another
            return effect.is_topic or (not cause.is_topic and self._disorder(cause) and self._disorder(effect))
        if raw.relation == "affects":
            return effect.is_topic
        if raw.symmetric and (cause.is_topic or effect.is_topic):
            other = effect if cause.is_topic else cause
            return not self.lex.is_class(other.head, "manifestation")  # "sensations associated with X"
        return True

    def _emit(self, causes: list[Ent], effects: list[Ent], raw: RawClaim | _Frame, sent_start: int,
              sent_end: int, section: str, rule: str, context: str = "") -> list[tuple[Ent, Ent]]:
        made = []
        for cause in causes:
            for effect in effects:
                if raw.symmetric and cause.is_topic and not effect.is_topic and self._orderless(raw, effect):
                    cause, effect = effect, cause
                elif raw.symmetric and cause.norm in self.asked and effect.norm not in self.asked:
                    cause, effect = effect, cause  # "not sure what causes X, but it may be related to Y"
                if not self._keep(cause, effect, raw, rule):
                    continue
                made.append((cause, effect))
                c_name, c_id = self.normaliser.concept(cause, self.topic, self.abbreviations)
                e_name, e_id = self.normaliser.concept(effect, self.topic, self.abbreviations,
                                                       raw.effect_template)
                self.evidence.append((Evidence(
                    doc_id=self.document.doc_id, sentence=self.document.text[sent_start:sent_end],
                    start_char=sent_start, end_char=sent_end, section=section,
                    cause=Mention(cause.text, cause.start, cause.end, c_name, c_id),
                    effect=Mention(effect.text, effect.start, effect.end, e_name, e_id),
                    relation=raw.relation, direction=raw.direction, negated=raw.negated,
                    hedge=raw.hedge, rule=rule, context=context,
                ), cause, effect))
        return made

    def _frame(self, raw: RawClaim, effects: list[Ent], context: str, causes: list[Ent] | None = None) -> _Frame:
        open_arg = raw.effect if causes is not None else raw.cause
        return _Frame(effects, raw.relation, raw.direction, raw.negated, raw.hedge, context,
                      raw.effect_template, raw.symmetric, "effect" if causes is not None else "cause",
                      causes or [], raw.cause.head, raw.cause.umbrella,
                      open_arg.head if open_arg.kind == "list" else "")

    def _sentence_claims(self, piece: Piece, section: str, emit: bool = True) -> tuple[list[_Frame], bool]:
        """Emit the claims of each sentence of a piece; return the frames it leaves open
        (a cause slot for a list, a section or a question) and whether any claim was about the topic."""
        frames: list[_Frame] = []
        topical = False
        for sent in piece.doc.sents:
            self.n_sentences += 1
            sentence = _Sentence(sent, piece)
            if emit:
                self.history.append(sentence)
            raws = [r for r in (piece.doc._.claims or []) if r.sent_start == sent.start_char]
            self.asked = frozenset(r.effect.norm for r in raws if r.cause.kind == "open" and r.effect.kind == "entity")
            start, end = piece.start(sent.start_char), piece.end(sent.end_char)
            for raw in raws:
                if raw.effect.kind == "frame":
                    continue  # a restatement: resolved once the sentence's own claims are known
                if raw.effect.kind == "section":
                    for frame in self.section_frames if emit else []:  # an instruction under "How to prevent X?"
                        if frame.direction == "decreases" and frame.slot == "cause":
                            causes = self._resolve(raw.cause, piece, sentence)
                            self._emit(causes, frame.effect, frame, start, end, section, raw.rule, frame.context)
                    continue
                if raw.effect.kind == "list":
                    causes = self._resolve(raw.cause, piece, sentence, raw.cause_name)
                    if causes:
                        frames.append(self._frame(raw, [], sent.text.strip(), causes))
                    continue
                effects = self._resolve(raw.effect, piece, sentence)
                if not effects:
                    continue
                frame = self._frame(raw, effects, sent.text.strip())
                if raw.cause.kind == "list" or (raw.cause.kind == "open" and not emit):
                    frames.append(frame)
                    continue
                if self._kinds_listed(raw.cause, sent):
                    frames.append(frame)  # "Several types of thyroiditis can cause X:" names them below, too
                if raw.cause.kind == "open":
                    continue
                sentence.frames.append(frame)
                causes = self._resolve(raw.cause, piece, sentence, raw.cause_name)
                if not emit:
                    if causes and all(c.vague for c in causes):
                        frames.append(frame)
                    continue
                made = self._emit(causes, effects, raw, start, end, section, raw.rule)
                if made:
                    sentence.claims.append(([c for c, _ in made], [e for _, e in made]))
                    topical |= any(e.is_topic for _, e in made)
            for raw in (r for r in raws if r.effect.kind == "frame" and emit):
                back = self._restated(raw.effect.head, sentence)
                if back is not None:
                    causes = self._resolve(raw.cause, piece, sentence)
                    made = self._emit(causes, back.effect, back, start, end, section, "restatement",
                                      context=back.context)
                    topical |= any(e.is_topic for _, e in made)
            self.asked = frozenset()  # list items and sections emitted later are other sentences
        return frames, topical

    def _restated(self, head: str, sentence: _Sentence) -> _Frame | None:
        """The claim that `They include`, `Examples include` or `These medicines include` continues."""
        earlier = [s for s in self.history if s is not sentence and s.frames]
        if not earlier:
            return None
        if head and head != "example":
            for past in reversed(earlier):
                for frame in reversed(past.frames):
                    if _prefix_match(frame.head, head) or (frame.umbrella and _prefix_match(frame.umbrella, head)):
                        return frame
            return None
        # "This is usually X": the previous sentence's claim about the topic, else its first claim
        frames = earlier[-1].frames
        return next((f for f in frames if any(e.is_topic for e in f.effect)), frames[0])

    def _kinds_listed(self, cause: Arg, sent: Span) -> bool:
        """A lead-in ending in a colon whose cause is only a kind word (`types of thyroiditis`,
        `several forms`): the items that follow are the causes."""
        return (cause.kind == "entity" and sent.text.rstrip().endswith(":")
                and self.lex.is_class(cause.head, "kind"))

    def _item_args(self, piece: Piece, clauses: bool = False) -> list[Ent]:
        """The thing a list item or its label names, when it is a phrase rather than a clause
        (a clause too, after a lead-in such as `Blood clots can form if:`)."""
        sents = list(piece.doc.sents)
        if not sents:
            return []
        root = sents[0].root
        is_clause = not _is_phrase(piece)
        if is_clause and not clauses:
            return []
        found = [clause_mention(root)] if is_clause else mentions(root, self.lex)
        return [self._ent(a, piece) for a in found if a.kind == "entity" and not a.vague]

    def _kind_heading(self, piece: Piece) -> list[Ent]:
        """A heading that only names a kind of the topic (`Calcium Oxalate Stones`)."""
        sents = list(piece.doc.sents)
        if len(sents) != 1 or sents[0].text.rstrip().endswith("?"):
            return []
        found = [self._ent(a, piece) for a in mentions(sents[0].root, self.lex) if a.kind == "entity"]
        heads = {singular(k.split()[-1]) for k in self.topic.keys} if self.topic else set()
        # "Calcium Oxalate Stones" under an article on kidney stones: same head noun, a narrower name
        kinds = [replace(e, is_topic=False) for e in found if e.norm.split() and singular(e.norm.split()[-1]) in heads]
        return kinds if found and len(kinds) == len(found) else []

    def _fill(self, frame: _Frame, items: list[Ent], start: int, end: int, section: str) -> None:
        if frame.slot == "effect":
            self._emit(frame.causes, items, frame, start, end, section, "list_item", context=frame.context)
        else:
            self._emit(items, frame.effect, frame, start, end, section, "list_item", context=frame.context)

    def run(self) -> list[Evidence]:
        section = ""
        list_frames: list[_Frame] = []
        colon_frames: list[_Frame] = []  # a lead-in ending in ":" frames the paragraphs that follow
        section_frames: list[_Frame] = []
        by_block: dict[int, list[Piece]] = {}
        for piece in self.pieces:
            by_block.setdefault(piece.block_index, []).append(piece)
        for _, group in sorted(by_block.items()):
            block = group[0].block
            if block.kind in {"title", "heading"}:
                section = self.document.text[block.start:block.end]
                self.history.clear()
                kind = self._kind_heading(group[0]) if list_frames else []
                if kind:  # "Recommendations include the following:" then "Calcium Oxalate Stones", items...
                    list_frames = [replace(f, effect=kind) for f in list_frames if f.slot == "cause"]
                    continue
                frames, _ = self._sentence_claims(group[0], section, emit=False)
                if frames or section.rstrip().endswith("?") or block.kind == "title":
                    section_frames = frames  # a sub-heading that frames nothing stays in its section
                self.section_frames = section_frames
                list_frames, colon_frames = [], []
                continue
            label = next((p for p in group if p.role == "label"), None)
            body = [p for p in group if p.role != "label"]
            if block.kind == "paragraph" and colon_frames:
                clauses = any(f.items in {"if", "when"} for f in colon_frames)
                if clauses or _is_phrase(body[0]):
                    items = self._item_args(body[0], clauses=clauses)
                    for frame in colon_frames:
                        self._fill(frame, items, block.start, block.end, section)
                else:
                    colon_frames = []  # a full sentence ends the list
            if block.kind != "list_item":
                list_frames = []
            topical = False
            opened: list[_Frame] = []
            for piece in body:
                frames, top = self._sentence_claims(piece, section)
                opened += frames
                topical |= top
            if block.kind == "list_item":
                if label is not None:
                    self.n_sentences += 1
                    items = [] if topical else self._item_args(label)
                else:
                    items = self._item_args(body[0], clauses=any(f.items in {"if", "when"} for f in list_frames))
                for frame in list_frames or section_frames:
                    self._fill(frame, items, block.start, block.end, section)
            if opened:
                list_frames = opened
                if self.document.text[block.start:block.end].rstrip().endswith(":"):
                    colon_frames = opened
        return self._relevant()

    def _head_word(self, ent: Ent) -> str:
        """The word a mention is about: `dopamine` in `impaired dopamine function`."""
        skip = self.lex.strip_words | self.lex.evaluative | self.lex.noun_classes.get("attribute", frozenset())
        words = [w for w in ent.norm.split() if w not in skip and len(w) > 2]
        return words[-1] if words else ""

    def _chemical_disease(self, cause: Ent, effect: Ent) -> bool:
        return (self.document.fmt in LITERATURE_FORMATS and self.normaliser.kind(effect.text) == "disease"
                and self.normaliser.kind(cause.text) == "chemical")

    def _relevant(self) -> list[Evidence]:
        """Claims about the topic, and mechanism claims on a path to it.

        A claim between two other things is kept when its effect is a disorder or framed as one
        (`the risk of clotting`, `symptoms of X`), or is
        something the document names as a cause of its topic (`low iron disrupts
        dopamine production` in an article where dopamine dysfunction causes RLS);
        the topic's own consequences are kept when they are disorders. Statements
        of physiology (`dopamine controls muscle movements`) fall outside.

        In a scientific abstract (a literature format), whatever the topic, a claim whose cause
        the knowledge base types as a chemical and whose effect it types as a disease is kept:
        an abstract on one drug may report adverse effects of another (`Lithium carbonate ...
        causes cyanosis`). Web articles keep to their topic.
        """
        if self.topic is None:
            return [ev for ev, _, _ in self.evidence]
        topic_causes: set[str] = set()
        for ev, cause, effect in self.evidence:
            if effect.is_topic and not ev.negated and ev.direction == "increases":
                topic_causes.add(self._head_word(cause))
        topic_causes.discard("")
        kept = []
        for ev, cause, effect in self.evidence:
            on_path = not cause.is_topic and self._head_word(effect) in topic_causes
            named = self.lex.is_disorder(ev.effect.name.lower())  # "can be fatal" names death
            valued = self.lex.is_class(effect.head, "health_outcome")  # "quality of life", "survival"
            suffered = effect.outcome or self._disorder(effect) or named or valued
            if effect.is_topic or suffered or on_path or self._chemical_disease(cause, effect):
                kept.append(ev)
        return kept


def evidence_id(ev: Evidence) -> str:
    """Stable across runs and corpus changes: derived from what the row says."""
    key = "|".join([ev.doc_id, str(ev.start_char), str(ev.cause.start), str(ev.effect.start),
                    ev.cause.text, ev.effect.text, ev.direction, ev.relation])
    return "E" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
