"""The claims run as a Prefect 3 flow over document batches: the refresh flow.

The flow is thin orchestration over `pipeline.run`: it holds the output
folder, reads the corpus, takes every document it can from the analysis
cache (`pipeline.cache`), analyses the rest in one task per batch, and
publishes the tables with the run's changes and history. Batches are
submitted to the flow's task runner, so another one can be swapped in with
`claims_flow.with_options(task_runner=...)`. Without a configured Prefect
server, Prefect starts a temporary local one.

The tasks opt out of Prefect's default caching (a hash of every input per
task run): caching happens per document, inside the batch task. Lists of
documents and results are passed `quote`d: Prefect would otherwise walk
every evidence record looking for futures (8 s for 1,000 abstracts).
"""

# No `from __future__ import annotations` here: Prefect validates a deployment's parameters against a
# model built from the flow's signature, and cannot resolve annotations left as strings (`Limits`).
from collections.abc import Callable
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from pipeline import run as steps
from pipeline.cache import AnalysisCache
from pipeline.linker import configure
from pipeline.model import Document, DocumentResult
from pipeline.settings import Limits

_progress_hooks: list[Callable[[int, int], None]] = []


def add_progress_hook(hook: Callable[[int, int], None]) -> None:
    """Called with (documents analysed, documents to analyse) as batches finish."""
    _progress_hooks.append(hook)


@task(name="ingest", cache_policy=NO_CACHE)
def ingest_task(corpus: str, limits: Limits | None = None) -> tuple[list[Document], list[DocumentResult]]:
    return steps.ingest(Path(corpus), limits)


@task(name="look-up-cache", cache_policy=NO_CACHE)
def lookup_task(cache: AnalysisCache, documents: list[Document]) -> tuple[dict[str, DocumentResult], list[Document]]:
    return cache.lookup(documents)


@task(name="analyse-batch", cache_policy=NO_CACHE)
def analyse_batch_task(documents: list[Document], cache: AnalysisCache | None,
                       kb: str | None = None) -> list[DocumentResult]:
    configure(kb)
    return steps.analyse_batch(documents, cache)


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(run: steps.ActiveRun, results: list[DocumentResult], analysed: set[str],
                 kb: str | None = None) -> steps.RunSummary:
    configure(kb)
    return steps.publish(run, results, analysed)


def batches(documents: list[Document], size: int) -> list[list[Document]]:
    return [documents[i : i + size] for i in range(0, len(documents), max(1, size))]


@flow(name="claims-run", log_prints=False)
def claims_flow(
    corpus: str, out_dir: str, batch_size: int = 8, use_cache: bool = True, limits: Limits | None = None,
    kb: str | None = None,
) -> steps.RunSummary:
    """Refresh the claim tables of `corpus` in `out_dir`, analysing only new or changed documents.

    `kb`: a user's KB in scispaCy's JSONL format, linked beside ours.
    """
    configure(kb)
    with steps.refresh(Path(corpus), Path(out_dir), flow_run_id=flow_run.get_id(),
                       kb=Path(kb) if kb else None) as run:
        documents, errors = ingest_task(corpus, limits)
        cache = AnalysisCache.for_output(Path(out_dir), run.versions) if use_cache else None
        known, todo = lookup_task(cache, quote(documents)) if cache else ({}, documents)
        futures = [analyse_batch_task.submit(quote(batch), cache, kb) for batch in batches(todo, batch_size)]
        fresh: dict[str, DocumentResult] = {}
        for future in as_completed(futures):
            fresh.update((r.doc_id, r) for r in future.result())
            for hook in _progress_hooks:
                hook(len(fresh), len(todo))
        summary = publish_task(run, quote(steps.merge_results(documents, errors, known, fresh)), set(fresh), kb)
        if cache:
            cache.prune(cache.key(d) for d in documents)
    return summary
