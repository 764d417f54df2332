"""Conflicts of interest: a claim about what its own source sells.

A vein clinic saying that venous insufficiency causes restless legs, or that
vein treatment relieves them, argues for its own services; a ketamine clinic
saying ketamine relieves them, likewise. A claim's argument is in conflict
when it is, or falls under, an `Offer` of its source:

1. the same concept id;
2. an ancestor of the argument's concept is the offer's concept, given a
   `parents(concept_id) -> parent ids` lookup (the concept hierarchy from
   normalisation; none while ids are provisional);
3. the argument's words contain a word of the offer or of the medical field
   the offer belongs to (`varicose veins` under `vascular medicine`); service
   words (`treatment`, `clinic`) never count.

The reason names the rule, the words and the offer, so a reader can check it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pipeline.model import Mention, Offer
from pipeline.promotion import words_of

Parents = Callable[[str], Iterable[str]]


def ancestors(concept_id: str, parents: Parents | None) -> set[str]:
    """Every concept above `concept_id` in the hierarchy (cycles tolerated)."""
    if parents is None:
        return set()
    seen: set[str] = set()
    todo = list(parents(concept_id))
    while todo:
        current = todo.pop()
        if current not in seen and current != concept_id:
            seen.add(current)
            todo.extend(parents(current))
    return seen


def _shared_term(texts: Iterable[str], offer: Offer) -> str:
    padded = [f" {words_of(t)} " for t in texts if t]
    hits = [term for term in offer.words if any(f" {term} " in p for p in padded)]
    return max(hits, key=lambda t: (len(t), t), default="")


def conflict(role: str, mention: Mention, offers: Iterable[tuple[str, Offer]], parents: Parents | None = None) -> str:
    """Why `mention` (the claim's `role`, cause or effect) is something its source sells; '' if it is not.

    `offers` are (seller, offer) pairs of the evidence's independent source.
    """
    offers = list(offers)
    above = ancestors(mention.concept_id, parents)
    for seller, offer in offers:
        if offer.concept_id and offer.concept_id == mention.concept_id:
            return f'{role} "{mention.text}" is "{offer.name}"; {seller} sells it ({offer.basis})'
        if offer.concept_id and offer.concept_id in above:
            return (f'{role} "{mention.text}" falls under "{offer.name}" in the concept hierarchy; '
                    f"{seller} sells it ({offer.basis})")
    matches = []
    for seller, offer in offers:
        term = _shared_term((mention.text, mention.name), offer)
        if term:
            direct = f" {term} " in f" {words_of(offer.name)} "
            matches.append((not direct, -len(term), term, seller, offer))
    if not matches:
        return ""
    indirect, _, term, seller, offer = min(matches, key=lambda m: m[:3])
    field = " (same medical field)" if indirect else ""
    return f'{role} "{mention.text}" concerns "{term}"{field}; {seller} sells "{offer.name}" ({offer.basis})'
