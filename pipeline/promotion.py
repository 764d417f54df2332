"""Promotional documents: the cues that show it, a score in [0, 1], and what is sold.

A reader must be able to check every promotional flag, so the score is built
only from cues that can be quoted: spaCy Matcher patterns in
`models/promotion/cues.jsonl`, each of one category (call to action,
first-person offer, self-named brand, pricing, steering to one kind of
provider, ...), weighted in `models/scoring/parameters.toml`. Cues match
lemmas and parts of speech, not phrases of particular articles, so they carry
over to other conditions and other clinics.

What a promotional document sells is read off the parse of the same cues: the
object of `we offer ...`, the noun that `... offered at <Name>` describes,
the field of the specialist it sends readers to (`specialists in vascular
medicine`, `a vein specialist`), and field words inside its own name
(`...veinspecialists.com`). Each becomes an `Offer` with a concept id (from the
normaliser, so it meets claim arguments) and the words a claim's concept must
share to fall under it (widened by `models/promotion/fields.tsv`, which lists
the vocabulary of medical fields: a vascular clinic sells what concerns veins
and arteries).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from spacy.matcher import Matcher
from spacy.tokens import Span, Token
from spacy.vocab import Vocab

from pipeline.analysis import ParsedDocument, Piece
from pipeline.model import Cue, Document, Offer, Promotion, Source
from pipeline.normalise import singular
from pipeline.parameters import parameters
from pipeline.settings import MODELS_DIR
from pipeline.sources import as_domain

PROMOTION_DIR = Path(MODELS_DIR) / "promotion"
OfferKind = Literal["", "object", "modified_noun", "field"]
NameKind = Literal["", "title_run", "token"]
_NAME_TOKEN = re.compile(r"^([A-Z][\w&'’.-]*|of|for|and|&|the)$")
_CONNECTORS = {"of", "for", "and", "&", "the"}
_PHRASE_DEPS = {"compound", "amod", "nmod", "nummod", "poss", "npadvmod", "det", "advmod", "punct", "hmod", "hyph"}


class BadCueFile(ValueError):
    """A cue file that cannot be used, named with the line at fault."""


@dataclass(frozen=True)
class CueRule:
    id: str
    category: str
    pattern: tuple
    offer: OfferKind = ""  # how to read what is sold from a match
    name: NameKind = ""  # how to read the brand or domain a match names
    anchor: int = 0  # the pattern position of the token an offer or name is read from
    object_not_in: frozenset[str] = frozenset()  # head nouns that offer nothing for sale (`we provide evidence`)


@dataclass(frozen=True)
class Found:
    """A cue as matched, with what it says is sold and who it names."""

    rule: CueRule
    cue: Cue
    offer_phrase: str = ""
    offer_words: tuple[str, ...] = ()
    named: str = ""
    named_kind: Literal["", "domain", "brand"] = ""


@dataclass(frozen=True)
class Findings:
    """Everything promotion and source identification need from one document."""

    found: tuple[Found, ...]
    domains: tuple[tuple[str, str], ...]  # (domain as written, sentence) for every web domain the text names
    headings: tuple[tuple[str, int, int], ...]  # title and headings (text, start, end): a page's announced subject


# ---------------------------------------------------------------- data files

@cache
def cue_rules(path: Path = PROMOTION_DIR / "cues.jsonl") -> tuple[CueRule, ...]:
    weights = parameters()["promotion"]["weights"]
    rules = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                rule = CueRule(row["id"], row["category"], tuple(row["pattern"]), row.get("offer", ""),
                               row.get("name", ""), int(row.get("anchor", 0)),
                               frozenset(w.lower() for w in row.get("object_not_in", ())))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise BadCueFile(f"{path}:{lineno}: not a cue rule ({type(exc).__name__}: {exc})") from exc
            if rule.category not in weights and rule.category != "provider_framing":
                raise BadCueFile(f"{path}:{lineno}: category {rule.category!r} has no weight in the parameters")
            if rule.offer not in {"", "object", "modified_noun", "field"} or rule.name not in {"", "title_run",
                                                                                              "token"}:
                raise BadCueFile(f"{path}:{lineno}: unknown offer or name reading in {rule.id!r}")
            if not 0 <= rule.anchor < len(rule.pattern):
                raise BadCueFile(f"{path}:{lineno}: anchor {rule.anchor} outside the pattern of {rule.id!r}")
            rules.append(rule)
    return tuple(rules)


@cache
def service_words(path: Path = PROMOTION_DIR / "service_words.tsv") -> frozenset[str]:
    """Words that say a service is sold but not what it is about (`treatment`, `clinic`, `tailored`)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return frozenset(singular(r["word"].strip().lower()) for r in csv.DictReader(fh, delimiter="\t"))


