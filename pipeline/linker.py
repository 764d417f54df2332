"""Link a cleaned mention to a knowledge-base concept with scispaCy's EntityLinker.

The linker is scispaCy's: a `CandidateGenerator` over the char 3-gram TF-IDF
index of `pipeline.kb`, an `EntityLinker` (no definitions in our KB, so
`filter_for_definitions=False`) scoring candidates by cosine similarity. Two
things are added around it:

- a fuzzy candidate (similarity below 1) is accepted only when its words and the
  mention's correspond, apart from words of degree and generic kind words
  (`models/normalise/link_words.tsv`): `excessive caffeine intake` may link to
  `caffeine intake`, `reducing caffeine intake` may not;
- a mention that does not link as written is retried through the backoff
  rewrites of `models/normalise/linking.tsv` (`low levels of iron in the brain`
  -> `low iron` -> `iron deficiency`), fewest rewrites first; a rewritten form
  must be a name of the concept exactly;
- equal scores (an alias shared by two concepts) are broken by source: curated
  concepts, then MeSH descriptors, MeSH supplementary records, HPO, DrugBank, so
  the same words always land on the same concept (MONDO between MeSH and HPO).

Searching the index is what linking costs, so a document's noun phrases go to the
EntityLinker in one batch (`Linker.prefetch`; a mention's candidates do not depend
on the batch), the candidates of each text are remembered, and a text that no alias
corresponds to word for word is not searched at all (`AliasWords`: the check above
would refuse all its candidates).

A user's own KB (`claims run --kb my_kb.jsonl`, scispaCy's JSONL format) gets its
own index, cached by the file's content; its candidates compete with ours and win
ties, since the user asked for that vocabulary.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import threading
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path

from pipeline import kb as kb_build
from pipeline.settings import MODELS_DIR
from pipeline.vocabularies import DISORDER_TYPES, jsonl_records, key

THRESHOLD = 0.85  # cosine similarity of char 3-gram TF-IDF vectors; tuned on the NCBI Disease training set
MAX_REWRITES = 12
CACHE_SIZE = 200_000  # linked texts remembered per index
_LOCK = threading.Lock()
_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class ConceptInfo:
    concept_id: str
    name: str
    source: str
    parents: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    concept_id: str
    name: str  # the concept's name as the text wrote it, when it wrote one of its names
    score: float
    query: str  # the string that linked, after backoff rewrites


@cache
def backoff_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    path = Path(MODELS_DIR) / "normalise" / "linking.tsv"
    with open(path, newline="", encoding="utf-8") as fh:
        return tuple((re.compile(r["pattern"]), r["replacement"]) for r in csv.DictReader(fh, delimiter="\t"))


@cache
def ignorable_words() -> frozenset[str]:
    path = Path(MODELS_DIR) / "normalise" / "link_words.tsv"
    with open(path, newline="", encoding="utf-8") as fh:
        return frozenset(r["word"] for r in csv.DictReader(fh, delimiter="\t"))


def _word_keys(word: str) -> frozenset[str]:
    """Two words correspond when they share a key: the same word up to final `s`, or, both of five
    letters or more, the same first five (`anaemia` ~ `anaemic`; that key ends in a space, which no
    word holds)."""
    if len(word) >= 5:
        return frozenset((word.rstrip("s"), word[:5] + " "))
    return frozenset((word.rstrip("s"),))


def _same_word(a: str, b: str) -> bool:
    return bool(_word_keys(a) & _word_keys(b))


def compatible(mention: str, alias: str) -> bool:
    """Do the words of a mention and of a concept's alias correspond one to one, but for
    words of degree and generic kind words? (`restless leg syndrome` ~ `restless legs`)"""
    skip = ignorable_words()
    left = [w for w in key(mention).split() if w not in skip]
    right = [w for w in key(alias).split() if w not in skip]
    return bool(left) and all(any(_same_word(a, b) for b in right) for a in left) and all(
        any(_same_word(a, b) for b in left) for a in right)


class AliasWords:
    """A KB's aliases as words, to tell without a search that no alias can correspond to a text.

    A fuzzy candidate is kept only when one of its aliases corresponds word for word with the mention
    (`compatible`), so a text that corresponds to no alias of the KB links to nothing whatever its nearest
    neighbours are, and its search, the costly part of linking, is skipped. Most noun phrases of an
    abstract (`the decrease`, `blood pressure changes`) are such."""

    def __init__(self, keyed_aliases: Iterable[str]):
        skip = ignorable_words()
        aliases = {tuple(words) for a in keyed_aliases if (words := [w for w in a.split() if w not in skip])}
        per_word = Counter(w for alias in aliases for w in alias)
        keys = {w: _word_keys(w) for w in per_word}
        per_key: Counter[str] = Counter()
        for w, n in per_word.items():
            for k in keys[w]:
                per_key[k] += n
        cost = {w: sum(per_key[k] for k in ks) for w, ks in keys.items()}
        # each alias (as its words' keys) is filed under the keys of its rarest word: a text that
        # corresponds to it shares a key with every one of its words, that one included
        self.by_key: dict[str, list[tuple[frozenset[str], ...]]] = {}
        for alias in aliases:
            theirs = tuple(keys[w] for w in alias)
            for k in keys[min(alias, key=cost.__getitem__)]:
                self.by_key.setdefault(k, []).append(theirs)

    def could_match(self, text: str) -> bool:
        """Is there an alias that `compatible(text, alias)` accepts?"""
        skip = ignorable_words()
        left = [_word_keys(w) for w in key(text).split() if w not in skip]
        mine = frozenset().union(*left)
        for k in mine:
            for theirs in self.by_key.get(k, ()):
                if all(not ks.isdisjoint(mine) for ks in theirs):
                    union = frozenset().union(*theirs)
                    if all(not ks.isdisjoint(union) for ks in left):
                        return True
        return False


def rewrites(text: str) -> list[str]:
    """`text` and what the backoff rules make of it, fewest rewrites first."""
    seen, order, todo = {text}, [text], deque([text])
    skip = ignorable_words()
    while todo and len(order) < MAX_REWRITES:
        current = todo.popleft()
        for pattern, replacement in backoff_rules():
            new = " ".join(pattern.sub(replacement, current).split())
            if new and new not in seen and not set(key(new).split()) <= skip:  # never down to a bare "disease"
                seen.add(new)
                order.append(new)
                todo.append(new)
    return order


def _priority(info: ConceptInfo) -> int:
    if info.source.startswith("user:"):
        return 0
    if "curated" in info.source:
        return 1
    if info.concept_id.startswith("MESH:D"):
        return 2
    if info.concept_id.startswith("MESH:"):
        return 3
    return {"MONDO": 4, "HPO": 5, "DrugBank": 6}.get(info.source, 7)


class _Index:
    """One KB with its scispaCy candidate generator and entity linker."""

    def __init__(self, directory: Path, infos: dict[str, ConceptInfo]):
        import spacy
        from scispacy.candidate_generation import CandidateGenerator, LinkerPaths
        from scispacy.linking import EntityLinker
        from scispacy.linking_utils import KnowledgeBase

        self.kb = KnowledgeBase(str(directory / "kb.jsonl"))
        aliases, vectorizer, ann_index = LinkerPaths.from_directory(directory).load()
        generator = CandidateGenerator(ann_index, vectorizer, aliases, self.kb)
        self.linker = EntityLinker(candidate_generator=generator, resolve_abbreviations=False, k=30,
                                   threshold=THRESHOLD, filter_for_definitions=False, max_entities_per_mention=8)
        self.nlp = spacy.blank("en")
        self.infos = infos
        self.exact: dict[str, set[str]] = {}
        self.fuzzy: dict[str, list[tuple[str, float]]] = {}  # text -> its fuzzy candidates, once linked
        for alias, cuis in self.kb.alias_to_cuis.items():
            self.exact.setdefault(key(alias), set()).update(cuis)
        self.words = AliasWords(self.exact)

    def candidates(self, text: str, fuzzy: bool = True) -> list[tuple[str, float]]:
        if (found := self.exact.get(key(text))) is not None:
            return [(cid, 1.0) for cid in found]
        if not fuzzy:
            return []
        cached = self.fuzzy.get(text)
        return cached if cached is not None else self._link([text])[text]

    def prefetch(self, texts: Iterable[str]) -> None:
        """Link at once the texts that no exact name covers, before they are asked one by one."""
        self._link([t for t in set(texts) if t not in self.fuzzy and key(t) not in self.exact])

    def _link(self, texts: list[str]) -> dict[str, list[tuple[str, float]]]:
        """Fuzzy candidates of each text, remembered; no search for a text no alias corresponds to."""
        found: dict[str, list[tuple[str, float]]] = {t: [] for t in texts}
        found.update(self.search([t for t in sorted(texts) if self.words.could_match(t)]))
        if len(self.fuzzy) + len(found) > CACHE_SIZE:  # a long run's vocabulary: memory stays bounded
            self.fuzzy = {}
        self.fuzzy.update(found)
        return found

    def search(self, texts: list[str]) -> dict[str, list[tuple[str, float]]]:
        """Fuzzy candidates of each text from one call of the entity linker: its candidate generator
        vectorises and searches a batch for much less than a call per mention costs, and a mention's
        candidates do not depend on the others in the batch."""
        from spacy.tokens import Doc, Span

        found: dict[str, list[tuple[str, float]]] = {t: [] for t in texts}
        docs = [(t, d) for t in texts if len(d := self.nlp.make_doc(t))]
        if not docs:
            return found
        doc = Doc.from_docs([d for _, d in docs], ensure_whitespace=True)
        ends = accumulate(len(d) for _, d in docs)
        doc.ents = [Span(doc, end - len(d), end, label="MENTION") for (_, d), end in zip(docs, ends, strict=True)]
        with _LOCK:
            self.linker(doc)
        for (t, _), ent in zip(docs, doc.ents, strict=True):
            found[t] = [(cid, float(score)) for cid, score in ent._.kb_ents
                        if any(compatible(t, a) for a in self.kb.cui_to_entity[cid].aliases)]
        return found


def _read_infos(path: Path) -> dict[str, ConceptInfo]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["concept_id"]: ConceptInfo(r["concept_id"], r["name"], r["source_vocabulary"],
                                             tuple(filter(None, r["parents"].split(";"))),
                                             tuple(filter(None, r["types"].split(";"))),
                                             tuple(filter(None, r["xrefs"].split(";"))))
                for r in csv.DictReader(fh, delimiter="\t")}


class UserKBError(ValueError):
    """A user KB that cannot be used: the message names the file and the problem."""


def user_kb_dir(path: Path) -> Path:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return kb_build.build_dir().parent / "user" / digest


def prepare_user_kb(path: Path) -> Path:
    """Check a user's scispaCy-format KB and index it (once per file content)."""
    path = Path(path)
    if not path.is_file():
        raise UserKBError(f"{path}: no such file")
    out = user_kb_dir(path)
    if (out / "concepts.tsv").is_file():
        return out
    infos = []
    for n, rec in jsonl_records(path, UserKBError, "not a scispaCy KB entry: "):
        missing = [f for f in ("concept_id", "canonical_name") if not isinstance(rec, dict) or f not in rec]
        aliases = rec.get("aliases", []) if isinstance(rec, dict) else []
        if missing or not isinstance(aliases, list):
            problem = f"missing {', '.join(missing)}" if missing else "`aliases` is not a list"
            raise UserKBError(f"{path}:{n}: not a scispaCy KB entry (concept_id, canonical_name, aliases): "
                              f"{problem}")
        cid, name = rec["concept_id"], rec["canonical_name"]
        infos.append((cid, name, aliases, rec.get("types", [])))
    if not infos:
        raise UserKBError(f"{path}: no concepts")
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with open(tmp / "kb.jsonl", "w", encoding="utf-8") as fh:
        for cid, name, aliases, types in infos:
            fh.write(json.dumps({"concept_id": cid, "canonical_name": name, "aliases": aliases, "types": types,
                                 "definition": None}, ensure_ascii=False) + "\n")
    with open(tmp / "concepts.tsv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["concept_id", "name", "source_vocabulary", "parents", "xrefs", "types"])
        for cid, name, _, types in infos:
            writer.writerow([cid, name, f"user:{path.name}", "", "", ";".join(types)])
    kb_build.build_index(tmp / "kb.jsonl", tmp)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


class Linker:
    """Our KB, optionally a user's, and the choice between their candidates."""

    def __init__(self, user_kb: Path | None = None):
        directory = kb_build.build_dir()
        kb_build.build(directory)
        self.infos = _read_infos(directory / "concepts.tsv")
        self.redirects: dict[str, str] = json.loads((directory / "redirects.json").read_text(encoding="utf-8"))
        self.indexes = [_Index(directory, self.infos)]
        if user_kb is not None:
            user_dir = prepare_user_kb(Path(user_kb))
            user_infos = _read_infos(user_dir / "concepts.tsv")
            self.infos = {**self.infos, **user_infos}
            self.indexes.append(_Index(user_dir, user_infos))
        self._cache: dict[str, Link | None] = {}
        self._ancestors: dict[str, frozenset[str]] = {}

    def info(self, concept_id: str) -> ConceptInfo | None:
        """The concept an id names, following the ids folded into other concepts."""
        seen = {concept_id}
        while concept_id in self.redirects and self.redirects[concept_id] not in seen:
            concept_id = self.redirects[concept_id]
            seen.add(concept_id)
        return self.infos.get(concept_id)

    def _best(self, text: str, fuzzy: bool = True) -> Link | None:
        found: dict[str, float] = {}
        for index in self.indexes:
            for cid, score in index.candidates(text, fuzzy):
                found[cid] = max(score, found.get(cid, 0.0))
        if not found:
            return None
        named = key(text)  # on a tie, the source's rank, then the concept this is the name of
        cid = min(found, key=lambda c: (-round(found[c], 4), _priority(self.infos[c]),
                                        key(self.infos[c].name) != named, c))
        return Link(cid, self._written_name(cid, named, text), found[cid], text)

    def _written_name(self, cid: str, named: str, written: str) -> str:
        """The text's own words when they are one of the concept's names up to plural, spelling and
        `disorder`/`disease` (`dopaminergic agents`, not MeSH's `Dopamine Agents`), so tables speak
        the corpus's words; the canonical name when only a fuzzy match reached it."""
        if any(cid in index.exact.get(named, ()) for index in self.indexes):
            return written
        return self.infos[cid].name

    def prefetch(self, texts: Iterable[str]) -> None:
        """Link a document's phrases in one batch ahead of `link`, which then finds them remembered."""
        norms = {" ".join(t.lower().split()) for t in texts} - {""}
        for index in self.indexes:
            index.prefetch(norms)

    def link(self, text: str, backoff: bool = True) -> Link | None:
        """The concept `text` names, trying the backoff rewrites when it does not link as written."""
        text = " ".join(text.lower().split())
        if not backoff:
            return self._best(text) if text else None
        if text not in self._cache:
            forms = rewrites(text)
            self._cache[text] = self._best(text) or next(
                (lk for q in forms[1:] if (lk := self._best(q, fuzzy=False))), None)
        return self._cache[text]

    def is_disorder(self, text: str) -> bool:
        """Does `text` link to a disease or phenotype concept?"""
        found = self.link(text)
        return bool(found and DISORDER_TYPES & set(self.infos[found.concept_id].types))

    def ancestors(self, concept_id: str) -> frozenset[str]:
        """Every concept above `concept_id`, remembered: the recogniser and the document-level pairs
        ask about the same concepts over and over."""
        if (known := self._ancestors.get(concept_id)) is not None:
            return known
        out: set[str] = set()
        todo = [concept_id]
        while todo:
            info = self.info(todo.pop())
            for parent in info.parents if info else ():
                if parent not in out:
                    out.add(parent)
                    todo.append(parent)
        self._ancestors[concept_id] = frozenset(out)
        return self._ancestors[concept_id]


_linkers: dict[str, Linker] = {}
_user_kb: Path | None = None


def configure(user_kb: Path | str | None) -> None:
    """Use a user's KB beside ours for the rest of this process (`claims run --kb`)."""
    global _user_kb
    _user_kb = Path(user_kb).resolve() if user_kb else None


def shared_linker() -> Linker:
    """One linker per process and user KB: loading the index costs a few seconds."""
    name = str(_user_kb or "")
    with _LOAD_LOCK:
        if name not in _linkers:
            _linkers[name] = Linker(_user_kb)
        return _linkers[name]
