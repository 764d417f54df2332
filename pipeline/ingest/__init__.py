"""Reading a corpus: files of any supported format become Documents."""

from pipeline.ingest.corpus import discover, make_document, read_corpus
from pipeline.ingest.structure import segment

__all__ = ["discover", "make_document", "read_corpus", "segment"]
