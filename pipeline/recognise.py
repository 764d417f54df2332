"""Chemical and disease mentions anywhere in a document, linked to the knowledge base.

Claims name their arguments, but a chemical-disease relation in an abstract is
often stated across sentences (`Lithium carbonate may be a factor ... It also
causes cyanosis`), so the document-level step (`pipeline.induced`) needs every
chemical and disease the text names. Recognition is a dictionary match, as in
the field's dictionary taggers: every name of a knowledge-base concept typed as
a chemical, drug or disease, compared word by word in the KB's own key form
(lower case, singular, spelling variants), longest match first.

Two things keep a name from being taken for what it is not:
- `models/literature/lexicon.tsv` (compiled from the BC5CDR and NCBI Disease
  training annotations by `scripts/compile_literature_lexicon.py`) says how
  often annotators marked a name where it occurred; a name they mostly left
  unmarked (`lead`, `drug`, `patients`) is not recognised, and a name they
  marked with one MeSH id gets that id;
- a name of three letters or fewer is taken only where it is written in capitals
  (`ALL`, not `all`; two-letter symbols such as `Ca` as written).
An abbreviation the document defines (`valproic acid (VPA)`) names what its long
form names, wherever it occurs.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

from pipeline.linker import Linker, _priority
from pipeline.model import Entity
from pipeline.settings import MODELS_DIR
from pipeline.vocabularies import key

MAX_WORDS = 10
_WORD = re.compile(r"[A-Za-z0-9]+")
CHEMICAL_TYPES = frozenset({"chemical", "drug", "drug_class"})
DISEASE_TYPES = frozenset({"disease", "phenotype"})
MIN_MARKED_SHARE = 0.3  # a name annotators marked less often than this where it occurred is not recognised
MIN_SEEN = 3  # ... judged only once it occurred this often


def entity_type(types: Iterable[str]) -> str:
    """`chemical` or `disease` for a concept's KB types, else empty."""
    types = set(types)
    if types & DISEASE_TYPES:
        return "disease"
    if types & CHEMICAL_TYPES:
        return "chemical"
    return ""


def concept_type(types: Iterable[str]) -> str:
    """What the tables say a concept is: `chemical`, `disease`, else its KB type (`behaviour`,
    `food`, `treatment`, ...), else empty (a concept that linked to nothing)."""
    types = sorted(types)
    return entity_type(types) or (types[0] if types else "")


@cache
def lexicon_types() -> dict[str, str]:
    """MeSH concept id -> `chemical`/`disease` for every id annotators gave a name."""
    return {"MESH:" + e.mesh_id: e.type for e in literature_lexicon().values() if e.mesh_id}


