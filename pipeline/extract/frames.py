"""Read cause-effect claims off one parsed sentence.

Each trigger word found in the lexicon (a causal or treatment verb, a causal
noun such as `cause`/`risk factor`/`treatment`, an adjective such as
`responsible`, a causal preposition such as `due to`) is matched to its frame
in `models/claims/frames.json`; the frame's dependency paths give the cause
and effect tokens, which `mentions` turns into argument mentions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spacy.matcher import Matcher
from spacy.tokens import Span, Token

from pipeline.extract.lexicon import Lexicon, Predicate
from pipeline.extract.mentions import Arg, clause_mention, climb_quantifier, examples, mentions, resolve_relative
from pipeline.extract.modality import hedge_cue, is_negated
from pipeline.extract.paths import first_match

COPULAS = frozenset({"be", "remain", "become", "represent", "constitute", "seem", "appear", "consider",
                     "believe", "think", "know", "regard", "deem", "list", "recognize", "identify", "cite"})
INCLUDES = frozenset({"include", "involve", "comprise", "encompass", "range", "begin", "start", "consist"})
AGENTIVE_LIGHT = frozenset({"play", "represent", "constitute", "become", "remain", "serve", "act", "hold",
                            "exert"})
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj", "csubjpass")
SYMMETRIC_RELATIONS = frozenset({"associated_with"})
VALENCED_RELATIONS = frozenset({"improves", "worsens"})  # their direction depends on what is good


@dataclass(frozen=True)
class RawClaim:
    """A claim as the sentence states it, before discourse resolution."""

    cause: Arg
    effect: Arg
    relation: str
    direction: str
    negated: bool
    hedge: str
    sent_start: int
    sent_end: int
    rule: str
    symmetric: bool = False
    effect_template: str = ""
    cause_name: str = ""  # a name the construction itself gives the cause (idioms)


@dataclass(frozen=True)
class _Effect:
    token: Token | None  # None: the document's topic, left implicit
    polarity: int
    inner: Predicate | None = None
    inner_token: Token | None = None
    plain: bool = False  # its examples went to the cause
    outcome: bool = False  # reached through `risk of`, `symptoms of`: something one suffers


def _flip(direction: str, polarity: int) -> str:
    if polarity >= 0:
        return direction
    return "decreases" if direction == "increases" else "increases"


def _subjects(tok: Token) -> list[Token]:
    return [c for c in tok.children if c.dep_ in SUBJECT_DEPS]


def _voice(tok: Token) -> str:
    deps = {c.dep_ for c in tok.children}
    if tok.dep_ in {"acl", "amod"} and tok.tag_ == "VBN":
        return "modifier"
    if deps & {"auxpass", "nsubjpass", "csubjpass"}:
        return "passive"
    if tok.tag_ == "VBN" and "agent" in deps:
        return "passive"
    return "active"


def _controller(tok: Token) -> list[Token]:
    """The implicit subject of a subjectless verb (`can help alleviate`, `, leading to`)."""
    cur = tok
    for _ in range(8):
        head = cur.head
        if head.i == cur.i:
            return []
        if cur.dep_ == "acl" and cur.tag_ == "VBG":
            return _participle_subject(cur)
        if cur.dep_ in {"acl", "relcl"} and head.pos_ in {"NOUN", "PROPN", "PRON"}:
            return [head]
        if cur.dep_ not in {"xcomp", "advcl", "conj", "pcomp", "prep", "acomp"}:
            return []
        if cur.dep_ == "advcl" and cur.i < head.i and any(c.dep_ == "aux" and c.lower_ == "to" for c in cur.children):
            return []  # "To manage X, women should ...": the subject is the agent, not a cause
        subj = _subjects(head)
        if subj:
            return subj
        cur = head
    return []


def _participle_subject(tok: Token) -> list[Token]:
    """`mutations affecting X` is about the mutations; `..., potentially triggering Y`
    after a comma is about the clause's subject, whatever noun the parser hung it on."""
    head = tok.head
    between = tok.doc[head.i + 1 : tok.i]
    if not any(t.text == "," for t in between):
        return [head]
    verb = head
    while verb.pos_ not in {"VERB", "AUX"} and verb.head.i != verb.i:
        verb = verb.head
    return _subjects(verb) if verb.pos_ in {"VERB", "AUX"} else []


def _gerund_subjects(verb: Token, found: list[Token]) -> list[Token]:
    """`Incorporating X, maintaining Y, and reducing Z can ...`: a gerund list
    the parser split into an adverbial clause and a clausal subject."""
    if not any(t.dep_ == "csubj" for t in found):
        return found
    extra = [c for c in verb.children if c.dep_ == "advcl" and c.tag_ == "VBG" and c.i < verb.i
             and not any(g.dep_ in {"mark", "nsubj"} for g in c.children)]
    return sorted(set(found + extra), key=lambda t: t.i)


def _copula_subject(verb: Token) -> list[Token]:
    subj = _subjects(verb)
    if subj:
        return subj
    if verb.dep_ in {"xcomp", "ccomp"} and verb.head.i != verb.i:
        return _copula_subject(verb.head)
    return []


