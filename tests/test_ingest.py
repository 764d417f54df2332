"""Reading corpora: formats, encodings, structure, metadata, and files that cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import MEDQUAD, SEEDS, medquad
from hostile_corpus import pdf

from pipeline.ingest import read_corpus, segment
from pipeline.model import Document, IngestError


def blocks_of(text: str) -> list[tuple[str, str]]:
    return [(b.kind, text[b.start : b.end]) for b in segment(text)]


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with a text layer, built by hand (no PDF writer needed)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf(objects)


def test_seed_structure_headings_bullets_and_debris():
    text = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")
    blocks = blocks_of(text)
    assert ("debris", "More>Health>Recovery") in blocks
    assert ("debris", "LonelyGrowth2025-10-11 08:56:30") in blocks
    assert ("debris", "Login is required before commenting.") in blocks
    assert ("heading", "Medications That May Trigger RLS") in blocks
    assert blocks[1][0] == "title"


def test_bullets_keep_their_label_apart():
    text = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    items = [b for b in segment(text) if b.kind == "list_item"]
    labels = [text[b.start : b.label_end] for b in items if b.label_end]
    assert labels[:3] == ["Medication usage", "Pregnancy", "Chronic conditions"]
    assert all(not text[b.start : b.end].startswith(("•", "1.")) for b in items)


def test_run_together_list_items_are_split():
    text = medquad("5_NIDDK_QA_0000009").read_text(encoding="utf-8")
    items = [t for k, t in blocks_of(text) if k == "list_item"]
    assert "Hashimotos disease" in items and "some medications" in items
    assert ("paragraph", "Hypothyroidism has several causes, including") in blocks_of(text)


def test_hard_wrapped_lines_are_one_paragraph():
    text = "Title Of Article\n\nIron deficiency is a common cause\nof restless legs in adults.\n"
    assert ("paragraph", "Iron deficiency is a common cause\nof restless legs in adults.") in blocks_of(text)


def test_formats_html_markdown_jsonl_pdf_and_manifest(tmp_path: Path):
    (tmp_path / "page.html").write_text(
        "<html><head><title>Gout and Diet</title><script>var x = 'Smoking causes gout';</script></head>"
        "<body><nav>Home &gt; Health</nav><article><h1>Gout and Diet</h1>"
        "<p>Gout is a painful form of arthritis. Alcohol and sugary drinks can trigger gout attacks.</p>"
        "<h2>Treatment</h2><ul><li>Allopurinol lowers uric acid.</li><li>Colchicine relieves pain.</li></ul>"
        "<p>Purine-rich foods such as red meat and shellfish raise the risk of gout flares.</p>"
        "</article></body></html>", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# Asthma\n\n- Pollen can trigger asthma attacks.\n", encoding="utf-8")
    (tmp_path / "batch.jsonl").write_text(
        json.dumps({"id": "A1", "text": "Smoking causes lung cancer.", "title": "Smoking", "url": "http://x.org/a"})
        + "\n" + json.dumps({"id": "A2", "text": "Obesity raises the risk of diabetes."}) + "\n", encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(minimal_pdf("Asbestos exposure causes mesothelioma."))
    (tmp_path / "manifest.csv").write_text("doc_id,publisher,url\nnotes,Asthma Society,https://asthma.example\n")
    docs = {d.doc_id: d for d in read_corpus(tmp_path)}
    assert set(docs) == {"page", "notes", "A1", "A2", "scan"}
    assert all(isinstance(d, Document) for d in docs.values())
    page = docs["page"]
    assert page.title == "Gout and Diet" and "var x" not in page.text and "Home > Health" not in page.text
    assert any(page.text[b.start : b.end] == "Colchicine relieves pain." for b in page.blocks if b.kind == "list_item")
    assert docs["notes"].publisher == "Asthma Society" and docs["notes"].url == "https://asthma.example"
    notes = docs["notes"]
    assert [(b.kind, notes.text[b.start : b.end]) for b in notes.blocks] == [
        ("title", "Asthma"), ("list_item", "Pollen can trigger asthma attacks.")]
    assert docs["A1"].title == "Smoking" and docs["A1"].url == "http://x.org/a"
    assert "Asbestos exposure causes mesothelioma." in docs["scan"].text


def test_encodings_are_detected(tmp_path: Path):
    sentence = "Café workers exposed to coffee dust may develop asthma."
    (tmp_path / "latin.txt").write_bytes(("Asthma at work\n\n" + sentence).encode("latin-1"))
    (tmp_path / "wide.txt").write_bytes(("Asthma at work\n\n" + sentence).encode("utf-16"))
    docs = {d.doc_id: d for d in read_corpus(tmp_path)}
    assert sentence in docs["latin"].text and sentence in docs["wide"].text


def test_unreadable_files_become_error_rows_and_cost_nothing_else(tmp_path: Path):
    for src in sorted(SEEDS.glob("*.txt"))[:2]:
        (tmp_path / src.name).write_bytes(src.read_bytes())
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "report.docx").write_bytes(b"PK\x03\x04 not really a document")
    (tmp_path / "broken.jsonl").write_text('{"id": "ok1", "text": "Smoking causes cancer."}\n{not json}\n')
    items = list(read_corpus(tmp_path))
    errors = {i.doc_id: i.reason for i in items if isinstance(i, IngestError)}
    assert errors["empty"] == "empty file"
    assert "binary" in errors["junk"]
    assert "unsupported file type .docx" in errors["report"]
    assert any("invalid JSON" in reason for reason in errors.values())
    good = [i for i in items if isinstance(i, Document)]
    assert {d.doc_id for d in good} >= {"ok1"} | {p.stem for p in sorted(SEEDS.glob("*.txt"))[:2]}


def test_medquad_documents_read_whole():
    if not MEDQUAD.exists():
        return
    docs = [d for d in read_corpus(MEDQUAD) if isinstance(d, Document)]
    assert len(docs) == 10 and all(d.blocks for d in docs)
