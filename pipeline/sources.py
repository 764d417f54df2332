"""Who publishes each document, and which documents count as one independent source.

Agreement means something only between sources that could have been wrong
independently: five pages of one clinic, or one article reposted on three
sites, are one voice. A document's publisher comes from its metadata (the
domain of its URL via tldextract, with the bundled public suffix list and no
network, or the publisher field), else from the text itself (a web domain it
names as its own, `At <Name>, we ...`), else it stands alone.

Two publishers are the same when their names reduce to the same letters
(`Mayo Clinic` and `mayoclinic.org`); documents of one publisher and near
duplicates (see `duplicates.py`) are merged into one independent source.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

import tldextract

from pipeline.model import Document, DocumentResult, Source

if TYPE_CHECKING:
    from pipeline.promotion import Findings

_URL_START = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Cue categories in whose sentences a named domain is the page's own.
_VOICE_CATEGORIES = {"provider_voice", "first_person_offer"}
_SELF_CATEGORIES = {"self_named_brand", "first_person_offer", "provider_voice", "call_to_action", "steering"}


@cache
def _extract() -> tldextract.TLDExtract:
    # suffix_list_urls=() keeps tldextract offline: its bundled snapshot of the list serves.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def as_domain(text: str) -> str:
    """The registrable domain of a URL or host name (`https://www.a.co.uk/x` -> `a.co.uk`); '' if none."""
    text = text.strip().strip(".,;:()[]<>\"'").lower()
    if not text or any(c.isspace() for c in text):
        return ""
    if "/" in text and not _URL_START.match(text):
        text = "http://" + text
    parts = _extract()(text)
    if not parts.domain or not parts.suffix:
        return ""
    return parts.top_domain_under_public_suffix


def key_of(name: str) -> str:
    """What two publisher names must share to be one publisher: the letters of the name or domain label."""
    domain = as_domain(name)
    if domain:
        name = _extract()(domain).domain
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _quote(sentence: str, limit: int = 160) -> str:
    text = " ".join(sentence.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _from_metadata(document: Document) -> Source | None:
    domain = as_domain(document.url) if document.url else ""
    if domain:
        return Source(domain, key_of(domain), f"domain of the url in the metadata ({document.url})")
    publisher = " ".join(document.publisher.split())
    if publisher:
        domain = as_domain(publisher)
        return Source(domain or publisher, key_of(domain or publisher), "publisher in the metadata")
    return None


def _from_text(findings: Findings) -> Source | None:
    """A domain the text names as its own, else a brand it speaks for (`At <Name>, we offer`)."""
    own: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    first: dict[str, str] = {}
    self_sentences = {f.cue.sentence for f in findings.found if f.rule.category in _SELF_CATEGORIES}
    for written, sentence in findings.domains:
        domain = as_domain(written)
        mentions[domain] += 1
        if sentence in self_sentences:
            own[domain] += 1
            first.setdefault(domain, sentence)
    for domain, count in mentions.items():
        if count >= 2 and domain not in own:
            own[domain] = 0  # named again and again: the page's own, if nothing better
            first.setdefault(domain, next(s for w, s in findings.domains if as_domain(w) == domain))
    if own:
        order = [as_domain(w) for w, _ in findings.domains]
        domain = min(own, key=lambda d: (-own[d], -mentions[d], order.index(d)))
        how = ("names it in a sentence that speaks for the seller" if own[domain]
               else f"names it {mentions[domain]} times")
        return Source(domain, key_of(domain), f"the text {how}: {_quote(first[domain])!r}")
    brands = [f for f in findings.found if f.named_kind == "brand"]
    if brands:
        counts = Counter(key_of(f.named) for f in brands)
        best = min(brands, key=lambda f: (-counts[key_of(f.named)], f.cue.start_char))
        return Source(best.named, key_of(best.named), f"the text speaks for it: {_quote(best.cue.sentence)!r}")
    return None


def identify(document: Document, findings: Findings) -> Source:
    """The publisher of `document`, and where that was read."""
    found = _from_metadata(document) or _from_text(findings)
    if found is not None and found.key:
        return found
    voice = next((f.cue.text for f in findings.found if f.rule.category in _VOICE_CATEGORIES), "")
    why = (f"the text speaks as a provider ({voice!r}) but names no publisher" if voice
           else "no publisher in the metadata or the text")
    return Source(f"doc:{document.doc_id}", f"doc:{document.doc_id}", f"{why}: the document stands alone")


class _Groups:
    """Union-find over doc ids; a group's representative is its smallest doc id."""

    def __init__(self, items: Iterable[str]):
        self.parent = {i: i for i in items}

    def find(self, item: str) -> str:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def independent_sources(results: list[DocumentResult], near_duplicates: dict[str, tuple[str, float]]) -> dict[str, str]:
    """Each analysed document's independent source, labelled by the publisher names it merges."""
    ok = [r for r in results if r.status == "ok" and r.source is not None]
    groups = _Groups(r.doc_id for r in ok)
    by_key: dict[str, str] = {}
    for res in sorted(ok, key=lambda r: r.doc_id):
        if res.source.key in by_key:
            groups.union(by_key[res.source.key], res.doc_id)
        else:
            by_key[res.source.key] = res.doc_id
    for doc_id, (original, _) in near_duplicates.items():
        if doc_id in groups.parent and original in groups.parent:
            groups.union(doc_id, original)
    names: dict[str, set[str]] = {}
    for res in ok:
        names.setdefault(groups.find(res.doc_id), set()).add(res.source.name)
    return {res.doc_id: " + ".join(sorted(names[groups.find(res.doc_id)])) for res in ok}
