#!/usr/bin/env python3
"""Train the chemical-induced disease judgement (models/induced/model.json) on BC5CDR TRAINING only.

Every training abstract goes through the pipeline's own sentence-level steps
(parse, claims, chemical and disease recognition: the entities prediction will
see, not the file's), each chemical-disease pair gets its features
(`pipeline.induced.candidates`) and the label `is it a CID pair of the file`.
A logistic regression (scikit-learn, liblinear) is fitted; its regularisation
and the acceptance threshold are chosen by 5-fold cross-validation over
training documents, on the official document-level F1. The development set is
never read: it is what `claims bench bc5cdr` measures.

    python scripts/train_induced.py [--shared ../shared] [--features /tmp/induced-features.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TRAINING = "data/bc5cdr/CDR_TrainingSet.PubTator.txt"
MIN_FEATURE_COUNT = 10  # a word seen with fewer training pairs says more about those abstracts than the relation


def features(shared: Path, cache: Path | None) -> list[dict]:
    """One record per candidate pair: doc, chemical and disease MeSH ids, features, label."""
    if cache and cache.is_file():
        return [json.loads(line) for line in cache.open(encoding="utf-8")]
    from pipeline.evaluate.bc5cdr import mesh_id
    from pipeline.evidence import extract, pair_candidates
    from pipeline.ingest import make_document
    from pipeline.ingest.literature import read_pubtator
    from pipeline.linker import shared_linker

    linker = shared_linker()
    out = []
    articles = read_pubtator((shared / TRAINING).read_bytes())
    for n, article in enumerate(articles, 1):
        document = make_document(article.pmid, TRAINING, article.text, article.meta, "pubtator", article.blocks())
        found = extract(document)
        gold = {(r.args[0], r.args[1]) for r in article.relations if r.type == "CID"}
        for cand in pair_candidates(document, found.parsed, found.entities, found.rows, linker):
            c, d = mesh_id(cand.chemical, linker), mesh_id(cand.disease, linker)
            out.append({"doc": article.pmid, "chemical": cand.chemical, "disease": cand.disease, "c": c, "d": d,
                        "features": cand.features, "label": int((c, d) in gold), "n_gold": len(gold)})
        if n % 50 == 0:
            print(f"{n}/{len(articles)} documents", file=sys.stderr)
    gold_total = {a.pmid: {(r.args[0], r.args[1]) for r in a.relations if r.type == "CID"} for a in articles}
    for rec in out:
        rec["n_gold"] = len(gold_total[rec["doc"]])
    if cache:
        with cache.open("w", encoding="utf-8") as fh:
            for rec in out:
                fh.write(json.dumps(rec) + "\n")
    return out


def document_f1(records: list[dict], scores: list[float], threshold: float, fallback: float, gold_total: int,
                ancestors) -> float:
    from pipeline.induced import most_specific

    by_doc: dict[str, set] = {}
    best: dict[str, tuple[float, tuple[str, str]]] = {}
    labels = {}
    for rec, s in zip(records, scores, strict=True):
        pair = (rec["chemical"], rec["disease"])
        labels[(rec["doc"], *pair)] = (rec["c"], rec["d"], rec["label"])
        by_doc.setdefault(rec["doc"], set())
        if s >= threshold:
            by_doc[rec["doc"]].add(pair)
        if rec["doc"] not in best or s > best[rec["doc"]][0]:
            best[rec["doc"]] = (s, pair)
    for doc, pairs in by_doc.items():
        if not pairs and best[doc][0] >= fallback:
            pairs.add(best[doc][1])
    predicted = set()
    for doc, pairs in by_doc.items():
        for c, d in most_specific(pairs, ancestors):
            mc, md, _ = labels[(doc, c, d)]
            if mc and md:
                predicted.add((doc, mc, md))
    true = {(rec["doc"], rec["c"], rec["d"]) for rec in records if rec["label"]}
    tp = len(predicted & true)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / gold_total if gold_total else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--features", type=Path, default=None, help="cache the training features here")
    args = parser.parse_args()
    import numpy
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from pipeline.induced import model_path
    from pipeline.linker import shared_linker

    records = features(args.shared, args.features)
    counts = Counter(k for rec in records for k in rec["features"])
    keep = {k for k, n in counts.items() if n >= MIN_FEATURE_COUNT}
    rows = [{k: v for k, v in rec["features"].items() if k in keep} for rec in records]
    vectoriser = DictVectorizer(sparse=True, sort=True)
    x = vectoriser.fit_transform(rows).toarray()  # a few thousand pairs: dense is small, and liblinear-safe
    y = numpy.array([rec["label"] for rec in records])
    docs = sorted({rec["doc"] for rec in records} | set())
    gold_by_doc = {rec["doc"]: rec["n_gold"] for rec in records}
    fold_of = {doc: i % 5 for i, doc in enumerate(docs)}
    ancestors = shared_linker().ancestors
    thresholds = [round(0.1 + 0.025 * i, 3) for i in range(21)]
    results = {}
    for c in (0.03, 0.1, 0.3, 1.0, 3.0):
        scores = numpy.zeros(len(records))
        for fold in range(5):
            test = numpy.array([fold_of[rec["doc"]] == fold for rec in records])
            model = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
            model.fit(x[~test], y[~test])
            scores[test] = model.predict_proba(x[test])[:, 1]
        gold_total = sum(gold_by_doc.values())
        for t in thresholds:
            for fallback in (1.0, 0.1, 0.05):
                results[(c, t, fallback)] = document_f1(records, list(scores), t, fallback, gold_total, ancestors)
    (best_c, best_t, best_fallback), best_f1 = max(results.items(),
                                                   key=lambda kv: (round(kv[1], 4), -kv[0][0], kv[0][1], kv[0][2]))
    model = LogisticRegression(C=best_c, solver="liblinear", max_iter=1000).fit(x, y)
    weights = {name: round(float(w), 4) for name, w in zip(vectoriser.feature_names_, model.coef_[0], strict=True)
               if abs(w) >= 1e-4}
    out = {
        "about": "Chemical-induced disease judgement (pipeline/induced.py), logistic regression trained by "
                 "scripts/train_induced.py on the BC5CDR training set only, entities as the pipeline predicts them.",
        "training": {"file": TRAINING, "documents": len(docs), "pairs": len(records), "positives": int(y.sum()),
                     "C": best_c, "cross_validated_f1": round(best_f1, 4)},
        "threshold": best_t, "fallback": best_fallback, "intercept": round(float(model.intercept_[0]), 4),
        "weights": dict(sorted(weights.items())),
    }
    path = model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{path}: C={best_c} threshold={best_t} fallback={best_fallback} 5-fold document F1 {best_f1:.3f} "
          f"({len(records)} pairs, {int(y.sum())} positive, {len(weights)} weights)")


if __name__ == "__main__":
    main()
