#!/usr/bin/env python3
"""Compile models/literature/lexicon.tsv from the TRAINING annotations of BC5CDR and NCBI Disease.

Annotated corpora say two things a vocabulary does not: which MeSH id
annotators give a name (`toxicity` -> D064420, `seizures` -> D012640), and how
often a name that occurs is a mention at all (`lead`, `drug` and `patients`
occur far more often than anyone marks them). DNorm and tmChem learned the same
facts from the same public-domain data. Only the training files are read: the
development sets are what the benchmarks measure on, the test sets are held out.

Each row: `name` (the KB's key form), `text` (the commonest written form), `type`
(chemical/disease), `mesh_id` (the commonest id annotators gave it; empty when
they never marked it), `n_marked` (annotations with this name), `n_seen`
(occurrences in the training texts not inside a longer annotation; a name of
three letters or fewer counts only where written in capitals, as the recogniser
reads it). Names of KB chemicals and diseases that occur at least three times
and are mostly left unmarked get a row too, so the recogniser can leave them out.

    python scripts/compile_literature_lexicon.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ingest.literature import Article, read_pubtator  # noqa: E402
from pipeline.recognise import MAX_WORDS, MIN_SEEN, entity_type, lexicon_path, words  # noqa: E402

TRAINING = {  # file under shared/data, and the entity types its annotators marked
    "bc5cdr/CDR_TrainingSet.PubTator.txt": {"chemical", "disease"},
    "ncbi-disease/NCBItrainset_corpus.txt": {"disease"},
}


def _type(label: str) -> str:
    return "chemical" if label == "Chemical" else "disease"


def training_corpora(shared: Path) -> list[tuple[list[Article], set[str]]]:
    """The training files' articles, each with the entity types its annotators marked."""
    return [(read_pubtator((shared / "data" / rel).read_bytes()), types) for rel, types in TRAINING.items()]


def compile_lexicon(corpora: list[tuple[list[Article], set[str]]], kb_names: dict[str, str]) -> list[dict]:
    marked: dict[str, Counter] = defaultdict(Counter)  # name -> mesh ids ("" for none)
    texts: dict[str, Counter] = defaultdict(Counter)
    kinds: dict[str, Counter] = defaultdict(Counter)
    seen: Counter = Counter()
    for articles, types in corpora:
        for article in articles:
            text = article.text
            spans = []
            for a in article.annotations:
                name = " ".join(w[2] for w in words(a.text))
                if not name:
                    continue
                ids = [i for i in a.ids if i != "-1" and not i.startswith("OMIM")]
                marked[name][ids[0].removeprefix("MESH:") if len(ids) == 1 else ""] += 1
                texts[name][a.text] += 1
                kinds[name][_type(a.type)] += 1
                spans.append((a.start, a.end))
            ws = words(text)
            for i in range(len(ws)):
                for j in range(i + 1, min(len(ws), i + MAX_WORDS) + 1):
                    name = " ".join(w[2] for w in ws[i:j])
                    kind = kinds[name].most_common(1)[0][0] if name in kinds else kb_names.get(name)
                    if kind not in types:
                        continue
                    s, e = ws[i][0], ws[j - 1][1]
                    if len(name) <= 3 and not text[s:e].isupper():
                        continue
                    if any(a <= s and e <= b and (a, b) != (s, e) for a, b in spans):
                        continue  # inside a longer mention: the recogniser takes the longer one
                    seen[name] += 1
    rows = []
    for name in sorted(set(marked) | {n for n in seen if n in kb_names}):
        n_marked = sum(marked[name].values())
        if not n_marked and seen[name] < MIN_SEEN:
            continue
        ids = [(i, c) for i, c in marked[name].most_common() if i]
        rows.append({
            "name": name, "text": texts[name].most_common(1)[0][0] if texts[name] else name,
            "type": kinds[name].most_common(1)[0][0] if kinds[name] else kb_names[name],
            "mesh_id": min(ids, key=lambda ic: (-ic[1], ic[0]))[0] if ids else "",
            "n_marked": n_marked, "n_seen": max(seen[name], n_marked),
        })
    return rows


def kb_types(linker) -> dict[str, str]:
    """KB name (key form) -> `chemical`/`disease` when all the concepts it names agree."""
    out = {}
    for name, cuis in linker.indexes[0].exact.items():
        kinds = {entity_type(linker.infos[c].types) for c in cuis if c in linker.infos} - {""}
        if len(kinds) == 1:
            out[name] = kinds.pop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    from pipeline.linker import Linker

    rows = compile_lexicon(training_corpora(args.shared), kb_types(Linker()))
    out = lexicon_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["name", "text", "type", "mesh_id", "n_marked", "n_seen"], delimiter="\t",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{out}: {len(rows)} names, {sum(bool(r['mesh_id']) for r in rows)} with a MeSH id")


if __name__ == "__main__":
    main()
