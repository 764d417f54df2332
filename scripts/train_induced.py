#!/usr/bin/env python3
"""Train the chemical-induced disease judgement (models/induced/model.json) on BC5CDR TRAINING only.

Every training abstract goes through the pipeline's own sentence-level steps
(parse, claims), then chemical and disease recognition, then each
chemical-disease pair gets its features (`pipeline.induced.candidates`) and the
label `is it a CID pair of the file`. Recognition is CROSS-FITTED: the abstracts
of each of five folds are recognised with a lexicon compiled from the other
four folds (and NCBI Disease training), so the model learns from entities as
imperfect as those it will meet on unseen text, not from names its lexicon
learned from the very same abstracts. A logistic regression (scikit-learn,
liblinear) is fitted; its regularisation, the acceptance threshold and the
fallback are chosen by 5-fold cross-validation over the same folds, on the
official document-level F1. The development set is never read: it is what
`claims bench bc5cdr` measures.

    python scripts/train_induced.py [--shared ../shared] [--cache /tmp/induced-extraction.pkl]
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from pipeline.induced import PRIOR_COLUMNS, Priors  # noqa: E402

TRAINING = "data/bc5cdr/CDR_TrainingSet.PubTator.txt"
FOLDS = 5
MIN_FEATURE_COUNT = 10  # a word seen with fewer training pairs says more about those abstracts than the relation


def extracted(shared: Path, cache: Path | None) -> list[dict]:
    """Each training abstract's text, layout and claim rows (the slow part: spaCy), cached if asked."""
    if cache and cache.is_file():
        with cache.open("rb") as fh:
            return pickle.load(fh)
    from pipeline.evidence import extract, sentence_spans
    from pipeline.ingest import make_document
    from pipeline.ingest.literature import read_pubtator

    out = []
    for n, article in enumerate(read_pubtator((shared / TRAINING).read_bytes()), 1):
        document = make_document(article.pmid, TRAINING, article.text, article.meta, "pubtator", article.blocks())
        found = extract(document)
        out.append({"pmid": article.pmid, "text": document.text, "sentences": sentence_spans(found.parsed),
                    "title": next(((b.start, b.end) for b in document.blocks if b.kind == "title"), None),
                    "spans": [(b.start, b.end) for b in document.blocks if b.kind != "debris"],
                    "abbreviations": found.parsed.abbreviations, "rows": found.rows,
                    "gold": sorted({(r.args[0], r.args[1]) for r in article.relations if r.type == "CID"})})
        if n % 50 == 0:
            print(f"{n} documents parsed", file=sys.stderr)
    if cache:
        with cache.open("wb") as fh:
            pickle.dump(out, fh)
    return out


def compile_priors(articles: list) -> Priors:
    """Per MeSH id: abstracts that name it, abstracts where it is part of a CID pair; CID pairs' counts."""
    named: Counter = Counter()
    induced: Counter = Counter()
    pairs: Counter = Counter()
    for a in articles:
        ids = {i for x in a.annotations for i in x.ids if i != "-1"}
        cid = {(r.args[0], r.args[1]) for r in a.relations if r.type == "CID"}
        named.update(ids)
        induced.update({i for pair in cid for i in pair})
        pairs.update(cid)
    return Priors(dict(named), dict(induced), dict(pairs))


