"""Shared fixtures: real documents from the corpora, analysed once per session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Prefect must never touch the developer's own profile or the network from tests.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="claims-prefect-"))
os.environ.setdefault("DO_NOT_TRACK", "1")
# The temporary Prefect server needs 10-30 s to start on a busy 2-core machine; Prefect waits 20 s.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

import pytest  # noqa: E402

from pipeline.evidence import analyse_document  # noqa: E402
from pipeline.ingest import make_document, read_corpus  # noqa: E402
from pipeline.model import Evidence  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus" / "rls-seeds"
SHARED = ROOT.parent / "shared"
MEDQUAD = SHARED / "corpus" / "medquad-dev"

_cache: dict[str, list[Evidence]] = {}


def evidence_of(path: Path) -> list[Evidence]:
    """The evidence rows of one real corpus file (analysed once per session)."""
    key = str(path)
    if key not in _cache:
        docs = [d for d in read_corpus(path.parent) if getattr(d, "path", None) == path.name]
        assert docs, f"cannot read {path}"
        _cache[key] = list(analyse_document(docs[0]).evidence)
    return _cache[key]


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def medquad(name: str) -> Path:
    path = MEDQUAD / f"{name}.txt"
    if not path.exists():
        pytest.skip(f"{path} is not beside this checkout")
    return path


def rows_in(evidence: list[Evidence], snippet: str) -> list[Evidence]:
    """Evidence whose sentence contains `snippet`."""
    return [e for e in evidence if snippet in e.sentence]


def evidence_for_text(text: str, doc_id: str = "t") -> list[Evidence]:
    return list(analyse_document(make_document(doc_id, f"{doc_id}.txt", text)).evidence)