def _predicated(tok: Token, lex: Lexicon) -> list[Token]:
    """`X are among the conditions linked to Y`: the claim is about X."""
    tok = resolve_relative(tok)
    if tok.dep_ == "appos":
        return [tok.head]
    top = tok
    if top.dep_ == "pobj" and top.head.lower_ == "of" and top.head.head.lemma_.lower() in {
        "one", "some", "many", "most", "several", "all", "each", "any"
    }:
        top = top.head.head
    if top.dep_ in {"attr", "oprd"} and top.head.lemma_.lower() in COPULAS:
        return _copula_subject(top.head) or [tok]
    if top.dep_ == "pobj" and top.head.lower_ in {"among", "as"} and top.head.head.lemma_.lower() in COPULAS:
        return _copula_subject(top.head.head) or [tok]
    identifies = lex.is_class(tok.lemma_, "means") or lex.is_class(tok.lemma_, "population_generic")
    if top.dep_ == "nsubj" and top.head.lemma_.lower() == "be" and identifies:
        # "One of the best ways to treat X is to remove Y": Y does the treating;
        # "Others at risk of X are people taking Y": Y is the risk
        comp = [c for c in top.head.children if c.dep_ in {"xcomp", "attr"} and c.i > top.i]
        return comp or [tok]
    return [tok]


def _unwrap(tok: Token, lex: Lexicon) -> _Effect:
    """Step through `the development of`, `risk of developing`, `symptom relief`."""
    polarity, outcome = 1, False
    for _ in range(6):
        tok = climb_quantifier(tok)
        lemma = tok.lemma_.lower()
        if lemma in lex.effect_wrappers:
            for child in tok.children:
                if child.dep_ == "amod" and child.lemma_.lower() in lex.polarity_modifiers:
                    polarity *= lex.polarity_modifiers[child.lemma_.lower()]
        if tok.pos_ in {"VERB", "AUX"} and lemma in lex.light_verbs:
            inner = first_match(tok, ("dobj", "prep[from|with]>pobj", "attr"))
            if not inner:
                return _Effect(None, polarity, outcome=outcome)
            tok = inner[0]
            continue
        if tok.pos_ == "VERB" and lex.predicate(lemma, "VERB") and (tok.tag_ == "VBG" or _infinitive(tok)):
            return _Effect(tok, polarity, lex.predicate(lemma, "VERB"), tok, outcome=outcome)
        gerund = _modifying_verb(tok, lex)
        if gerund is not None:
            return _Effect(tok, polarity, lex.predicate(gerund.lemma_.lower(), "VERB"), gerund, outcome=outcome)
        if tok.pos_ in {"NOUN", "ADJ"} and lemma in lex.effect_wrappers:
            polarity *= lex.effect_wrappers[lemma]
            outcome |= lex.is_class(lemma, "outcome")
            inner = first_match(tok, ("prep[of|in|from|for|with|to]>pobj", "prep[of|in|for]>pcomp"))
            if not inner:
                inner = _compound_head(tok, lex)
                if inner is not None and lex.is_class(lemma, "episodic") and not lex.is_disorder(inner.lemma_.lower()):
                    # "a heart attack" is no attack of the heart; "an asthma attack" is
                    return _Effect(tok, polarity, outcome=outcome)
                return _Effect(inner, polarity, outcome=outcome)
            tok = inner[0]
            continue
        return _Effect(tok, polarity, outcome=outcome)
    return _Effect(tok, polarity, outcome=outcome)


def _repair_coordinated_verbs(sent: Span, lex: Lexicon) -> None:
    """`can impair nerve function and trigger RLS`, parsed with `trigger` as a noun compound of
    `RLS` and `RLS` as a second object of `impair`: a predicate verb in its base form right after
    the conjunction is the second verb, and the noun its object."""
    for tok in sent:
        obj, first = tok.head, tok.head.head
        if not (tok.dep_ == "compound" and tok.i > sent.start and tok.nbor(-1).dep_ == "cc"
                and tok.tag_ in {"NN", "NNP", "VB", "VBP"} and obj.dep_ == "conj" and first.dep_ == "dobj"
                and first.head.pos_ == "VERB" and lex.predicate(tok.lemma_.lower(), "VERB")):
            continue
        verb, cc = first.head, tok.nbor(-1)
        tok.head, tok.dep_, tok.pos_, tok.tag_ = verb, "conj", "VERB", "VB"
        obj.head, obj.dep_ = tok, "dobj"
        cc.head = verb


def _repair_comparison_standard(sent: Span, lex: Lexicon) -> None:
    """`Men are twice as likely as women to develop gout`, parsed with `women` as the subject of
    `develop`: the standard of a comparison is no subject, and the verb is what `likely` governs."""
    for tok in sent:
        adj = tok.head
        if not (tok.dep_ == "advcl" and adj.pos_ == "ADJ"
                and any(p.frame == "adjective_likely" for p in lex.predicates_for(adj.lemma_.lower(), "ADJ"))
                and any(c.dep_ == "mark" and c.lower_ in {"as", "than"} for c in tok.children)
                and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)):
            continue
        tok.dep_ = "xcomp"
        for child in tok.children:
            if child.dep_ in {"nsubj", "nsubjpass"}:
                child.dep_ = "dep"


def _repair_repeated_preposition(sent: Span) -> None:
    """`caused by too little iodine in the diet or by abnormalities of the pituitary gland`, parsed
    with the second `by` as a conjunct of `in`: a repeated preposition continues the first."""
    for tok in sent:
        if not (tok.dep_ == "conj" and tok.pos_ == "ADP" and tok.head.pos_ == "ADP" and tok.head.lower_ != tok.lower_):
            continue
        same = next((a for a in tok.head.ancestors if a.pos_ == "ADP" and a.lower_ == tok.lower_), None)
        if same is not None:
            tok.head = same


def _repair_gerund_conjunct(sent: Span) -> None:
    """`quitting smoking and avoiding secondhand smoke`, parsed with `avoiding` as a conjunct of
    `smoking`: a gerund coordinated with the object of a gerund is a conjunct of that gerund."""
    for tok in sent:
        obj = tok.head
        if (tok.dep_ == "conj" and tok.tag_ == "VBG" and obj.pos_ in {"NOUN", "PROPN"} and obj.dep_ == "dobj"
                and obj.head.tag_ == "VBG"):
            tok.head = obj.head


