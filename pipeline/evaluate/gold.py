"""Score the pipeline's evidence against the project's gold annotations.

The scorer itself lives with the gold in `../shared/eval/` (it is the yardstick,
not ours to change); this module runs the pipeline on a corpus, loads that
scorer, and adds one check of its own: that statements the gold lists as
denied (`*.negated.tsv`) come out with `negated=true`.
"""

from __future__ import annotations

import csv
import importlib.util
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from pipeline.run import run_corpus


@dataclass(frozen=True)
class GoldSet:
    corpus: Path
    gold: Path
    concepts: Path
    negated: Path | None = None


def gold_sets(eval_dir: Path, shared_corpora: Path, bundled: Path) -> dict[str, GoldSet]:
    return {
        "seeds": GoldSet(bundled / "rls-seeds", eval_dir / "rls-seeds.gold.tsv", eval_dir / "concepts.tsv"),
        "medquad": GoldSet(shared_corpora / "medquad-dev", eval_dir / "medquad-dev.gold.tsv",
                           eval_dir / "medquad-dev.concepts.tsv", eval_dir / "medquad-dev.negated.tsv"),
    }


def load_scorer(eval_dir: Path) -> ModuleType:
    path = eval_dir / "score_claims.py"
    if not path.is_file():
        raise FileNotFoundError(f"scorer not found: {path}")
    spec = importlib.util.spec_from_file_location("score_claims", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(evidence: Path, gold: GoldSet, scorer: ModuleType) -> dict:
    concepts = scorer.Concepts(gold.concepts)
    truth = scorer.load_gold(gold.gold)
    system, _ = scorer.load_system(evidence, concepts)
    result, _, _ = scorer.score(truth, system, concepts, False, docs=set(truth))
    if gold.negated is not None:
        result["negated"] = negation_recall(evidence, gold.negated, concepts)
    return result


def negation_recall(evidence: Path, negated: Path, concepts) -> dict:
    """How many of the gold's denied claims the evidence marks `negated=true`."""
    with open(evidence, newline="", encoding="utf-8") as fh:
        denied = [r for r in csv.DictReader(fh) if r["negated"] == "true"]

    def concept(row: dict, side: str) -> str | None:
        return concepts.lookup(row[f"{side}_name"]) or concepts.lookup(row[f"{side}_text"])

    found = total = 0
    with open(negated, newline="", encoding="utf-8") as fh:
        for g in csv.DictReader(fh, delimiter="\t"):
            total += 1
            found += any(r["doc_id"] == g["doc"] and concept(r, "cause") == g["cause"]
                         and concept(r, "effect") == g["effect"] for r in denied)
    return {"found": found, "total": total}


def run_and_score(gold: GoldSet, scorer: ModuleType, out_dir: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = out_dir or Path(tmp)
        run_corpus(gold.corpus, out)
        return score(out / "evidence.csv", gold, scorer)
