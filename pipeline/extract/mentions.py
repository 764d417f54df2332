"""From a predicate's argument token to the mentions it stands for.

One argument token can stand for several mentions: conjuncts (`kidney failure,
diabetes, and peripheral neuropathy`), examples that replace their umbrella
noun (`medications, such as antihistamines` -> `antihistamines`), and shared
modifiers (`cold and allergy medications`). Mention boundaries drop what is
not part of the thing itself: leading determiners and quantifiers,
appositions, asides (`particularly in the brain`) and relative clauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

from spacy.tokens import Token

from pipeline.extract.lexicon import Lexicon
from pipeline.extract.paths import first_match
from pipeline.text import singular

MAX_VARIANTS = 16
KEEP_PREPS = frozenset({"of", "in", "to", "for", "with", "within", "on", "between", "against", "after"})
KEEP_MODIFIERS = frozenset({"amod", "compound", "nmod", "nummod", "poss", "case", "npadvmod", "quantmod",
                            "nn", "dobj", "prt", "acomp", "attr", "oprd", "pobj", "pcomp"})
ARTICLES = frozenset({"a", "an", "the", "this", "these", "that", "those"})
RELATIVE = frozenset({"which", "that", "who", "whom", "whose"})
PRONOUNS = frozenset({"it", "they", "them", "this", "these", "that", "those", "its", "their"})
QUESTION_WORDS = frozenset({"what", "who", "which", "how"})
DEMONSTRATIVES = frozenset({"this", "these", "that", "those", "such"})
REFERRING = frozenset({"the", "this", "that", "these", "those", "its", "their", "your", "his", "her", "our"})
QUANTIFIER_HEADS = frozenset({"one", "some", "many", "most", "several", "all", "each", "any", "none",
                              "few", "both", "either", "majority", "number", "variety", "range", "host",
                              "half", "third", "quarter", "percent", "%", "proportion", "fraction"})


@dataclass(frozen=True)
class Arg:
    """One argument of a raw claim: an entity, or a reference resolved later.

    kind: `entity`; `topic` (the document's condition, e.g. `the syndrome`);
    `anaphor` (`this deficit`, `these substances`: resolved from the
    preceding text); `list` (the list items that follow the sentence); `open`
    (a question word: `What causes X?` leaves its cause to the section).
    `norm` is the mention's words, lower-case, nouns singular, for matching and ids;
    `vague` marks an umbrella word with nothing to say which (`secondary factors`);
    `outcome` an effect the sentence frames as something one suffers (`the risk of clotting`).
    """

    kind: str
    text: str
    start: int
    end: int
    head: str
    umbrella: str = ""
    norm: str = ""
    vague: bool = False
    outcome: bool = False


def norm_tokens(tokens) -> str:
    """Lower-case words, nouns in the singular: `Restless legs` -> `restless leg`."""
    words = []
    for t in tokens:
        if t.is_punct or t.is_space:
            continue
        word = t.text.lower()
        if t.pos_ in {"NOUN", "PROPN"} and t.tag_ in {"NNS", "NNPS"}:
            # proper nouns keep their plural in spaCy's lemma: "Restless Legs" in a title
            word = t.lemma_.lower() if t.lemma_.lower() != word else singular(word)
        words.append(re.sub(r"[^a-z0-9]+", " ", word).strip())
    return " ".join(w for w in words if w)


def _conjuncts(tok: Token) -> list[Token]:
    out, todo = [tok], [tok]
    while todo:
        cur = todo.pop()
        for child in cur.children:
            if child.dep_ == "conj" and not _is_clause(child) and not (
                    cur.dep_ == "acomp" and child.pos_ == "ADJ" and cur.head.dep_ != "relcl"):
                out.append(child)
                todo.append(child)
    return sorted(out, key=lambda t: t.i)


def _is_clause(tok: Token) -> bool:
    return tok.pos_ in {"VERB", "AUX"} and tok.tag_ != "VBG" and any(
        c.dep_ in {"nsubj", "nsubjpass", "aux"} for c in tok.children
    )


def _has_marker(tok: Token, lex: Lexicon) -> bool:
    return any(c.dep_ in {"advmod", "prep", "cc"} and c.lower_ in lex.example_markers and c.i < tok.i
               for c in tok.children)


def examples(tok: Token, lex: Lexicon) -> list[Token]:
    """Example tokens that `tok` is an umbrella for (`X such as A`, `X, especially A`)."""
    found: list[Token] = []
    for child in tok.children:
        low = child.lower_
        if child.dep_ == "prep" and low == "as" and any(g.lower_ == "such" for g in child.children):
            found += [g for g in child.children if g.dep_ in {"pobj", "pcomp"}]
        elif child.dep_ in {"prep", "amod", "acl"} and low == "such":
            for g in child.children:
                if g.lower_ == "as":
                    found += [h for h in g.children if h.dep_ in {"pobj", "pcomp"}]
        elif child.dep_ in {"prep", "acl"} and low in lex.example_markers:
            found += [g for g in child.children if g.dep_ in {"pobj", "dobj", "pcomp"}]
        elif child.dep_ in {"appos", "acl"} and _has_marker(child, lex):
            found.append(child)
    return sorted(found, key=lambda t: t.i)


def _keep_child(head: Token, child: Token, lex: Lexicon, top: bool) -> bool:
    dep, lemma = child.dep_, child.lemma_.lower()
    if child.is_space or child.text in {"(", ")"}:
        return False
    if dep == "punct":
        return child.tag_ == "HYPH" or child.text in {"'", "’", "/"}
    if not child.whitespace_ and child.i + 2 == head.i and child.nbor().tag_ == "HYPH":
        return True  # "loose-fitting": one word written with a hyphen
    if dep in {"det", "predet"}:
        return not top and child.lower_ in ARTICLES
    if dep == "neg":
        return head.pos_ == "VERB" and head.tag_ in {"VBG", "VB"}
    if dep == "aux" and child.lower_ in {"do", "don't"} and head.tag_ == "VB":
        return any(c.dep_ == "neg" for c in head.children)
    if lemma in lex.strip_words and dep in {"amod", "advmod", "quantmod", "nummod", "det"}:
        return False
    if dep == "advmod" and child.lower_ in {"too", "not"} and head.pos_ in {"ADJ", "ADV"}:
        return True
    if dep == "advmod" and head.tag_ == "VBG" and any(g.dep_ == "prep" for g in child.children):
        return True
    population = lex.is_class(head.lemma_, "population") or lex.is_class(head.lemma_, "generic")
    if dep in {"relcl", "acl"}:
        if any(_sentential(w) is not None for w in child.children if w.lower_ == "which"):
            return False  # ", which in turn ...": about the whole clause, not this noun
        return population and not top or lex.is_population(head.lemma_)
    if dep == "prep":
        if child.i < head.i and head.pos_ in {"NOUN", "PROPN"}:
            return False  # "and, in some cases, medications": a phrase before a noun is no part of it
        if any(g.dep_ == "advmod" and g.lower_ in lex.example_markers for g in child.children):
            return False
        if child.lower_ in lex.example_markers:
            return False
        if any(g.dep_ == "pobj" and lex.is_population(g.lemma_) for g in child.children):
            return False  # "dyskinesia in a child": where it occurs, not what it is
        return population or lemma in KEEP_PREPS
    return dep in KEEP_MODIFIERS


def _shared_noun(group: list[Token]) -> Token | None:
    """`spicy, fatty or acidic foods` parsed as conjuncts with `foods` hung on the first: the noun
    right after the last conjunct belongs to every bare modifier in the list."""
    last = group[-1]
    if len(group) < 2 or last.i + 1 >= len(last.doc):
        return None
    noun = last.doc[last.i + 1]
    if noun.pos_ == "NOUN" and noun.dep_ in {"appos", "conj", "dobj", "pobj"} and noun.head.i in {t.i for t in group}:
        return noun
    return None


def _shared_preps(group: list[Token], lex: Lexicon, top: bool, exclude: int) -> list[Token]:
    """`signs and symptoms of DVT` parsed with `of DVT` hung on the first conjunct although it
    follows the last: the phrase belongs to every conjunct."""
    first, last = group[0], group[-1]
    preps = [c for c in first.children if c.dep_ == "prep" and c.i > last.i and _keep_child(first, c, lex, top)]
    toks = [t for p in preps for t in p.subtree if not t.is_space]
    return [] if any(t.i == exclude for t in toks) else toks


def _coordinated_quantifiers(group: list[Token]) -> tuple[list[Token], str] | None:
    """`removal of part or all of the thyroid`, parsed with `all` as a conjunct of `removal`: one
    mention, `removal of the thyroid`, not `removal of part` and `all of the thyroid`."""
    if len(group) != 2:
        return None
    first, last = group
    quantifiers = QUANTIFIER_HEADS | {"part"}
    inner = first_match(last, ("prep[of]>pobj",))
    edge = first.doc[last.i - 2] if last.i >= 2 else first
    if (last.lemma_.lower() not in quantifiers or not inner or edge.lemma_.lower() not in quantifiers
            or edge.dep_ != "pobj" or edge.head.head.i != first.i or first.doc[last.i - 1].dep_ != "cc"):
        return None
    toks = [t for t in first.subtree if t.i < edge.i and not t.is_space] + [
        t for t in inner[0].subtree if not t.is_space]
    return toks, ""


def _variants(tok: Token, lex: Lexicon, top: bool, exclude: int = -1) -> list[tuple[list[Token], str]]:
    out: list[tuple[list[Token], str]] = []
    group = _conjuncts(tok)
    if quantified := _coordinated_quantifiers(group):
        return [quantified]
    noun = _shared_noun(group)
    shared = _shared_preps(group, lex, top, exclude) if len(group) > 1 else []
    for alt in group:
        if noun is not None and alt.i != group[0].i and not [c for c in alt.children
                                                             if c.dep_ not in {"cc", "conj", "punct"}]:
            out.append(([alt, noun], ""))
            continue
        if shared and alt.i != group[0].i and not any(c.dep_ == "prep" for c in alt.children):
            out.extend((sorted(toks + shared, key=lambda t: t.i), umbrella)
                       for toks, umbrella in _single(alt, lex, top, exclude))
            continue
        out.extend(_single(alt, lex, top, exclude))
        if len(out) >= MAX_VARIANTS:
            break
    # "Early treatment, combined with quitting smoking, can improve X": the partner acts too
    paths = lex.frames.get("co_argument", {}).get("mention", {}).get("partner", ())
    for partner in (p for t in group for p in first_match(t, paths)):
        out.extend(_variants(partner, lex, top, exclude))
    return out[:MAX_VARIANTS]


def _single(tok: Token, lex: Lexicon, top: bool, exclude: int) -> list[tuple[list[Token], str]]:
    ex = examples(tok, lex)
    if ex:
        # "Managing chronic illnesses such as diabetes": the gerund the parser hung on the umbrella
        # governs each example ("managing diabetes"), the umbrella's adjectives do not
        gerunds = [c for c in tok.children if c.dep_ == "amod" and c.pos_ == "VERB" and c.tag_ == "VBG"
                   and c.i == tok.left_edge.i and c.i != exclude]
        if tok.pos_ == "VERB" and tok.tag_ == "VBG" and any(c.dep_ == "dobj" for c in tok.children):
            gerunds = [tok]  # "Avoiding foods high in oxalate, such as spinach": avoiding spinach
        res: list[tuple[list[Token], str]] = []
        for e in ex:
            res += [(gerunds + toks, tok.lemma_.lower()) for toks, _ in _variants(e, lex, top, exclude)]
        return res
    choices: list[list[tuple[list[Token], str]]] = [[([tok], "")]]
    for child in tok.children:
        if child.i == exclude or child.dep_ in {"conj", "cc"} or not _keep_child(tok, child, lex, top):
            continue
        if child.dep_ in {"relcl", "acl"}:  # a clause is kept whole, not re-cut into mentions
            clause = [t for t in child.subtree if not t.is_space]
            if all(t.i != exclude for t in clause):  # unless it holds the claim itself
                choices.append([(clause, "")])
            continue
        choices.append(_variants(child, lex, False, exclude) or [([], "")])
    combos = []
    for combo in product(*choices):
        toks = [t for part, _ in combo for t in part]
        umbrella = next((u for _, u in combo if u), "")
        combos.append((sorted(set(toks), key=lambda t: t.i), umbrella))
        if len(combos) >= MAX_VARIANTS:
            break
    return combos


def render(tokens: list[Token]) -> str:
    """Text of possibly non-contiguous tokens, spaced as in the document."""
    parts = []
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        ws = tok.whitespace_ if nxt is not None and nxt.i == tok.i + 1 else (" " if nxt is not None else "")
        parts.append(tok.text + ws)
    return "".join(parts).strip().strip(" ,;:-–—")


def resolve_relative(tok: Token) -> Token:
    """`which`/`that` as a relative clause's subject stands for the noun it modifies; when that noun
    only classifies another (`X is a disorder that ...`, `X, a disease that ...`), for the other."""
    if tok.lower_ in RELATIVE and tok.head.dep_ == "relcl":
        return _sentential(tok) or _classified(tok.head.head)
    return tok


def _sentential(which: Token) -> Token | None:
    """`DBS can reduce the need for levodopa, which in turn decreases X`: `which ... in turn` takes
    up the whole clause before it, so its cause is that clause's subject."""
    verb = which.head
    if which.lower_ != "which" or not any(c.lower_ == "in" and any(g.lower_ == "turn" for g in c.children)
                                          for c in verb.children):
        return None
    clause = next((a for a in verb.head.ancestors if a.pos_ in {"VERB", "AUX"}), None)
    subject = [c for c in clause.children if c.dep_ in {"nsubj", "nsubjpass"}] if clause is not None else []
    return subject[0] if subject else None


def _classified(noun: Token) -> Token:
    if not any(c.dep_ == "det" and c.lower_ in {"a", "an"} for c in noun.children):
        return noun
    if noun.dep_ == "appos" and noun.head.pos_ in {"NOUN", "PROPN"}:
        return noun.head
    subject = copula_subjects(noun)
    return subject[0] if subject else noun


def copula_subjects(noun: Token) -> list[Token]:
    """The nouns a copula says are `noun`: `Anticoagulants` in `Anticoagulants are the most common
    medicines for DVT`."""
    if noun.dep_ == "attr" and noun.head.lemma_ == "be":
        return [c for c in noun.head.children if c.dep_ == "nsubj" and c.pos_ in {"NOUN", "PROPN"}]
    return []


def climb_quantifier(tok: Token) -> Token:
    """`one of the causes` -> `causes`; `a variety of medications` -> `medications`."""
    while tok.lemma_.lower() in QUANTIFIER_HEADS:
        inner = first_match(tok, ("prep[of]>pobj",))
        if not inner:
            break
        tok = inner[0]
    return tok


def _conjunct_of(tok: Token, root: Token) -> bool:
    """Is `tok` a conjunct (or an example) standing in for `root`?"""
    while tok.i != root.i and tok.dep_ in {"conj", "appos", "pobj"} and tok.head.i != tok.i:
        tok = tok.head if tok.dep_ != "pobj" else tok.head.head
    return tok.i == root.i


def _plain(tok: Token, lex: Lexicon, exclude: int) -> list[Arg]:
    """The mention of `tok` itself, its examples left out."""
    toks = [tok] + [t for c in tok.children if c.i != exclude and c.dep_ not in {"conj", "cc"}
                    and _keep_child(tok, c, lex, True) and not examples_marker(c, lex) for t in c.subtree
                    if not t.is_space]
    toks = sorted(toks, key=lambda t: t.i)
    return [Arg("entity", render(toks), toks[0].idx, toks[-1].idx + len(toks[-1]), tok.lemma_.lower(),
                norm=norm_tokens(toks))]


def examples_marker(tok: Token, lex: Lexicon) -> bool:
    return tok.lower_ in lex.example_markers or tok.lower_ == "as" and any(g.lower_ == "such" for g in tok.children)


def _is_vague(head: Token, toks: list[Token], lex: Lexicon, substituted: bool) -> bool:
    """An umbrella word whose modifiers only rank or count it: `secondary factors`,
    `these root causes`, `Identifying` (but not `genetic factors`)."""
    if substituted:
        return False
    lemma = head.lemma_.lower()
    if head.pos_ == "VERB" and head.tag_ == "VBG" and head.dep_ != "acomp":  # "is threatening": an adjective
        if lex.is_class(lemma, "abstract"):
            return True  # "Understanding the root causes of X" does nothing to X
        objects = [t for t in toks if t.head.i == head.i and t.dep_ in {"dobj", "pobj", "attr"}]
        rest = [t for t in toks if t.i != head.i and not t.is_punct and t.dep_ != "det"]
        # "Treating" alone, or "inhaling or being exposed to X" sharing a later object, says nothing;
        # "the risk of clotting" names a process
        transitive = lex.predicate(lemma, "VERB") is not None or any(c.dep_ == "conj" for c in head.children)
        bare = not rest and transitive
        return bare or any(_is_vague(o, [t for t in toks if t.head.i == o.i or t.i == o.i], lex, False)
                               for o in objects)
    if lex.is_class(lemma, "abstract") or lex.is_class(lemma, "agent"):
        return True  # "continued research into X", "doctors": not causes of anything
    if not (lex.is_class(lemma, "umbrella") or lex.is_class(lemma, "population_generic")
            or lex.is_class(lemma, "generic")):
        return False
    words = {t.lemma_.lower() for t in toks if t.i != head.i and not (t.is_punct or t.is_space)}
    if lex.is_class(lemma, "population_generic") and {t.lower_ for t in head.subtree} & {"all", "any", "every"}:
        return True  # "people of all ages" (the quantifier itself is not kept in the mention)
    return words <= lex.strip_words | lex.evaluative | ARTICLES


SUBJECTS = frozenset({"nsubj", "nsubjpass"})
CONDITIONS = frozenset({"when", "if", "whenever", "once", "after", "before", "while"})


def clause_mention(verb: Token, skip_aux: bool = False, cut: frozenset[int] = frozenset()) -> Arg:
    """A condition stated as a clause (`when the urine is persistently acidic`) is one mention;
    a purpose (`to keep bones strong`) too, without its `to`. Tokens in `cut` are left out."""
    markers = {c.i for c in verb.children if c.dep_ == "mark" or (c.dep_ == "advmod" and c.lower_ in CONDITIONS)
               or (skip_aux and c.dep_ == "aux")}
    toks = [t for t in verb.subtree if t.i not in markers | cut and not t.is_space]
    while toks and toks[0].is_punct:
        toks.pop(0)
    while toks and toks[-1].is_punct:
        toks.pop()
    return Arg("entity", render(toks), toks[0].idx, toks[-1].idx + len(toks[-1]), verb.lemma_.lower(),
               norm=norm_tokens(toks))


def clause_mentions(verb: Token) -> list[Arg]:
    """`if the travel time is longer than 4 hours or you have other risk factors`: two conditions."""
    others = [c for c in verb.children if c.dep_ == "conj" and _is_clause(c)]
    cut = frozenset({t.i for c in others for t in c.subtree} | {c.i for c in verb.children if c.dep_ == "cc"}
                    if others else ())
    return [clause_mention(verb, cut=cut), *(a for c in others for a in clause_mentions(c))]


def mentions(tok: Token, lex: Lexicon, exclude: int = -1, use_examples: bool = True) -> list[Arg]:
    """Every mention that the argument token `tok` stands for; the predicate at index
    `exclude` is never part of its own argument (`Phenobarbital-induced dyskinesia`)."""
    tok = climb_quantifier(resolve_relative(tok))
    if lex.is_population(tok.lemma_):
        # "individuals with varicose veins", "people who have chronic bronchitis" stand for the condition
        condition = first_match(tok, ("prep[with]>pobj", "relcl[have|develop|get]>dobj",
                                      "acl[take|use|receive|have]>dobj", "relcl[be]>acomp"))
        if condition and not (condition[0].dep_ == "acomp" and any(c.dep_ == "prep" for c in condition[0].children)):
            tok = condition[0]  # but "people who are older than 45" stay whole
    lemma = tok.lemma_.lower()
    span = (tok.idx, tok.idx + len(tok))
    if tok.lower_ in QUESTION_WORDS and tok.tag_ in {"WP", "WDT", "WRB"}:
        return [Arg("open", tok.text, *span, lemma, norm=lemma)]
    if lemma in {"following", "below"} and not any(c.dep_ in {"pobj", "dobj"} for c in tok.children):
        return [Arg("list", tok.text, *span, lemma)]  # "include the following:" points at the list
    if tok.pos_ == "PRON" or (lemma in PRONOUNS and tok.pos_ in {"DET", "PRON"}):
        kind = "topic" if lemma == "it" else "anaphor"
        return [Arg(kind, tok.text, *span, lemma, norm=lemma)]
    if tok.pos_ in {"VERB", "AUX"} and tok.dep_ == "advcl" and any(c.dep_ in SUBJECTS for c in tok.children):
        return clause_mentions(tok)
    has_examples = use_examples and bool(examples(tok, lex))
    if not use_examples:
        found = [a for a in _plain(tok, lex, exclude)]
        return found
    if not has_examples:
        content = [c for c in tok.children if _keep_child(tok, c, lex, True) and c.dep_ not in {"conj", "cc"}]
        demonstrative = any(c.dep_ == "det" and c.lower_ in DEMONSTRATIVES for c in tok.children)
        definite = any(c.dep_ in {"det", "poss"} and c.lower_ in REFERRING for c in tok.children)
        if lex.is_class(lemma, "topic_reference") and not content and not _conjuncts(tok)[1:] and (
                definite or lex.is_class(lemma, "manifestation")):
            return [Arg("topic", tok.text, *span, lemma, norm=lemma)]
        if demonstrative:
            return [Arg("anaphor", tok.text, *span, lemma, norm=lemma)]
    args = []
    for toks, umbrella in _variants(tok, lex, True, exclude):
        toks = [t for t in toks if not t.is_space]
        text = render(toks) if toks else ""
        if not text:
            continue
        ids = {t.i for t in toks}
        # the argument's own token heads its mention; a distributed modifier ("secondary" in
        # "primary and secondary causes") hangs on a conjunct outside the mention and is no head
        tops = [t for t in toks if t.head.i not in ids or t.head.i == t.i]
        head = tok if tok.i in ids else next(
            (t for t in tops if _conjunct_of(t, tok)),
            next((t for t in tops if t.pos_ in {"NOUN", "PROPN"}), tops[0] if tops else toks[-1]))
        args.append(Arg("entity", text, toks[0].idx, toks[-1].idx + len(toks[-1]), head.lemma_.lower(),
                        umbrella, norm_tokens(toks), _is_vague(head, toks, lex, bool(umbrella))))
    return args