def write_priors(priors: Priors, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(PRIOR_COLUMNS)
        for kind, table in (("named", priors.named), ("induced", priors.induced)):
            for mesh, n in sorted(table.items()):
                writer.writerow([kind, mesh, "", n])
        for (c, d), n in sorted(priors.pairs.items()):
            writer.writerow(["pair", c, d, n])


def features(shared: Path, cache: Path | None) -> list[dict]:
    """One record per candidate pair: doc, chemical and disease MeSH ids, features, label (cross-fitted)."""
    from compile_literature_lexicon import compile_lexicon, kb_types, training_corpora

    from pipeline.induced import candidates, mesh_id
    from pipeline.linker import shared_linker
    from pipeline.recognise import LexiconEntry, Recogniser

    docs = extracted(shared, cache)
    linker = shared_linker()
    names = kb_types(linker)
    (bc5cdr, bc5cdr_types), *others = training_corpora(shared)
    fold_of = {d["pmid"]: i % FOLDS for i, d in enumerate(docs)}
    out = []
    for fold in range(FOLDS):
        rest = [a for a in bc5cdr if fold_of[a.pmid] != fold]
        rows = compile_lexicon([(rest, bc5cdr_types), *others], names)
        priors = compile_priors(rest)
        recogniser = Recogniser(linker, {r["name"]: LexiconEntry(r["name"], r["text"], r["type"], r["mesh_id"],
                                                                 r["n_marked"], r["n_seen"]) for r in rows})
        for d in (d for d in docs if fold_of[d["pmid"]] == fold):
            entities = recogniser.find(d["text"], d["spans"], d["abbreviations"])
            gold = {tuple(g) for g in d["gold"]}
            for cand in candidates(d["text"], d["title"], d["sentences"], entities, d["rows"], linker.ancestors,
                                   priors, lambda cid: mesh_id(cid, linker)):
                c, m = mesh_id(cand.chemical, linker), mesh_id(cand.disease, linker)
                out.append({"doc": d["pmid"], "fold": fold, "chemical": cand.chemical, "disease": cand.disease,
                            "c": c, "d": m, "features": cand.features, "label": int((c, m) in gold),
                            "n_gold": len(gold)})
        print(f"fold {fold + 1}/{FOLDS} recognised", file=sys.stderr)
    return out


def document_f1(records: list[dict], scores: list[float], rule: tuple[float, float, float], gold_total: int,
                ancestors) -> float:
    """The official document-level F1 of accepting pairs by `rule` (threshold, relative, floor)."""
    from pipeline.induced import judged, most_specific

    best: dict[str, float] = {}
    for rec, s in zip(records, scores, strict=True):
        best[rec["doc"]] = max(best.get(rec["doc"], 0.0), s)
    by_doc: dict[str, set] = {}
    labels = {}
    for rec, s in zip(records, scores, strict=True):
        pair = (rec["chemical"], rec["disease"])
        labels[(rec["doc"], *pair)] = (rec["c"], rec["d"])
        if judged(s, best[rec["doc"]], *rule):
            by_doc.setdefault(rec["doc"], set()).add(pair)
    predicted = set()
    for doc, pairs in by_doc.items():
        for c, d in most_specific(pairs, ancestors):
            mc, md = labels[(doc, c, d)]
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
    parser.add_argument("--cache", type=Path, default=None, help="keep the parsed training abstracts here")
    args = parser.parse_args()
    import numpy
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from pipeline.induced import model_path
    from pipeline.linker import shared_linker

    records = features(args.shared, args.cache)
    counts = Counter(k for rec in records for k in rec["features"])
    keep = {k for k, n in counts.items() if n >= MIN_FEATURE_COUNT}
    rows = [{k: v for k, v in rec["features"].items() if k in keep} for rec in records]
    vectoriser = DictVectorizer(sparse=True, sort=True)
    x = vectoriser.fit_transform(rows).toarray()  # a few thousand pairs: dense is small, and liblinear-safe
    y = numpy.array([rec["label"] for rec in records])
    docs = sorted({rec["doc"] for rec in records})
    gold_by_doc = {d["pmid"]: len(d["gold"]) for d in extracted(args.shared, args.cache)}
    ancestors = shared_linker().ancestors
    rules = [(round(0.2 + 0.05 * i, 2), relative, floor) for i in range(11)
             for relative in (1.01, 0.9, 0.75, 0.6, 0.5) for floor in (0.05, 0.1, 0.15)]
    gold_total = sum(gold_by_doc.values())
    results = {}
    for c in (0.03, 0.1, 0.3, 1.0):
        scores = numpy.zeros(len(records))
        for fold in range(FOLDS):
            test = numpy.array([rec["fold"] == fold for rec in records])
            model = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
            model.fit(x[~test], y[~test])
            scores[test] = model.predict_proba(x[test])[:, 1]
        for rule in rules:
            results[(c, rule)] = document_f1(records, list(scores), rule, gold_total, ancestors)
    (best_c, best_rule), best_f1 = max(results.items(), key=lambda kv: (round(kv[1], 4), -kv[0][0], kv[0][1]))
    model = LogisticRegression(C=best_c, solver="liblinear", max_iter=1000).fit(x, y)
    weights = {name: round(float(w), 4) for name, w in zip(vectoriser.feature_names_, model.coef_[0], strict=True)
               if abs(w) >= 1e-4}
    out = {
        "about": "Chemical-induced disease judgement (pipeline/induced.py), logistic regression trained by "
                 "scripts/train_induced.py on the BC5CDR training set only, entities recognised cross-fitted "
                 "(each fold with a lexicon compiled from the other folds).",
        "training": {"file": TRAINING, "documents": len(docs), "pairs": len(records), "positives": int(y.sum()),
                     "C": best_c, "cross_validated_f1": round(best_f1, 4)},
        "threshold": best_rule[0], "relative": best_rule[1], "floor": best_rule[2],
        "intercept": round(float(model.intercept_[0]), 4),
        "weights": dict(sorted(weights.items())),
    }
    path = model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    from pipeline.induced import priors_path
    from pipeline.ingest.literature import read_pubtator

    write_priors(compile_priors(read_pubtator((args.shared / TRAINING).read_bytes())), priors_path())
    path.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{path}: C={best_c} rule={best_rule} 5-fold document F1 {best_f1:.3f} "
          f"({len(records)} pairs, {int(y.sum())} positive, {len(weights)} weights)")


if __name__ == "__main__":
    main()
