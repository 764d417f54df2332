"""One reader per file format, each turning a file into article records.

A record is (doc_id suffix or None, text, metadata). Readers raise
UnreadableInput with a reason a user can act on; they never guess silently.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest.decode import decode_bytes
from pipeline.ingest.errors import UnreadableInput
from pipeline.ingest.literature import literature_format, read_literature
from pipeline.model import Block

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
LITERATURE_SUFFIXES = {".pubtator", ".xml", ".json"}  # PubTator, BioC XML/JSON, PubMed XML (a .txt may be PubTator)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES | JSONL_SUFFIXES | LITERATURE_SUFFIXES


@dataclass
class Record:
    """An article as a reader produced it, before structure is found."""

    text: str
    fmt: str
    key: str | None = None  # the article's own id inside a multi-article file
    meta: dict[str, str] = field(default_factory=dict)
    error: str = ""  # set when this one article of a multi-article file is unusable
    blocks: tuple[Block, ...] | None = None  # the structure a format states (title, abstract), if it does


def read_file(path: Path, raw: bytes) -> Iterator[Record]:
    """Yield the articles in one file; raise UnreadableInput if there are none."""
    suffix = path.suffix.lower()
    if (fmt := literature_format(suffix, raw)) is not None:
        for article in read_literature(fmt, raw):
            yield Record(article.text, fmt, key=article.pmid, meta=article.meta, blocks=article.blocks())
    elif suffix in TEXT_SUFFIXES:
        yield Record(decode_bytes(raw), "md" if suffix in {".md", ".markdown"} else "txt")
    elif suffix in HTML_SUFFIXES:
        yield _read_html(raw)
    elif suffix in PDF_SUFFIXES:
        yield _read_pdf(raw)
    elif suffix in JSONL_SUFFIXES:
        yield from _read_jsonl(raw)
    else:
        raise UnreadableInput(f"unsupported file type {suffix or '(none)'}")


def _read_html(raw: bytes) -> Record:
    import trafilatura

    html = decode_bytes(raw)
    extracted = trafilatura.extract(
        html, output_format="json", with_metadata=True, include_comments=False,
        include_tables=False, favor_recall=True,
    )
    if not extracted:
        raise UnreadableInput("HTML without extractable main text")
    data = json.loads(extracted)
    text = data.get("text") or ""
    if not text.strip():
        raise UnreadableInput("HTML without extractable main text")
    meta = {
        "title": data.get("title") or "",
        "url": data.get("source") or "",
        "date": data.get("date") or "",
        "publisher": data.get("sitename") or data.get("source-hostname") or "",
    }
    if meta["title"] and not text.startswith(meta["title"]):
        text = f"{meta['title']}\n\n{text}"
    return Record(text, "html", meta={k: v for k, v in meta.items() if v})


def _read_pdf(raw: bytes) -> Record:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableInput("encrypted PDF (needs a password)")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata or {}).get("/Title") or ""
    except UnreadableInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableInput(f"broken PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise UnreadableInput("PDF without a text layer (image-only?)")
    return Record(text, "pdf", meta={"title": str(title)} if title else {})


def _read_jsonl(raw: bytes) -> Iterator[Record]:
    text = decode_bytes(raw)
    found = False
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        found = True
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record("", "jsonl", key=f"line{lineno}", error=f"line {lineno}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(item, dict):
            yield Record("", "jsonl", key=f"line{lineno}", error=f"line {lineno}: not a JSON object")
            continue
        key = item.get("id", item.get("pmid"))
        body = item.get("text")
        if key is None or str(key).strip() == "":
            yield Record("", "jsonl", key=f"line{lineno}", error=f"line {lineno}: no 'id'")
            continue
        if not isinstance(body, str) or not body.strip():
            yield Record("", "jsonl", key=str(key), error=f"line {lineno}: no 'text' string")
            continue
        meta = {k: str(item[k]) for k in ("title", "url", "date", "publisher") if item.get(k)}
        if meta.get("title") and not body.startswith(meta["title"]):
            body = f"{meta['title']}\n\n{body}"
        yield Record(body, "jsonl", key=str(key).strip(), meta=meta)
    if not found:
        raise UnreadableInput("empty JSONL file")
