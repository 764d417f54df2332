"""Walk a corpus folder and turn every file in it into documents or error rows.

One bad file never costs the others: each failure becomes an IngestError that
names the file and the reason, and reading goes on. Nothing outside the corpus
folder is read (symbolic links leading out of it are refused, never followed),
and the limits of the run bound what one file may cost.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest.decode import clean_text, decode_bytes, repair_text
from pipeline.ingest.errors import UnreadableInput
from pipeline.ingest.readers import read_file
from pipeline.ingest.structure import longest_sentence, segment
from pipeline.model import Document, IngestError
from pipeline.settings import Limits

MANIFEST = "manifest.csv"
_SKIP_NAMES = {MANIFEST, "README.md", "README.txt", "LICENSE", "LICENSE.txt"}
META_FIELDS = ("title", "url", "date", "publisher")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(name: str) -> str:
    """A file name as text that any UTF-8 table and any terminal can hold.

    File names are bytes; the ones that are not UTF-8 reach Python with lone surrogates, which
    no UTF-8 writer accepts, and control characters in a name would act on the terminal that
    prints it. Both are written as `\\xNN` escapes instead.
    """
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def doc_id_for(root: Path, path: Path) -> str:
    """A document's path under the corpus root, without its extension."""
    return printable(path.relative_to(root).with_suffix("").as_posix())


def discover(root: Path) -> list[Path]:
    """Corpus entries in a stable order, whatever order the file system lists them in.

    Links to folders are listed, not followed (they become error rows that say so), and so is a
    folder that cannot be listed.
    """
    root = root.resolve()
    found: list[Path] = []

    def unlistable(exc: OSError) -> None:
        if not exc.filename or Path(exc.filename) == root:
            raise exc
        found.append(Path(exc.filename))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=False):
        here = Path(dirpath)
        found.extend(here / d for d in dirnames if not d.startswith(".") and (here / d).is_symlink())
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not (here / d).is_symlink())
        for name in filenames:
            if name.startswith(".") or name in _SKIP_NAMES:
                continue
            found.append(here / name)  # unsupported types become error rows that say so
    return sorted(set(found), key=lambda p: p.relative_to(root).as_posix())


@dataclass
class Manifest:
    """The metadata rows of manifest.csv by doc_id, the line of each, and what was wrong with it."""

    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    errors: list[IngestError] = field(default_factory=list)

    def unknown(self, named: set[str]) -> list[IngestError]:
        """Rows naming no document of the corpus (a typo, or a manifest meant for another corpus)."""
        return [IngestError(k, MANIFEST, f"{MANIFEST} line {n}: doc_id {k!r} matches no document in the corpus")
                for k, n in self.lines.items() if k not in named]


def load_manifest(root: Path, limits: Limits | None = None) -> Manifest:
    """The optional manifest.csv; a manifest that cannot be used is an error row, not a failed run."""
    path = root / MANIFEST
    manifest = Manifest()
    if not path.exists() and not path.is_symlink():
        return manifest
    try:
        text = decode_bytes(_read_bytes(root, path, limits or Limits()))
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if "doc_id" not in (reader.fieldnames or []):
            found = ", ".join(printable(f) for f in reader.fieldnames or []) or "none"
            raise UnreadableInput(f"no doc_id column (columns: {found})")
        for row in reader:
            key = clean_text((row.get("doc_id") or "").strip())
            if not key:
                continue
            if key in manifest.rows:
                manifest.errors.append(IngestError(
                    key, MANIFEST, f"{MANIFEST} line {reader.line_num}: doc_id {key!r} listed again "
                                   f"(line {manifest.lines[key]} kept)"))
                continue
            manifest.lines[key] = reader.line_num
            manifest.rows[key] = {k: clean_text(v.strip()) for k, v in row.items()
                                  if k in META_FIELDS and isinstance(v, str) and v.strip()}
    except (UnreadableInput, csv.Error) as exc:
        return Manifest(errors=[IngestError("manifest", MANIFEST, f"{MANIFEST} not used: {exc}")])
    return manifest


