"""Near-duplicate documents: the same article reposted, syndicated or lightly edited.

Such copies must not count as agreeing sources. Each document's text gets a
MinHash signature of its word shingles (datasketch) when it is analysed, so
the signature travels with the document's result; at assembly, an LSH index
over all signatures proposes candidate pairs, and a pair is kept when its
estimated Jaccard similarity reaches the threshold in the parameters file.
"""

from __future__ import annotations

import re

import numpy as np
from datasketch import MinHash, MinHashLSH

from pipeline.model import DocumentResult
from pipeline.parameters import parameters

_SCHEME = "affine32"  # fixed so that signatures from any run or process compare


def shingles(text: str, size: int) -> set[bytes]:
    words = re.findall(r"\w+", text.lower())
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def signature(text: str) -> tuple[int, ...]:
    """The MinHash of a text's word shingles, as plain ints (picklable, comparable)."""
    params = parameters()["duplicates"]
    minhash = MinHash(num_perm=int(params["num_perm"]), scheme=_SCHEME)
    minhash.update_batch(sorted(shingles(text, int(params["shingle_words"]))))
    return tuple(int(v) for v in minhash.hashvalues)


def _minhash(values: tuple[int, ...]) -> MinHash:
    return MinHash(num_perm=len(values), hashvalues=np.array(values, dtype=np.uint32), scheme=_SCHEME)


def near_duplicates(results: list[DocumentResult]) -> dict[str, tuple[str, float]]:
    """doc_id -> (the earliest document it nearly duplicates, estimated similarity), for copies only."""
    params = parameters()["duplicates"]
    threshold = float(params["threshold"])
    num_perm = int(params["num_perm"])
    sketches = {r.doc_id: _minhash(r.minhash) for r in results
                if r.status == "ok" and len(r.minhash) == num_perm}
    if len(sketches) < 2:
        return {}
    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for doc_id in sorted(sketches):
        index.insert(doc_id, sketches[doc_id])
    found: dict[str, tuple[str, float]] = {}
    for doc_id in sorted(sketches):
        earlier = []
        for other in sorted(index.query(sketches[doc_id])):
            if other < doc_id:
                similarity = round(float(sketches[doc_id].jaccard(sketches[other])), 3)
                if similarity >= threshold:
                    earlier.append((other, similarity))
        if earlier:
            found[doc_id] = earlier[0]
    return found
