"""From the strength of a sentence to the strength of one claim in it.

The classifier labels the sentence's finding; an evidence row is one claim of
that sentence, and its own wording can state less than the sentence does
(`X causes Y and may also worsen Z`). A row's strength therefore never exceeds
the ceiling its own cues set (`models/strength/claim_ceilings.tsv`): a hedge
cue on the claim (the `hedge` column) caps it at `conditional_causal`, an
association predicate (`relation` associated_with, risk_factor) at
`correlational`. The ceilings only lower a label, never raise it: `none` stays
`none` (the sentence states no finding, e.g. `further research is needed to
determine whether X causes Y`), and a hedged association stays `correlational`.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from pipeline.model import Evidence
from pipeline.settings import MODELS_DIR
from pipeline.strength.classifier import LABELS

# Weakest first: a claim of correlation states less than a hedged causal claim.
ORDER = ("none", "correlational", "conditional_causal", "causal")
COLUMNS = ("hedge", "relation")


@cache
def load_ceilings(path: str | None = None) -> dict[tuple[str, str], str]:
    """(column, value) -> ceiling; value `*` stands for any non-empty value."""
    file = Path(path) if path else Path(MODELS_DIR) / "strength" / "claim_ceilings.tsv"
    with open(file, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    ceilings = {}
    for n, row in enumerate(rows, 2):
        column, value, ceiling = ((row.get(k) or "").strip() for k in ("column", "value", "ceiling"))
        if column not in COLUMNS or not value or ceiling not in LABELS:
            raise ValueError(f"{file}:{n}: expected column in {COLUMNS}, a value and a ceiling in {LABELS}")
        ceilings[(column, value)] = ceiling
    return ceilings


def claim_strength(sentence_label: str, ev: Evidence) -> str:
    """The sentence's label, lowered to the ceiling the claim's own hedge and relation set."""
    ceilings = load_ceilings()
    label = sentence_label
    for column in COLUMNS:
        value = getattr(ev, column)
        if not value:
            continue
        ceiling = ceilings.get((column, value)) or ceilings.get((column, "*"))
        if ceiling and ORDER.index(ceiling) < ORDER.index(label):
            label = ceiling
    return label
