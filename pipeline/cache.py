"""Per-document analysis results kept between runs, through Prefect's result store.

A refresh should pay only for documents that are new or changed. Each
document's `DocumentResult` is persisted as a Prefect result record under a
key made of the document (its text hash, path and metadata) and the versions
its analysis depends on (`pipeline.versions`), committed by a Prefect
transaction on a `ResultStore`: the mechanism behind Prefect's task caching,
applied per document rather than per task run, because a task run costs
Prefect ~10-15 ms of bookkeeping (15 s for a 1,000-document corpus, more
than reading all of it back from the cache) while a batch task can still
cache each of its documents as it finishes.

Records live in `<output folder>/.cache/`, one file per key; a record written
part-way (a run killed mid-write) fails to load and is simply recomputed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from prefect.filesystems import LocalFileSystem
from prefect.results import ResultRecord, ResultStore
from prefect.transactions import CommitMode, transaction

from pipeline.model import Document, DocumentResult
from pipeline.versions import versions_key

CACHE_DIR = ".cache"


@cache
def _store(directory: str) -> ResultStore:
    return ResultStore(result_storage=LocalFileSystem(basepath=directory))


def document_key(document: Document, versions: str) -> str:
    """The cache key of `document`: every field of it (its text by hash) and the analysis versions."""
    fields = dataclasses.asdict(document)
    fields.pop("text")
    payload = json.dumps({"versions": versions, "document": fields}, sort_keys=True, default=list)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class AnalysisCache:
    """Cached analyses of documents for one output folder and one set of analysis versions.

    Plain data (a folder and a key), so that it pickles to task runners in
    other processes; the Prefect store is built where it is used.
    """

    directory: str
    versions: str

    @classmethod
    def for_output(cls, out_dir: Path, versions: dict[str, str]) -> AnalysisCache:
        return cls(str(Path(out_dir).resolve() / CACHE_DIR), versions_key(versions))

    @property
    def store(self) -> ResultStore:
        return _store(self.directory)

    def key(self, document: Document) -> str:
        return document_key(document, self.versions)

    def lookup(self, documents: Iterable[Document]) -> tuple[dict[str, DocumentResult], list[Document]]:
        """Results already cached (by doc_id), and the documents still to analyse."""
        found: dict[str, DocumentResult] = {}
        missing: list[Document] = []
        root = Path(self.directory)
        for document in documents:
            # The record files are read directly: ResultStore.read resolves each path three times
            # (2-4 ms a record, most of an unchanged re-run); the format is Prefect's all the same.
            try:
                found[document.doc_id] = ResultRecord.deserialize((root / self.key(document)).read_bytes()).result
            except Exception:  # noqa: BLE001 - absent, or unreadable (written part-way): analyse again
                missing.append(document)
        return found, missing

    def analyse(self, document: Document, analyse: Callable[[Document], DocumentResult]) -> DocumentResult:
        """The cached result of `document`, or `analyse(document)`, committed to the cache at once."""
        # EAGER: written when this document is done, not when the enclosing task run ends,
        # so a run killed part-way keeps every document it finished.
        with transaction(key=self.key(document), store=self.store, commit_mode=CommitMode.EAGER) as txn:
            if txn.is_committed():
                return txn.read().result
            result = analyse(document)
            txn.stage(result)
        return result

    def prune(self, keep: Iterable[str]) -> int:
        """Delete records not in `keep` (documents gone, or analysed under older versions).

        Housekeeping only: a record that cannot be deleted stays, and costs disk space, not correctness.
        """
        keep = set(keep)
        removed = 0
        for path in Path(self.directory).glob("*"):
            if path.is_file() and path.name not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed
