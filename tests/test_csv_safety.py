"""CSV safety: no cell of any table runs as a spreadsheet formula, and quoting keeps every cell whole."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import hostile_corpus
from conftest import HostileRun

from pipeline.run import run_corpus
from pipeline.tables import FORMULA_STARTS, read_table

NAMES = ("evidence.csv", "claims.csv", "documents.csv")


def raw_cells(path: Path) -> list[list[str]]:
    """The cells exactly as a spreadsheet importing the file sees them."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_a_formula_like_cause_text_is_neutralised_in_every_table(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "=cmd|' calc'!A0.txt").write_text(hostile_corpus.FORMULA_CAUSE, encoding="utf-8")
    (corpus / "manifest.csv").write_text(
        'doc_id,title,publisher,url\n"=cmd|\' calc\'!A0",@SUM(1+1),-Derm Weekly,+http://x.example\n', encoding="utf-8")
    run_corpus(corpus, tmp_path / "out")
    seen = {}
    for name in NAMES:
        header, *rows = raw_cells(tmp_path / "out" / name)
        assert rows
        for row in rows:
            for column, cell in zip(header, row, strict=True):
                assert not cell.startswith(FORMULA_STARTS), (name, column, cell)
                seen[(name, column)] = cell
    assert seen[("evidence.csv", "cause_text")] == "'=Nickel allergy"
    assert seen[("evidence.csv", "sentence")] == "'=Nickel allergy causes dermatitis."
    assert seen[("evidence.csv", "doc_id")] == seen[("claims.csv", "doc_ids")] == "'=cmd|' calc'!A0"
    assert seen[("claims.csv", "example_sentence")] == "'=Nickel allergy causes dermatitis."
    assert [seen[("documents.csv", c)] for c in ("doc_id", "path", "title", "publisher", "url")] == [
        "'=cmd|' calc'!A0", "'=cmd|' calc'!A0.txt", "'@SUM(1+1)", "'-Derm Weekly", "'+http://x.example"]
    evidence = read_table(tmp_path / "out" / "evidence.csv")  # the documented reversal gives the text back
    assert evidence.loc[0, "cause_text"] == "=Nickel allergy" and evidence.loc[0, "doc_id"] == "=cmd|' calc'!A0"
    assert read_table(tmp_path / "out" / "documents.csv").loc[0, "publisher"] == "-Derm Weekly"


def test_no_cell_of_the_hostile_run_runs_as_a_formula(hostile_run: HostileRun):
    neutralised = 0
    for name in NAMES:
        for row in raw_cells(hostile_run.out / name):
            assert not [cell for cell in row if cell.startswith(FORMULA_STARTS)]
            neutralised += sum(cell.startswith("'") for cell in row)
    assert neutralised >= 12  # the hostile corpus is full of them: file names, JSONL ids, titles, sentences


def test_commas_quotes_and_line_breaks_stay_inside_their_cell(tmp_path: Path):
    text = 'Sunburn\n\nSun exposure, as "experts" say, causes\nsunburn in children; UV light, too, causes melanoma.\n'
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a,b \"c\".txt").write_text(text, encoding="utf-8")
    run_corpus(tmp_path / "corpus", tmp_path / "out")
    evidence = read_table(tmp_path / "out" / "evidence.csv")
    assert len(evidence) >= 2 and set(evidence.doc_id) == {'a,b "c"'}
    for row in evidence.itertuples():
        assert text[int(row.start_char) : int(row.end_char)] == row.sentence
    assert any("\n" in s and '"experts"' in s and "," in s for s in evidence.sentence)
    assert all(len(row) == len(evidence.columns) for row in raw_cells(tmp_path / "out" / "evidence.csv"))
