"""Throughput benchmark: spaCy's own `nlp.pipe` against the whole claims run, in one process.

Usage (from the repository root; `claims bench speed` runs the same):

    python benchmarks/throughput.py [--corpus DIR] [--rss-docs 500] [--replicate 10] [--no-memory]

1. Start-up, reported apart: importing the pipeline and loading every model it uses.
2. Baseline: the pinned English pipeline with its default components (NER included), `nlp.pipe`
   over the text of every document of the corpus (default: ../shared/data/pubmed-abstracts/).
3. The whole run, ingest to tables (`pipeline.run.run_corpus`, the steps the Prefect flow's tasks call;
   no Prefect start-up) on the same corpus.
   Both print words/second (whitespace words of the document texts) and their ratio.
4. Memory: peak RSS of a run on the first N documents, and on those N replicated 10 times (each in a
   fresh process, so that each peak is its own).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's pipeline, here and in the child runs
SHARED = ROOT.parent / "shared"
ABSTRACTS = SHARED / "data" / "pubmed-abstracts"


def peak_rss_mb() -> float:
    """This process's peak resident set. VmHWM, not getrusage's ru_maxrss: a child started from a big
    process inherits that process's ru_maxrss across exec."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: kilobytes there too


def replicate(corpus: Path, n_docs: int, times: int, target: Path) -> Path:
    """The first `n_docs` records of the corpus's JSONL files, written `times` times (one file each, ids
    made unique: a repeated id is refused as a duplicate, not analysed)."""
    lines = [line for f in sorted(corpus.glob("*.jsonl")) for line in f.read_text(encoding="utf-8").splitlines()]
    records = [json.loads(line) for line in lines if line.strip()][: n_docs or None]
    target.mkdir(parents=True, exist_ok=True)
    for i in range(times):
        with open(target / f"copy{i:02d}.jsonl", "w", encoding="utf-8") as fh:
            for n, record in enumerate(records):
                key = record.get("id") or record.get("pmid") or n
                rest = {k: v for k, v in record.items() if k not in ("id", "pmid")}
                fh.write(json.dumps({"id": f"{key}-{i}", **rest}, ensure_ascii=False) + "\n")
    return target


def child_run(corpus: str, out: str) -> None:
    """One run in this (fresh) process; prints its figures as JSON for the parent."""
    from pipeline.run import run_corpus

    started = time.perf_counter()
    summary = run_corpus(Path(corpus), Path(out))
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb(),
                      "documents": summary.n_documents, "evidence": summary.n_evidence}))


def run_child(corpus: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", str(corpus), str(out)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def speed(corpus: Path) -> dict:
    """Start-up, then spaCy's `nlp.pipe` and the whole run on the same texts, in this process."""
    t0 = time.perf_counter()
    import spacy

    from pipeline.analysis import shared_abbreviation_nlp, shared_nlp
    from pipeline.linker import shared_linker
    from pipeline.recognise import shared_recogniser
    from pipeline.run import ingest, run_corpus
    from pipeline.settings import SPACY_MODEL
    from pipeline.strength import shared_model

    shared_nlp(), shared_abbreviation_nlp(), shared_model(), shared_recogniser(shared_linker())
    startup = time.perf_counter() - t0

    documents, _ = ingest(corpus)
    texts = [d.text for d in documents]
    words = sum(len(t.split()) for t in texts)
    del documents

    baseline_nlp = spacy.load(SPACY_MODEL)  # its default components, NER included
    t0 = time.perf_counter()
    for _ in baseline_nlp.pipe(texts):
        pass
    baseline = time.perf_counter() - t0
    del baseline_nlp, texts

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = run_corpus(corpus, Path(tmp) / "out")
        ours = time.perf_counter() - t0
    return {"documents": summary.n_documents, "words": words, "startup_s": startup, "baseline_s": baseline,
            "baseline_wps": words / baseline, "ours_s": ours, "ours_wps": words / ours, "ratio": baseline / ours,
            "evidence": summary.n_evidence, "claims": summary.n_claims, "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ABSTRACTS)
    parser.add_argument("--rss-docs", type=int, default=0, help="documents of the 1x memory run (0: all)")
    parser.add_argument("--replicate", type=int, default=10)
    parser.add_argument("--no-memory", action="store_true", help="skip the 1x/10x peak RSS runs")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_run(args.child[0], args.child[1])
        return 0

    r = speed(args.corpus)
    print(f"corpus: {args.corpus} ({r['documents']} documents, {r['words']:,} words)")
    print(f"start-up (imports, models; not timed below): {r['startup_s']:.1f} s")
    print(f"spaCy nlp.pipe, default components: {r['baseline_s']:7.1f} s  {r['baseline_wps']:8,.0f} words/s")
    print(f"claims run, ingest to tables:       {r['ours_s']:7.1f} s  {r['ours_wps']:8,.0f} words/s"
          f"  ({r['evidence']} evidence rows, {r['claims']} claims)")
    print(f"ratio (claims run / nlp.pipe): {r['ratio']:.2f}x")
    print(f"peak RSS of this process: {r['peak_rss_mb']:.0f} MB")

    if not args.no_memory:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            n = args.rss_docs or r["documents"]
            one = run_child(replicate(args.corpus, n, 1, tmp / "x1"), tmp / "out1")
            many = run_child(replicate(args.corpus, n, args.replicate, tmp / "xN"), tmp / "outN")
            growth = many["peak_rss_mb"] / one["peak_rss_mb"] - 1
            print(f"peak RSS, {one['documents']} documents: {one['peak_rss_mb']:.0f} MB ({one['seconds']:.0f} s); "
                  f"x{args.replicate} ({many['documents']} documents): {many['peak_rss_mb']:.0f} MB "
                  f"({many['seconds']:.0f} s); growth {growth:+.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
