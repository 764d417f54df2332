"""The BioCreative V CDR benchmark: chemical-induced disease relations, end to end.

The pipeline reads the PubTator file as any corpus (its annotations never reach
it: `pipeline.ingest.literature` keeps them out of the documents), writes its
tables, and the CID pairs are assembled from the evidence table alone
(`cid_pairs`). They are scored the official way: per PMID, the set of
(chemical MeSH id, disease MeSH id) pairs against the file's own `CID` lines,
micro-averaged precision, recall and F1. Chemical and disease normalisation are
scored the way the task scored them (document-level sets of MeSH ids per type).

Co-occurrence baselines are computed on the same file: every chemical paired
with every disease of the abstract, with the pipeline's entities and with the
file's own annotations.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.assemble import assemble
from pipeline.induced import mesh_id, most_specific
from pipeline.ingest.literature import Article, read_pubtator
from pipeline.linker import Linker, shared_linker
from pipeline.model import DocumentResult
from pipeline.run import Progress, analyse_corpus
from pipeline.tables import write_tables

Pairs = dict[str, set[tuple[str, str]]]
PUBLISHED = [  # (system, P, R, F1) as published, for the table beside ours
    ("best BioCreative V team (Wei et al. 2016)", None, None, 0.5703),
    ("SemRep (Kilicoglu et al. 2020)", 0.90, 0.24, 0.38),
]
PUBLISHED_NORMALISATION = [  # on the BC5CDR test set
    ("diseases, best BioCreative V team", None, None, 0.8646),
    ("diseases, DNorm", 0.81, 0.80, 0.81),
    ("chemicals, tmChem", 0.92, 0.90, 0.91),
]


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_sets(gold: dict[str, set], predicted: dict[str, set]) -> Score:
    tp = fp = fn = 0
    for doc in gold.keys() | predicted.keys():
        g, p = gold.get(doc, set()), predicted.get(doc, set())
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    return Score(tp, fp, fn)


def cid_pairs(evidence: pd.DataFrame, mesh: Callable[[str], str], ancestors: Callable[[str], set[str]]) -> Pairs:
    """CID assembly from the evidence table: (chemical, disease) pairs stated as increases and not
    denied, unless the document also says the chemical decreases (treats) that disease; most
    specific disease of a hierarchy; concept ids turned into MeSH ids."""
    typed = evidence[(evidence.cause_type == "chemical") & (evidence.effect_type == "disease")
                     & (evidence.negated == "false")]
    up: dict[str, set[tuple[str, str]]] = defaultdict(set)
    down: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in typed.itertuples():
        (up if row.direction == "increases" else down)[row.doc_id].add((row.cause_id, row.effect_id))
    out: Pairs = {}
    for doc, pairs in up.items():
        kept = most_specific(pairs - down[doc], ancestors)
        out[doc] = {(c, d) for a, b in kept if (c := mesh(a)) and (d := mesh(b))}
    return out


def gold_of(articles: list[Article]) -> tuple[Pairs, dict[str, Pairs]]:
    """CID pairs per PMID, and per type (`chemical`, `disease`) the MeSH ids each PMID mentions."""
    relations: Pairs = {}
    ids: dict[str, Pairs] = {"chemical": {}, "disease": {}}
    for a in articles:
        relations[a.pmid] = {(r.args[0], r.args[1]) for r in a.relations if r.type == "CID"}
        for kind in ids:
            ids[kind][a.pmid] = {i for x in a.annotations if x.type.lower() == kind for i in x.ids if i != "-1"}
    return relations, ids


def cooccurrence(results: list[DocumentResult], linker: Linker) -> Pairs:
    """Every chemical with every disease of a document, as the pipeline recognised them."""
    out: Pairs = {}
    for r in results:
        chems = {mesh_id(e.concept_id, linker) for e in r.entities if e.type == "chemical"} - {""}
        diseases = {mesh_id(e.concept_id, linker) for e in r.entities if e.type == "disease"} - {""}
        out[r.doc_id] = {(c, d) for c in chems for d in diseases}
    return out


def gold_cooccurrence(articles: list[Article]) -> Pairs:
    out: Pairs = {}
    for a in articles:
        chems = {i for x in a.annotations if x.type == "Chemical" for i in x.ids if i != "-1"}
        diseases = {i for x in a.annotations if x.type == "Disease" for i in x.ids if i != "-1"}
        out[a.pmid] = {(c, d) for c in chems for d in diseases}
    return out


@dataclass
class Report:
    n_documents: int
    cid: Score
    chemicals: Score
    diseases: Score
    baselines: dict[str, Score]
    out_dir: Path


def evaluate(path: Path, out_dir: Path | None = None, progress: Progress | None = None) -> Report:
    """Run the pipeline on a PubTator file with CID relations and score it against the file."""
    path = Path(path)
    articles = read_pubtator(path.read_bytes())
    gold, ids = gold_of(articles)
    linker = shared_linker()
    with tempfile.TemporaryDirectory(prefix="bc5cdr-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        shutil.copyfile(path, corpus / (path.name.split(".")[0] + ".pubtator"))
        results = analyse_corpus(corpus, progress)
    tables = assemble(results)
    out_dir = Path(out_dir or tempfile.mkdtemp(prefix="bc5cdr-tables-"))
    write_tables(tables, out_dir)
    predicted = cid_pairs(tables.evidence, lambda c: mesh_id(c, linker), linker.ancestors)
    found: dict[str, Pairs] = {"chemical": {}, "disease": {}}
    for r in results:
        for kind in found:
            found[kind][r.doc_id] = {m for e in r.entities if e.type == kind
                                     and (m := mesh_id(e.concept_id, linker))}
    return Report(
        n_documents=len(articles), cid=score_sets(gold, predicted),
        chemicals=score_sets(ids["chemical"], found["chemical"]),
        diseases=score_sets(ids["disease"], found["disease"]),
        baselines={
            "co-occurrence in the abstract, pipeline's entities": score_sets(gold, cooccurrence(results, linker)),
            "co-occurrence in the abstract, the file's own entities": score_sets(gold, gold_cooccurrence(articles)),
        },
        out_dir=out_dir,
    )
