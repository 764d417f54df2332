#!/usr/bin/env python3
"""How many documents of a JSONL corpus of non-commercial text (PubMed abstracts) are flagged promotional.

Every flag here is a false alarm; the cues each flagged document raised are
printed so that the cue file can be corrected.

Usage: promotion_false_alarms.py [ABSTRACTS.jsonl] [--limit N]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from pipeline import promotion, sources
from pipeline.analysis import parse, shared_nlp
from pipeline.ingest import make_document

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "pubmed-abstracts" / "abstracts.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path, nargs="?", default=DEFAULT)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    lines = [line for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = lines[: args.limit] if args.limit else lines
    flagged, categories = 0, Counter()
    for line in lines:
        item = json.loads(line)
        doc_id = str(item.get("id", item.get("pmid")))
        document = make_document(doc_id, f"{doc_id}.txt", f"{item.get('title') or ''}\n\n{item['text']}")
        findings = promotion.find(document, parse(document, shared_nlp()))
        assessed = promotion.assess(findings, sources.identify(document, findings))
        categories.update(c.category for c in assessed.cues)
        if assessed.promotional:
            flagged += 1
            print(doc_id, assessed.score, [(c.category, c.text) for c in assessed.cues])
    print(f"cues by category: {dict(sorted(categories.items()))}")
    print(f"flagged promotional: {flagged} of {len(lines)}")


if __name__ == "__main__":
    main()
