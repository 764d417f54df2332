"""Benchmark of incremental refresh: first run, unchanged re-run, re-run with 10 documents changed.

Usage (from the repository root):

    python benchmarks/refresh.py [--docs 1000] [--changed 10] [--workdir DIR]

Takes the first N abstracts of ../shared/data/pubmed-abstracts/abstracts.jsonl
as a corpus (one JSONL file), starts a Prefect server of its own on 127.0.0.1
(unless PREFECT_API_URL is set), and runs `claims run` three times into one
output folder, as separate processes, the way a scheduled refresh runs them.
Each run is timed twice: the whole process (interpreter start, imports,
Prefect flow run) and the run itself as recorded in the run history (from
taking the output folder to the tables switched in).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from prefect_server import PrefectServer  # noqa: E402

from pipeline.history import History  # noqa: E402

ABSTRACTS = ROOT.parent / "shared" / "data" / "pubmed-abstracts" / "abstracts.jsonl"


def write_corpus(path: Path, records: list[dict]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "abstracts.jsonl", "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def claims_run(corpus: Path, out: Path, env: dict[str, str]) -> dict:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(corpus), "--out", str(out)],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    last = History(out).runs().iloc[-1]
    return {"wall": wall, "run": float(last.seconds), "analysed": int(last.n_analysed), "cached": int(last.n_cached),
            "claims": int(last.n_claims), "added": int(last.n_added), "removed": int(last.n_removed),
            "changed": int(last.n_changed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    records = [json.loads(line) for line in ABSTRACTS.read_text(encoding="utf-8").splitlines()[: args.docs]]
    words = sum(len(r["text"].split()) for r in records)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="claims-refresh-bench-"))
    corpus, out = work / "corpus", work / "out"
    write_corpus(corpus, records)

    server = None
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not env.get("PREFECT_API_URL"):
        print("starting a Prefect server ...", flush=True)
        server = PrefectServer(work / "prefect").start().wait_ready()
        env = server.client_env(env)
    try:
        rows = [("first run", claims_run(corpus, out, env))]
        rows.append(("re-run, unchanged", claims_run(corpus, out, env)))
        step = max(1, len(records) // args.changed)
        for record in records[::step][: args.changed]:
            record["text"] += " These findings were confirmed in a second cohort."
        write_corpus(corpus, records)
        rows.append((f"re-run, {args.changed} documents changed", claims_run(corpus, out, env)))
    finally:
        if server:
            server.stop()

    first = rows[0][1]
    print(f"\n{len(records)} documents, {words:,} words; {os.cpu_count()} CPUs; output in {out}\n")
    print("| run | analysed | from cache | run time (s) | process time (s) | % of first run (run / process) |")
    print("|---|---|---|---|---|---|")
    for name, r in rows:
        share = f"{100 * r['run'] / first['run']:.1f}% / {100 * r['wall'] / first['wall']:.1f}%"
        print(f"| {name} | {r['analysed']} | {r['cached']} | {r['run']:.1f} | {r['wall']:.1f} | {share} |")
    last = rows[-1][1]
    print(f"\nlast run's changes.csv: {last['added']} claims added, {last['removed']} removed, "
          f"{last['changed']} changed")
    unchanged = rows[1][1]
    ok = unchanged["run"] <= 0.10 * first["run"] and unchanged["wall"] <= 0.10 * first["wall"]
    print(f"unchanged re-run <= 10% of the first run: {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
