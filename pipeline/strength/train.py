"""Train and cross-validate the claim-strength model on Yu et al.'s labelled sentences.

The data is a CSV with `sentence,label` (labels 0 none, 1 direct causal,
2 conditional causal, 3 correlational). Sentences are parsed by the same
pipeline that parses articles (`analysis.shared_nlp`, parenthetical asides left out),
so the model sees at training time what it sees in a run. scikit-learn fits
the two linear decisions; the result is exported to plain arrays
(`classifier.StrengthModel`), and cross-validation scores that exported form,
so the figures describe the code path a run uses.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from spacy.language import Language

from pipeline.analysis import shared_nlp, strip_parentheticals
from pipeline.settings import PACKAGE_DIR
from pipeline.strength.classifier import KINDS, LABELS, StrengthModel
from pipeline.strength.features import GROUPS, dense_features, group_of, sparse_features

DEFAULT_DATA = PACKAGE_DIR.parent.parent / "shared" / "data" / "claim-strength" / "pubmed_causal_language_use.dev.csv"
C_KIND = 1.0  # regularisation of the none/causal/correlational decision
C_CONDITIONAL = 2.0  # of the direct/conditional decision (fewer, more alike examples)
DENSE_WEIGHT = 0.02  # the pooled tok2vec vectors, standardised, against L2-normalised sparse features
SEED = 0


@dataclass(frozen=True)
class Dataset:
    sentences: tuple[str, ...]
    labels: np.ndarray  # indices into LABELS
    source: str
    sha256: str


@dataclass(frozen=True)
class Featurised:
    sparse: list[list[str]]
    dense: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class Scores:
    macro_f1: float
    per_class: dict[str, tuple[float, float, float, int]]  # label -> precision, recall, F1, support
    confusion: np.ndarray  # gold x predicted, in LABELS order
    accuracy: float
    n: int
    folds: int
    seconds: float


def read_dataset(path: Path | str = DEFAULT_DATA) -> Dataset:
    """The labelled sentences; a malformed row is an error naming the file and line."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: claim-strength data not found (expected Yu et al.'s CSV: sentence,label)")
    raw = path.read_bytes()
    sentences, labels = [], []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"sentence", "label"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: needs the columns sentence,label (found {reader.fieldnames})")
        for n, row in enumerate(reader, 2):
            text = (row["sentence"] or "").strip().strip('"').strip()
            label = (row["label"] or "").strip()
            if label not in {"0", "1", "2", "3"}:
                raise ValueError(f"{path}:{n}: label must be 0, 1, 2 or 3, not {label!r}")
            if not text:
                raise ValueError(f"{path}:{n}: empty sentence")
            sentences.append(text)
            labels.append(int(label))
    return Dataset(tuple(sentences), np.array(labels, dtype=np.int64), str(path), hashlib.sha256(raw).hexdigest())


def featurise(sentences: Sequence[str], labels: np.ndarray, nlp: Language | None = None) -> Featurised:
    nlp = nlp or shared_nlp()
    sparse, dense = [], []
    for doc in nlp.pipe((strip_parentheticals(s)[0] for s in sentences), batch_size=64):
        span = doc[:]
        sparse.append(sparse_features(span))
        dense.append(dense_features(span))
    return Featurised(sparse, np.vstack(dense), np.asarray(labels))


def _identity(feats: list[str]) -> list[str]:
    return feats