def _link_target(root: Path, path: Path) -> Path:
    """Where a symbolic link inside the corpus leads, if it is safe to read."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError as exc:  # Python < 3.13 reports a loop this way
        raise UnreadableInput("symbolic link loop (not followed)") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableInput("symbolic link loop (not followed)") from exc
        raise UnreadableInput(f"broken symbolic link ({exc.strerror or exc})") from exc
    if not target.is_relative_to(root):
        raise UnreadableInput("symbolic link pointing outside the corpus (not followed)")
    if target.is_dir():
        raise UnreadableInput("symbolic link to a folder (not followed)")
    return target


def _read_bytes(root: Path, path: Path, limits: Limits) -> bytes:
    """The file's bytes, never more than the limit of them (a file may grow while it is read)."""
    if path.is_symlink():
        path = _link_target(root, path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            os.listdir(path)  # discovery passes on the folders it could not list; say why
            raise UnreadableInput("a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableInput("not a regular file (a pipe, socket or device)")
        if info.st_size > limits.max_document_bytes:
            raise UnreadableInput(f"file too large ({info.st_size:,} bytes > limit {limits.max_document_bytes:,})")
        with open(path, "rb") as fh:
            raw = fh.read(limits.max_document_bytes + 1)
    except PermissionError as exc:
        raise UnreadableInput("permission denied") from exc
    except OSError as exc:
        raise UnreadableInput(f"cannot read file ({exc.strerror or exc})") from exc
    if len(raw) > limits.max_document_bytes:
        raise UnreadableInput(f"file too large (over the limit of {limits.max_document_bytes:,} bytes)")
    return raw


def read_corpus(root: Path, limits: Limits | None = None) -> Iterator[Document | IngestError]:
    """Every document of the corpus at `root`, in a stable order, then the manifest's problems."""
    if not Path(root).is_dir():
        raise FileNotFoundError(f"corpus folder not found: {root}")
    limits = limits or Limits()
    root = Path(root).resolve()  # the corpus may sit behind a symbolic link; its files are named from here
    manifest = load_manifest(root, limits)
    seen: dict[str, str] = {}
    named: set[str] = set()  # documents read or not: a row naming an unreadable one is no manifest error
    for path in discover(root):
        for item in read_path(root, path, manifest.rows, seen, limits):
            named.add(item.doc_id)
            yield item
    yield from manifest.errors
    yield from manifest.unknown(named)


def read_path(
    root: Path, path: Path, manifest: dict[str, dict[str, str]], seen: dict[str, str],
    limits: Limits | None = None,
) -> Iterator[Document | IngestError]:
    """The documents of one corpus file (several for a JSONL file); `root` is resolved.

    `seen` maps the doc_ids read so far to their files. Whatever goes wrong becomes an
    IngestError; this never raises.
    """
    limits = limits or Limits()
    base_id = doc_id_for(root, path)
    rel = printable(path.relative_to(root).as_posix())
    try:
        records = list(read_file(path, _read_bytes(root, path, limits), limits))
    except UnreadableInput as exc:
        yield IngestError(base_id, rel, str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - one file's surprise must not cost the others
        yield IngestError(base_id, rel, f"unexpected failure reading the file ({type(exc).__name__}: {exc})")
        return
    for record in records:
        if record.key is not None:
            doc_id = clean_text(record.key)
        else:
            doc_id = f"{base_id}:line{record.line}" if record.line else base_id
        try:
            document = _document(doc_id, rel, record, manifest, seen, limits)
        except UnreadableInput as exc:
            yield IngestError(doc_id, rel, str(exc))
            continue
        except Exception as exc:  # noqa: BLE001
            yield IngestError(doc_id, rel, f"unexpected failure reading the document ({type(exc).__name__}: {exc})")
            continue
        seen[doc_id] = rel
        yield document


def _document(doc_id: str, rel: str, record, manifest: dict[str, dict[str, str]], seen: dict[str, str],
              limits: Limits) -> Document:
    if record.error:
        raise UnreadableInput(record.error)
    if doc_id in seen:
        raise UnreadableInput(f"duplicate doc_id {doc_id!r} (the one in {seen[doc_id]} is kept)")
    if len(record.text) > limits.max_document_chars:
        raise UnreadableInput(f"document too long ({len(record.text):,} characters > limit "
                              f"{limits.max_document_chars:,})")
    meta = {k: repair_text(v) for k, v in {**record.meta, **manifest.get(doc_id, {})}.items()}
    document = make_document(doc_id, rel, repair_text(record.text), meta, record.fmt)
    if not any(b.kind != "debris" for b in document.blocks):
        raise UnreadableInput("no text to analyse")
    length, start = longest_sentence(document.text, document.blocks)
    if length > limits.max_sentence_chars:
        raise UnreadableInput(f"sentence too long ({length:,} characters without a sentence end at character "
                              f"{start:,} > limit {limits.max_sentence_chars:,})")
    return document


def make_document(doc_id: str, path: str, text: str, meta: dict[str, str] | None = None, fmt: str = "txt") -> Document:
    """A Document with its structure found; the one way text becomes a document."""
    meta = meta or {}
    blocks = segment(text)
    title = meta.get("title") or next((text[b.start : b.end] for b in blocks if b.kind == "title"), "")
    return Document(
        doc_id=doc_id, path=path, text=text, blocks=blocks,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), title=title,
        url=meta.get("url", ""), date=meta.get("date", ""), publisher=meta.get("publisher", ""), fmt=fmt,
    )
