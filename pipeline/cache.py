"""Per-document analysis results kept between runs, through Prefect's result store.

A refresh should pay only for documents that are new or changed. Each
document's `DocumentResult` is persisted as a Prefect result record under a
key made of the document (its text hash, path and metadata) and the versions
its analysis depends on (`pipeline.versions`), and read back inside a Prefect
transaction: the same mechanism Prefect's task caching uses, applied per
document rather than per task run, because a task run costs Prefect ~10-15 ms
of bookkeeping (15 s for a 1,000-document corpus, more than re-reading all of
it from the cache) while a batch task can still cache each of its documents.

Records live in `<output folder>/.cache/`, one file per key; a record written
part-way (a run killed mid-write) fails to load and is simply recomputed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from prefect.filesystems import LocalFileSystem
from prefect.results import ResultStore
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
        for document in documents:
            try:
                found[document.doc_id] = self.store.read(self.key(document)).result
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
        """Delete records not in `keep` (documents gone, or analysed under older versions)."""
        keep = set(keep)
        removed = 0
        for path in Path(self.directory).glob("*"):
            if path.is_file() and path.name not in keep:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
