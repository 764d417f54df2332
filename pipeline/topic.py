"""The condition a document is about, and the words that refer to it.

Consumer articles and abstracts leave their main condition implicit
(`iron deficiency is one of the most well-established risk factors`) or
refer to it by abbreviation or synonym (`RLS`, `Willis-Ekbom disease`). The
topic is the noun phrase of the title (or first paragraph) that recurs most in
the text, with its abbreviations and the names it is `also known as`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from spacy.tokens import Span, Token

from pipeline.analysis import ParsedDocument, Piece
from pipeline.extract.lexicon import Lexicon
from pipeline.extract.mentions import norm_tokens
from pipeline.text import singular

_PREPOSITIONS = frozenset({"of", "for", "to", "with", "in", "on", "from", "by", "about", "after", "during"})
_ALIAS_VERBS = frozenset({"know", "call", "term", "name", "refer"})
_LEAD_WORDS = frozenset({"understand", "understanding", "intriguing", "common", "main", "connection",
                         "exploring", "overview", "guide", "introduction"})


@dataclass(frozen=True)
class Topic:
    """`name` is the fullest form; `keys` are the normalised forms that refer to it."""

    name: str
    keys: tuple[str, ...]

    def matches(self, norm: str, trailing: frozenset[str] = frozenset()) -> bool:
        """Does a mention name the topic (or a kind of it)? `acute bronchitis` and `RLS symptoms` do
        (words in `trailing` may follow the name); `a history of DVT` names a history, not DVT."""
        words = [singular(w) for w in norm.split()]  # "Restless Legs" in a title, "restless leg" elsewhere
        for key in self.keys:
            key = " ".join(singular(w) for w in key.split())
            size = len(key.split())
            for i in range(len(words) - size + 1):
                if " ".join(words[i : i + size]) != key:
                    continue
                if all(w in trailing for w in words[i + size :]) and not set(words[:i]) & _PREPOSITIONS:
                    return True
        # the bare head noun refers back to the topic: "stones" in an article on kidney stones
        return len(words) == 1 and any(len(k.split()) > 1 and singular(k.split()[-1]) == words[0] for k in self.keys)


def _key_tokens(chunk: Span, lex: Lexicon) -> list[Token]:
    # "Phenobarbital-induced dyskinesia" -> "dyskinesia": a predicate's subtree is a claim, not the name
    claimed = {t.i for m in chunk if m.i != chunk.root.i and lex.predicates_for(m.lemma_, "VERB") for t in m.subtree}
    toks = [t for t in chunk if not (t.is_punct or t.is_space) and t.dep_ != "det"
            and t.lemma_.lower() not in lex.strip_words and t.i not in claimed]
    # "Restless Legs Causes" -> "Restless Legs": the relation noun is not the topic
    while toks and (lex.predicate(singular(toks[-1].lemma_.lower()), "NOUN")
                    or lex.is_class(singular(toks[-1].lemma_.lower()), "umbrella")):
        toks = toks[:-1]
    while toks and toks[0].lower_ in _LEAD_WORDS:
        toks = toks[1:]
    if toks and toks[-1].pos_ not in {"NOUN", "PROPN"}:
        return []  # "Vascular Medicine" minus its relation noun names nothing
    return toks


def abbreviation_norms(parsed: ParsedDocument) -> dict[str, str]:
    """Short form (normalised) -> long form (normalised), using the parsed pieces' words."""
    out: dict[str, str] = {}
    for short, long in parsed.abbreviations.items():
        norm = long.lower()
        for piece in parsed.pieces:
            at = piece.doc.text.find(long)
            if at >= 0 and (span := piece.doc.char_span(at, at + len(long), alignment_mode="expand")):
                norm = norm_tokens(span)
                break
        out[short.lower()] = norm
    return out


def detect_topic(parsed: ParsedDocument, lex: Lexicon) -> Topic | None:
    pieces = parsed.pieces
    abbreviations = abbreviation_norms(parsed)
    body = " " + " ".join(norm_tokens(p.doc) for p in pieces) + " "
    # the title names the topic when there is one; otherwise the opening paragraph does
    titles = [p for p in pieces if p.role == "title"][:1] or [p for p in pieces if p.role == "heading"][:1]
    opening = [p for p in pieces if p.role == "paragraph"][:1]
    scores = _candidates(titles, body, abbreviations, lex) or _candidates(opening, body, abbreviations, lex)
    if not scores:
        return None
    best = max(sorted(scores), key=lambda k: scores[k])
    keys = {best}
    for short, long in abbreviations.items():
        if best in {short, long} or long.startswith(best + " ") or best.startswith(long + " "):
            keys.update({short, long})
    keys |= _aliases(pieces, keys, lex)
    name = _fullest_name(best, keys, abbreviations, body, lex)
    keys |= _definitions(pieces, keys | {name}, lex)
    keys.add(name)
    keys |= _acronyms(pieces, keys)
    for key in list(keys):
        words = key.split()
        if len(words) > 1 and lex.is_class(words[-1], "topic_reference"):
            keys.add(" ".join(words[:-1]))
    return Topic(name=name, keys=tuple(sorted(keys)))


