"""A generated corpus of hostile and broken files, each with the outcome it must have.

Every kind of input a scraping researcher feeds the tool is here at least once:
empty and whitespace files, NUL bytes, random binary, invalid UTF-8, UTF-16/32
with and without BOM, Latin-1 and Windows-1252, mojibake, extremely long lines
and documents, a file over the size limit, deeply nested, malformed and
script-stuffed HTML, image-only, encrypted and broken PDFs, JSONL with broken
lines and wrong types, a manifest with unknown and repeated ids, duplicate
ids, symbolic link loops and links leading out of the corpus, unreadable files
and folders, pipes, and file names no one should use. The topics (hay fever,
mesothelioma, sunburn) are unrelated to the seed articles, so that the seeds'
results can be compared with and without these files beside them.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipeline.ingest.corpus import printable

HAY_FEVER = "Hay Fever\n\nPollen can trigger hay fever in sensitive people.\n\nNasal sprays relieve sneezing.\n"
MESOTHELIOMA = "Mesothelioma\n\nAsbestos exposure causes mesothelioma.\n"
SUNBURN = "Sunburn\n\nUV radiation increases the risk of melanoma. Sun exposure causes sunburn in children.\n"
# A spreadsheet would run these cells: the title, the sentence and the cause text start with "=".
FORMULA_CAUSE = "=Nickel Allergy\n\n=Nickel allergy causes dermatitis.\n"
SCRIPT_CLAIM = "Gargling bleach cures hay fever"  # hidden in scripts, styles, iframes: must never be read


@dataclass(frozen=True)
class Expect:
    """The documents.csv row a file must produce: `ok`, or `error` with `reason` in the error."""

    status: str
    reason: str = ""

    def matches(self, status: str, error: str) -> bool:
        return status == self.status and (self.reason in error if self.status == "error" else not error)


OK = Expect("ok")


def err(reason: str) -> Expect:
    return Expect("error", reason)


def pdf(objects: list[bytes]) -> bytes:
    """A PDF built by hand from its objects (object 1 is the catalog)."""
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _page(resources: bytes, content: bytes, extra: list[bytes]) -> bytes:
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources " + resources + b" >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *extra,
    ])


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with a text layer."""
    return _page(b"<< /Font << /F1 5 0 R >> >>", f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode(),
                 [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])


def image_only_pdf() -> bytes:
    """A scanned page: one image, no text layer."""
    pixels = bytes([0, 255, 255, 0])
    image = (b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
             b"/BitsPerComponent 8 /Length 4 >>\nstream\n" + pixels + b"\nendstream")
    return _page(b"<< /XObject << /Im1 5 0 R >> >>", b"q 200 0 0 200 72 500 cm /Im1 Do Q", [image])


