"""The `claims` command: help texts, and a real run through the Prefect flow."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SEEDS
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()


def test_help_says_what_each_command_does():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "claim" in result.output.lower()
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0 and "evidence.csv" in result.output


def test_run_through_the_prefect_flow_writes_tables_and_reports_failures(tmp_path: Path, prefect_api):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for src in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(src, corpus / src.name)
    (corpus / "unreadable.txt").write_bytes(b"")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(corpus), "--out", str(out), "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "documents ok" in result.output and "1 document(s) failed" in result.output
    for name in ("evidence.csv", "claims.csv", "documents.csv"):
        assert (out / name).stat().st_size > 0
    documents = (out / "documents.csv").read_text(encoding="utf-8")
    assert "unreadable,unreadable.txt" in documents and "empty file" in documents


def test_missing_corpus_is_a_clear_error(tmp_path: Path):
    result = runner.invoke(app, ["run", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "corpus folder not found" in result.output