def _candidates(pieces: list[Piece], body: str, abbreviations: dict[str, str], lex: Lexicon) -> Counter[str]:
    """Noun phrases of `pieces`, scored by how often the text uses them (or their abbreviation)."""
    scores: Counter[str] = Counter()
    for piece in pieces:
        for chunk in piece.doc.noun_chunks:
            toks = _key_tokens(chunk, lex)
            if not toks or lex.is_population(toks[-1].lemma_):
                continue
            # a title's capitalised plurals are not lemmatised ("Restless Legs"): use the form the text uses
            plain = norm_tokens(toks)
            key = max((plain, " ".join(singular(w) for w in plain.split())), key=lambda k: (body.count(f" {k} "), k))
            if len(key) < 3:
                continue
            long = abbreviations.get(key)
            short = next((s for s, lf in abbreviations.items() if lf == key), None)
            count = body.count(f" {key} ") + (body.count(f" {long} ") if long else 0) \
                + (body.count(f" {short} ") if short else 0)
            weight = 1.5 if lex.is_class(toks[-1].lemma_, "topic_reference") or long or short else 1.0
            scores[key] = max(scores[key], count * weight)
    return +scores


def _fullest_name(best: str, keys: set[str], abbreviations: dict[str, str], body: str, lex: Lexicon) -> str:
    """The fullest form the text uses: `restless leg syndrome` rather than `restless leg` or `rls`."""
    candidates = [best] + [long for short, long in abbreviations.items() if short in keys and long in keys]
    extended = [f"{c} {w}" for c in candidates for w in lex.noun_classes.get("topic_reference", ())
                if body.count(f" {c} {w} ")]
    return max(candidates + extended, key=lambda k: (len(k.split()), body.count(f" {k} "), k))


def _acronyms(pieces: list[Piece], keys: set[str]) -> set[str]:
    """`RLS` for `restless legs syndrome` even where the text never defines it."""
    initials = {"".join(w[0] for w in k.split()) for k in keys if len(k.split()) > 1}
    found = set()
    for piece in pieces:
        for tok in piece.doc:
            if tok.is_upper and 2 <= len(tok.text) <= 6 and tok.text.isalpha() and tok.lower_ in initials:
                found.add(tok.lower_)
    return found


def _aliases(pieces: list[Piece], keys: set[str], lex: Lexicon) -> set[str]:
    """Names given in apposition: `X, also known as Y`, `X, formerly the Y`."""
    found: set[str] = set()
    for piece in pieces[:4]:
        for chunk in piece.doc.noun_chunks:
            if norm_tokens(_key_tokens(chunk, lex)) not in keys:
                continue
            for child in chunk.root.children:
                if child.dep_ == "appos":
                    found.add(_name_of(child))
                if child.dep_ == "acl" and child.lemma_.lower() in _ALIAS_VERBS:
                    for g in child.subtree:
                        if g.dep_ in {"pobj", "oprd", "attr"} and g.head.lower_ in {"as", child.lower_}:
                            found.add(_name_of(g))
    return {f for f in found if len(f) > 2}


def _definitions(pieces: list[Piece], keys: set[str], lex: Lexicon) -> set[str]:
    """`Deep vein thrombosis ... is a blood clot that forms in a vein`: what the topic is said to be,
    when that is a thing of its own rather than a class word (`a common condition`)."""
    found: set[str] = set()
    for piece in [p for p in pieces if p.role == "paragraph"][:2]:
        for sent in list(piece.doc.sents)[:2]:
            root = sent.root
            subjects = [c for c in root.children if c.dep_ == "nsubj"]
            if root.lemma_ != "be" or not subjects:
                continue
            subject = sent.doc[subjects[0].left_edge.i : subjects[0].right_edge.i + 1]
            if norm_tokens(_key_tokens(subject, lex)) not in keys:
                continue
            for attr in (c for c in root.children if c.dep_ == "attr" and c.pos_ == "NOUN"):
                lemma = attr.lemma_.lower()
                if any(lex.is_class(lemma, k) for k in ("topic_reference", "umbrella", "generic", "abstract")):
                    continue
                found.add(norm_tokens([t for t in attr.children if t.dep_ == "compound"] + [attr]))
    return found


def _name_of(tok: Token) -> str:
    """A short name in apposition (`the Willis-Ekbom disease`), or nothing if it is a description."""
    words = [t for t in tok.subtree if t.dep_ not in {"det", "advmod", "punct"} and not t.is_space]
    if len(words) > 4 or any(t.dep_ in {"conj", "prep", "relcl", "acl"} for t in words):
        return ""
    return norm_tokens(words)