def encrypted_pdf(text: str, user_password: str) -> bytes:
    """`minimal_pdf(text)` encrypted (RC4, which pypdf handles without a crypto library)."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(minimal_pdf(text)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


Expectations = dict[tuple[str, str], list[Expect]]  # (doc_id, path) -> the rows it must produce


def _jsonl(expect: Expectations) -> str:
    """Lines of a scraped JSONL dump, each with its outcome added to `expect`."""
    lines: list[str] = []

    def add(line: str, doc_id: str, outcome: Expect) -> None:
        lines.append(line)
        expect[(doc_id.replace("{n}", str(len(lines))), "dump.jsonl")].append(outcome)

    add(json.dumps({"id": "J1", "text": HAY_FEVER, "url": "https://pollen.example.org/a"}), "J1", OK)
    add("{not json", "dump:line{n}", err("invalid JSON"))
    add('{"id": "J9", "text": "truncated', "dump:line{n}", err("invalid JSON"))
    add("[1, 2, 3]", "dump:line{n}", err("not a JSON object but an array"))
    add("42", "dump:line{n}", err("not a JSON object but a number"))
    add('"just a string"', "dump:line{n}", err("not a JSON object but a string"))
    add("null", "dump:line{n}", err("not a JSON object but null"))
    add(json.dumps({"id": ["J2"], "text": MESOTHELIOMA}), "dump:line{n}", err("'id' must be a string or a number"))
    add(json.dumps({"id": True, "text": MESOTHELIOMA}), "dump:line{n}", err("'id' must be a string or a number"))
    add(json.dumps({"id": "J3", "text": 5}), "J3", err("'text' must be a string, not a number"))
    add(json.dumps({"id": "J4", "text": {"body": "x"}}), "J4", err("'text' must be a string, not an object"))
    add(json.dumps({"id": "J5"}), "J5", err("no 'text'"))
    add(json.dumps({"id": "J6", "text": "   "}), "J6", err("empty 'text'"))
    add(json.dumps({"text": SUNBURN}), "dump:line{n}", err("no 'id'"))
    add(json.dumps({"id": "J1", "text": SUNBURN}), "J1", err("duplicate doc_id 'J1' (the one in dump.jsonl is kept)"))
    add("[" * 100_000 + "]" * 100_000, "dump:line{n}", err("unusable JSON (RecursionError"))
    add('{"id": 1' + "0" * 5000 + ', "text": "x"}', "dump:line{n}", err("unusable JSON (ValueError"))
    add(json.dumps({"id": 7, "text": MESOTHELIOMA, "title": ["not", "a", "title"], "date": None}), "7", OK)
    add('{"id": "J8", "text": "Sunburn\\n\\nSun exposure\\u0000 causes sunburn \\ud800 in children."}', "J8", OK)
    add(json.dumps({"id": "=J10", "text": FORMULA_CAUSE, "title": "@SUM(1+1)"}), "=J10", OK)
    return "\n".join(lines) + "\n\n"


def build(root: Path, outside: Path, huge_file: Path) -> Expectations:
    """Write the hostile corpus into `root` (files leading out of it point into `outside`).

    Returns the documents.csv row each entry must produce, by (doc_id, path).
    """
    root.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_text(MESOTHELIOMA, encoding="utf-8")
    rng = random.Random(20261123)
    expect: Expectations = defaultdict(list)

    def put(rel: str, data: bytes, outcome: Expect) -> Path:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        add(printable(Path(rel).with_suffix("").as_posix()), printable(rel), outcome)
        return path

    def add(doc_id: str, path: str, outcome: Expect) -> None:
        expect[(doc_id, path)].append(outcome)

    # empty, whitespace, NUL bytes, binary
    put("h/empty.txt", b"", err("empty file"))
    put("h/whitespace.txt", b" \n\t  \r\n\n   ", err("only whitespace"))
    put("h/whitespace-utf16.txt", " \n\t \n".encode("utf-16"), err("only whitespace"))
    put("h/nul-sprinkled.txt", HAY_FEVER.replace("trigger", "trig\x00ger").replace("Pollen", "\x00Pollen").encode(), OK)
    put("h/nul-only.txt", b"\x00" * 4096, err("binary"))
    for suffix, reason in ((".txt", "binary"), (".md", "binary"), (".html", "binary"), (".jsonl", "binary"),
                           (".pdf", "broken PDF")):
        put(f"h/random{suffix}", rng.randbytes(30_000), err(reason))
    put("h/random-high.txt", bytes(rng.randrange(0x80, 0x100) for _ in range(5000)), err("no text encoding fits"))
    # encodings
    broken = SUNBURN.encode().replace(b"risk", b"ri\xffsk").replace(b"Sun ", b"Sun\xc3(") + b"\xe2\x82"
    put("h/invalid-utf8.txt", broken, OK)
    put("h/utf16-bom.txt", HAY_FEVER.encode("utf-16"), OK)
    put("h/utf16be-bom.txt", codecs.BOM_UTF16_BE + SUNBURN.encode("utf-16-be"), OK)
    put("h/utf16le-nobom.txt", MESOTHELIOMA.encode("utf-16-le"), OK)
    put("h/utf16be-nobom.txt", HAY_FEVER.encode("utf-16-be"), OK)
    put("h/utf32.txt", SUNBURN.encode("utf-32"), OK)
    latin = "Sonnenbrand\n\nSun exposure causes sunburn in Zürich, Besançon and Málaga.\n"
    put("h/latin1.txt", latin.encode("latin-1"), OK)
    put("h/cp1252.txt", ("Hay Fever\n\n“Pollen” can trigger hay fever – even in winter.\n").encode("cp1252"), OK)
    put("h/mojibake.txt", "Hay Fever\n\nPollen can trigger hay fever in Zürich – every spring.\n".encode()
        .decode("cp1252").encode(), OK)
    # sizes and lengths
    put("h/long-line.txt", ("Sunburn\n\n" + "sun exposure and " * 600 + "sunburn.\n").encode(),
        err("sentence too long"))
    # a long run of spaces is no long sentence: the paragraph is parsed in pieces on either side of it
    put("h/long-spaces.txt", ("Sunburn\n\nSun exposure" + " " * 200_000 + "causes sunburn.\n").encode(), OK)
    put("h/long-document.txt", ("Sunburn\n\n" + "Sun exposure causes sunburn. " * 40_000).encode(),
        err("document too long (1,160,"))
    paragraph = " ".join(f"Sun exposure on day {i} causes sunburn." for i in range(560))
    put("h/long-paragraph.txt", f"Sunburn\n\n{paragraph}\n".encode(), OK)
    put("h/many-lines.md", ("# Hay Fever\n\n" + "- pollen\n" * 600).encode(), OK)
    huge = root / "h" / "huge.txt"
    try:
        os.link(huge_file, huge)
    except OSError:
        shutil.copy(huge_file, huge)
    expect[("h/huge", "h/huge.txt")].append(err(f"file too large ({huge_file.stat().st_size:,} bytes > limit"))
    # HTML
    article = f"<article><h1>Hay Fever</h1><p>{HAY_FEVER.splitlines()[2]}</p><p>{SUNBURN.splitlines()[2]}</p></article>"
    put("h/big.html", b"<html><body>" + b"<p>filler</p>" * 400_000 + b"</body></html>", err("HTML file too large"))
    put("h/deep.html", ("<html><body>" + "<div>" * 20_000 + article + "</div>" * 20_000 + "</body></html>").encode(),
        err("HTML without extractable main text"))
    put("h/malformed.html", ("<html><body><p>Pollen can trigger hay fever.<p><b><i>Unclosed <div <<>> </td></tr>"
                             + article + "<p attr=\"unterminated>Sun exposure causes sunburn.").encode(), OK)
    put("h/truncated.html", ("<html><head><title>Hay Fever</title></head><body>" + article)[:-40].encode(), OK)
    put("h/scripts.html", (
        f"<html><head><title>Hay Fever</title><script>var claim = '{SCRIPT_CLAIM}.';</script>"
        f"<style>body:after {{ content: '{SCRIPT_CLAIM}.' }}</style></head><body>"
        f"<iframe srcdoc='<p>{SCRIPT_CLAIM}.</p>' src='https://ads.example.invalid/'></iframe>"
        f"<noscript><p>{SCRIPT_CLAIM}.</p></noscript>{article}"
        f"<img src=x onerror=\"alert('{SCRIPT_CLAIM}')\"><script src='https://cdn.example.invalid/x.js'></script>"
        f"<template><p>{SCRIPT_CLAIM}.</p></template></body></html>").encode(), OK)
    put("h/empty.html", b"<html><head></head><body></body></html>", err("HTML without extractable main text"))
    # PDF
    put("h/text.pdf", minimal_pdf("Asbestos exposure causes mesothelioma."), OK)
    put("h/image-only.pdf", image_only_pdf(), err("PDF without a text layer"))
    put("h/encrypted.pdf", encrypted_pdf("Asbestos exposure causes mesothelioma.", "secret"),
        err("encrypted PDF (needs a password)"))
    put("h/owner-password.pdf", encrypted_pdf("Asbestos exposure causes mesothelioma.", ""), OK)
    put("h/truncated.pdf", minimal_pdf("Asbestos exposure causes mesothelioma.")[:120], err("PDF"))
    put("h/not-a.pdf", b"%PDF-1.7\n" + b"garbage " * 100, err("broken PDF"))
    # JSONL
    (root / "dump.jsonl").write_text(_jsonl(expect), encoding="utf-8")
    put("h/empty.jsonl", b"\n\n  \n", err("only whitespace"))
    # duplicate ids: dup.md sorts first and is kept
    put("h/dup.md", MESOTHELIOMA.encode(), OK)
    put("h/dup.txt", SUNBURN.encode(), err("duplicate doc_id 'h/dup' (the one in h/dup.md is kept)"))
    # unsupported
    put("h/report.docx", b"PK\x03\x04 not really a document", err("unsupported file type .docx"))
    put("h/no-extension", HAY_FEVER.encode(), err("unsupported file type (none)"))
    # odd names
    for name in ("name with spaces.txt", "café ☕ 日本.txt", "new\nline.txt", 'quote"comma,.txt', "tab\tname.txt",
                 "back\\slash.txt", "UPPER.TXT", "x" * 240 + ".txt", "semi;colon.txt", "\rcarriage.txt"):
        put(f"names/{name}", SUNBURN.encode(), OK)
    for name in ("-dash.txt", "+plus.txt", "@at.txt", "[red]markup[/].txt"):  # doc_ids a spreadsheet would run
        put(name, SUNBURN.encode(), OK)
    put("=cmd|' calc'!A0.txt", FORMULA_CAUSE.encode(), OK)
    raw_name = os.fsencode(root / "names") + b"/latin-\xe9.txt"
    with open(raw_name, "wb") as fh:
        fh.write(SUNBURN.encode())
    expect[("names/latin-\\xe9", "names/latin-\\xe9.txt")].append(OK)
    put("deep/er/and/deeper/nested.md", ("# Hay Fever\n\n" + HAY_FEVER.split("\n\n", 1)[1]).encode(), OK)
    # symbolic links
    links = root / "links"
    links.mkdir()
    put("links/target.txt", HAY_FEVER.encode(), OK)
    os.symlink("target.txt", links / "inside.txt")
    expect[("links/inside", "links/inside.txt")].append(OK)
    os.symlink("loop-b.txt", links / "loop-a.txt")
    os.symlink("loop-a.txt", links / "loop-b.txt")
    os.symlink("self.txt", links / "self.txt")
    for name in ("loop-a", "loop-b", "self"):
        expect[(f"links/{name}", f"links/{name}.txt")].append(err("symbolic link loop (not followed)"))
    os.symlink(outside / "secret.txt", links / "outside.txt")
    add("links/outside", "links/outside.txt", err("symbolic link pointing outside the corpus (not followed)"))
    os.symlink(outside, links / "outside-folder")
    expect[("links/outside-folder", "links/outside-folder")].append(err("symbolic link pointing outside the corpus"))
    os.symlink("..", links / "up")
    expect[("links/up", "links/up")].append(err("symbolic link to a folder (not followed)"))
    os.symlink("missing.txt", links / "dangling.txt")
    expect[("links/dangling", "links/dangling.txt")].append(err("broken symbolic link"))
    os.symlink("/etc/passwd", links / "passwd.txt")
    expect[("links/passwd", "links/passwd.txt")].append(err("symbolic link pointing outside the corpus (not followed)"))
    # pipes, unreadable files and folders (root reads them anyway: then they are ordinary documents)
    os.mkfifo(root / "h" / "pipe.txt")
    expect[("h/pipe", "h/pipe.txt")].append(err("not a regular file (a pipe, socket or device)"))
    locked = put("locked/unreadable.txt", SUNBURN.encode(), OK)
    locked.chmod(0)
    locked_dir = root / "locked" / "folder"
    locked_dir.mkdir()
    (locked_dir / "inside.txt").write_bytes(HAY_FEVER.encode())
    locked_dir.chmod(0)
    if os.access(locked, os.R_OK):
        expect[("locked/folder/inside", "locked/folder/inside.txt")].append(OK)
    else:
        expect[("locked/unreadable", "locked/unreadable.txt")] = [err("permission denied")]
        expect[("locked/folder", "locked/folder")].append(err("permission denied"))
    # the manifest: metadata for a real document, unknown ids, a repeated id, a formula in a title
    (root / "manifest.csv").write_text(
        "doc_id,title,publisher,url\n"
        "h/utf16-bom,=HYPERLINK(\"http://evil.example.invalid\"),-Pollen Watch,@home\n"
        "ghost-one,Nobody,Nowhere,\n"
        "h/utf16-bom,Second Title,Someone,\n"
        "+plus,\"Title, with a comma\nand a newline\",\"He said \"\"hi\"\"\",\n"
        "ghost two,,,\n", encoding="utf-8")
    expect[("ghost-one", "manifest.csv")].append(err("manifest.csv line 3: doc_id 'ghost-one' matches no document"))
    expect[("ghost two", "manifest.csv")].append(err("manifest.csv line 7: doc_id 'ghost two' matches no document"))
    add("h/utf16-bom", "manifest.csv", err("manifest.csv line 4: doc_id 'h/utf16-bom' listed again (line 2"))
    return expect


def unlock(root: Path) -> None:
    """Make the corpus removable again."""
    for path in (root / "locked" / "unreadable.txt", root / "locked" / "folder"):
        if path.exists():
            path.chmod(0o700)


def write_huge_file(path: Path, size: int = 21_000_000) -> Path:
    """A text file over the default size limit (written once per test session)."""
    line = b"Sun exposure causes sunburn in children and adults alike.\n"
    with open(path, "wb") as fh:
        fh.write(line * (size // len(line) + 1))
    return path