def _repair_dangling_coordination(sent: Span) -> None:
    """`the disruption of nerve signaling and blood flow`, parsed as one noun `flow` modified by
    `nerve signaling`, the `and` left without a conjunct: a gerund holding a conjunction but no
    conjunct is the first conjunct of the noun it was hung on (a noun there shares the head:
    `heart and blood pressure problems`)."""
    for mod in sent:
        noun = mod.head
        cc = [c for c in mod.children if c.dep_ == "cc"]
        if not (mod.dep_ in {"amod", "compound", "nmod"} and mod.tag_ == "VBG" and cc
                and not any(c.dep_ == "conj" for c in mod.children) and noun.pos_ in {"NOUN", "PROPN"}
                and cc[0].i < noun.i and noun.dep_ in {"pobj", "dobj", "nsubj", "nsubjpass", "attr"}):
            continue
        mod.head, mod.dep_, mod.pos_ = noun.head, noun.dep_, "NOUN"
        noun.head, noun.dep_ = mod, "conj"


def _reported(sent: Span, lex: Lexicon) -> set[int]:
    """Tokens of what a text only points at: `More information about how diet affects kidney
    stones is provided in ...` asserts nothing about diet."""
    return {t.i for prep in sent if prep.dep_ == "prep" and prep.lower_ in {"about", "on", "regarding"}
            and lex.is_class(prep.head.lemma_.lower(), "abstract") for t in prep.subtree}


def _compound_head(wrapper: Token, lex: Lexicon) -> Token | None:
    """`kidney stone formation`: what forms is `kidney stone`. The parser hangs every noun of a
    compound on its last word; the nouns before the wrapper are re-hung as one compound."""
    nouns = [c for c in wrapper.children if c.i < wrapper.i and c.lemma_.lower() not in lex.effect_wrappers and (
        c.dep_ == "compound" or c.dep_ in {"nmod", "amod"} and c.pos_ in {"NOUN", "PROPN"})]
    if not nouns or nouns[-1].dep_ != "compound":
        return None
    return _one_compound(nouns)


def _one_compound(nouns: list[Token]) -> Token:
    """Re-hang the nouns a flat parse left side by side on the last of them, which heads them now."""
    for noun in nouns[:-1]:
        noun.head = nouns[-1]
    return nouns[-1]


def _asks_how(tok: Token) -> bool:
    """`How to prevent X?`, `How is X treated?`"""
    sent = tok.sent
    return sent.text.rstrip().endswith("?") and any(t.lower_ == "how" for t in sent)


def _infinitive(tok: Token) -> bool:
    return tok.tag_ == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)


def _unlight(tok: Token, lex: Lexicon) -> list[Token]:
    """`after you already have a cold or the flu`: the thing had, not the having."""
    if tok.pos_ in {"VERB", "AUX"} and tok.lemma_.lower() in lex.light_verbs:
        return first_match(tok, ("dobj", "attr")) or [tok]
    return [tok]


def _modifying_verb(tok: Token, lex: Lexicon) -> Token | None:
    """`linked to worsening RLS symptoms`, `in managing restless legs`: a predicate verb the
    parser hung on its own object as a modifier."""
    if tok.pos_ not in {"NOUN", "PROPN"}:
        return None
    # participles (`increased risk`, `impaired renal function`) are states, not predicates
    return next((c for c in tok.children if c.dep_ == "amod" and c.pos_ == "VERB" and c.i < tok.i
                 and c.tag_ in {"VBG", "VB"} and lex.predicate(c.lemma_.lower(), "VERB")), None)


def _coordinated(verb: Token) -> bool:
    """`induce or worsen Y`: the misparsed verb follows a conjunction."""
    return verb.i > 0 and verb.doc[verb.i - 1].dep_ == "cc"


def _unwrap_entity(tok: Token, lex: Lexicon) -> _Effect:
    """`managing restless legs` misparsed: unwrap the object without re-reading its gerund."""
    polarity = 1
    lemma = tok.lemma_.lower()
    if lemma in lex.effect_wrappers:
        polarity *= lex.effect_wrappers[lemma]
        inner = first_match(tok, ("prep[of|in|from|for|with|to]>pobj",))
        return _Effect(inner[0] if inner else _compound_head(tok, lex), polarity,
                       outcome=lex.is_class(lemma, "outcome"))
    return _Effect(tok, polarity)


def _verb_tagged_noun(tok: Token) -> bool:
    """`Parkinson's disease frequently coexists with RLS`, `... and lead to X`: a verb the tagger
    read as a noun, recognisable by a verb's dependents."""
    if tok.pos_ != "NOUN":
        return False
    deps = {c.dep_ for c in tok.children}
    if tok.dep_ == "ROOT":
        return bool(deps & {"nsubj", "advcl"})
    return tok.dep_ == "conj" and tok.head.pos_ == "VERB" and "prep" in deps and "det" not in deps


def _object_of(verb: Token, paths: tuple[str, ...]) -> list[Token]:
    found = first_match(verb, paths)
    if found:
        return found
    # "triggering or worsening RLS", misparsed with RLS as the verb's conjunct
    return [c for c in verb.children if c.dep_ == "conj" and c.pos_ in {"NOUN", "PROPN"}]


