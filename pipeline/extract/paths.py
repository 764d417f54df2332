"""A tiny path language over dependency arcs, used by the frames in models/claims.

`prep[to|with]>pobj` means: a `prep` child whose lemma is `to` or `with`, then
its `pobj` child; `advcl{when|if}` an adverbial clause introduced by `when` or
`if`. `^` steps to the head. Paths keep frames declarative.
"""

from __future__ import annotations

import re
from functools import cache

from spacy.tokens import Token

_STEP = re.compile(r"^(\^|[a-z]+)(?:\[([^\]]+)\])?(?:\{([^}]+)\})?$")


Step = tuple[str, frozenset[str] | None, frozenset[str] | None]


@cache
def parse_path(path: str) -> tuple[Step, ...]:
    steps = []
    for raw in path.split(">"):
        m = _STEP.match(raw.strip())
        if not m:
            raise ValueError(f"bad dependency path step {raw!r} in {path!r}")
        lemmas = frozenset(m.group(2).lower().split("|")) if m.group(2) else None
        marks = frozenset(m.group(3).lower().split("|")) if m.group(3) else None
        steps.append((m.group(1), lemmas, marks))
    return tuple(steps)


def _marked(tok: Token, marks: frozenset[str] | None) -> bool:
    # "when" is often parsed as an adverb of the clause rather than its marker
    return marks is None or any(c.dep_ in {"mark", "advmod"} and c.lower_ in marks for c in tok.children)


def follow(token: Token, path: str) -> list[Token]:
    """Tokens reached from `token` along `path` (in sentence order)."""
    current = [token]
    for dep, lemmas, marks in parse_path(path):
        nxt: list[Token] = []
        for tok in current:
            if dep == "^":
                if tok.head.i != tok.i:
                    nxt.append(tok.head)
                continue
            for child in tok.children:
                if child.dep_ == dep and (lemmas is None or child.lemma_.lower() in lemmas
                                          or child.lower_ in lemmas) and _marked(child, marks):
                    nxt.append(child)
                    # "caused by X or by Y": a repeated preposition is a conjunct of the first
                    nxt += [c for c in child.children if c.dep_ == "conj" and c.pos_ == "ADP"
                            and c.lower_ == child.lower_]
                    if child.pos_ == "ADP":  # "... in men, and in people who ...", the second hung on the verb
                        nxt += [c for a in (tok, *tok.ancestors) for c in a.children if c.dep_ == "conj"
                                and c.pos_ == "ADP" and c.lower_ == child.lower_ and c.i > child.i]
        current = nxt
        if not current:
            return []
    return sorted(set(current), key=lambda t: t.i)


def first_match(token: Token, paths: tuple[str, ...]) -> list[Token]:
    """The tokens of the first path in `paths` that reaches any."""
    for path in paths:
        found = follow(token, path)
        if found:
            return found
    return []
