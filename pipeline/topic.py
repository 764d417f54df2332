"""The condition a document is about, and the words that refer to it.

Consumer articles and abstracts leave their main condition implicit
(`iron deficiency is one of the most well-established risk factors`) or
refer to it by abbreviation or synonym (`RLS`, `Willis-Ekbom disease`). The
topic is the noun phrase of the title (or first paragraph) that recurs most in
the text, together with its abbreviations and the names it is `also known as`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from spacy.tokens import Span, Token

from pipeline.analysis import Piece
from pipeline.extract.lexicon import Lexicon

_ALIAS_VERBS = frozenset({"know", "call", "term", "name", "refer"})


@dataclass(frozen=True)
class Topic:
    name: str
    keys: tuple[str, ...]

    def matches(self, lemmas: str) -> bool:
        padded = f" {lemmas} "
        return any(f" {k} " in padded for k in self.keys)


def norm_lemmas(tokens) -> str:
    words = []
    for t in tokens:
        if t.is_punct or t.is_space:
            continue
        words.append(re.sub(r"[^a-z0-9]+", " ", t.lemma_.lower()).strip())
    return " ".join(w for w in words if w)


def _key_tokens(chunk: Span, lex: Lexicon) -> list[Token]:
    toks = [t for t in chunk if not t.is_punct and t.dep_ != "det"
            and t.lemma_.lower() not in lex.strip_words]
    # "Restless Legs Causes" -> "Restless Legs": the relation noun is not the topic
    while toks and (lex.predicate(toks[-1].lemma_, "NOUN") or lex.is_class(toks[-1].lemma_, "umbrella")):
        toks = toks[:-1]
    while toks and toks[0].pos_ in {"ADJ", "VERB"} and toks[0].lemma_.lower() in {
        "understand", "intriguing", "common", "primary", "secondary", "main", "connection"
    }:
        toks = toks[1:]
    return toks


def detect_topic(pieces: list[Piece], lex: Lexicon) -> Topic | None:
    abbreviations: dict[str, str] = {}
    for piece in pieces:
        for short in getattr(piece.doc._, "abbreviations", []) or []:
            abbreviations.setdefault(short.text.lower(), norm_lemmas(short._.long_form))
    body = " " + " ".join(norm_lemmas(p.doc) for p in pieces) + " "
    lead = [p for p in pieces if p.role == "title"][:1] or [p for p in pieces if p.role == "heading"][:1]
    lead += [p for p in pieces if p.role == "paragraph"][:1]
    scores: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for rank, piece in enumerate(lead):
        for chunk in piece.doc.noun_chunks:
            toks = _key_tokens(chunk, lex)
            key = norm_lemmas(toks)
            if not key or len(key) < 3:
                continue
            count = body.count(f" {key} ")
            long = abbreviations.get(key)
            short = next((s for s, lf in abbreviations.items() if lf == key), None)
            count += body.count(f" {long} ") if long else 0
            count += body.count(f" {short} ") if short else 0
            weight = 1.5 if rank == 0 else 1.0
            if lex.is_class(toks[-1].lemma_, "topic_reference") or long or short:
                weight *= 1.5
            if count * weight > scores[key]:
                scores[key] = count * weight
                surface.setdefault(key, " ".join(t.text for t in toks))
    if not scores:
        return None
    best = max(sorted(scores), key=lambda k: scores[k])
    keys = {best}
    name = surface[best]
    if best in abbreviations:
        keys.add(abbreviations[best])
        name = abbreviations[best]
    for short, long in abbreviations.items():
        if long == best or long.startswith(best + " ") or best.startswith(long + " "):
            keys.update({short, long})
    for key in list(keys):
        words = key.split()
        if len(words) > 1 and lex.is_class(words[-1], "topic_reference"):
            keys.add(" ".join(words[:-1]))
    keys |= _aliases(pieces, keys, lex)
    return Topic(name=name.lower() if name.isupper() is False else name, keys=tuple(sorted(keys)))


def _aliases(pieces: list[Piece], keys: set[str], lex: Lexicon) -> set[str]:
    """Names given in apposition: `X, also known as Y`, `X, formerly the Y`."""
    found: set[str] = set()
    for piece in pieces[:4]:
        for chunk in piece.doc.noun_chunks:
            if norm_lemmas(_key_tokens(chunk, lex)) not in keys:
                continue
            root = chunk.root
            for child in root.children:
                if child.dep_ == "appos":
                    found.add(norm_lemmas(t for t in child.subtree if t.dep_ != "det"))
                if child.dep_ == "acl" and child.lemma_.lower() in _ALIAS_VERBS:
                    for g in child.subtree:
                        if g.dep_ in {"pobj", "oprd", "attr"} and g.head.lower_ in {"as", child.lower_}:
                            found.add(norm_lemmas(t for t in g.subtree if t.dep_ != "det"))
    return {f for f in found if f and len(f) > 2}
