"""Concept names and ids for claim arguments.

A mention is cleaned (lower-case words, leading determiners and quantifiers
dropped, abbreviations the document defines written out, relational frames
such as `deficiency in X` rewritten by `models/normalise/frames.tsv`) and linked
to the knowledge base (`pipeline.linker`). A mention that links to nothing keeps
its normalised surface form as its concept (nouns in the singular, so `Low iron
levels` and `low iron level` meet); assembly merges similar ones across the
corpus. The document's topic maps to one concept whatever words refer to it.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path
from typing import Protocol

from pipeline.extract.lexicon import Lexicon
from pipeline.linker import Linker
from pipeline.settings import MODELS_DIR
from pipeline.text import singular


class _Ent(Protocol):
    text: str
    norm: str
    is_topic: bool
    name: str


class _Topic(Protocol):
    name: str
    keys: tuple[str, ...]


@cache
def frame_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Rewrites of relational frames (`deficiency in X` -> `X deficiency`) from models/normalise."""
    path = Path(MODELS_DIR) / "normalise" / "frames.tsv"
    with open(path, newline="", encoding="utf-8") as fh:
        return tuple((re.compile(r["pattern"]), r["replacement"]) for r in csv.DictReader(fh, delimiter="\t"))


def unframe(name: str) -> str:
    for pattern, replacement in frame_rules():
        new = pattern.sub(replacement, name)
        if new != name:
            return new
    return name


def slug(name: str) -> str:
    return "_".join(singular(w) for w in re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


class Normaliser:
    def __init__(self, lex: Lexicon, linker: Linker | None = None):
        self.lex = lex
        self.linker = linker

    def words(self, text: str, abbreviations: dict[str, str]) -> str:
        """Lower-case words, leading determiners and quantifiers dropped; a mention that is only an
        abbreviation the document defines (`CKD`) is written out."""
        words = re.sub(r"[^\w'\-]+", " ", text.lower()).split()
        while words and words[0] in self.lex.strip_words:
            words = words[1:]
        if len(words) == 1 and words[0] in abbreviations:
            return abbreviations[words[0]].lower()
        return " ".join(words) or text.lower()

    def subtype(self, norm: str, topic: _Topic) -> str:
        """`acute bronchitis` is a kind of the topic, not the topic: keep the words that say which kind."""
        padded = f" {norm} "
        for key in sorted(topic.keys, key=len, reverse=True):
            at = padded.find(f" {key} ")
            if at >= 0:
                skip = self.lex.strip_words | self.lex.evaluative | set(self.lex.polarity_modifiers) | set(
                    self.lex.effect_wrappers)
                words = [w for w in padded[:at].split() if w not in skip]
                return " ".join(words) + " " if words else ""
        return ""

    def concept(self, ent: _Ent, topic: _Topic | None, abbreviations: dict[str, str] | None = None,
                template: str = "") -> tuple[str, str]:
        """(name as the text writes it, id from the singular form): `Low iron levels` and
        `low iron level` share an id; the tables show the commonest name of each id."""
        abbreviations = abbreviations or {}
        if ent.is_topic and topic is not None:
            name = key = self.subtype(ent.norm, topic) + topic.name
        else:
            name = ent.name or unframe(self.words(ent.text, abbreviations))
            key = unframe(self.words(ent.norm, abbreviations))
        if template:
            name, key = self.fill(template, name), self.fill(template, key)
        if self.linker is not None and (found := self.linker.link(name)):
            return found.name, found.concept_id
        return name, "local:" + slug(key)

    def kind(self, text: str) -> str:
        """The KB type of what a mention names (`chemical`, `disease`, ...; empty when it links to nothing)."""
        from pipeline.recognise import concept_type

        found = self.linker.link(unframe(self.words(text, {}))) if self.linker is not None else None
        return concept_type(self.linker.infos[found.concept_id].types) if found else ""

    @staticmethod
    def fill(template: str, name: str) -> str:
        """`{} damage` of `the veins` is `vein damage`: a noun in front of another is singular."""
        if template.startswith("{} "):
            words = name.split()
            name = " ".join([*words[:-1], singular(words[-1])]) if words else name
        return template.format(name)

    def is_disorder(self, text: str) -> bool:
        """Does a mention name a disease or phenotype in the knowledge base? (for relevance
        filters that would otherwise judge by the head word's morphology)"""
        return self.linker is not None and self.linker.is_disorder(unframe(self.words(text, {})))
