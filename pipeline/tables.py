"""The output tables: their columns, their schemas, and how they reach disk.

Tables are validated against pandera schemas before writing, and written
atomically (a temporary file in the same folder, then a rename), so a crash
never leaves a half-written table and a reader never sees one.

Cells come from scraped text and are opened in spreadsheets, which run a cell
starting with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula.
Every such text cell is written with an apostrophe in front, and so is a cell
already starting with an apostrophe, so that `read_table` (or anyone removing
one leading apostrophe) gets the exact text back. Lines end in CRLF (RFC 4180),
which also makes the csv writer quote a lone carriage return.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from pipeline.ingest.decode import clean_text

EVIDENCE_COLUMNS = [
    "evidence_id", "doc_id", "sentence", "start_char", "end_char", "section",
    "cause_text", "cause_name", "cause_id", "effect_text", "effect_name", "effect_id",
    "relation", "direction", "negated", "hedge", "strength", "context", "rule",
    "independent_source", "source_promotional", "promotional_sentence", "promotional_cues",
    "conflict_of_interest", "conflict_reason",
]
CLAIM_COLUMNS = [
    "claim_id", "cause_id", "cause_name", "direction", "effect_id", "effect_name",
    "support", "support_explained", "n_sources", "sources", "n_independent_non_promotional",
    "promotional_share", "n_conflicted", "conflict_of_interest", "contradicted_by",
    "n_evidence", "n_documents", "doc_ids", "n_negated", "relations", "example_sentence",
    "specificity", "supports", "n_documents_with_specific",
]
ENTITY_COLUMNS = ["concept_id", "name", "source_vocabulary", "parents", "n_mentions", "surface_forms"]
DOCUMENT_COLUMNS = [
    "doc_id", "path", "title", "url", "publisher", "date", "status", "error",
    "n_sentences", "n_evidence", "source", "source_basis", "duplicate_of", "duplicate_similarity",
    "independent_source", "promotional_score", "promotional", "promotional_cues", "sells",
]

_DIRECTION = pa.Check.isin(["increases", "decreases"])
_BOOL = pa.Check.isin(["true", "false"])
_STRENGTH = pa.Check.isin(["causal", "conditional_causal", "correlational", "none"])

EVIDENCE_SCHEMA = pa.DataFrameSchema(
    {
        "evidence_id": pa.Column(str, unique=True),
        "doc_id": pa.Column(str),
        "sentence": pa.Column(str),
        "start_char": pa.Column(int, pa.Check.ge(0)),
        "end_char": pa.Column(int, pa.Check.ge(0)),
        "cause_text": pa.Column(str, pa.Check.str_length(min_value=1)),
        "effect_text": pa.Column(str, pa.Check.str_length(min_value=1)),
        "cause_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "effect_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "direction": pa.Column(str, _DIRECTION),
        "negated": pa.Column(str, _BOOL),
        "strength": pa.Column(str, _STRENGTH),
        "source_promotional": pa.Column(str, _BOOL),
        "promotional_sentence": pa.Column(str, _BOOL),
        "conflict_of_interest": pa.Column(str, _BOOL),
    },
    strict=False,
)
CLAIM_SCHEMA = pa.DataFrameSchema(
    {
        "claim_id": pa.Column(str, unique=True),
        "direction": pa.Column(str, _DIRECTION),
        "n_evidence": pa.Column(int, pa.Check.ge(0)),
        "n_documents": pa.Column(int, pa.Check.ge(0)),
        "support": pa.Column(float, pa.Check.in_range(0, 1)),
        "n_sources": pa.Column(int, pa.Check.ge(0)),
        "n_independent_non_promotional": pa.Column(int, pa.Check.ge(0)),
        "promotional_share": pa.Column(float, pa.Check.in_range(0, 1)),
        "n_conflicted": pa.Column(int, pa.Check.ge(0)),
        "conflict_of_interest": pa.Column(str, pa.Check.isin(["none", "some", "all"])),
        "specificity": pa.Column(str, pa.Check.isin(["", "specific", "general", "both"])),
        "n_documents_with_specific": pa.Column(int, pa.Check.ge(0)),
    },
    strict=False,
)
ENTITY_SCHEMA = pa.DataFrameSchema(
    {
        "concept_id": pa.Column(str, unique=True),
        "name": pa.Column(str),
        "n_mentions": pa.Column(int, pa.Check.ge(0)),
    },
    strict=False,
)
DOCUMENT_SCHEMA = pa.DataFrameSchema(
    {
        "doc_id": pa.Column(str),
        "status": pa.Column(str, pa.Check.isin(["ok", "error"])),
        "n_evidence": pa.Column(int, pa.Check.ge(0)),
    },
    strict=False,
)


@dataclass(frozen=True)
class Tables:
    evidence: pd.DataFrame
    claims: pd.DataFrame
    documents: pd.DataFrame
    entities: pd.DataFrame

    def named(self) -> dict[str, pd.DataFrame]:
        return {"evidence.csv": self.evidence, "claims.csv": self.claims, "documents.csv": self.documents,
                "entities.csv": self.entities}


def validate(tables: Tables) -> None:
    EVIDENCE_SCHEMA.validate(tables.evidence)
    CLAIM_SCHEMA.validate(tables.claims)
    DOCUMENT_SCHEMA.validate(tables.documents)
    ENTITY_SCHEMA.validate(tables.entities)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def neutralise(value: object) -> object:
    """A text cell that no spreadsheet runs as a formula; reversed by `restore`.

    Control characters other than tab and line breaks (ingest already blanks them in document
    text) become spaces here too: CSV readers stop at a NUL byte.
    """
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return ESCAPE + value if value.startswith(FORMULA_STARTS + (ESCAPE,)) else value


def restore(value: object) -> object:
    """The text a cell written by `to_csv_bytes` stood for."""
    if isinstance(value, str) and value.startswith(ESCAPE):
        return value[1:]
    return value


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as CSV: text cells neutralised, fields quoted as needed, CRLF line ends, UTF-8."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    header = [neutralise(str(c)) for c in safe.columns]
    return safe.to_csv(index=False, header=header, lineterminator="\r\n").encode("utf-8")


def read_table(path: Path) -> pd.DataFrame:
    """A table written by this module, every cell as the text it stood for before neutralising."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame.columns = [restore(c) for c in frame.columns]
    return frame.map(restore)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_tables(tables: Tables, out_dir: Path) -> dict[str, Path]:
    validate(tables)
    payloads = {name: to_csv_bytes(frame) for name, frame in tables.named().items()}
    written = {}
    for name, data in payloads.items():
        write_atomic(out_dir / name, data)
        written[name] = out_dir / name
    return written
