"""Walk a corpus folder and turn every file in it into documents or error rows.

One bad file never costs the others: each failure becomes an IngestError that
names the file and the reason, and reading goes on.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from pipeline.ingest.decode import decode_bytes
from pipeline.ingest.errors import UnreadableInput
from pipeline.ingest.readers import read_file
from pipeline.ingest.structure import segment
from pipeline.model import Block, Document, IngestError
from pipeline.settings import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_CHARS

MANIFEST = "manifest.csv"
_SKIP_NAMES = {MANIFEST, "README.md", "README.txt", "LICENSE", "LICENSE.txt"}
META_FIELDS = ("title", "url", "date", "publisher")


def doc_id_for(root: Path, path: Path) -> str:
    """A document's path under the corpus root, without its extension."""
    rel = path.relative_to(root).with_suffix("")
    return rel.as_posix()


def discover(root: Path) -> list[Path]:
    """Corpus files in a stable order; links leading out of the corpus are not followed."""
    root = root.resolve()
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name in _SKIP_NAMES:
                continue
            path = Path(dirpath) / name
            found.append(path)  # unsupported types become error rows that say so
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def load_manifest(root: Path) -> dict[str, dict[str, str]]:
    """Metadata rows by doc_id from an optional manifest.csv."""
    path = root / MANIFEST
    if not path.is_file():
        return {}
    text = decode_bytes(path.read_bytes())
    rows: dict[str, dict[str, str]] = {}
    for row in csv.DictReader(text.splitlines()):
        key = (row.get("doc_id") or "").strip()
        if key:
            rows[key] = {k: (v or "").strip() for k, v in row.items() if k and k != "doc_id" and v}
    return rows


def _read_bytes(root: Path, path: Path) -> bytes:
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            raise UnreadableInput("symbolic link pointing outside the corpus (not followed)")
    if not path.is_file():
        raise UnreadableInput("not a regular file")
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise UnreadableInput(f"file too large ({size:,} bytes > limit {MAX_DOCUMENT_BYTES:,})")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"cannot read file ({exc.strerror or exc})") from exc


def read_corpus(root: Path) -> Iterator[Document | IngestError]:
    """Every document of the corpus at `root`, in a stable order."""
    if not Path(root).is_dir():
        raise FileNotFoundError(f"corpus folder not found: {root}")
    root = Path(root).resolve()  # the corpus may sit behind a symbolic link; its files are named from here
    manifest = load_manifest(root)
    seen: set[str] = set()
    for path in discover(root):
        yield from read_path(root, path, manifest, seen)


def read_path(
    root: Path, path: Path, manifest: dict[str, dict[str, str]], seen: set[str]
) -> Iterator[Document | IngestError]:
    """The documents of one corpus file (several for a JSONL file); `root` is resolved."""
    base_id = doc_id_for(root, path)
    rel = path.relative_to(root).as_posix()
    try:
        raw = _read_bytes(root, path)
        records = list(read_file(path, raw))
    except UnreadableInput as exc:
        yield IngestError(base_id, rel, str(exc))
        return
    for record in records:
        doc_id = record.key if record.key is not None else base_id
        if record.error:
            yield IngestError(doc_id, rel, record.error)
            continue
        if doc_id in seen:
            yield IngestError(doc_id, rel, f"duplicate doc_id {doc_id!r} (first one kept)")
            continue
        if len(record.text) > MAX_DOCUMENT_CHARS:
            yield IngestError(
                doc_id, rel, f"document too long ({len(record.text):,} chars > limit {MAX_DOCUMENT_CHARS:,})"
            )
            continue
        seen.add(doc_id)
        document = make_document(doc_id, rel, record.text, {**record.meta, **manifest.get(doc_id, {})}, record.fmt,
                                 record.blocks)
        if not any(b.kind != "debris" for b in document.blocks):
            yield IngestError(doc_id, rel, "no text to analyse")
            continue
        yield document


def make_document(doc_id: str, path: str, text: str, meta: dict[str, str] | None = None, fmt: str = "txt",
                  blocks: tuple[Block, ...] | None = None) -> Document:
    """A Document with its structure found (or as its format states it); the one way text becomes a document."""
    meta = meta or {}
    blocks = segment(text) if blocks is None else blocks
    title = meta.get("title") or next((text[b.start : b.end] for b in blocks if b.kind == "title"), "")
    return Document(
        doc_id=doc_id, path=path, text=text, blocks=blocks,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), title=title,
        url=meta.get("url", ""), date=meta.get("date", ""), publisher=meta.get("publisher", ""), fmt=fmt,
    )
