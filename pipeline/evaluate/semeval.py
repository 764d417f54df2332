"""SemEval-2010 Task 8 as a general-English diagnostic of the claim extractor.

For every Cause-Effect sentence of the training file and an equal, seeded sample
of the others, does the extractor state a claim linking e1 and e2, and in the
right direction? The sentences come without a document, so this measures the
sentence-level extractor (the `claim_extractor` component and its mention
boundaries), not the document-level topic and relevance policy. It is a
diagnostic, not a target: no rule is tuned on it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.analysis import shared_nlp

_LINE = re.compile(r'^\d+\t"(.*)"\s*$')
_TAG = re.compile(r"</?e[12]>")


@dataclass(frozen=True)
class Example:
    text: str
    e1: tuple[int, int]
    e2: tuple[int, int]
    label: str  # e.g. "Cause-Effect(e2,e1)" or "Other"

    @property
    def causal(self) -> bool:
        return self.label.startswith("Cause-Effect")

    @property
    def cause_first(self) -> bool:
        return self.label == "Cause-Effect(e1,e2)"


def _strip_tags(tagged: str) -> tuple[str, tuple[int, int], tuple[int, int]]:
    spans: dict[str, list[int]] = {}
    out = []
    pos = 0
    for m in re.finditer(r"<(/?)(e[12])>|[^<]+|<", tagged):
        if m.group(2):
            spans.setdefault(m.group(2), []).append(pos)
        else:
            out.append(m.group(0))
            pos += len(m.group(0))
    return "".join(out), (spans["e1"][0], spans["e1"][1]), (spans["e2"][0], spans["e2"][1])


def read_examples(path: Path) -> list[Example]:
    lines = path.read_text(encoding="utf-8").splitlines()
    examples = []
    for i, line in enumerate(lines):
        m = _LINE.match(line)
        if m and i + 1 < len(lines):
            text, e1, e2 = _strip_tags(m.group(1))
            examples.append(Example(text, e1, e2, lines[i + 1].strip()))
    return examples


def sample(examples: list[Example], seed: int = 0) -> list[Example]:
    """All Cause-Effect sentences and as many others, drawn with a fixed seed."""
    causal = [e for e in examples if e.causal]
    others = [e for e in examples if not e.causal]
    return causal + random.Random(seed).sample(others, min(len(causal), len(others)))


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def predict(example: Example, doc) -> tuple[bool, bool | None]:
    """(claims a link between e1 and e2, says e1 is the cause) from one parsed sentence."""
    forward = backward = False
    for claim in doc._.claims or []:
        cause, effect = (claim.cause.start, claim.cause.end), (claim.effect.start, claim.effect.end)
        if claim.cause.kind != "entity" or claim.effect.kind != "entity":
            continue
        forward |= _overlaps(cause, example.e1) and _overlaps(effect, example.e2)
        backward |= _overlaps(cause, example.e2) and _overlaps(effect, example.e1)
    if not (forward or backward):
        return False, None
    return True, forward if forward != backward else None


def evaluate(path: Path, seed: int = 0) -> dict[str, float]:
    examples = sample(read_examples(path), seed)
    nlp = shared_nlp()
    tp = fp = fn = right = 0
    for example, doc in zip(examples, nlp.pipe(e.text for e in examples), strict=True):
        linked, cause_first = predict(example, doc)
        if linked and example.causal:
            tp += 1
            right += cause_first is not None and cause_first == example.cause_first
        elif linked:
            fp += 1
        elif example.causal:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "sentences": len(examples), "cause_effect": tp + fn, "precision": precision, "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "direction_accuracy": right / tp if tp else 0.0, "detected": tp,
    }
