"""The cue lexicons and argument frames that drive claim extraction.

All words live in `models/claims/` so that a new construction or cue is a
line of data, reviewed like data, rather than a branch in code.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.settings import MODELS_DIR


@dataclass(frozen=True)
class Predicate:
    lemma: str
    pos: str
    frame: str
    relation: str
    direction: str
    implicit_effect: bool
    effect_template: str = ""  # e.g. "impaired {}": the effect a predicate states of its object


@dataclass(frozen=True)
class Idiom:
    """A fixed phrase that names a cause itself (`runs in families` -> genetic factors)."""

    id: str
    pattern: tuple
    cause_name: str
    cause_norm: str
    relation: str
    direction: str


@dataclass(frozen=True)
class Lexicon:
    predicates: dict[tuple[str, str], tuple[Predicate, ...]]
    frames: dict[str, dict[str, dict[str, tuple[str, ...]]]]
    effect_wrappers: dict[str, int]
    polarity_modifiers: dict[str, int]
    light_verbs: frozenset[str]
    example_markers: frozenset[str]
    hedges: dict[str, str]
    negations: dict[str, str]
    noun_classes: dict[str, frozenset[str]]
    strip_words: frozenset[str]
    evaluative: frozenset[str]
    instructions: dict[str, str]
    disorder_suffixes: tuple[str, ...]
    idioms: tuple[Idiom, ...]

    def is_disorder(self, norm: str, head: str = "") -> bool:
        """Does a mention's head word name a disorder (`kidney failure`, `thyroiditis`)? `head` is
        the head's lemma when known (`sensory disturbances in the limbs` is headed by disturbance)."""
        words = norm.split()
        candidates = {w.lower() for w in (head, words[-1] if words else "") if w}  # norm may spell out `PE`
        return any(self.is_class(w, "disorder") or (len(w) > 6 and w.endswith(self.disorder_suffixes))
                   for w in candidates)

    def is_population(self, lemma: str) -> bool:
        return self.is_class(lemma, "population") or self.is_class(lemma, "population_generic")

    def predicate(self, lemma: str, pos: str) -> Predicate | None:
        found = self.predicates.get((lemma.lower(), pos))
        return found[0] if found else None

    def predicates_for(self, lemma: str, pos: str) -> tuple[Predicate, ...]:
        return self.predicates.get((lemma.lower(), pos), ())

    def is_class(self, lemma: str, cls: str) -> bool:
        return lemma.lower() in self.noun_classes.get(cls, frozenset())


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            {k: (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(fh, delimiter="\t")
            if any((v or "").strip() for v in row.values())
        ]


@cache
def load_lexicon(directory: str | None = None) -> Lexicon:
    """Read every cue file once per process."""
    root = Path(directory) if directory else Path(MODELS_DIR) / "claims"
    predicates: dict[tuple[str, str], tuple[Predicate, ...]] = {}
    for row in _tsv(root / "predicates.tsv"):
        p = Predicate(
            row["lemma"].lower(), row["pos"], row["frame"], row["relation"], row["direction"],
            row.get("implicit_effect") == "1", row.get("effect_template", ""),
        )
        predicates[(p.lemma, p.pos)] = predicates.get((p.lemma, p.pos), ()) + (p,)
    frames_raw = json.loads((root / "frames.json").read_text(encoding="utf-8"))
    frames = {
        name: {voice: spec if isinstance(spec, str) else {role: tuple(paths) for role, paths in spec.items()}
               for voice, spec in voices.items()}
        for name, voices in frames_raw.items()
        if not name.startswith("_")
    }
    classes: dict[str, set[str]] = {}
    for row in _tsv(root / "nouns.tsv"):
        classes.setdefault(row["class"], set()).add(row["lemma"].lower())
    return Lexicon(
        predicates=predicates,
        frames=frames,
        effect_wrappers={r["lemma"]: int(r["polarity"]) for r in _tsv(root / "effect_wrappers.tsv")},
        polarity_modifiers={r["lemma"]: int(r["polarity"]) for r in _tsv(root / "polarity_modifiers.tsv")},
        light_verbs=frozenset(r["lemma"] for r in _tsv(root / "light_verbs.tsv")),
        example_markers=frozenset(r["phrase"].lower() for r in _tsv(root / "example_markers.tsv")),
        hedges={r["cue"]: r["kind"] for r in _tsv(root / "hedges.tsv")},
        negations={r["cue"]: r["kind"] for r in _tsv(root / "negations.tsv")},
        noun_classes={k: frozenset(v) for k, v in classes.items()},
        strip_words=frozenset(r["word"].lower() for r in _tsv(root / "strip_words.tsv")),
        evaluative=frozenset(r["word"].lower() for r in _tsv(root / "evaluative.tsv")),
        instructions={r["lemma"]: r["kind"] for r in _tsv(root / "instructions.tsv")},
        disorder_suffixes=tuple(r["suffix"] for r in _tsv(root / "disorder_suffixes.tsv")),
        idioms=tuple(
            Idiom(d["id"], tuple(d["pattern"]), d["cause_name"], d["cause_norm"], d["relation"], d["direction"])
            for d in (json.loads(line) for line in (root / "idioms.jsonl").read_text(encoding="utf-8").splitlines()
                      if line.strip())
        ),
    )