def fit(data: Featurised, c_kind: float = C_KIND, c_conditional: float = C_CONDITIONAL,
        dense_weight: float = DENSE_WEIGHT) -> StrengthModel:
    """Fit both decisions and export them as a `StrengthModel`."""
    from scipy import sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    y = data.labels
    blocks, features, idf = [], [], []
    for g in range(len(GROUPS)):  # one tf-idf space per feature group, each normalised on its own
        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
        blocks.append(vectorizer.fit_transform([[f for f in feats if group_of(f) == g] for feats in data.sparse]))
        features += list(vectorizer.get_feature_names_out())
        idf.append(vectorizer.idf_)
    scaler = StandardScaler().fit(data.dense)
    x = sp.hstack([*blocks, sp.csr_matrix(dense_weight * scaler.transform(data.dense))]).tocsr()
    kind_of = {LABELS.index("none"): 0, LABELS.index("causal"): 1, LABELS.index("conditional_causal"): 1,
               LABELS.index("correlational"): 2}
    kinds = np.array([kind_of[v] for v in y])
    kind_svm = LinearSVC(C=c_kind, class_weight="balanced", random_state=SEED, max_iter=10000).fit(x, kinds)
    causal = kinds == 1
    conditional = (y[causal] == LABELS.index("conditional_causal")).astype(int)
    cond_svm = LinearSVC(C=c_conditional, class_weight="balanced", random_state=SEED, max_iter=10000)
    cond_svm.fit(x[causal], conditional)
    weights = np.hstack([kind_svm.coef_.T, cond_svm.coef_.T])
    bias = np.concatenate([kind_svm.intercept_, cond_svm.intercept_])
    assert len(KINDS) == kind_svm.coef_.shape[0]
    return StrengthModel(features=tuple(features), idf=np.concatenate(idf).astype(np.float64),
                         dense_mean=scaler.mean_, dense_scale=scaler.scale_, dense_weight=dense_weight,
                         weights=weights, bias=bias)


def predict(model: StrengthModel, data: Featurised, rows: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.array([LABELS.index(model.label(data.sparse[i], data.dense[i])) for i in rows], dtype=np.int64)


def subset(data: Featurised, rows: Sequence[int] | np.ndarray) -> Featurised:
    return Featurised([data.sparse[i] for i in rows], data.dense[rows], data.labels[rows])


def cross_validate(data: Featurised, folds: int = 5, seed: int = SEED) -> Scores:
    """Stratified k-fold scores of the exported model, pooled over the folds."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
    from sklearn.model_selection import StratifiedKFold

    start = time.perf_counter()
    y = data.labels
    predicted = np.full(len(y), -1, dtype=np.int64)
    for train_rows, test_rows in StratifiedKFold(folds, shuffle=True, random_state=seed).split(y, y):
        predicted[test_rows] = predict(fit(subset(data, train_rows)), data, test_rows)
    classes = list(range(len(LABELS)))
    p, r, f, s = precision_recall_fscore_support(y, predicted, labels=classes, zero_division=0)
    return Scores(
        macro_f1=float(f1_score(y, predicted, labels=classes, average="macro", zero_division=0)),
        per_class={LABELS[i]: (float(p[i]), float(r[i]), float(f[i]), int(s[i])) for i in classes},
        confusion=confusion_matrix(y, predicted, labels=classes), accuracy=float((predicted == y).mean()),
        n=len(y), folds=folds, seconds=time.perf_counter() - start,
    )


def train(data_path: Path | str = DEFAULT_DATA, out_dir: Path | None = None) -> tuple[StrengthModel, dict]:
    """Fit on all the labelled sentences and write the model and its metadata."""
    import sklearn
    import spacy

    from pipeline.strength.classifier import default_dir

    dataset = read_dataset(data_path)
    data = featurise(dataset.sentences, dataset.labels)
    model = fit(data)
    counts = np.bincount(dataset.labels, minlength=len(LABELS))
    meta = {
        "data": Path(dataset.source).name, "data_sha256": dataset.sha256, "n_sentences": len(dataset.sentences),
        "label_counts": {LABELS[i]: int(c) for i, c in enumerate(counts)},
        "labels": list(LABELS), "n_features": len(model.features), "n_dense": len(model.dense_mean),
        "c_kind": C_KIND, "c_conditional": C_CONDITIONAL, "dense_weight": DENSE_WEIGHT, "seed": SEED,
        "spacy": spacy.__version__, "spacy_pipeline": shared_nlp().meta.get("name", ""),
        "spacy_pipeline_version": shared_nlp().meta.get("version", ""), "scikit_learn": sklearn.__version__,
    }
    model.save(Path(out_dir) if out_dir else default_dir(), meta)
    return model, meta
