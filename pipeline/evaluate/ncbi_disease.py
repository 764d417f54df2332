"""Benchmarks of the pipeline's parts on public labelled data.

NCBI Disease (Dogan et al. 2014) gives disease mentions in PubMed abstracts with
their MeSH (or OMIM) ids. Given the gold mention spans, the linker predicts a
concept for each; a prediction is correct when the concept's id, or one of the
MeSH ids folded into it (its cross-references), is the gold id. Abbreviations
are written out with scispaCy's AbbreviationDetector over the abstract, as the
pipeline does. A composite mention (`breast and ovarian cancer`, two gold ids)
counts as correct when the predicted id is one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.analysis import abbreviations
from pipeline.linker import shared_linker
from pipeline.normalise import unframe


@dataclass(frozen=True)
class Wrong:
    text: str
    gold: str
    predicted: str
    name: str


@dataclass
class Accuracy:
    n: int = 0
    correct: int = 0
    errors: list[Wrong] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0


def pubtator_documents(path: Path) -> list[tuple[str, list[tuple[str, set[str]]]]]:
    """(title + abstract, [(mention text, gold ids)]) per document."""
    docs, text, mentions = [], [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if text or mentions:
                docs.append((" ".join(text), mentions))
            text, mentions = [], []
        elif re.match(r"^\d+\|[ta]\|", line):
            text.append(line.split("|", 2)[2])
        else:
            cells = line.split("\t")
            if len(cells) == 6 and cells[5].strip() not in {"", "-1"}:
                mentions.append((cells[3], {i.strip() for i in re.split(r"[|+]", cells[5]) if i.strip()}))
    return docs


def _ids(concept_id: str, xrefs: tuple[str, ...]) -> set[str]:
    return {i.split(":", 1)[1] if i.startswith("MESH:") else i for i in (concept_id, *xrefs)}


def ncbi_disease_accuracy(path: Path) -> Accuracy:
    linker = shared_linker()
    result = Accuracy()
    for text, mentions in pubtator_documents(path):
        short = abbreviations(text)
        for mention, gold in mentions:
            words = [short.get(w, w) for w in re.sub(r"\([^()]*\)", " ", mention).split()]
            found = linker.link(unframe(" ".join(words).lower()))
            result.n += 1
            info = linker.info(found.concept_id) if found else None
            if found and info and _ids(found.concept_id, info.xrefs) & gold:
                result.correct += 1
            else:
                result.errors.append(Wrong(mention, "|".join(sorted(gold)), found.concept_id if found else "-",
                                           found.name if found else ""))
    return result
