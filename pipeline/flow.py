"""The claims run as a Prefect 3 flow over document batches: the refresh flow.

The flow is thin orchestration over `pipeline.run`: it holds the output
folder, reads the corpus, takes every document it can from the analysis
cache (`pipeline.cache`), analyses the rest in one task per batch, and
publishes the tables with the run's changes and history. Batches are
submitted to the flow's task runner: Prefect's local thread pool by default,
or Dask through prefect-dask (`task_runner`: an existing cluster's scheduler
address, or a local cluster of N worker processes) when one process is not
enough. A batch's analysis depends on nothing but its documents, so every
runner gives the same tables. Without a configured Prefect server, Prefect
starts a temporary local one (and so does each Dask worker).

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


class _Progress:
    """The progress hooks, held by a class: Dask pickles a class by reference, a module-level list by value
    (with whatever a hook holds: the CLI's progress bar has a lock, and the batch task would not pickle)."""

    hooks: list[Callable[[int, int], None]] = []


def add_progress_hook(hook: Callable[[int, int], None]) -> None:
    """Called with (documents analysed, documents to analyse) as batches finish."""
    _Progress.hooks.append(hook)


@task(name="ingest", cache_policy=NO_CACHE)
def ingest_task(corpus: str, limits: Limits | None = None) -> tuple[list[Document], list[DocumentResult]]:
    return steps.ingest(Path(corpus), limits)


@task(name="look-up-cache", cache_policy=NO_CACHE)
def lookup_task(cache: AnalysisCache, documents: list[Document]) -> tuple[dict[str, DocumentResult], list[Document]]:
    return cache.lookup(documents)


class Batch:
    """Documents handed to a task as one opaque value: Dask takes lists and dataclasses in task arguments
    apart (a Document arrived as a tuple), a plain object it passes whole."""

    __slots__ = ("documents",)

    def __init__(self, documents: list[Document]):
        self.documents = documents


@task(name="analyse-batch", cache_policy=NO_CACHE)
def analyse_batch_task(batch: Batch, cache: AnalysisCache | None, kb: str | None = None) -> list[DocumentResult]:
    configure(kb)
    return steps.analyse_batch(batch.documents, cache)


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
        futures = [analyse_batch_task.submit(Batch(batch), cache, kb) for batch in batches(todo, batch_size)]
        fresh: dict[str, DocumentResult] = {}
        for future in as_completed(futures):
            fresh.update((r.doc_id, r) for r in future.result())
            for hook in _Progress.hooks:
                hook(len(fresh), len(todo))
        summary = publish_task(run, quote(steps.merge_results(documents, errors, known, fresh)), set(fresh), kb)
        if cache:
            cache.prune(cache.key(d) for d in documents)
    return summary


def task_runner(dask_address: str | None = None, workers: int | None = None):
    """The task runner a run asks for: Dask at `dask_address`, a local Dask cluster of `workers` processes
    (one thread each: the parser holds a lock), or None for the flow's default."""
    if not dask_address and not workers:
        return None
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None})


def run_flow(corpus: str, out_dir: str, *, dask_address: str | None = None, workers: int | None = None,
             **options) -> steps.RunSummary:
    """`claims_flow` on the task runner asked for (see `task_runner`)."""
    runner = task_runner(dask_address, workers)
    chosen = claims_flow.with_options(task_runner=runner) if runner else claims_flow
    return chosen(corpus, out_dir, **options)
