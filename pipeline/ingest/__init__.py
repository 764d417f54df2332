"""Reading a corpus: files of any supported format become Documents."""

from pipeline.ingest.corpus import discover, read_corpus
from pipeline.ingest.structure import segment

__all__ = ["discover", "read_corpus", "segment"]
