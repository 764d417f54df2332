#!/usr/bin/env python3
"""Agreement of the evidence table's conflict_of_interest flags with a gold `promo_interest` column.

Each evidence row is mapped to a gold claim (document, cause concept, effect
concept, direction) with the alias dictionary and matcher of the shared
scorer (`score_claims.py`); a claim of a document is flagged when any of its
rows is. Only claims found both in the gold and in the table are compared.

Usage: score_conflicts.py EVIDENCE.csv --gold GOLD.tsv [--concepts concepts.tsv] [--eval-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("evidence", type=Path)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--eval-dir", type=Path, default=None, help="folder of score_claims.py (default: the gold's)")
    ap.add_argument("--concepts", type=Path, default=None)
    args = ap.parse_args()
    eval_dir = args.eval_dir or args.gold.resolve().parent
    sys.path.insert(0, str(eval_dir))
    from score_claims import Concepts, direction, stem  # the shared scorer, found at run time

    concepts = Concepts(args.concepts or eval_dir / "concepts.tsv")
    gold: dict[tuple[str, str, str, str], bool] = {}
    with open(args.gold, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            gold[(row["doc"], row["cause"], row["effect"], row["direction"])] = row["promo_interest"] == "1"
    flagged: dict[tuple[str, str, str, str], bool] = defaultdict(bool)
    with open(args.evidence, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["negated"] == "true":
                continue
            cause = concepts.lookup(row["cause_name"]) or concepts.lookup(row["cause_text"])
            effect = concepts.lookup(row["effect_name"]) or concepts.lookup(row["effect_text"])
            key = (stem(row["doc_id"]), cause, effect, direction(row["direction"]))
            if key in gold:
                flagged[key] |= row["conflict_of_interest"] == "true"
    tp = sum(flagged[k] and gold[k] for k in flagged)
    fp = sum(flagged[k] and not gold[k] for k in flagged)
    fn = sum(not flagged[k] and gold[k] for k in flagged)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    for k in sorted(flagged):
        if flagged[k] != gold[k]:
            print(("false positive " if flagged[k] else "missed         ") + " ".join(map(str, k)))
    print(f"claims compared: {len(flagged)} of {len(gold)} gold; tp={tp} fp={fp} fn={fn}")
    print(f"conflict_of_interest P={p:.3f} R={r:.3f} F1={(2 * p * r / (p + r) if p + r else 0):.3f}")


if __name__ == "__main__":
    main()
