"""Negation and hedging of a claim, read off the predicate and what governs it.

A claim is negated when its predicate, or a verb or noun it is the complement
of (`do not believe that ...`, `no evidence that ...`), carries a negation
cue; its hedge is the first hedging cue on that same path (`may`, `is thought
to`, `suggests`, `possible`).
"""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.lexicon import Lexicon

# Arcs along which a governing word's negation or hedge reaches the claim.
_UP = frozenset({"xcomp", "ccomp", "conj", "acl", "relcl", "pcomp", "prep", "pobj", "attr", "oprd",
                 "dobj", "acomp", "advcl", "nsubj", "nsubjpass"})


def scope(pred: Token) -> list[Token]:
    """The predicate and the words that govern it within its clause chain."""
    chain = [pred]
    cur = pred
    while cur.head.i != cur.i and cur.dep_ in _UP:
        if cur.dep_ == "advcl" and cur.tag_ == "VBG":
            break  # "..., leading to Y" is not negated by the clause it follows
        if cur.dep_ == "conj" and any(c.dep_ in {"nsubj", "nsubjpass"} for c in cur.children):
            break  # "X is not clear, but it is thought to ...": a clause of its own
        cur = cur.head
        chain.append(cur)
        if cur.dep_ == "ROOT":
            break
    return chain


def _own_negation(tok: Token, lex: Lexicon) -> bool:
    for child in tok.children:
        low = child.lower_
        kind = lex.negations.get(low) or lex.negations.get(child.lemma_.lower())
        if child.dep_ == "neg" and kind:
            return True
        if child.dep_ == "det" and kind == "det":
            return True
        if child.dep_ == "prep" and kind == "prep":
            return False
    return lex.negations.get(tok.lemma_.lower()) in {"adjective", "verb"}


def is_negated(pred: Token, lex: Lexicon) -> bool:
    for tok in scope(pred):
        if _own_negation(tok, lex):
            return True
        # conjoined verbs share the auxiliaries of the first: "won't break off and cause"
        shares_aux = tok.dep_ == "conj" and not any(c.dep_.startswith("aux") for c in tok.children)
        if shares_aux and _own_negation(tok.head, lex):
            return True
    return False


def hedge_cue(pred: Token, lex: Lexicon) -> str:
    for tok in scope(pred):
        if tok.i != pred.i and lex.hedges.get(tok.lemma_.lower()) in {"verb", "adjective"}:
            return tok.lower_
        for child in sorted(tok.children, key=lambda t: t.i):
            kind = lex.hedges.get(child.lower_) or lex.hedges.get(child.lemma_.lower())
            if kind == "modal" and child.dep_ == "aux":
                return child.lower_ if child.lower_ in lex.hedges else child.lemma_.lower()  # "ca" of "can't"
            if kind == "adverb" and child.dep_ == "advmod":
                return child.lower_
            if kind == "adjective" and child.dep_ == "amod":
                return child.lower_
        if tok.dep_ == "conj" and not any(c.dep_.startswith("aux") for c in tok.children):
            for child in tok.head.children:
                if child.dep_ == "aux" and lex.hedges.get(child.lower_) == "modal":
                    return child.lower_
    return ""
