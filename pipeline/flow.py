"""The claims run as a Prefect 3 flow over document batches.

The flow is thin orchestration over `pipeline.run`: one task reads the
corpus, one task per batch of documents analyses them, one task assembles and
writes the tables. Without a configured Prefect server, Prefect starts a
temporary local one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prefect import flow, task
from prefect.futures import as_completed

from pipeline import run as steps
from pipeline.assemble import assemble
from pipeline.linker import configure
from pipeline.model import Document, DocumentResult
from pipeline.settings import Limits
from pipeline.tables import write_tables

_progress_hooks: list[Callable[[int, int], None]] = []


def add_progress_hook(hook: Callable[[int, int], None]) -> None:
    """Called with (documents done, documents total) as batches finish."""
    _progress_hooks.append(hook)


@task(name="ingest")
def ingest_task(corpus: str, limits: Limits | None = None) -> tuple[list[Document], list[DocumentResult]]:
    return steps.ingest(Path(corpus), limits)


@task(name="analyse-batch")
def analyse_batch_task(documents: list[Document], kb: str | None = None) -> list[DocumentResult]:
    configure(kb)
    return steps.analyse_batch(documents)


@task(name="assemble-and-write")
def write_task(corpus: str, out_dir: str, results: list[DocumentResult], kb: str | None = None) -> steps.RunSummary:
    configure(kb)
    tables = assemble(results)
    write_tables(tables, Path(out_dir))
    return steps.summarise(Path(corpus), Path(out_dir), results, tables)


def batches(documents: list[Document], size: int) -> list[list[Document]]:
    return [documents[i : i + size] for i in range(0, len(documents), max(1, size))]


@flow(name="claims-run", log_prints=False)
def claims_flow(corpus: str, out_dir: str, batch_size: int = 8, limits: Limits | None = None,
                kb: str | None = None) -> steps.RunSummary:
    """`kb`: a user's KB in scispaCy's JSONL format, linked beside ours."""
    documents, results = ingest_task(corpus, limits)
    futures = [analyse_batch_task.submit(batch, kb) for batch in batches(documents, batch_size)]
    done = 0
    by_future: dict[int, list[DocumentResult]] = {}
    for future in as_completed(futures):
        batch_results = future.result()
        by_future[futures.index(future)] = batch_results
        done += len(batch_results)
        for hook in _progress_hooks:
            hook(done, len(documents))
    for i in range(len(futures)):
        results += by_future[i]
    return write_task(corpus, out_dir, results, kb)
