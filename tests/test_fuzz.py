"""Property-based fuzzing: generated hostile bytes, files, HTML, JSONL, PDFs, texts and table cells.

Each property states what must hold for *any* input of its kind: reading gives documents or errors that
say why (never an exception), text that reaches the parser and the tables is clean, hidden HTML is never
read, evidence points into its document, and every table cell survives the CSV round trip neutralised.
The number of generated inputs run is printed at the end of the test session.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import hostile_corpus
import pandas as pd
from conftest import count_hostile
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.evidence import analyse_document
from pipeline.ingest import make_document, read_corpus, segment
from pipeline.ingest.decode import _UNSAFE, clean_text, decode_bytes, repair_text
from pipeline.ingest.errors import UnreadableInput
from pipeline.ingest.readers import _read_jsonl, _read_pdf, read_file
from pipeline.ingest.structure import longest_sentence
from pipeline.model import Document, IngestError
from pipeline.tables import FORMULA_STARTS, read_table, to_csv_bytes


def fuzz(examples: int):
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


SENTENCES = [
    "Pollen can trigger hay fever in sensitive people.", "Asbestos exposure causes mesothelioma.",
    "UV radiation increases the risk of melanoma.", "Nasal sprays relieve sneezing.",
    "Sun exposure does not cause vitiligo.", "Stress may worsen eczema in some adults.",
    "=Nickel allergy causes dermatitis.", "@SUM(1+1) causes sunburn.", "These factors may include:",
]
PIECES = ["\n", "\n\n", "\r\n", "  - ", "• ", "# ", "1. ", "Label: ", "What causes eczema?", "(an aside)",
          "=", "+", "-", "@", "\t", "\r", "\x00", "\x1b[31m", "\ufeff", "\u2028", "…", "“", "日本語", "ﬁ", " " * 300]
TEXT = st.text(max_size=60)
NO_CONTROLS = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufeff"), min_size=1,
                      max_size=200)  # a leading U+FEFF is a byte order mark, not text


@st.composite
def article(draw) -> str:
    """Article-like text: real claims among junk, structure markers, control characters and odd Unicode."""
    parts = draw(st.lists(st.one_of(st.sampled_from(SENTENCES), st.sampled_from(PIECES), TEXT), max_size=25))
    return draw(st.sampled_from(["", "Hay Fever\n\n", "# Eczema\n"])) + "".join(parts)


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "mojibake":
        return text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    return text.encode(encoding, errors="replace")


@st.composite
def hostile_bytes(draw) -> tuple[str, bytes]:
    """(kind, bytes) of every kind a scraped .txt file may hold."""
    kind = draw(st.sampled_from(["empty or whitespace", "NUL bytes", "random binary", "invalid UTF-8",
                                 "UTF-16/32", "legacy 8-bit", "mojibake", "long line", "BOM then junk"]))
    text = draw(article())
    if kind == "empty or whitespace":
        raw = draw(st.text(alphabet=" \t\r\n\x0b\x0c", max_size=50)).encode(draw(st.sampled_from(["utf-8", "utf-16"])))
    elif kind == "NUL bytes":
        raw = bytearray(text.encode())
        for _ in range(draw(st.integers(1, 20))):
            raw.insert(draw(st.integers(0, len(raw))), 0)
        raw = bytes(raw)
    elif kind == "random binary":
        raw = draw(st.binary(min_size=1, max_size=3000))
    elif kind == "invalid UTF-8":
        raw = text.encode() + draw(st.sampled_from([b"\xff", b"\xc3(", b"\xe2\x82", b"\xed\xa0\x80", b"\xf8\x88\x80"]))
        raw = draw(st.sampled_from([raw, raw[::-1], b"\x80" + raw]))
    elif kind == "UTF-16/32":
        raw = _encode(text, draw(st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])))
    elif kind == "legacy 8-bit":
        raw = _encode(text, draw(st.sampled_from(["latin-1", "cp1252", "cp1251", "cp1253", "koi8-r", "cp437"])))
    elif kind == "mojibake":
        raw = _encode(text, "mojibake")
    elif kind == "long line":
        raw = (draw(st.sampled_from(SENTENCES))[:-1] + " and" * draw(st.integers(100, 3000)) + ".").encode()
    else:
        raw = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"]))
        raw += draw(st.binary(max_size=500))
    return kind, raw


def assert_clean(text: str) -> None:
    assert not _UNSAFE.search(text), repr(_UNSAFE.search(text))
    text.encode("utf-8")


@fuzz(400)
@given(hostile_bytes())
def test_decoding_gives_text_or_says_why(sample: tuple[str, bytes]):
    kind, raw = sample
    count_hostile(f"bytes: {kind}")
    try:
        text = decode_bytes(raw)
    except UnreadableInput as exc:
        assert str(exc)
        return
    assert text.strip()
    assert_clean(repair_text(text))


@fuzz(150)
@given(NO_CONTROLS, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32"]))
def test_text_with_a_byte_order_mark_or_in_utf8_survives_exactly(text: str, encoding: str):
    count_hostile("bytes: round trip")
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    if text.strip():
        assert decode_bytes(raw) == text


def _jsonl_line() -> st.SearchStrategy[str]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT)
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                          max_leaves=8)
    article_dict = st.fixed_dictionaries(
        {}, optional={"id": st.one_of(TEXT, st.integers(), values), "text": st.one_of(article(), values),
                      "title": st.one_of(TEXT, values), "url": values, "pmid": values})
    return st.one_of(
        article_dict.map(lambda d: json.dumps(d, ensure_ascii=False)),
        values.map(json.dumps),
        article_dict.map(json.dumps).flatmap(lambda s: st.integers(0, len(s)).map(lambda n: s[:n])),  # cut short
        TEXT,
    )


@fuzz(200)
@given(st.lists(_jsonl_line(), min_size=1, max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_every_jsonl_line_is_an_article_or_an_error_naming_the_line(lines: list[str], newline: str):
    count_hostile("JSONL lines")
    raw = newline.join(lines).encode("utf-8")
    try:
        records = list(_read_jsonl(raw))
    except UnreadableInput as exc:
        assert str(exc)
        return
    content = [n for n, line in enumerate(decode_bytes(raw).split("\n"), 1) if line.strip()]
    assert [r.line for r in records] == content
    for record in records:
        if record.error:
            assert record.error.startswith(f"line {record.line}: ")
        else:
            assert isinstance(record.key, str) and record.key and record.text.strip()


HIDDEN = ["script", "style", "noscript", "template", "iframe"]
SHOWN = ["div", "p", "span", "article", "section", "li", "ul", "h1", "h2", "b", "i", "a", "table", "td", "main"]


@st.composite
def html_page(draw) -> str:
    """A page of nested, sometimes unclosed markup, cut short; the secret claim sits only where no browser
    shows it."""
    def node(depth: int) -> str:
        kind = draw(st.sampled_from(["text", "shown", "hidden", "junk"] if depth < 8 else ["text", "junk"]))
        if kind == "text":
            return draw(st.sampled_from(SENTENCES + ["", "&amp; &lt;b&gt; &#0; &#x110000;"])).replace("<", "")
        if kind == "junk":
            # stray markup that closes itself: a dangling "</" or "<p" would make a following <script> text
            # for a browser too (the HTML tokenizer reads "</<script>" as a comment, then the claim as text)
            return draw(st.sampled_from(["<<>>", "</div>", "</p>", "<br/>", "<!-- -->", "-->", "<![CDATA[]]>", "&",
                                         "<p>", "</td></tr>", "<b><i>"]))
        if kind == "hidden":
            tag = draw(st.sampled_from(HIDDEN))
            body = f"<p>{hostile_corpus.SCRIPT_CLAIM}.</p>" if tag in ("noscript", "template") else \
                f"{hostile_corpus.SCRIPT_CLAIM}."
            return f"<{tag}>{body}</{tag}>"
        tag = draw(st.sampled_from(SHOWN))
        children = "".join(node(depth + 1) for _ in range(draw(st.integers(0, 4))))
        close = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", ""]))
        return f"<{tag} class='{draw(st.sampled_from(['content', 'footer', 'nav', 'x']))}'>{children}{close}"

    page = f"<html><head><title>{draw(TEXT)}</title></head><body>{node(0)}{node(0)}</body></html>"
    return page[: draw(st.integers(len(page) // 2, len(page)))]


@fuzz(150)
@given(html_page(), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_html_is_read_as_shown_or_refused_with_a_reason(page: str, encoding: str):
    count_hostile("HTML pages")
    try:
        records = list(read_file(Path("page.html"), page.encode(encoding, errors="replace")))
    except UnreadableInput as exc:
        assert str(exc)
        return
    assert len(records) == 1 and records[0].text.strip()
    assert hostile_corpus.SCRIPT_CLAIM not in records[0].text


PDFS = [hostile_corpus.minimal_pdf("Asbestos exposure causes mesothelioma."), hostile_corpus.image_only_pdf(),
        hostile_corpus.encrypted_pdf("Asbestos exposure causes mesothelioma.", "secret"),
        hostile_corpus.encrypted_pdf("Asbestos exposure causes mesothelioma.", "")]


@st.composite
def broken_pdf(draw) -> bytes:
    raw = bytearray(draw(st.sampled_from(PDFS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(raw) - 1))
        edit = draw(st.sampled_from(["flip", "insert", "delete", "cut", "digits"]))
        if edit == "flip":
            raw[at] = draw(st.integers(0, 255))
        elif edit == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif edit == "delete":
            del raw[at : at + draw(st.integers(1, 40))]
        elif edit == "cut":
            del raw[at:]
        else:
            raw[at:at] = str(draw(st.integers(-(10**12), 10**12))).encode()
        if not raw:
            break
    return bytes(raw)


@fuzz(150)
@given(broken_pdf())
def test_broken_pdfs_are_read_or_refused_with_a_reason(raw: bytes):
    count_hostile("PDF files")
    try:
        record = _read_pdf(raw)
    except UnreadableInput as exc:
        assert str(exc).startswith(("broken PDF", "encrypted PDF", "PDF without a text layer"))
        return
    assert record.text.strip()


NAME = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1,
               max_size=30).filter(lambda n: n not in (".", ".."))
SUFFIXES = [".txt", ".md", ".html", ".htm", ".pdf", ".jsonl", ".TXT", ".docx", ""]


@st.composite
def corpus_file(draw) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(SUFFIXES))
    if suffix in (".html", ".htm"):
        data = draw(html_page()).encode()
    elif suffix == ".pdf":
        data = draw(broken_pdf())
    elif suffix == ".jsonl":
        data = "\n".join(draw(st.lists(_jsonl_line(), max_size=5))).encode("utf-8")
    else:
        data = draw(hostile_bytes())[1]
    return draw(NAME) + suffix, data


@fuzz(250)
@given(st.lists(corpus_file(), min_size=1, max_size=4))
def test_any_files_with_any_names_become_documents_or_error_rows(files: list[tuple[str, bytes]]):
    count_hostile("corpus files")
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files:
            (Path(tmp) / name).write_bytes(data)
        items = list(read_corpus(Path(tmp)))
    for item in items:
        assert isinstance(item, Document | IngestError)
        if isinstance(item, IngestError):
            assert item.reason and "unexpected failure" not in item.reason
            continue
        assert_clean(item.text)
        assert any(b.kind != "debris" for b in item.blocks)
        for field in (item.doc_id, item.path, item.title, item.url, item.date, item.publisher):
            field.encode("utf-8")
    ok = [i.doc_id for i in items if isinstance(i, Document)]
    assert len(ok) == len(set(ok))


@fuzz(300)
@given(article())
@example("Pollen can trigger hay fever in sensitive people." + " " * 300 + "\xa00")  # a no-break space after a run
def test_structure_is_spans_of_the_text_in_order(text: str):
    count_hostile("texts: structure")
    blocks = segment(text)
    end = 0
    for block in blocks:
        assert end <= block.start < block.end <= len(text)
        assert not text[block.start].isspace() and not text[block.end - 1].isspace()
        assert block.label_end is None or block.start < block.label_end < block.end
        end = block.end
    length, start = longest_sentence(text, blocks)
    assert 0 <= length <= max((b.end - b.start for b in blocks), default=0) and 0 <= start <= len(text)


@fuzz(80)
@given(article())
def test_analysis_never_crashes_and_evidence_points_into_the_text(text: str):
    count_hostile("texts: analysis")
    text = repair_text(text)
    document = make_document("fuzz", "fuzz.txt", text)
    result = analyse_document(document)
    assert result.status == "ok", result.error
    for ev in result.evidence:
        assert text[ev.start_char : ev.end_char] == ev.sentence
        assert ev.cause.text and ev.effect.text and ev.direction in ("increases", "decreases")


CELL = st.one_of(st.text(max_size=40), st.sampled_from(FORMULA_STARTS + ("'", "''=1", "a,b", 'say "x"', "l1\nl2",
                                                                        "l1\r\nl2", "\r", "-1", "+1", "@@")),
                 st.tuples(st.sampled_from(FORMULA_STARTS + ("'",)), st.text(max_size=20)).map("".join))


@fuzz(200)
@given(st.lists(st.tuples(CELL, CELL, st.integers(-5, 5)), min_size=1, max_size=8))
def test_every_text_cell_is_neutralised_and_restored_exactly(rows: list[tuple[str, str, int]]):
    count_hostile("table cells")
    frame = pd.DataFrame(rows, columns=["sentence", "=cause_text", "n"])
    data = to_csv_bytes(frame)
    raw = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert len(raw) == len(rows) + 1
    for row in raw:
        for cell in row[:2]:
            assert not cell.startswith(FORMULA_STARTS), cell
    with tempfile.NamedTemporaryFile(suffix=".csv") as fh:
        fh.write(data)
        fh.flush()
        back = read_table(Path(fh.name))
    assert list(back.columns) == list(frame.columns)
    text = frame[["sentence", "=cause_text"]].map(clean_text)  # no NUL or escape character reaches a table
    assert back[["sentence", "=cause_text"]].values.tolist() == text.values.tolist()
    assert back.n.astype(int).tolist() == frame.n.tolist()
