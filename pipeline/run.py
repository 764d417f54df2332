"""The run as plain functions: ingest -> analyse -> assemble -> write.

The Prefect flow in `flow.py` orchestrates exactly these steps; tests call
them directly, without Prefect. A run holds its output folder (`refresh`),
takes what it can from a cache of per-document results, and ends by
switching the tables in and recording itself in the folder's history
(`publish`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pipeline.assemble import assemble
from pipeline.changes import claim_changes, summary
from pipeline.evidence import analyse_document
from pipeline.history import History, Run
from pipeline.ingest import read_corpus
from pipeline.linker import configure
from pipeline.lock import output_lock
from pipeline.model import Document, DocumentResult, IngestError
from pipeline.settings import Limits
from pipeline.tables import Tables, write_tables
from pipeline.versions import analysis_versions

Progress = Callable[[int, int], None]
CHANGES_NAME = "changes.csv"


class Cache(Protocol):
    """Per-document results kept between runs (`pipeline.cache.AnalysisCache`)."""

    def key(self, document: Document) -> str: ...

    def lookup(self, documents: Iterable[Document]) -> tuple[dict[str, DocumentResult], list[Document]]: ...

    def analyse(self, document: Document, analyse: Callable[[Document], DocumentResult]) -> DocumentResult: ...

    def prune(self, keep: Iterable[str]) -> int: ...


@dataclass(frozen=True)
class RunSummary:
    corpus: Path
    out_dir: Path
    n_documents: int
    n_ok: int
    n_evidence: int
    n_claims: int
    failures: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)  # doc_id, path, reason
    run_id: int = 0
    n_analysed: int = 0
    n_cached: int = 0
    n_added: int = 0
    n_removed: int = 0
    n_changed: int = 0
    seconds: float = 0.0

    @property
    def n_failed(self) -> int:
        return len(self.failures)


@dataclass(frozen=True)
class ActiveRun:
    """A run that holds its output folder and has a row in the history."""

    corpus: Path
    out_dir: Path
    history: History
    record: Run
    versions: dict[str, str]  # what the analysis depends on (pipeline.versions)
    started: float  # time.perf_counter() at the start


def default_out_dir(corpus: Path) -> Path:
    return Path("outputs") / Path(corpus).resolve().name


def error_result(err: IngestError) -> DocumentResult:
    return DocumentResult(err.doc_id, err.path, "error", error=err.reason)


def ingest(corpus: Path, limits: Limits | None = None) -> tuple[list[Document], list[DocumentResult]]:
    """Documents to analyse, and error rows for what could not be read."""
    documents, errors = [], []
    for item in read_corpus(Path(corpus), limits):
        if isinstance(item, IngestError):
            errors.append(error_result(item))
        else:
            documents.append(item)
    return documents, errors


def analyse_batch(documents: Iterable[Document], cache: Cache | None = None) -> list[DocumentResult]:
    if cache is None:
        return [analyse_document(d) for d in documents]
    return [cache.analyse(d, analyse_document) for d in documents]


@contextmanager
def refresh(corpus: Path, out_dir: Path, flow_run_id: str | None = None,
            kb: Path | None = None) -> Iterator[ActiveRun]:
    """Hold `out_dir` for one run (OutputBusy if another run has it) and record how the run ends."""
    history = History(out_dir)
    with output_lock(out_dir, holder=history.running):
        versions = analysis_versions(user_kb=kb)
        record = history.begin(corpus, versions, flow_run_id)
        try:
            yield ActiveRun(Path(corpus), Path(out_dir), history, record, versions, time.perf_counter())
        except BaseException as exc:
            history.fail(record, f"{type(exc).__name__}: {exc}", interrupted=isinstance(exc, KeyboardInterrupt))
            raise


def merge_results(
    documents: list[Document], errors: list[DocumentResult], *found: dict[str, DocumentResult]
) -> list[DocumentResult]:
    """All results of the run: unreadable files first, then documents in corpus order."""
    results = list(errors)
    for document in documents:
        results.append(next(f[document.doc_id] for f in found if document.doc_id in f))
    return results


def publish(run: ActiveRun, results: list[DocumentResult], analysed: set[str]) -> RunSummary:
    """Assemble the tables, compare with the last completed run, switch them in and record the run."""
    tables = assemble(results)
    completed = run.history.completed_ids()
    changes = claim_changes(run.history.claims(completed[-1]) if completed else None, tables.claims)
    outputs = write_tables(tables, run.out_dir, extra={CHANGES_NAME: changes})
    result = summarise(run, results, tables, n_analysed=len(analysed), **summary(changes))
    figures = {
        "seconds": round(result.seconds, 3), "n_documents": result.n_documents, "n_ok": result.n_ok,
        "n_failed": result.n_failed, "n_analysed": result.n_analysed, "n_cached": result.n_cached,
        "n_evidence": result.n_evidence, "n_claims": result.n_claims, "n_added": result.n_added,
        "n_removed": result.n_removed, "n_changed": result.n_changed,
    }
    run.history.complete(run.record, results, analysed, outputs, tables.claims, figures)
    return result


def summarise(run: ActiveRun, results: list[DocumentResult], tables: Tables, n_analysed: int,
              **changes: int) -> RunSummary:
    failures = tuple(sorted((r.doc_id, r.path, r.error) for r in results if r.status == "error"))
    n_read = sum(1 for r in results if r.sha256)  # documents that got as far as analysis
    return RunSummary(
        corpus=run.corpus, out_dir=run.out_dir, n_documents=len(results),
        n_ok=sum(r.status == "ok" for r in results), n_evidence=len(tables.evidence),
        n_claims=len(tables.claims), failures=failures, run_id=run.record.run_id,
        n_analysed=n_analysed, n_cached=n_read - n_analysed, seconds=time.perf_counter() - run.started, **changes,
    )


def run_corpus(
    corpus: Path, out_dir: Path | None = None, progress: Progress | None = None, limits: Limits | None = None,
    cache: Cache | None = None, kb: Path | None = None,
) -> RunSummary:
    """Run the whole pipeline on `corpus` without Prefect and write the tables (`kb`: a user's KB)."""
    configure(kb)
    out_dir = Path(out_dir) if out_dir else default_out_dir(corpus)
    with refresh(corpus, out_dir, kb=kb) as run:
        documents, errors = ingest(corpus, limits)
        known, todo = cache.lookup(documents) if cache else ({}, documents)
        fresh: dict[str, DocumentResult] = {}
        for i, document in enumerate(todo, 1):
            fresh[document.doc_id] = analyse_batch([document], cache)[0]
            if progress:
                progress(i, len(todo))
        result = publish(run, merge_results(documents, errors, known, fresh), analysed=set(fresh))
        if cache:
            cache.prune(cache.key(d) for d in documents)
    return result
