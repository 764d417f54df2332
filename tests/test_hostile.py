"""Hostile and broken files beside the seed articles: each gives results or a specific error row, and costs
nothing else; pathological sizes hit the configured limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import hostile_corpus
import pandas as pd
import pytest
from conftest import ROOT, SEEDS, HostileRun
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ingest import read_corpus
from pipeline.ingest.decode import _UNSAFE
from pipeline.model import Document, IngestError
from pipeline.settings import Limits
from pipeline.tables import read_table

SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))


def rows_by_entry(out: Path) -> dict[tuple[str, str], list[tuple[str, str]]]:
    rows: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for row in read_table(out / "documents.csv").itertuples():
        rows[(row.doc_id, row.path)].append((row.status, row.error))
    return rows


def test_every_hostile_entry_gives_results_or_a_specific_error_row(hostile_run: HostileRun):
    rows = rows_by_entry(hostile_run.out)
    expect = dict(hostile_run.expect)
    for doc_id in SEED_IDS:
        expect[(doc_id, f"{doc_id}.txt")] = [hostile_corpus.OK]
    assert sorted(rows) == sorted(expect), "documents.csv rows differ from the corpus entries"
    wrong = {key: (rows[key], [(e.status, e.reason) for e in outcomes]) for key, outcomes in expect.items()
             if len(rows[key]) != len(outcomes)
             or not all(any(e.matches(*got) for got in rows[key]) for e in outcomes)}
    assert not wrong
    errors = [error for found in rows.values() for status, error in found if status == "error"]
    assert not [e for e in errors if "unexpected failure" in e]  # every failure was foreseen and named


def test_good_documents_unchanged_beside_hostile_files(hostile_run: HostileRun, seed_tables: Path):
    for name, key in (("evidence.csv", "doc_id"), ("documents.csv", "doc_id")):
        alone = read_table(seed_tables / name)
        beside = read_table(hostile_run.out / name)
        beside = beside[beside[key].isin(SEED_IDS)].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, beside)
    alone = read_table(seed_tables / "claims.csv")
    beside = read_table(hostile_run.out / "claims.csv").set_index("claim_id")
    assert len(alone) > 50
    pd.testing.assert_frame_equal(alone.set_index("claim_id"), beside.loc[alone.claim_id])


def test_hostile_text_is_read_as_a_browser_or_editor_shows_it(hostile_run: HostileRun):
    docs = {d.doc_id: d for d in read_corpus(hostile_run.corpus) if isinstance(d, Document)}
    for doc in docs.values():
        assert not _UNSAFE.search(doc.text) and not _UNSAFE.search(doc.title)
        assert hostile_corpus.SCRIPT_CLAIM not in doc.text
        doc.text.encode("utf-8")
    for doc_id in ("h/utf16-bom", "h/utf16be-nobom", "h/mojibake", "h/cp1252", "J1"):
        assert "can trigger hay fever" in docs[doc_id].text, doc_id
    for doc_id in ("h/utf16le-nobom", "h/text", "h/owner-password", "7"):
        assert "Asbestos exposure causes mesothelioma." in docs[doc_id].text, doc_id
    assert "in Zürich – every spring" in docs["h/mojibake"].text
    assert "Zürich, Besançon and Málaga" in docs["h/latin1"].text
    assert "“Pollen” can trigger hay fever – even" in docs["h/cp1252"].text
    assert "Pollen can trig ger hay fever" in docs["h/nul-sprinkled"].text
    assert docs["h/utf16-bom"].title == '=HYPERLINK("http://evil.example.invalid")'
    assert docs["+plus"].title == "Title, with a comma\nand a newline" and docs["+plus"].publisher == 'He said "hi"'
    assert docs["7"].title == "Mesothelioma"  # a title of the wrong type is ignored, not the article
    assert len([b for b in docs["h/long-paragraph"].blocks if b.kind == "paragraph"]) == 2


def test_hostile_documents_are_analysed_and_their_evidence_points_into_their_text(hostile_run: HostileRun):
    docs = {d.doc_id: d for d in read_corpus(hostile_run.corpus) if isinstance(d, Document)}
    evidence = read_table(hostile_run.out / "evidence.csv")
    hostile = evidence[~evidence.doc_id.isin(SEED_IDS)]
    assert set(hostile.doc_id) >= {"h/utf16-bom", "h/utf16le-nobom", "h/mojibake", "h/scripts", "J1", "=J10",
                                   "names/latin-\\xe9", "names/new\\x0aline", "links/inside", "h/long-paragraph"}
    for row in hostile.itertuples():
        assert docs[row.doc_id].text[int(row.start_char) : int(row.end_char)] == row.sentence
    assert hostile[hostile.doc_id == "h/long-paragraph"].sentence.nunique() == 560  # every sentence was parsed


def test_unreadable_files_and_folders_are_error_rows_for_an_unprivileged_user():
    """Root reads every file, so as root the reading runs in a child process that gives up its privileges."""
    corpus = Path(tempfile.mkdtemp(prefix="claims-locked-"))  # pytest's own folders are private to root
    try:
        (corpus / "fine.txt").write_text(hostile_corpus.SUNBURN, encoding="utf-8")
        (corpus / "locked.txt").write_text(hostile_corpus.SUNBURN, encoding="utf-8")
        (corpus / "locked.txt").chmod(0)
        (corpus / "closed").mkdir()
        (corpus / "closed" / "inside.txt").write_text(hostile_corpus.SUNBURN, encoding="utf-8")
        (corpus / "closed").chmod(0)
        corpus.chmod(0o755)
        code = (
            "import json, os, sys\n"
            "from pipeline.ingest import read_corpus, segment\n"
            "segment('warm up the debris patterns')\n"
            "if os.geteuid() == 0:\n"
            "    os.setgid(65534); os.setgroups([]); os.setuid(65534)\n"
            "print(json.dumps([[i.doc_id, getattr(i, 'reason', 'ok')] for i in read_corpus(sys.argv[1])]))\n"
        )
        done = subprocess.run([sys.executable, "-c", code, str(corpus)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
        assert done.returncode == 0, done.stderr
        assert dict(json.loads(done.stdout.splitlines()[-1])) == {
            "fine": "ok", "locked": "permission denied", "closed": "permission denied"}
    finally:
        (corpus / "locked.txt").chmod(0o600)
        (corpus / "closed").chmod(0o700)
        subprocess.run(["rm", "-rf", str(corpus)], check=False)


def test_limits_are_configurable_and_name_themselves(tmp_path: Path):
    (tmp_path / "short.txt").write_text(hostile_corpus.SUNBURN, encoding="utf-8")
    page = f"<html><body><p>{hostile_corpus.HAY_FEVER}</p></body></html>"
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    (tmp_path / "bulky.txt").write_text("Sunburn\n\n" + "Sun exposure causes sunburn. " * 100, encoding="utf-8")
    (tmp_path / "runon.txt").write_text("Sunburn\n\n" + "sun exposure and " * 30 + "sunburn.", encoding="utf-8")
    limits = Limits(max_document_bytes=2_000, max_html_bytes=50, max_document_chars=1_000, max_sentence_chars=200)
    outcome = {i.doc_id: getattr(i, "reason", "ok") for i in read_corpus(tmp_path, limits)}
    assert outcome == {
        "short": "ok",
        "page": f"HTML file too large ({len(page)} bytes > limit 50; main-text extraction time grows faster "
                "than the page)",
        "bulky": "file too large (2,909 bytes > limit 2,000)",
        "runon": "sentence too long (518 characters without a sentence end at character 9 > limit 200)",
    }
    outcome = {i.doc_id: getattr(i, "reason", "ok") for i in read_corpus(tmp_path, Limits(max_document_chars=1_000))}
    assert outcome["bulky"] == "document too long (2,909 characters > limit 1,000)"
    assert outcome["runon"] == outcome["page"] == outcome["short"] == "ok"
    with pytest.raises(ValueError, match="max_sentence_chars"):
        Limits(max_sentence_chars=0)


def test_cli_limit_options_reach_the_run(tmp_path: Path, prefect_api):  # the session's Prefect server
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "short.txt").write_text(hostile_corpus.SUNBURN, encoding="utf-8")
    (corpus / "runon.txt").write_text("Sunburn\n\n" + "sun exposure and " * 30 + "sunburn.", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(corpus), "--out", str(out), "--max-sentence-chars", "200"])
    assert result.exit_code == 0, result.output
    docs = read_table(out / "documents.csv").set_index("doc_id")
    assert docs.loc["short", "status"] == "ok"
    assert docs.loc["runon", "error"].endswith("> limit 200)")


def test_a_manifest_that_cannot_be_used_costs_only_its_metadata(tmp_path: Path):
    (tmp_path / "elsewhere.csv").write_text("doc_id,title\na,Secret\n", encoding="utf-8")
    tmp_path = tmp_path / "corpus"
    tmp_path.mkdir()
    (tmp_path / "a.txt").write_text(hostile_corpus.SUNBURN, encoding="utf-8")
    (tmp_path / "manifest.csv").write_bytes(b"\x00\x01\x02\xff" * 300)
    items = list(read_corpus(tmp_path))
    assert [type(i) for i in items] == [Document, IngestError]
    assert items[1].path == "manifest.csv" and items[1].reason.startswith("manifest.csv not used: binary")
    (tmp_path / "manifest.csv").write_text("id,title\na,A title\n", encoding="utf-8")
    assert [getattr(i, "reason", "ok") for i in read_corpus(tmp_path)] == [
        "ok", "manifest.csv not used: no doc_id column (columns: id, title)"]
    (tmp_path / "manifest.csv").unlink()
    (tmp_path / "manifest.csv").symlink_to(tmp_path.parent / "elsewhere.csv")
    assert [getattr(i, "reason", "ok") for i in read_corpus(tmp_path)] == [
        "ok", "manifest.csv not used: symbolic link pointing outside the corpus (not followed)"]
