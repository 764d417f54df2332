"""Read cause-effect claims off one parsed sentence.

Each trigger word found in the lexicon (a causal or treatment verb, a causal
noun such as `cause`/`risk factor`/`treatment`, an adjective such as
`responsible`, a causal preposition such as `due to`) is matched to its frame
in `models/claims/frames.json`; the frame's dependency paths give the cause
and effect tokens, which `mentions` turns into argument mentions.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from pipeline.extract.lexicon import Lexicon, Predicate
from pipeline.extract.mentions import Arg, climb_quantifier, examples, mentions
from pipeline.extract.modality import hedge_cue, is_negated
from pipeline.extract.paths import first_match

COPULAS = frozenset({"be", "remain", "become", "represent", "constitute", "seem", "appear", "consider",
                     "believe", "think", "know", "regard", "deem", "list", "recognize", "identify", "cite"})
INCLUDES = frozenset({"include", "involve", "comprise", "encompass", "range"})
AGENTIVE_LIGHT = frozenset({"play", "represent", "constitute", "become", "remain", "serve", "act", "hold"})
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj", "csubjpass")


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


@dataclass(frozen=True)
class _Effect:
    token: Token | None  # None: the document's topic, left implicit
    polarity: int
    inner: Predicate | None = None
    inner_token: Token | None = None


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
        if head is cur:
            return []
        if cur.dep_ in {"acl", "relcl"} and head.pos_ in {"NOUN", "PROPN", "PRON"}:
            return [head]
        if cur.dep_ not in {"xcomp", "advcl", "conj", "pcomp", "prep"}:
            return []
        subj = _subjects(head)
        if subj:
            return subj
        cur = head
    return []


def _gerund_subjects(verb: Token, found: list[Token]) -> list[Token]:
    """`Incorporating X, maintaining Y, and reducing Z can ...`: a gerund list
    the parser split into an adverbial clause and a clausal subject."""
    if not any(t.dep_ == "csubj" for t in found):
        return found
    extra = [c for c in verb.children if c.dep_ == "advcl" and c.tag_ == "VBG" and c.i < verb.i
             and not any(g.dep_ in {"mark", "nsubj"} for g in c.children)]
    return sorted(set(found + extra), key=lambda t: t.i)


def _unwrap(tok: Token, lex: Lexicon) -> _Effect:
    """Step through `the development of`, `risk of developing`, `symptom relief`."""
    polarity = 1
    for _ in range(6):
        tok = climb_quantifier(tok)
        for child in tok.children:
            if child.dep_ == "amod" and child.lemma_.lower() in lex.polarity_modifiers:
                polarity *= lex.polarity_modifiers[child.lemma_.lower()]
        lemma = tok.lemma_.lower()
        if tok.pos_ in {"VERB", "AUX"} and lemma in lex.light_verbs:
            inner = first_match(tok, ("dobj", "prep[from|with]>pobj", "attr"))
            if not inner:
                return _Effect(None, polarity)
            tok = inner[0]
            continue
        if tok.pos_ == "VERB" and lex.predicate(lemma, "VERB") and tok.tag_ == "VBG":
            return _Effect(tok, polarity, lex.predicate(lemma, "VERB"), tok)
        if tok.pos_ in {"NOUN", "ADJ"} and lemma in lex.effect_wrappers:
            polarity *= lex.effect_wrappers[lemma]
            inner = first_match(tok, ("prep[of|in|from|for|with|to]>pobj", "prep[of|in|for]>pcomp"))
            if not inner:
                inner = [c for c in tok.children if c.dep_ == "compound"
                         and c.lemma_.lower() not in lex.effect_wrappers]
                if inner:
                    return _Effect(inner[0], polarity)
                return _Effect(None, polarity)
            tok = inner[0]
            continue
        return _Effect(tok, polarity)
    return _Effect(tok, polarity)


class SentenceExtractor:
    """Applies the lexicon's frames to the tokens of one sentence."""

    def __init__(self, lex: Lexicon):
        self.lex = lex

    def __call__(self, sent: Span) -> list[RawClaim]:
        claims: list[RawClaim] = []
        for tok in sent:
            lemma = tok.lemma_.lower()
            if tok.pos_ in {"VERB", "AUX"}:
                for pred in self.lex.predicates_for(lemma, "VERB"):
                    claims += self._verb(tok, pred, sent)
            if tok.pos_ in {"NOUN", "PROPN"}:
                for pred in self.lex.predicates_for(lemma, "NOUN"):
                    claims += self._noun(tok, pred, sent)
            for pred in self.lex.predicates_for(lemma, "ADP") + self.lex.predicates_for(lemma, "ADJ"):
                if pred.frame == "causal_preposition":
                    claims += self._causal_prep(tok, pred, sent)
                elif tok.pos_ in {"ADJ", "VERB"}:
                    claims += self._adjective(tok, pred, sent)
            if tok.pos_ in {"VERB", "AUX"} and lemma in self.lex.light_verbs:
                claims += self._population(tok, sent)
        return claims

    def _noun(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        if pred.frame == "nominal_between":
            return self._between(tok, pred, sent)
        if pred.frame == "causal_preposition":
            return self._causal_prep(tok, pred, sent)
        return self._nominal(tok, pred, sent)

    # -- building blocks -------------------------------------------------------

    def _make(self, causes, effects: list[_Effect], pred: Predicate, trigger: Token, sent: Span,
              rule: str, symmetric: bool = False, causes_kind: str = "") -> list[RawClaim]:
        out = []
        cause_args: list[Arg] = []
        if causes_kind == "list":
            cause_args = [Arg("list", "", trigger.idx, trigger.idx, "")]
        else:
            for c in causes:
                cause_args += mentions(c, self.lex)
        for eff in effects:
            relation, direction, anchor = pred.relation, pred.direction, trigger
            if eff.inner is not None:
                relation, direction, anchor = eff.inner.relation, eff.inner.direction, eff.inner_token
            direction = _flip(direction, eff.polarity)
            if eff.token is None:
                effect_args = [Arg("topic", "", trigger.idx, trigger.idx, "")]
            else:
                effect_args = mentions(eff.token, self.lex)
            negated = is_negated(trigger, self.lex) or (anchor is not trigger and is_negated(anchor, self.lex))
            hedge = hedge_cue(trigger, self.lex) or (hedge_cue(anchor, self.lex) if anchor is not trigger else "")
            for ca in cause_args:
                for ea in effect_args:
                    if ca.kind == "entity" and ea.kind == "entity" and ca.start < ea.end and ea.start < ca.end:
                        continue
                    out.append(RawClaim(ca, ea, relation, direction, negated, hedge,
                                        sent.start_char, sent.end_char, rule, symmetric))
        return out

    def _effects(self, tokens: list[Token]) -> list[_Effect]:
        out = []
        for tok in tokens:
            eff = _unwrap(tok, self.lex)
            if eff.inner is not None and eff.inner_token is not None:
                out += self._chain(eff)
            else:
                out.append(eff)
        return out

    def _chain(self, eff: _Effect) -> list[_Effect]:
        """`associated with worsening or inducing Y`: each gerund is a predicate of its own."""
        out = []
        verbs = [eff.inner_token] + [c for c in eff.inner_token.children if c.dep_ == "conj" and c.pos_ == "VERB"]
        for verb in verbs:
            pred = self.lex.predicate(verb.lemma_.lower(), "VERB")
            if pred is None:
                continue
            spec = self.lex.frames[pred.frame].get("active", {})
            objs = first_match(verb, spec.get("effect", ()))
            if not objs:
                objs = next((first_match(v, spec.get("effect", ())) for v in verbs if first_match(v, spec.get("effect", ()))), [])
            for obj in objs:
                inner = _unwrap(obj, self.lex)
                out.append(_Effect(inner.token, eff.polarity * inner.polarity, pred, verb))
            if not objs:
                out.append(_Effect(None, eff.polarity, pred, verb))
        return out

    # -- verbs ---------------------------------------------------------------

    def _verb(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        if tok.dep_ in {"amod"} and tok.tag_ == "VBG":
            return []  # "worsening symptoms": a modifier of the effect, read by _unwrap
        base = tok
        while base.dep_ == "conj" and base.head is not base:
            base = base.head
        if base.dep_ == "pcomp" and base.head.dep_ == "prep" and base.head.head.pos_ in {"VERB", "NOUN"}:
            parent = base.head.head
            if self.lex.predicate(parent.lemma_.lower(), "VERB") or self.lex.predicate(parent.lemma_.lower(), "NOUN"):
                return []  # reached through the governing predicate's chain
        frame = self.lex.frames[pred.frame]
        voice = _voice(tok)
        spec = frame.get(voice) or frame.get("active")
        if tok.dep_ == "acl" and tok.tag_ == "VBG":
            causes = [tok.head]
        else:
            causes = first_match(tok, spec.get("cause", ()))
        if not causes and voice != "modifier":
            causes = _controller(tok)
        causes = _gerund_subjects(tok, causes)
        effect_tokens = first_match(tok, spec.get("effect", ()))
        if not effect_tokens:
            effect_tokens = self._shared_object(tok, spec)
        if not causes or not effect_tokens:
            return []
        causes, effect_tokens, pred = self._population_swap(causes, effect_tokens, pred)
        return self._make(causes, self._effects(effect_tokens), pred, tok, sent, f"{pred.frame}:{voice}")

    def _shared_object(self, tok: Token, spec) -> list[Token]:
        """`can induce or worsen Y`: conjoined verbs share the last one's object."""
        for other in [c for c in tok.children if c.dep_ == "conj"] + ([tok.head] if tok.dep_ == "conj" else []):
            if other.pos_ == "VERB":
                found = first_match(other, spec.get("effect", ()))
                if found:
                    return found
        return []

    def _population_swap(self, causes, effects, pred):
        """`PD affects people over 60`: a population as object is where the effect occurs."""
        if pred.relation == "affects" and all(self.lex.is_class(e.lemma_, "population") for e in effects):
            return effects, causes, Predicate(pred.lemma, pred.pos, pred.frame, "associated_with",
                                               "increases", False)
        return causes, effects, pred

    # -- nouns ---------------------------------------------------------------

    def _nominal(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        causes, kind, effect_override = self._partner(tok, pred)
        spec = self.lex.frames[pred.frame]["noun"]
        if not causes and kind != "list":
            causes = first_match(tok, spec.get("cause", ()))
        if not causes and kind != "list":
            return []
        if effect_override is not None:
            effects = [_Effect(effect_override, 1)]
        else:
            found = first_match(tok, spec.get("effect", ()))
            found = [t for t in found if t not in causes]
            if not found:
                found = [c for c in tok.children if c.dep_ == "compound" and not self._is_trigger_word(c)]
            if found:
                effects = self._effects(found)
            elif pred.implicit_effect:
                effects = [_Effect(None, 1)]
            else:
                return []
            effects = [e for e in effects if e.token is None or e.token not in causes]
        return self._make(causes, effects, pred, tok, sent, f"{pred.frame}:noun", causes_kind=kind)

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
            return self._copula_subject(head), "", None
        if dep in {"nsubj", "nsubjpass"} and head.lemma_.lower() in COPULAS:
            return self._copula_complement(head), "", None
        if dep in {"nsubj", "nsubjpass"} and head.lemma_.lower() in INCLUDES:
            objs = first_match(head, ("dobj", "attr", "prep[as]>pobj"))
            return (objs, "", None) if objs else ([], "list", None)
        if dep == "dobj" and head.lemma_.lower() in AGENTIVE_LIGHT:
            return _subjects(head), "", None
        if dep == "dobj" and head.lemma_.lower() == "have":
            if pred.relation in {"plays_role", "associated_with"}:
                return _subjects(head), "", None
            subj = _subjects(head)
            incl = [c for c in head.children if c.dep_ == "prep" and c.lower_ in self.lex.example_markers]
            if subj and incl:
                objs = [g for c in incl for g in c.children if g.dep_ in {"pobj", "dobj"}]
                return (objs, "", subj[0]) if objs else ([], "list", subj[0])
            return [], "", None
        if dep == "pobj" and head.lower_ in {"as", "among", "at"} and head.head.pos_ in {"VERB", "AUX"}:
            return self._copula_subject(head.head), "", None
        return [], "", None

    def _copula_subject(self, verb: Token) -> list[Token]:
        subj = _subjects(verb)
        if subj:
            return subj
        if verb.dep_ in {"xcomp", "ccomp"} and verb.head is not verb:
            return self._copula_subject(verb.head)
        return []

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
            effect = conj[-1]
            causes = [first]
            return self._make_between(causes, effect, pred, tok, sent)
        partner, _, _ = self._partner(tok, pred)
        causes = first_match(tok, ("prep[of]>pobj",)) or partner
        effects = first_match(tok, spec.get("effect", ())[1:])
        if not causes or not effects:
            return []
        return self._make_between(causes, effects[0], pred, tok, sent)

    def _make_between(self, causes, effect: Token, pred, tok, sent) -> list[RawClaim]:
        """Both sides of `X and Y` in `the link between X and Y` (conjuncts split by mentions())."""
        eff = _unwrap(effect, self.lex)
        claims = self._make(causes, [eff], pred, tok, sent, "nominal_between:noun", symmetric=True)
        # mentions() expanded the first member's conjuncts, which include the effect itself
        return [c for c in claims if not (c.cause.start == c.effect.start and c.cause.end == c.effect.end)
                and c.cause.start < c.effect.start]

    # -- adjectives and prepositions -----------------------------------------

    def _adjective(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        spec = self.lex.frames[pred.frame]
        voice = "modifier" if tok.dep_ in {"amod", "acl"} else "active"
        if voice == "modifier" and "modifier" not in spec:
            return []
        spec = spec.get(voice) or spec["active"]
        causes = first_match(tok, spec.get("cause", ()))
        if not causes and tok.head.dep_ in {"xcomp", "ccomp"}:
            causes = self._copula_subject(tok.head)
        effects = self._effects(first_match(tok, spec.get("effect", ())))
        # an adjective's complement must lead to a thing, not to an unrelated verb
        effects = [e for e in effects if e.token is None or e.inner is not None or e.token.pos_ != "VERB"
                   or e.token.tag_ == "VBG"]
        if not causes or not effects:
            return []
        return self._make(causes, effects, pred, tok, sent, f"{pred.frame}:{voice}")

    def _causal_prep(self, tok: Token, pred: Predicate, sent: Span) -> list[RawClaim]:
        """`Y due to X`, `Y because of X`, `as a result of X`, `secondary to X`."""
        spec = self.lex.frames[pred.frame]["preposition"]
        causes = first_match(tok, spec["cause"])
        causes = [c for c in causes if c.dep_ != "pcomp" or c.pos_ in {"NOUN", "PROPN", "VERB"}]
        causes = [c for c in causes if c.lower_ not in {"to", "of"}]
        if not causes:
            return []
        anchor = tok.head if tok.head is not tok else tok
        if anchor.lower_ == "as" and anchor.head is not anchor:
            anchor = anchor.head
        if anchor.pos_ in {"NOUN", "PROPN"}:
            effects = [anchor]
        elif anchor.pos_ in {"VERB", "AUX"}:
            effects = (first_match(anchor, ("dobj", "nsubjpass", "nsubj", "attr")))
        else:
            return []
        if not effects:
            return []
        return self._make(causes, self._effects(effects), pred, tok, sent, "causal_preposition")

    def _population(self, verb: Token, sent: Span) -> list[RawClaim]:
        """`Patients with X often report Y`, `pregnant women experience Y`,
        `people who smoke are more likely to develop Y`."""
        subj = [s for s in _subjects(verb) if self.lex.is_class(s.lemma_, "population")]
        if not subj or verb.dep_ in {"pcomp"}:
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
        causes = withs or [person]
        pred = Predicate(verb.lemma_.lower(), "VERB", "population", "associated_with", "increases", False)
        return self._make(causes, self._effects(obj), pred, verb, sent, "population")