def kind_of(cid: str, types: Iterable[str] | None) -> str:
    """A concept's type for the tables: from the KB when it has the concept (`types`), else from the
    annotated corpora (a chemical only they name), else empty."""
    return concept_type(types) if types is not None else lexicon_types().get(cid, "")


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, key form) of each word: the unit names are compared in."""
    return [(m.start(), m.end(), key(m.group())) for m in _WORD.finditer(text)]


@dataclass(frozen=True)
class LexiconEntry:
    name: str  # key form
    text: str  # the commonest written form
    type: str
    mesh_id: str  # empty: annotators never marked it
    n_marked: int
    n_seen: int

    @property
    def reliable(self) -> bool:
        return self.n_seen < MIN_SEEN or self.n_marked >= MIN_MARKED_SHARE * self.n_seen


def annotated_only_path() -> Path:
    return Path(MODELS_DIR) / "literature" / "annotated_only.tsv"


@cache
def annotated_only() -> frozenset[str]:
    """KB branches whose names are chemicals only where annotators marked them (proteins, enzymes,
    classes of drugs by action): the names stay for claims, the recogniser takes them from the lexicon."""
    path = annotated_only_path()
    if not path.is_file():
        return frozenset()
    with open(path, newline="", encoding="utf-8") as fh:
        return frozenset(r["concept_id"] for r in csv.DictReader(fh, delimiter="\t"))


def lexicon_path() -> Path:
    return Path(MODELS_DIR) / "literature" / "lexicon.tsv"


@cache
def literature_lexicon(path: Path | None = None) -> dict[str, LexiconEntry]:
    path = path or lexicon_path()
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["name"]: LexiconEntry(r["name"], r["text"], r["type"], r["mesh_id"], int(r["n_marked"]),
                                        int(r["n_seen"]))
                for r in csv.DictReader(fh, delimiter="\t")}


class Recogniser:
    """The dictionary of chemical and disease names, built once per linker."""

    def __init__(self, linker: Linker, lexicon: dict[str, LexiconEntry] | None = None):
        self.linker = linker
        self.lexicon = literature_lexicon() if lexicon is None else lexicon
        self.names: dict[str, tuple[str, str]] = {}  # key form -> (concept id, type)
        self.display: dict[str, str] = {}  # names of concepts only the annotated corpora know
        self.marked = {name for name, e in self.lexicon.items() if e.mesh_id and e.reliable}
        branches = annotated_only()
        for index in linker.indexes:
            for name, cuis in index.exact.items():
                found = self._choose(name, cuis)
                if found and (name in self.marked or not branches & (linker.ancestors(found[0]) | {found[0]})):
                    self.names[name] = found
        for name, entry in self.lexicon.items():  # the id annotators give a name wins, in the KB or not
            if entry.reliable and entry.mesh_id:
                cid = linker.redirects.get("MESH:" + entry.mesh_id, "MESH:" + entry.mesh_id)
                self.names[name] = (cid, entry.type)
                if cid not in linker.infos:
                    self.display.setdefault(cid, entry.text)
        self.longest: dict[str, int] = {}  # first word -> most words a name starting with it has
        for name in self.names:
            first = name.partition(" ")[0]
            self.longest[first] = max(self.longest.get(first, 0), name.count(" ") + 1)

    def name_of(self, cid: str) -> str:
        info = self.linker.infos.get(cid)
        return info.name if info else self.display.get(cid, cid)

    def _choose(self, name: str, cuis: set[str]) -> tuple[str, str] | None:
        entry = self.lexicon.get(name)
        if entry is not None and not entry.reliable:
            return None
        if entry is not None and entry.mesh_id:
            preferred = self.linker.redirects.get("MESH:" + entry.mesh_id, "MESH:" + entry.mesh_id)
            if preferred in cuis:
                return preferred, entry.type
        typed = [(c, t) for c in cuis if (info := self.linker.infos.get(c)) and (t := entity_type(info.types))]
        if not typed:
            return None
        return min(typed, key=lambda ct: (_priority(self.linker.infos[ct[0]]), ct[0]))

    def _allowed(self, name: str, written: str) -> bool:
        """A short name only as annotators marked it, in capitals (`ALL`, not `all`) or as an element's
        symbol (`Mg`), never a word that starts a sentence (`No`, `He`, `As`)."""
        if len(name) > 3:
            return True
        return name in self.marked and (written.isupper() or (
            len(written) == 2 and written.istitle() and written.lower() not in STOP_WORDS))

    def find(self, text: str, spans: Iterable[tuple[int, int]], abbreviations: dict[str, str] | None = None,
             ) -> list[Entity]:
        """Mentions in the given spans of `text` (the document's blocks), longest match first."""
        found: list[Entity] = []
        for start, end in spans:
            ws = words(text[start:end])
            i = 0
            while i < len(ws):
                hit = None
                longest = self.longest.get(ws[i][2].partition(" ")[0], 0)  # most words start no name: none tried
                for j in range(min(len(ws), i + MAX_WORDS, i + longest), i, -1):
                    name = " ".join(w[2] for w in ws[i:j])
                    if name in self.names and self._allowed(name, text[start + ws[i][0]:start + ws[j - 1][1]]):
                        hit = j, self.names[name]
                        break
                if hit is None:
                    i += 1
                    continue
                j, (cid, kind) = hit
                s, e = start + ws[i][0], start + ws[j - 1][1]
                found.append(Entity(text[s:e], s, e, kind, cid, self.name_of(cid)))
                i = j
        return self._abbreviated(text, found, abbreviations or {}, spans)

    def _abbreviated(self, text: str, found: list[Entity], abbreviations: dict[str, str],
                     spans: Iterable[tuple[int, int]]) -> list[Entity]:
        """A short form the document defines names what its long form names, wherever it stands."""
        by_long = {key(e.text): e for e in found}
        defined = {short: by_long[key(long)] for short, long in abbreviations.items() if key(long) in by_long}
        if not defined:
            return found
        taken = {(e.start, e.end) for e in found}
        out = [e for e in found if e.text not in defined]
        pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(s) for s in sorted(defined, key=len,
                                                                                     reverse=True)) + r")(?![\w-])")
        for start, end in spans:
            for m in pattern.finditer(text, start, end):
                long = defined[m.group(1)]
                if not any(s <= m.start() < e for s, e in taken if (s, e) != (m.start(), m.end())):
                    out.append(Entity(m.group(1), m.start(), m.end(), long.type, long.concept_id, long.name))
        return sorted(out, key=lambda e: (e.start, e.end))


_recognisers: dict[int, Recogniser] = {}


def shared_recogniser(linker: Linker) -> Recogniser:
    """One dictionary per linker (building it walks every KB name: a second or two)."""
    if id(linker) not in _recognisers:
        _recognisers[id(linker)] = Recogniser(linker)
    return _recognisers[id(linker)]