class SentenceExtractor:
    """Applies the lexicon's frames to the tokens of one sentence."""

    def __init__(self, lex: Lexicon, vocab=None):
        self.lex = lex
        self.matcher = None
        if vocab is not None and lex.idioms:
            self.matcher = Matcher(vocab)
            for idiom in lex.idioms:
                self.matcher.add(idiom.id, [list(idiom.pattern)])

    def __call__(self, sent: Span) -> list[RawClaim]:
        claims: list[RawClaim] = []
        _repair_coordinated_verbs(sent, self.lex)
        _repair_comparison_standard(sent, self.lex)
        _repair_repeated_preposition(sent)
        _repair_gerund_conjunct(sent)
        _repair_dangling_coordination(sent)
        reported = _reported(sent, self.lex)
        for tok in sent:
            lemma = tok.lemma_.lower()
            if tok.i in reported:
                continue
            if tok.pos_ in {"VERB", "AUX"} or _verb_tagged_noun(tok):
                for pred in self._predicates(tok, "VERB"):
                    claims += self._verb(tok, pred, sent)
            if tok.pos_ in {"NOUN", "PROPN"}:
                for pred in self._predicates(tok, "NOUN"):
                    claims += self._noun(tok, pred, sent)
            for pred in self.lex.predicates_for(lemma, "ADP") + self.lex.predicates_for(lemma, "ADJ"):
                if pred.frame == "causal_preposition":
                    claims += self._causal_prep(tok, pred, sent)
                elif tok.pos_ in {"ADJ", "VERB"}:
                    claims += self._adjective(tok, pred, sent)
            if tok.pos_ in {"VERB", "AUX"} and lemma in self.lex.light_verbs:
                claims += self._population(tok, sent)
        claims += self._idioms(sent)
        claims += self._restatements(sent)
        claims += self._instructions(sent)
        return _open_dangling(sent, claims)

    # -- building blocks -------------------------------------------------------

    def _make(self, causes, effects: list[_Effect], pred: Predicate, trigger: Token, sent: Span,
              rule: str, causes_kind: str = "", cause_name: str = "") -> list[RawClaim]:
        out = []
        if causes_kind in {"list", "open"}:
            cause_args = [Arg(causes_kind, "", trigger.idx, trigger.idx, "")]
        else:
            cause_args = [a for c in causes for a in mentions(c, self.lex, trigger.i)]
        moved = self._extraposed(cause_args, effects)
        if moved:
            cause_args, effects = moved
        for eff in effects:
            used, anchor = pred, trigger
            if eff.inner is not None:
                used, anchor = eff.inner, eff.inner_token
            direction = _flip(used.direction, eff.polarity)
            if used.relation in VALENCED_RELATIONS and eff.token is not None \
                    and self.lex.is_class(eff.token.lemma_, "desirable"):
                direction = _flip(direction, -1)  # "improves quality of life" raises it
            if eff.token is None:
                effect_args = [Arg("topic", "", trigger.idx, trigger.idx, "")]
            else:
                effect_args = mentions(eff.token, self.lex, anchor.i, use_examples=not eff.plain)
                if eff.outcome:
                    effect_args = [replace(a, outcome=True) for a in effect_args]
            negated = is_negated(trigger, self.lex) or (anchor.i != trigger.i and is_negated(anchor, self.lex))
            hedge = hedge_cue(trigger, self.lex) or (hedge_cue(anchor, self.lex) if anchor.i != trigger.i else "")
            for ca in cause_args:
                for ea in effect_args:
                    if ca.kind == "entity" and ea.kind == "entity" and ca.start < ea.end and ea.start < ca.end:
                        continue
                    symmetric = used.relation in SYMMETRIC_RELATIONS and rule != "population"
                    out.append(RawClaim(ca, ea, used.relation, direction, negated, hedge,
                                        sent.start_char, sent.end_char, rule, symmetric,
                                        used.effect_template, cause_name))
        return out

    def _extraposed(self, cause_args: list[Arg], effects: list[_Effect]):
        """`Other fluids may help prevent kidney stones, such as orange juice`: examples set off by a
        comma after the effect are examples of a vague cause, not of the effect."""
        if not cause_args or not all(a.vague for a in cause_args):
            return None
        for eff in effects:
            tok = eff.token
            if tok is None:
                continue
            if self.lex.is_class(tok.lemma_, "umbrella"):
                continue  # "symptoms of neurological conditions, including RLS": the effect has kinds
            ex = examples(tok, self.lex)
            if ex and any(t.text == "," for t in tok.doc[tok.i + 1 : ex[0].i]):
                moved = [a for e in ex for a in mentions(e, self.lex)]
                return moved, [replace(e, plain=True) for e in effects]
        return None

    def _effects(self, tokens: list[Token]) -> list[_Effect]:
        out = [e for e in self._effect_chain(tokens)
               if e.token is None or e.inner is not None or e.token.pos_ != "VERB" or e.token.tag_ == "VBG"]
        return out

    def _effect_chain(self, tokens: list[Token]) -> list[_Effect]:
        out = []
        # "cause hyperthyroidism followed by hypothyroidism": what follows is caused too
        tokens = tokens + [t for tok in tokens for t in first_match(tok, ("acl[follow]>agent>pobj",))]
        tokens = tokens + [t for tok in tokens if tok.dep_ == "nsubj" and tok.head.lemma_ == "follow"
                           for t in first_match(tok.head, ("agent>pobj",))]  # the same, parsed as a clause
        for tok in tokens:
            eff = _unwrap(tok, self.lex)
            if eff.inner is not None and eff.inner_token is not None and eff.token is not None \
                    and eff.token.i != eff.inner_token.i:
                inner = _unwrap_entity(eff.token, self.lex)
                outcome = eff.outcome or inner.outcome
                out.append(_Effect(inner.token, eff.polarity * inner.polarity, eff.inner, eff.inner_token,
                                   outcome=outcome))
                if _coordinated(eff.inner_token):  # "induce or worsen Y": the outer verb holds too
                    out.append(_Effect(inner.token, eff.polarity * inner.polarity, outcome=outcome))
            elif eff.inner is not None and eff.inner_token is not None:
                out += self._chain(eff)
            else:
                out.append(eff)
        return out

    def _chain(self, eff: _Effect) -> list[_Effect]:
        """`associated with worsening or inducing Y`: each gerund is a predicate of its own."""
        out = []
        verbs = [eff.inner_token] + [c for c in eff.inner_token.children if c.dep_ == "conj" and c.pos_ == "VERB"]
        paths_of = {v.i: self.lex.frames[p.frame].get("active", {}).get("effect", ())
                    for v in verbs if (p := self.lex.predicate(v.lemma_.lower(), "VERB"))}
        for verb in verbs:
            pred = self.lex.predicate(verb.lemma_.lower(), "VERB")
            if pred is None:
                continue
            objs = _object_of(verb, paths_of[verb.i])
            if not objs:
                objs = next((found for v in verbs if v.i in paths_of and (found := _object_of(v, paths_of[v.i]))), [])
            for obj in objs:
                inner = _unwrap(obj, self.lex)
                out.append(_Effect(inner.token, eff.polarity * inner.polarity, pred, verb,
                                   outcome=eff.outcome or inner.outcome))
            if not objs:
                out.append(_Effect(None, eff.polarity, pred, verb, outcome=eff.outcome))
        return out

    # -- verbs ---------------------------------------------------------------

    def _verb(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        if tok.dep_ == "amod" and tok.tag_ == "VBG":
            return []  # "worsening symptoms": a modifier of the effect, read by _unwrap
        base = tok
        while base.dep_ == "conj" and base.head.i != base.i:
            base = base.head
        if base.dep_ == "pcomp" and base.head.dep_ == "prep" and base.head.head.pos_ in {"VERB", "NOUN", "ADJ"}:
            parent = base.head.head
            if any(self.lex.predicates_for(parent.lemma_.lower(), pos) for pos in ("VERB", "NOUN", "ADJ")):
                return []  # reached through the governing predicate's chain
        frame = self.lex.frames[pred.frame]
        voice = _voice(tok)
        spec = frame.get(voice) or frame.get("active")
        if tok.dep_ == "acl" and tok.tag_ == "VBG":
            causes = _participle_subject(tok)
        else:
            causes = self._things(tok, spec.get("cause", ()))
        if pred.frame == "prescription":
            causes = [c for c in causes if not self.lex.is_class(c.lemma_, "diagnostic")]
        if frame.get("cause_class") == "population":
            causes = [c for c in causes if self.lex.is_population(c.lemma_)]
            if not causes:
                return []
        causes = [u for c in causes for u in _unlight(c, self.lex)]
        if not causes and voice != "modifier":
            causes = _controller(tok)
        if not causes and voice == "passive" and pred.relation == "affects":
            # "Men are affected more often than women": who the condition at hand affects
            causes = [s for s in _subjects(tok) if self.lex.is_population(s.lemma_)]
            if causes:
                return self._make(causes, [_Effect(None, 1)], Predicate(pred.lemma, pred.pos, pred.frame,
                                  "associated_with", "increases", False), tok, sent, "population")
        causes = [p for c in _gerund_subjects(tok, causes) for p in _predicated(c, self.lex)]
        if pred.direction == "decreases" and causes and all(self.lex.is_class(c.lemma_, "agent") for c in causes):
            causes = first_match(tok, ("prep[with|using|through]>pobj",))  # "doctors treat Y with X"
        effect_tokens = _object_of(tok, spec.get("effect", ())) if voice == "active" else \
            first_match(tok, spec.get("effect", ()))
        if not effect_tokens and "nsubj" in spec.get("effect", ()) and voice == "active":
            effect_tokens = [t for t in _controller(tok) if t.i not in {c.i for c in causes}]
        if not effect_tokens and _verb_tagged_noun(tok) and "nsubj" in spec.get("effect", ()):
            # "Uric acid stones form when ...", tagged as one noun phrase: its head is the subject
            effect_tokens = [c for c in tok.children if c.dep_ == "compound"]
        if not effect_tokens:
            effect_tokens = self._shared_object(tok, spec)
        if not causes and _asks_how(tok):
            effects = self._effects(effect_tokens)
            return self._make([], effects, pred, tok, sent, f"{pred.frame}:question", causes_kind="open")
        if not causes:
            return []
        causes, effect_tokens, pred = self._population_swap(causes, effect_tokens, pred)
        effects = self._effects(effect_tokens)
        if not effects and pred.implicit_effect and not effect_tokens:
            effects = [_Effect(None, 1)]  # "doctors often recommend CPAP": for the condition at hand
        if not effects:
            return []
        return self._make(causes, effects, pred, tok, sent, f"{pred.frame}:{voice}")

    def _things(self, tok: Token, paths: tuple[str, ...]) -> list[Token]:
        """The first path that finds something other than the people involved
        (`advise you to get a flu shot`: the flu shot, not you)."""
        for path in paths:
            found = first_match(tok, (path,))
            people = [f for f in found if self.lex.is_class(f.lemma_, "agent")
                      or self.lex.is_class(f.lemma_, "population_generic")]
            if found and len(people) < len(found):
                return found
        return first_match(tok, paths)

    def _shared_object(self, tok: Token, spec) -> list[Token]:
        """`can induce or worsen Y`: conjoined verbs share the last one's object."""
        for other in [c for c in tok.children if c.dep_ == "conj"] + ([tok.head] if tok.dep_ == "conj" else []):
            if other.pos_ == "VERB":
                found = first_match(other, spec.get("effect", ()))
                if found:
                    return found
            elif other.pos_ in {"NOUN", "PROPN"} and tok.dep_ != "conj":
                return [other]  # "can induce or worsen RLS symptoms", misparsed as a noun conjunct
        return []

    def _population_swap(self, causes, effects, pred):
        """`PD affects people over 60`: a population as object is where the effect occurs."""
        if effects and pred.direction == "decreases" and all(self.lex.is_population(e.lemma_) for e in effects):
            # "levodopa helps patients": who is treated, not what; "patients with gout": what they have
            return causes, [c for e in effects for c in first_match(e, ("prep[with]>pobj",))], pred
        if effects and pred.relation == "affects" and all(self.lex.is_population(e.lemma_) for e in effects):
            return effects, causes, Predicate(pred.lemma, pred.pos, pred.frame, "associated_with",
                                               "increases", False)
        return causes, effects, pred

    # -- nouns ---------------------------------------------------------------

    def _predicates(self, tok: Token, pos: str) -> tuple[Predicate, ...]:
        """A multiword cue names its own predicate where the lexicon has one: a phrasal verb (`bring on`
        an attack, `break up` a clot: the verb alone means something else) or a compound noun (a
        `side effect` is no `effect of X on Y`)."""
        lemma = tok.lemma_.lower()
        if pos == "VERB":
            phrases = [f"{lemma} {c.lower_}" for c in tok.children if c.dep_ == "prt"][:1]
        else:
            phrases = [f"{c.lemma_.lower()} {lemma}" for c in tok.children
                       if c.dep_ in {"compound", "amod"} and c.i == tok.i - 1]
        for phrase in phrases:
            if found := self.lex.predicates_for(phrase, pos):
                return found
        return self.lex.predicates_for(lemma, pos)

    def _noun(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        if pred.frame == "nominal_outcome":
            return self._outcome(tok, pred, sent)
        if pred.frame == "nominal_between":
            return self._between(tok, pred, sent)
        if pred.frame == "causal_preposition":
            return self._causal_prep(tok, pred, sent)
        return self._nominal(tok, pred, sent)

    def _nominal(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        if any(c.dep_ in {"det", "amod"} and c.lower_ in {"these", "those", "such", "this", "that"}
               for c in tok.children):
            return []  # "Such factors include X": a restatement of what came before, read as one
        spec = self.lex.frames[pred.frame]["noun"]
        if pred.frame == "nominal_attribute":
            causes, kind, effect_override = [tok], "", None
            if not first_match(tok, spec.get("cause", ())):
                return []
        else:
            causes, kind, effect_override = self._partner(tok, pred)
            if not causes and kind != "list":
                causes = first_match(tok, spec.get("cause", ()))
            if not causes and kind != "list":
                return []
        if effect_override is not None:
            effects = [_Effect(effect_override, 1)]
        else:
            found = [t for t in first_match(tok, spec.get("effect", ())) if t not in causes]
            if not found:
                found = [c for c in tok.children if c.dep_ == "compound" and not self._is_trigger_word(c)
                         and pred.frame != "nominal_attribute"]
                found = [_one_compound(found)] if found else []  # "a kidney cancer medication": one effect
            if found:
                effects = self._effects(found)
            elif pred.implicit_effect:
                effects = [_Effect(None, 1)]
            else:
                return []
            effects = [e for e in effects if e.token is None or e.token not in causes]
        return self._make(causes, effects, pred, tok, sent, f"{pred.frame}:noun", causes_kind=kind)

    def _outcome(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        """`Y is a complication of X`, `the side effects of X include Y`: the noun names what its
        `of` object brings about, so the thing it is predicated of is the effect."""
        causes = first_match(tok, self.lex.frames[pred.frame]["noun"]["cause"])
        partners, kind, _ = self._partner(tok, pred)
        partners = [p for p in partners if p not in causes]
        if not causes or kind or not partners:
            return []
        return self._make(causes, self._effects(partners), pred, tok, sent, f"{pred.frame}:noun")

    def _is_trigger_word(self, tok: Token) -> bool:
        lemma = tok.lemma_.lower()
        return lemma in {"risk", "contributing", "primary", "main"} or bool(self.lex.predicate(lemma, "NOUN"))

    def _partner(self, noun: Token, pred: Predicate) -> tuple[list[Token], str, Token | None]:
        """The cause that a causal noun is predicated of: `X is a cause of Y`,
        `causes of Y include X`, `X plays a role`, `X, a trigger of Y`, `triggers like X`."""
        ex = examples(noun, self.lex)
        if ex:
            return ex, "", None
        top = noun
        if noun.dep_ == "pobj" and noun.head.lower_ == "of" and noun.head.head.lemma_.lower() in {
            "one", "some", "many", "most", "several", "all", "each", "any", "among"
        }:
            top = noun.head.head
        dep, head = top.dep_, top.head
        if dep == "appos":
            return [head], "", None
        if dep in {"attr", "oprd", "acomp"} and head.lemma_.lower() in COPULAS:
            return _copula_subject(head), "", None
        if dep in {"nsubj", "nsubjpass"} and head.lemma_.lower() in COPULAS:
            return self._copula_complement(head), "", None
        if dep in {"nsubj", "nsubjpass"} and head.lemma_.lower() in INCLUDES:
            objs = first_match(head, ("dobj", "attr", "prep[as]>pobj", "prep[with|of]>pobj"))
            return (objs, "", None) if objs else ([], "list", None)
        if dep == "dobj" and head.lemma_.lower() in AGENTIVE_LIGHT:
            return _subjects(head), "", None
        if dep == "dobj" and head.lemma_.lower() == "have":
            if pred.relation in {"plays_role", "associated_with", "affects"}:
                return _subjects(head), "", None
            subj = _subjects(head)
            incl = [c for c in head.children if c.dep_ == "prep" and c.lower_ in self.lex.example_markers]
            if subj and incl:
                objs = [g for c in incl for g in c.children if g.dep_ in {"pobj", "dobj"}]
                return (objs, "", subj[0]) if objs else ([], "list", subj[0])
            return [], "", None
        if dep == "pobj" and head.lower_ in {"as", "among", "at"} and head.head.pos_ in {"VERB", "AUX"}:
            return _copula_subject(head.head), "", None
        if dep == "pobj" and head.lower_ == "at" and head.head.pos_ in {"NOUN", "PRON"}:
            return [head.head], "", None  # "Others at increased risk of X are ..."
        return [], "", None

    def _copula_complement(self, verb: Token) -> list[Token]:
        comp = [c for c in verb.children if c.dep_ in {"attr", "oprd"}]
        if comp:
            return comp
        for c in verb.children:
            if c.dep_ == "xcomp" and c.lemma_.lower() == "be":
                return [g for g in c.children if g.dep_ in {"attr", "oprd"}]
        return []

    def _between(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        spec = self.lex.frames[pred.frame]["noun"]
        members = first_match(tok, ("prep[between]>pobj",))
        if members:
            first = members[0]
            conj = [c for c in first.children if c.dep_ == "conj"]
            if not conj:
                return []
            return self._make_between([first], conj[-1], pred, tok, sent)
        partner, _, _ = self._partner(tok, pred)
        causes = first_match(tok, ("prep[of]>pobj",)) or partner
        effects = first_match(tok, spec.get("effect", ())[1:])
        if not causes or not effects:
            return []
        return self._make_between(causes, effects[0], pred, tok, sent)

    def _make_between(self, causes, effect: Token, pred, tok, sent) -> list[RawClaim]:
        """Both sides of `X and Y` in `the link between X and Y` (conjuncts split by mentions())."""
        claims = self._make(causes, [_unwrap(effect, self.lex)], pred, tok, sent, "nominal_between:noun")
        # mentions() expanded the first member's conjuncts, which include the effect itself
        return [c for c in claims if c.cause.start < c.effect.start]

    # -- adjectives, prepositions, populations, idioms -------------------------

    def _adjective(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        spec = self.lex.frames[pred.frame]
        voice = "modifier" if tok.dep_ in {"amod", "acl"} else "active"
        if voice == "modifier" and "modifier" not in spec:
            return []
        spec = spec.get(voice) or spec["active"]
        causes = first_match(tok, spec.get("cause", ()))
        if not causes and tok.head.dep_ in {"xcomp", "ccomp"}:
            causes = _copula_subject(tok.head)
        effects = self._effects(first_match(tok, spec.get("effect", ())))
        # an adjective's complement must lead to a thing, not to an unrelated verb
        effects = [e for e in effects if e.inner is None and (e.token is None or e.token.pos_ != "VERB"
                                                              or e.token.tag_ == "VBG")]
        if not causes or not effects:
            return []
        return self._make(causes, effects, pred, tok, sent, f"{pred.frame}:{voice}")

    def _causal_prep(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        """`Y due to X`, `Y because of X`, `as a result of X`, `secondary to X`."""
        spec = self.lex.frames[pred.frame]["preposition"]
        causes = [c for c in first_match(tok, spec["cause"]) if c.lower_ not in {"to", "of"}]
        if not causes:
            return []
        anchor = tok.head
        if anchor.lower_ == "as" and anchor.head.i != anchor.i:
            anchor = anchor.head
        if anchor.pos_ in {"NOUN", "PROPN"}:
            effects = [anchor]
        elif anchor.pos_ in {"VERB", "AUX"}:
            # "is associated with increased risk due to X": the risk is what X explains
            risks = [t for t in first_match(anchor, ("prep>pobj", "dobj"))
                     if t.lemma_.lower() in self.lex.effect_wrappers]
            effects = risks or first_match(anchor, ("dobj", "nsubjpass", "nsubj", "attr"))
        else:
            return []
        if not effects:
            return []
        return self._make(causes, self._effects(effects), pred, tok, sent, "causal_preposition")

    def _population(self, verb: Token, sent: Span) -> list[RawClaim]:
        """`Patients with X often report Y`, `pregnant women experience Y`,
        `people who smoke are more likely to develop Y`."""
        subj = [s for s in _subjects(verb) if self.lex.is_population(s.lemma_)]
        if not subj or verb.dep_ == "pcomp":
            return []
        person = subj[0]
        withs = first_match(person, ("prep[with]>pobj",))
        has_detail = withs or any(c.dep_ in {"amod", "relcl", "acl", "compound"} and
                                  c.lemma_.lower() not in self.lex.strip_words for c in person.children)
        if not has_detail:
            return []
        obj = first_match(verb, ("dobj", "prep[from|with]>pobj"))
        if not obj:
            return []
        pred = Predicate(verb.lemma_.lower(), "VERB", "population", "associated_with", "increases", False)
        return self._make(withs or [person], self._effects(obj), pred, verb, sent, "population")

    def _idioms(self, sent: Span) -> list[RawClaim]:
        """`RLS seems to run in families`: the phrase itself names the cause."""
        if self.matcher is None:
            return []
        out = []
        for match_id, start, end in self.matcher(sent):
            idiom = next(i for i in self.lex.idioms if i.id == sent.doc.vocab.strings[match_id])
            verb = sent.doc[start]
            subj = _copula_subject(verb) or _controller(verb)
            if not subj:
                continue
            span = sent.doc[start:end]
            cause = Arg("entity", span.text, span.start_char, span.end_char, verb.lemma_.lower(),
                        norm=idiom.cause_norm)
            pred = Predicate(idiom.id, "IDIOM", "idiom", idiom.relation, idiom.direction, False)
            for eff in self._effects(subj[:1]):
                effect_args = [Arg("topic", "", verb.idx, verb.idx, "")] if eff.token is None \
                    else mentions(eff.token, self.lex)
                for ea in effect_args:
                    out.append(RawClaim(cause, ea, pred.relation, pred.direction, is_negated(verb, self.lex),
                                        hedge_cue(verb, self.lex), sent.start_char, sent.end_char,
                                        f"idiom:{idiom.id}", cause_name=idiom.cause_name))
        return out

    def _restatements(self, sent: Span) -> list[RawClaim]:
        """`They include X`, `Examples include X`, `These medicines include X`, `This is usually X`:
        X fills the cause of what the previous sentence claimed (resolved in discourse)."""
        out = []
        for verb in sent:
            lemma = verb.lemma_.lower()
            if lemma not in INCLUDES and lemma != "be":
                continue
            subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            if subj is None or not self._refers_back(subj):
                continue
            objs = first_match(verb, ("dobj", "attr") if lemma in INCLUDES else ("attr",))
            back = Arg("frame", subj.text, subj.idx, subj.idx + len(subj),
                       "" if subj.pos_ == "PRON" else subj.lemma_.lower())
            for arg in (a for o in objs for a in mentions(o, self.lex) if a.kind == "entity" and not a.vague):
                out.append(RawClaim(arg, back, "restates", "increases", is_negated(verb, self.lex),
                                    hedge_cue(verb, self.lex), sent.start_char, sent.end_char, "restatement"))
        return out

    def _instructions(self, sent: Span) -> list[RawClaim]:
        """`Drink plenty of fluids and avoid alcohol.` An instruction is a measure against what its
        purpose clause names (`To keep bones strong, eat ...`) or, without one, against what the
        section is about (resolved in discourse as an open effect)."""
        root = sent.root
        if not _imperative(root):
            return []
        purpose = next((c for c in root.children if c.dep_ == "advcl" and _infinitive(c)), None)
        causes = []
        for verb in [root] + [c for c in root.children if c.dep_ == "conj" and c.pos_ == "VERB"]:
            kind = self.lex.instructions.get(verb.lemma_.lower(), "")
            if kind == "wrap":  # "try to avoid X": the instruction is to avoid X
                verb = next((c for c in verb.children if c.dep_ == "xcomp"), verb)
                kind = self.lex.instructions.get(verb.lemma_.lower(), "")
            has_object = any(c.dep_ in {"dobj", "prt", "acomp"} for c in verb.children)
            if kind == "skip" or not (has_object or kind == "measure"):
                continue  # "see your doctor", "go to ...", "move around": not a measure against anything
            causes += [a for a in mentions(verb, self.lex, purpose.i if purpose is not None else -1)
                       if a.kind == "entity" and not a.vague]
        if purpose is None:
            effect = Arg("section", "", root.idx, root.idx, "")
            return [RawClaim(c, effect, "treats", "decreases", False, "", sent.start_char, sent.end_char,
                             "instruction") for c in causes]
        pred = self.lex.predicate(purpose.lemma_.lower(), "VERB")
        if pred is not None and pred.direction == "decreases":
            effects = self._effects(first_match(purpose, ("dobj",)))
            relation, direction = pred.relation, pred.direction
        else:  # "to keep bones strong": what the instruction is for
            effects = [_Effect(purpose, 1)]
            relation, direction = "promotes", "increases"
        out = []
        for eff in effects:
            targets = [Arg("topic", "", root.idx, root.idx, "")] if eff.token is None else (
                [clause_mention(purpose, skip_aux=True)] if eff.token.i == purpose.i else mentions(eff.token, self.lex))
            for cause in causes:
                for target in targets:
                    out.append(RawClaim(cause, target, relation, direction, False, "", sent.start_char,
                                        sent.end_char, "instruction:purpose"))
        return out

    def _refers_back(self, subj: Token) -> bool:
        if subj.pos_ == "PRON" or (subj.pos_ == "DET" and subj.lower_ in {"this", "these", "that", "those"}):
            return subj.lower_ in {"they", "these", "this", "those", "that"}
        if subj.lemma_.lower() == "example":
            return True
        pointing = any(c.dep_ in {"det", "amod"} and c.lower_ in {"these", "those", "such"} for c in subj.children)
        return pointing and not self.lex.is_class(subj.lemma_, "topic_reference")


_DANGLING = frozenset({"including", "include", "includes", "as", "like", "by", "with", "following", "if", "when",
                       "are", "is", "of", "among"})


def _spans(arg: Arg, at: int) -> bool:
    return arg.kind == "entity" and arg.start <= at < arg.end


def _open_dangling(sent: Span, claims: list[RawClaim]) -> list[RawClaim]:
    """`Some drugs can ... lead to hypothyroidism, including` and `improve their symptoms by` end
    where a list begins: the vague side of the claim is filled by the list items that follow."""
    words = [t for t in sent if not (t.is_punct or t.is_space)]
    if not words:
        return claims
    last = words[-1]
    if last.lower_ not in _DANGLING or any(c.dep_ in {"pobj", "pcomp", "dobj"} for c in last.children):
        return claims
    opened = []
    for claim in claims:
        listed = Arg("list", "", last.idx, last.idx, last.lower_)
        if claim.cause.vague or _spans(claim.cause, last.idx):
            claim = replace(claim, cause=listed)
        elif claim.effect.vague or _spans(claim.effect, last.idx):
            claim = replace(claim, effect=listed)
        opened.append(claim)
    return opened


def _imperative(verb: Token) -> bool:
    return verb.tag_ == "VB" and verb.dep_ == "ROOT" and not any(
        c.dep_ in {"nsubj", "nsubjpass", "expl"} or (c.dep_ == "aux" and c.lower_ not in {"do", "don't"})
        for c in verb.children)
