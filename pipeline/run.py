"""The run as plain functions: ingest -> analyse -> assemble -> write.

The Prefect flow in `flow.py` orchestrates exactly these steps; tests call
them directly, without Prefect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.assemble import assemble
from pipeline.evidence import analyse_document
from pipeline.ingest import read_corpus
from pipeline.linker import configure
from pipeline.model import Document, DocumentResult, IngestError
from pipeline.settings import Limits
from pipeline.tables import Tables, write_tables

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunSummary:
    corpus: Path
    out_dir: Path
    n_documents: int
    n_ok: int
    n_evidence: int
    n_claims: int
    failures: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)  # doc_id, path, reason

    @property
    def n_failed(self) -> int:
        return len(self.failures)


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


def analyse_batch(documents: Iterable[Document]) -> list[DocumentResult]:
    return [analyse_document(d) for d in documents]


def summarise(corpus: Path, out_dir: Path, results: list[DocumentResult], tables: Tables) -> RunSummary:
    failures = tuple(sorted((r.doc_id, r.path, r.error) for r in results if r.status == "error"))
    return RunSummary(
        corpus=Path(corpus), out_dir=Path(out_dir), n_documents=len(results),
        n_ok=sum(r.status == "ok" for r in results), n_evidence=len(tables.evidence),
        n_claims=len(tables.claims), failures=failures,
    )


def run_corpus(
    corpus: Path, out_dir: Path | None = None, progress: Progress | None = None, limits: Limits | None = None,
    kb: Path | None = None,
) -> RunSummary:
    """Run the whole pipeline on `corpus` without Prefect and write the tables (`kb`: a user's KB)."""
    configure(kb)
    out_dir = Path(out_dir) if out_dir else default_out_dir(corpus)
    documents, results = ingest(corpus, limits)
    total = len(documents)
    for i, document in enumerate(documents, 1):
        results.append(analyse_document(document))
        if progress:
            progress(i, total)
    tables = assemble(results)
    write_tables(tables, out_dir)
    return summarise(corpus, out_dir, results, tables)
