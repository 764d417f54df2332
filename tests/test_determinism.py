"""Identical tables whatever the batch size, the processes that analyse the documents, or the order in which
the file system lists the files."""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import hostile_corpus
import pytest
from conftest import SEEDS

import pipeline.ingest.corpus as corpus_module
from pipeline.assemble import assemble
from pipeline.flow import batches, claims_flow
from pipeline.run import analyse_batch, ingest, run_corpus
from pipeline.tables import to_csv_bytes

NAMES = ("evidence.csv", "claims.csv", "documents.csv", "entities.csv")


@pytest.fixture(scope="module")
def mixed_corpus(tmp_path_factory) -> Path:
    """Seed articles with readable, unreadable and duplicate documents of every format among them."""
    root = tmp_path_factory.mktemp("mixed") / "corpus"
    shutil.copytree(SEEDS, root)
    (root / "sub").mkdir()
    (root / "sub" / "hay.md").write_text(hostile_corpus.HAY_FEVER, encoding="utf-8")
    (root / "sub" / "hay.txt").write_text(hostile_corpus.SUNBURN, encoding="utf-8")  # duplicate doc_id sub/hay
    (root / "wide.txt").write_bytes(hostile_corpus.MESOTHELIOMA.encode("utf-16-le"))
    (root / "=cmd.txt").write_text(hostile_corpus.FORMULA_CAUSE, encoding="utf-8")
    (root / "page.html").write_text(f"<html><body><article><h1>Sunburn</h1><p>{hostile_corpus.SUNBURN}</p>"
                                    "</article></body></html>", encoding="utf-8")
    (root / "scan.pdf").write_bytes(hostile_corpus.minimal_pdf("Asbestos exposure causes mesothelioma."))
    (root / "batch.jsonl").write_text("\n".join(json.dumps(d) for d in (
        {"id": "J1", "text": hostile_corpus.HAY_FEVER}, {"id": "J1", "text": hostile_corpus.SUNBURN},
        {"id": "sub/hay", "text": hostile_corpus.MESOTHELIOMA}, {"text": "no id"})), encoding="utf-8")
    (root / "junk.txt").write_bytes(bytes(range(256)) * 20)
    return root


@pytest.fixture(scope="module")
def reference(mixed_corpus: Path, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference")
    run_corpus(mixed_corpus, out)
    return {name: (out / name).read_bytes() for name in NAMES}


def tables_in(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in NAMES}


def test_reference_run_has_the_mixture(reference: dict[str, bytes]):
    documents = reference["documents.csv"].decode()
    assert "duplicate doc_id 'sub/hay'" in documents and "duplicate doc_id 'J1'" in documents
    assert "'=cmd,'=cmd.txt" in documents and "binary" in documents
    assert reference["evidence.csv"].count(b"\n") > 100


def test_the_listing_order_of_the_file_system_changes_nothing(mixed_corpus, reference, tmp_path, monkeypatch):
    real_walk = corpus_module.os.walk

    def reversed_walk(*args, **kwargs):
        for dirpath, dirnames, filenames in real_walk(*args, **kwargs):
            dirnames.reverse()  # in place: discovery prunes these very lists
            filenames.reverse()
            yield dirpath, dirnames, filenames

    monkeypatch.setattr(corpus_module.os, "walk", reversed_walk)
    run_corpus(mixed_corpus, tmp_path)
    assert tables_in(tmp_path) == reference


@pytest.mark.parametrize("batch_size", [1, 4])
def test_the_batch_size_of_the_prefect_flow_changes_nothing(mixed_corpus, reference, tmp_path, batch_size,
                                                            prefect_api):  # the session's server, no second one
    claims_flow(str(mixed_corpus), str(tmp_path), batch_size=batch_size)
    assert tables_in(tmp_path) == reference


def test_analysing_in_other_processes_and_in_any_order_changes_nothing(mixed_corpus, reference):
    documents, results = ingest(mixed_corpus)
    random.Random(7).shuffle(documents)
    # spawned workers start fresh interpreters, each with its own hash seed and its own spaCy pipeline
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        for batch_results in pool.map(analyse_batch, batches(documents, 3)):
            results.extend(batch_results)
    random.Random(11).shuffle(results)
    tables = assemble(results)
    assert {name: to_csv_bytes(frame) for name, frame in tables.named().items()} == reference


def test_remembered_lemmas_are_spacys_lemmas():
    """The pipeline's lemmatizer caches base forms too (`analysis._Lemmas`): same lemmas as spaCy's own."""
    from pipeline.analysis import build_nlp

    ours, theirs = build_nlp(), build_nlp()
    theirs.get_pipe("lemmatizer").lemmatize = theirs.get_pipe("lemmatizer").rule_lemmatize
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))[:2]]
    lemmas = [[t.lemma_ for t in doc] for doc in ours.pipe(texts)]
    assert lemmas == [[t.lemma_ for t in doc] for doc in theirs.pipe(texts)]
    assert len(ours.get_pipe("lemmatizer").cache) > len(theirs.get_pipe("lemmatizer").cache)
