"""Claim strength of a sentence: causal, conditional causal, correlational or none.

The labels are those of Yu, Li & Wang (EMNLP 2019) for conclusion sentences:
`causal` (direct causal: `X reduces Y`, `X does not modulate Y`),
`conditional_causal` (a causal claim hedged: `X may reduce Y`, `X appears to
improve Y`), `correlational` (`X is associated with Y`, `X predicts Y`,
`Y is higher in X`, hedged or not) and `none` (no relationship stated).

The model is two linear decisions over the features of `features.py`: which
kind of relation the sentence states (none / causal / correlational), and for
a causal one whether it is stated directly or conditionally. It is stored as
plain arrays (`models/strength/model.npz`: feature names, idf weights, class
weights) so that prediction needs numpy only, gives the same label for the
same sentence on any machine, and the weights can be read. `train.py` builds it.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from spacy.tokens import Span

from pipeline.settings import MODELS_DIR
from pipeline.strength.features import GROUPS, dense_features, group_of, sparse_features

LABELS = ("none", "causal", "conditional_causal", "correlational")  # Yu et al.'s labels 0, 1, 2, 3
KINDS = ("none", "causal", "correlational")  # the first decision; `causal` is then split in two
MODEL_FILE = "model.npz"
META_FILE = "meta.json"


def default_dir() -> Path:
    return Path(MODELS_DIR) / "strength"


@dataclass(frozen=True, eq=False)
class StrengthModel:
    """Weights of the two linear decisions over [sparse features | scaled dense features].

    `weights` has one column per score: the three kinds, then `conditional`
    (positive: a causal sentence is conditional causal rather than direct).
    """

    features: tuple[str, ...]
    idf: np.ndarray
    dense_mean: np.ndarray
    dense_scale: np.ndarray
    dense_weight: float
    weights: np.ndarray
    bias: np.ndarray

    def __post_init__(self) -> None:
        n_sparse, n_dense = len(self.features), len(self.dense_mean)
        if self.weights.shape != (n_sparse + n_dense, 4) or self.bias.shape != (4,) or len(self.idf) != n_sparse:
            raise ValueError(f"inconsistent strength model: {len(self.features)} features, idf {self.idf.shape}, "
                             f"dense {self.dense_mean.shape}, weights {self.weights.shape}, bias {self.bias.shape}")
        object.__setattr__(self, "_index", {f: i for i, f in enumerate(self.features)})
        object.__setattr__(self, "_group", np.array([group_of(f) for f in self.features], dtype=np.int64))

    def scores(self, feats: Iterable[str], dense: np.ndarray) -> np.ndarray:
        """The four decision values (kinds, then conditional) of one sentence's features."""
        counts = Counter(f for f in feats if f in self._index)
        index = np.fromiter((self._index[f] for f in counts), dtype=np.int64, count=len(counts))
        values = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
        values *= self.idf[index]
        groups = self._group[index]
        for g in range(len(GROUPS)):
            mask = groups == g
            norm = float(np.sqrt(values[mask] @ values[mask]))
            if norm > 0:
                values[mask] /= norm
        dense_x = self.dense_weight * (np.asarray(dense, dtype=np.float64) - self.dense_mean) / self.dense_scale
        n = len(self.features)
        return values @ self.weights[index] + dense_x @ self.weights[n:] + self.bias

    def label(self, feats: Iterable[str], dense: np.ndarray) -> str:
        s = self.scores(feats, dense)
        kind = KINDS[int(np.argmax(s[:3]))]
        if kind == "causal" and s[3] > 0:
            return "conditional_causal"
        return kind

    def classify(self, spans: Sequence[Span]) -> list[str]:
        """The strength label of each parsed sentence (a span of a Doc that went through the pipeline's tok2vec)."""
        return [self.label(sparse_features(span), dense_features(span)) for span in spans]

    def save(self, directory: Path, meta: dict) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            directory / MODEL_FILE, features=np.array(self.features), idf=self.idf.astype(np.float32),
            dense_mean=self.dense_mean.astype(np.float32), dense_scale=self.dense_scale.astype(np.float32),
            dense_weight=np.float32(self.dense_weight), weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
        )
        (directory / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path | None = None) -> StrengthModel:
        path = Path(directory or default_dir()) / MODEL_FILE
        if not path.exists():
            raise FileNotFoundError(f"{path}: no claim-strength model; build it with `claims train strength`")
        with np.load(path, allow_pickle=False) as z:
            return cls(
                features=tuple(str(f) for f in z["features"]), idf=z["idf"].astype(np.float64),
                dense_mean=z["dense_mean"].astype(np.float64), dense_scale=z["dense_scale"].astype(np.float64),
                dense_weight=float(z["dense_weight"]), weights=z["weights"].astype(np.float64),
                bias=z["bias"].astype(np.float64),
            )


@cache
def shared_model() -> StrengthModel:
    """One model per process: loading it takes a fraction of a second."""
    return StrengthModel.load()


def classify(spans: Sequence[Span]) -> list[str]:
    return shared_model().classify(spans)
