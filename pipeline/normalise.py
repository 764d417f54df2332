"""Concept names and ids for claim arguments.

Until a knowledge base links mentions to ontology concepts, a mention's
concept is its normalised surface form: lower-case lemmas without
determiners and quantifiers, so `Low iron levels` and `low iron level` meet.
The document's topic maps to one concept whatever words refer to it.
"""

from __future__ import annotations

import re
from typing import Protocol

from pipeline.extract.lexicon import Lexicon


class _Ent(Protocol):
    lemmas: str
    is_topic: bool


class _Topic(Protocol):
    name: str
    keys: tuple[str, ...]


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


class Normaliser:
    def __init__(self, lex: Lexicon):
        self.lex = lex

    def surface(self, lemmas: str) -> str:
        words = [w for w in lemmas.split() if w not in self.lex.strip_words]
        return " ".join(words) or lemmas

    def concept(self, ent: _Ent, topic: _Topic | None) -> tuple[str, str]:
        if ent.is_topic and topic is not None:
            name = max(topic.keys, key=lambda k: (len(k.split()), k))
        else:
            name = self.surface(ent.lemmas)
        return name, "local:" + slug(name)