@cache
def field_families(path: Path = PROMOTION_DIR / "fields.tsv") -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(field, its words as singular word strings): the vocabulary of each medical field."""
    with open(path, newline="", encoding="utf-8") as fh:
        return tuple((r["field"], tuple(sorted({words_of(w) for w in r["words"].split("|") if w.strip()})))
                     for r in csv.DictReader(fh, delimiter="\t"))


_matchers: dict[int, tuple[Vocab, Matcher]] = {}


def matcher_for(vocab: Vocab) -> Matcher:
    """One Matcher per vocabulary (the shared pipeline's), built from the cue file."""
    if id(vocab) not in _matchers:
        matcher = Matcher(vocab, validate=True)
        for rule in cue_rules():
            matcher.add(rule.id, [list(rule.pattern)])
        _matchers[id(vocab)] = (vocab, matcher)
    return _matchers[id(vocab)][1]


# ---------------------------------------------------------------- words

def words_of(text: str) -> str:
    """Lower-case singular words, space-separated: the form concepts and offers are compared in."""
    return " ".join(singular(w) for w in re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def content_words(text: str) -> tuple[str, ...]:
    """The words of a phrase that say what it is about, service and marketing words dropped."""
    generic = service_words()
    return tuple(w for w in words_of(text).split() if w not in generic and not w.isdigit())


def widen(words: Iterable[str]) -> tuple[str, ...]:
    """The words of an offer plus the vocabulary of every medical field they belong to."""
    words = tuple(words)
    joined = f" {' '.join(words)} "
    out = set(words)
    for _, family in field_families():
        if any(f" {term} " in joined for term in family):
            out.update(family)
    return tuple(sorted(out))


# ---------------------------------------------------------------- matching

def _sentence(document: Document, piece: Piece, token: Token) -> tuple[str, int, int]:
    sent = token.sent
    start, end = piece.start(sent.start_char), piece.end(sent.end_char)
    return document.text[start:end], start, end


def _aligned(span: Span, alignments: list[int], index: int) -> Token | None:
    for token, position in zip(span, alignments, strict=False):
        if position == index:
            return token
    return None


def _phrase(noun: Token) -> list[Token]:
    """The noun with its left modifiers (`tailored ketamine treatments`), no clause after it."""
    tokens = [noun]
    for child in reversed(list(noun.lefts)):
        if child.dep_ not in _PHRASE_DEPS:
            break
        tokens = [t for t in child.subtree if t.i < noun.i] + tokens
    tokens = sorted(set(tokens), key=lambda t: t.i)
    generic = service_words()
    while len(tokens) > 1 and (tokens[0].pos_ in {"DET", "PRON", "PUNCT", "CCONJ"} or tokens[0].is_stop
                               or singular(tokens[0].lower_) in generic):
        tokens = tokens[1:]
    return tokens


def _phrases(head: Token | None) -> list[list[Token]]:
    """A noun phrase and its conjuncts (`we offer X and Y`)."""
    if head is None:
        return []
    return [_phrase(t) for t in [head, *head.conjuncts] if t.pos_ in {"NOUN", "PROPN", "ADJ", "X"}]


def _offer_heads(rule: CueRule, anchor: Token) -> list[list[Token]]:
    if rule.offer == "object":
        if anchor.lower_ == "in":
            return _phrases(next((c for c in anchor.children if c.dep_ == "pobj"), None))
        return _phrases(next((c for c in anchor.children if c.dep_ in {"dobj", "obj"}), None))
    if rule.offer == "modified_noun":
        if anchor.dep_ in {"acl", "amod", "relcl"} and anchor.head.pos_ in {"NOUN", "PROPN"}:
            return _phrases(anchor.head)
        return []
    if rule.offer == "field":
        prep = next((c for c in anchor.rights if c.dep_ == "prep" and c.lower_ == "in"), None)
        if prep is not None:
            return _phrases(next((c for c in prep.children if c.dep_ == "pobj"), None))
        mods = [t for t in _phrase(anchor) if t.i < anchor.i]
        return [mods] if mods else []
    return []


def _name(rule: CueRule, anchor: Token) -> tuple[str, Literal["", "domain", "brand"], list[Token]]:
    """The domain or brand a cue names, and its tokens."""
    if rule.name == "token":
        return anchor.text.strip(".,;:"), "domain", [anchor]
    if rule.name == "title_run":
        run = []
        for token in anchor.doc[anchor.i:]:
            if not _NAME_TOKEN.match(token.text):
                break
            run.append(token)
        while run and run[-1].lower_ in _CONNECTORS:
            run.pop()
        if run and any(t.pos_ == "PROPN" for t in run):
            return anchor.doc[run[0].i : run[-1].i + 1].text, "brand", run
    return "", "", []


def _display(span: Span, related: list[Token]) -> tuple[int, int]:
    """The characters a cue shows: the match, widened over the offer or name it reads next to it
    (`ketamine treatments` + `offered at Thrive` + `Center for Health`)."""
    near = {t.i for t in related}
    first, last = span.start, span.end - 1
    while first - 1 in near:
        first -= 1
    while last + 1 in near:
        last += 1
    doc = span.doc
    return doc[first].idx, doc[last].idx + len(doc[last])


def _match_piece(document: Document, piece: Piece, weights: dict[str, float]) -> list[Found]:
    rules = {rule.id: rule for rule in cue_rules()}
    doc = piece.doc
    matcher = matcher_for(doc.vocab)
    best: dict[tuple[str, int], tuple[int, Span, list[int]]] = {}
    for match_id, start, end, alignments in matcher(doc, with_alignments=True):
        rule = rules[doc.vocab.strings[match_id]]
        span = doc[start:end]
        anchor = _aligned(span, alignments, rule.anchor)
        key = (rule.id, anchor.i if anchor is not None else start)
        if key not in best or end - start < best[key][0]:
            best[key] = (end - start, span, alignments)
    found = []
    for (rule_id, _), (_, span, alignments) in sorted(best.items(), key=lambda kv: (kv[1][1].start, kv[0][0])):
        rule = rules[rule_id]
        anchor = _aligned(span, alignments, rule.anchor)
        if anchor is None:
            continue
        phrases = [p for p in _offer_heads(rule, anchor) if p] if rule.offer else []
        if rule.offer == "object":
            phrases = [p for p in phrases
                       if not {p[-1].lemma_.lower(), p[-1].lower_, singular(p[-1].lower_)} & rule.object_not_in]
            if not phrases:
                continue  # "we provide evidence": the first person of a paper, not of a seller
        offer_phrase = ""
        offer_words: tuple[str, ...] = ()
        offer_tokens: list[Token] = []
        for phrase in phrases:
            words = content_words(" ".join(t.text for t in phrase))
            if words:
                offer_phrase = document.text[piece.start(phrase[0].idx) : piece.end(phrase[-1].idx
                                                                                      + len(phrase[-1]))]
                offer_words, offer_tokens = words, phrase
                break
        if rule.category == "steering" and not offer_words:
            continue  # "see your doctor" steers nowhere in particular
        named, named_kind, name_tokens = _name(rule, anchor) if rule.name else ("", "", [])
        if rule.name and not named or named_kind == "domain" and not _names_domain(anchor):
            continue
        sentence, s_start, s_end = _sentence(document, piece, span[0])
        start, end = _display(span, offer_tokens + name_tokens)
        text = document.text[piece.start(start) : piece.end(end)]
        cue = Cue(rule.category, text, sentence, s_start, s_end, float(weights[rule.category]))
        found.append(Found(rule, cue, offer_phrase, offer_words, named, named_kind))
    return found


def _names_domain(token: Token) -> bool:
    """A web domain written in prose; `0.5 mg.kg` is a unit, not a site."""
    if not token.like_url or (token.i > 0 and token.nbor(-1).like_num):
        return False
    domain = as_domain(token.text)
    return len(domain.split(".")[0]) >= 3


def find(document: Document, parsed: ParsedDocument) -> Findings:
    """Every cue of `document`, the domains it names and its headings."""
    weights = parameters()["promotion"]["weights"]
    found: list[Found] = []
    domains: list[tuple[str, str]] = []
    headings: list[tuple[str, int, int]] = []
    for piece in parsed.pieces:
        found += _match_piece(document, piece, weights)
        for token in piece.doc:
            if _names_domain(token):
                domains.append((token.text.strip(".,;:"), _sentence(document, piece, token)[0]))
        if piece.role in {"title", "heading"}:
            start, end = piece.start(0), piece.end(len(piece.doc.text))
            headings.append((document.text[start:end], start, end))
    if document.title and document.title not in {h[0] for h in headings}:
        headings.insert(0, (document.title, -1, -1))  # from metadata: no place in the text
    return Findings(tuple(found), tuple(domains), tuple(headings))


# ---------------------------------------------------------------- scoring

def framing_cues(findings: Findings, weight: float) -> list[Cue]:
    """A page that steers readers to a field and names that field in its title or headings is built around it."""
    fields = {w for f in findings.found if f.rule.category == "steering" for w in f.offer_words}
    cues = []
    for heading, start, end in findings.headings:
        shared = [w for w in re.findall(r"\w+", heading) if words_of(w) in fields]
        if shared:
            cues.append(Cue("provider_framing", " ".join(dict.fromkeys(shared)), heading, start, end, weight))
    return cues


def score(cues: Iterable[Cue]) -> float:
    """Noisy-or of the cue weights, each category counted in at most `max_per_category` sentences."""
    limit = int(parameters()["promotion"]["max_per_category"])
    per_category: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    remaining = 1.0
    for cue in cues:
        if (cue.category, cue.sentence) in seen or per_category[cue.category] >= limit:
            continue
        seen.add((cue.category, cue.sentence))
        per_category[cue.category] += 1
        remaining *= 1 - cue.weight
    return round(1 - remaining, 4)


def name_offers(source: Source) -> list[tuple[str, tuple[str, ...], str]]:
    """Fields a publisher's own name announces (`...veinspecialists.com` -> vein): (term, words, basis)."""
    if source.key.startswith("doc:"):
        return []
    out = []
    for _, family in field_families():
        for term in family:
            compact = term.replace(" ", "")
            if len(compact) >= 4 and compact in source.key:
                out.append((term, (term,), f'the publisher\'s name "{source.name}" contains "{term}"'))
                break
    return out


def assess(findings: Findings, source: Source | None = None,
           concept: Callable[[str], tuple[str, str]] | None = None) -> Promotion:
    """Score and label a document; for a promotional one, what it sells.

    `concept(phrase) -> (name, concept_id)` names an offer the way claim
    arguments are named, so an offer and a claim's cause can be compared by id.
    """
    params = parameters()["promotion"]
    cues = [f.cue for f in findings.found]
    cues += framing_cues(findings, float(params["weights"]["provider_framing"]))
    value = score(cues)
    promotional = value >= float(params["threshold"])
    offers: dict[str, Offer] = {}
    if promotional:
        sold = [(f.offer_phrase, f.offer_words, f'{f.rule.category} "{f.cue.text}"')
                for f in findings.found if f.offer_words]
        if source is not None:
            sold += name_offers(source)
        for phrase, words, basis in sold:
            name, concept_id = concept(phrase) if concept else (phrase, "")
            if concept_id not in offers:
                offers[concept_id] = Offer(name, concept_id, widen(words), basis)
    ordered = sorted(cues, key=lambda c: (c.start_char if c.start_char >= 0 else -1, c.category, c.text))
    return Promotion(value, promotional, tuple(ordered), tuple(sorted(offers.values(), key=lambda o: o.concept_id)))
