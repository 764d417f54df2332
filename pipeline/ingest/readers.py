"""One reader per file format, each turning a file into article records.

A record is (doc_id suffix or None, text, metadata). Readers raise
UnreadableInput with a reason a user can act on; they never guess silently.
The parsers behind them (trafilatura, pypdf, json) meet hostile input too, so
whatever they raise on it is turned into such a reason here, where the format
is known.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest.decode import decode_bytes
from pipeline.ingest.errors import UnreadableInput
from pipeline.settings import Limits

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES | JSONL_SUFFIXES


@dataclass
class Record:
    """An article as a reader produced it, before structure is found."""

    text: str
    fmt: str
    key: str | None = None  # the article's own id inside a multi-article file
    meta: dict[str, str] = field(default_factory=dict)
    error: str = ""  # set when this one article of a multi-article file is unusable
    line: int | None = None  # the article's line in a multi-article file


def read_file(path: Path, raw: bytes, limits: Limits | None = None) -> Iterator[Record]:
    """Yield the articles in one file; raise UnreadableInput if there are none."""
    limits = limits or Limits()
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        yield Record(decode_bytes(raw), "md" if suffix in {".md", ".markdown"} else "txt")
    elif suffix in HTML_SUFFIXES:
        if len(raw) > limits.max_html_bytes:
            raise UnreadableInput(
                f"HTML file too large ({len(raw):,} bytes > limit {limits.max_html_bytes:,}; "
                "main-text extraction time grows faster than the page)")
        yield _read_html(raw)
    elif suffix in PDF_SUFFIXES:
        yield _read_pdf(raw)
    elif suffix in JSONL_SUFFIXES:
        yield from _read_jsonl(raw)
    else:
        raise UnreadableInput(f"unsupported file type {suffix or '(none)'}")


# Content a browser never shows a reader as text: inert templates, what is shown only without JavaScript,
# frames (their content is another page), scripts and styles, even when a truncated page leaves them unclosed.
# trafilatura keeps the text of some of them when it favours recall.
_UNSHOWN = "//template|//noscript|//iframe|//frame|//object|//script|//style"


def _read_html(raw: bytes) -> Record:
    import trafilatura

    html = decode_bytes(raw)
    try:
        tree = trafilatura.load_html(html)
        if tree is None:
            raise UnreadableInput("HTML that cannot be parsed")
        for element in tree.xpath(_UNSHOWN):
            element.drop_tree()
        extracted = trafilatura.extract(
            tree, output_format="json", with_metadata=True, include_comments=False,
            include_tables=False, favor_recall=True,
        )
    except UnreadableInput:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure on a hostile page is this page's problem
        raise UnreadableInput(f"HTML the extractor cannot process ({type(exc).__name__}: {exc})") from exc
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
    except PdfReadError as exc:
        raise UnreadableInput(f"broken PDF ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf meets malformed files with all kinds of errors
        raise UnreadableInput(f"broken PDF (pypdf failed with {type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise UnreadableInput("PDF without a text layer (image-only?)")
    return Record(text, "pdf", meta={"title": str(title)} if title else {})


def _read_jsonl(raw: bytes) -> Iterator[Record]:
    text = decode_bytes(raw)
    found = False
    for lineno, line in enumerate(text.split("\n"), 1):  # JSON strings may hold U+2028 and other line breaks
        if not line.strip():
            continue
        found = True
        yield _jsonl_record(line, lineno)
    if not found:
        raise UnreadableInput("empty JSONL file")


def _jsonl_record(line: str, lineno: int) -> Record:
    """One line of a JSONL file as an article, or as an error that names the line and the problem."""
    where = f"line {lineno}"

    def error(reason: str, key: str | None = None) -> Record:
        return Record("", "jsonl", key=key, error=f"{where}: {reason}", line=lineno)

    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return error(f"invalid JSON ({exc.msg})")
    except (ValueError, RecursionError) as exc:  # 5,000-digit numbers, arrays nested 100,000 deep
        return error(f"unusable JSON ({type(exc).__name__}: {exc})")
    if not isinstance(item, dict):
        return error(f"not a JSON object but {_json_type(item)}")
    key = item.get("id", item.get("pmid"))
    if key is None or (isinstance(key, str) and not key.strip()):
        return error("no 'id'")
    if isinstance(key, bool) or not isinstance(key, str | int | float):
        return error(f"'id' must be a string or a number, not {_json_type(key)}")
    key = str(key).strip()
    body = item.get("text")
    if body is None:
        return error("no 'text'", key)
    if not isinstance(body, str):
        return error(f"'text' must be a string, not {_json_type(body)}", key)
    if not body.strip():
        return error("empty 'text'", key)
    meta = {k: str(item[k]) for k in ("title", "url", "date", "publisher")
            if isinstance(item.get(k), str | int | float) and not isinstance(item[k], bool) and str(item[k]).strip()}
    if meta.get("title") and not body.startswith(meta["title"]):
        body = f"{meta['title']}\n\n{body}"
    return Record(body, "jsonl", key=key, meta=meta, line=lineno)


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
