"""The three tables: their columns, offsets, determinism, atomic writes and failures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest
from conftest import SEEDS

from pipeline.assemble import assemble
from pipeline.model import DocumentResult
from pipeline.run import run_corpus
from pipeline.tables import CLAIM_COLUMNS, DOCUMENT_COLUMNS, ENTITY_COLUMNS, EVIDENCE_COLUMNS, write_tables


@pytest.fixture(scope="module")
def seed_run(seed_tables: Path) -> Path:
    return seed_tables


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False)


def test_columns_are_the_documented_ones(seed_run: Path):
    assert list(read(seed_run, "evidence.csv").columns) == EVIDENCE_COLUMNS
    assert list(read(seed_run, "claims.csv").columns) == CLAIM_COLUMNS
    assert list(read(seed_run, "documents.csv").columns) == DOCUMENT_COLUMNS
    assert list(read(seed_run, "entities.csv").columns) == ENTITY_COLUMNS
    for required in ("evidence_id", "doc_id", "sentence", "start_char", "end_char", "section", "cause_text",
                     "cause_name", "cause_id", "effect_text", "effect_name", "effect_id", "relation",
                     "direction", "negated", "hedge", "strength"):
        assert required in EVIDENCE_COLUMNS


def test_evidence_points_back_into_the_original_text(seed_run: Path):
    evidence = read(seed_run, "evidence.csv")
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for row in evidence.itertuples():
        assert texts[row.doc_id][int(row.start_char) : int(row.end_char)] == row.sentence
    assert set(evidence.direction) == {"increases", "decreases"}
    assert set(evidence.negated) <= {"true", "false"}


def test_every_evidence_row_has_a_valid_strength(seed_run: Path):
    evidence = read(seed_run, "evidence.csv")
    assert "strength" in EVIDENCE_COLUMNS
    assert set(evidence.strength) <= {"causal", "conditional_causal", "correlational", "none"}
    assert evidence.strength.nunique() >= 3  # the seed articles state causes, hedged causes and associations
    # one label per sentence before the claim's own ceilings: a sentence's rows differ only where those apply
    plain = evidence[(evidence.hedge == "") & ~evidence.relation.isin(["associated_with", "risk_factor"])]
    assert (plain.groupby(["doc_id", "start_char"]).strength.nunique() == 1).all()


def test_claims_group_evidence_across_documents(seed_run: Path):
    claims = read(seed_run, "claims.csv")
    evidence = read(seed_run, "evidence.csv")
    top = claims.iloc[0]
    support = evidence[(evidence.cause_id == top.cause_id) & (evidence.effect_id == top.effect_id)
                       & (evidence.direction == top.direction) & (evidence.negated == "false")]
    assert int(top.n_evidence) == len(support)
    assert top.doc_ids.split(";") == sorted(set(support.doc_id))
    assert int(top.n_documents) >= 3  # a claim all the seed articles share ranks first


def test_documents_table_counts(seed_run: Path):
    docs = read(seed_run, "documents.csv")
    assert list(docs.status) == ["ok"] * 5
    evidence = read(seed_run, "evidence.csv")
    assert {r.doc_id: int(r.n_evidence) for r in docs.itertuples()} == evidence.doc_id.value_counts().to_dict()


def test_same_corpus_gives_byte_identical_tables(seed_run: Path, tmp_path: Path):
    run_corpus(SEEDS, tmp_path)
    for name in ("evidence.csv", "claims.csv", "documents.csv", "entities.csv"):
        assert (tmp_path / name).read_bytes() == (seed_run / name).read_bytes(), name


def test_a_broken_file_among_good_ones(seed_run: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "zz_empty.txt").write_bytes(b"   \n")
    (corpus / "zz_junk.txt").write_bytes(b"\x00\x01\x02\xff" * 500)
    summary = run_corpus(corpus, tmp_path / "out")
    assert summary.n_failed == 2 and summary.n_ok == 5
    docs = read(tmp_path / "out", "documents.csv").set_index("doc_id")
    assert docs.loc["zz_empty", "status"] == "error" and docs.loc["zz_empty", "error"] == "only whitespace"
    assert docs.loc["zz_junk", "status"] == "error" and "binary" in docs.loc["zz_junk", "error"]
    assert (tmp_path / "out" / "evidence.csv").read_bytes() == (seed_run / "evidence.csv").read_bytes()


def test_writes_are_atomic_and_a_failed_write_keeps_the_old_tables(seed_run: Path, tmp_path: Path):
    out = tmp_path / "out"
    shutil.copytree(seed_run, out)
    before = (out / "claims.csv").read_bytes()
    bad = assemble([DocumentResult("x", "x.txt", "ok")])
    broken = bad.claims.copy()
    broken.loc[0] = pd.Series({c: "" for c in CLAIM_COLUMNS} | {"claim_id": "C1", "direction": "sideways"})
    with pytest.raises(pandera.errors.SchemaError):
        write_tables(type(bad)(bad.evidence, broken, bad.documents, bad.entities), out)
    assert (out / "claims.csv").read_bytes() == before
    assert not list(out.glob(".*.tmp"))


def test_entities_name_each_thing_once_with_a_vocabulary_id(seed_run: Path):
    entities = read(seed_run, "entities.csv").set_index("concept_id")
    evidence = read(seed_run, "evidence.csv")
    assert set(entities.index) == set(evidence.cause_id) | set(evidence.effect_id)
    expected = {"MESH:D012148": "MeSH", "MESH:D000090463": "MeSH;curated", "MESH:D004298": "MeSH",
                "MESH:D051437": "MeSH;curated"}  # RLS, iron deficiency, dopamine, kidney failure
    for cid, source in expected.items():
        assert entities.loc[cid, "source_vocabulary"] == source
        assert int(entities.loc[cid, "n_mentions"]) >= 3
    forms = {f.lower() for f in entities.loc["MESH:D051437", "surface_forms"].split(";")}
    assert {"kidney failure", "chronic kidney disease", "uremia", "dialysis"} <= forms
    dopamine = entities.loc["MESH:D004298", "surface_forms"].lower()
    assert "dopamine" in dopamine and "imbalance" in dopamine
    for cid in ("MESH:D012148", "MESH:D000090463", "MESH:D051437"):  # one concept each: no second id by name
        name = entities.loc[cid, "name"].lower()
        assert (entities.name.str.lower() == name).sum() == 1
    assert "MESH:D000090463" in entities.loc["MESH:D018798", "parents"].split(";")  # IDA is under iron deficiency


def test_claims_say_which_rows_are_specific(seed_run: Path):
    claims = read(seed_run, "claims.csv").set_index("claim_id")
    ida = claims[(claims.cause_id == "MESH:D018798") & (claims.effect_id == "MESH:D012148")]
    assert list(ida.specificity) == ["specific"]
    general = claims.loc[ida.supports.iloc[0].split(";")]
    iron = general[general.cause_id == "MESH:D000090463"].iloc[0]  # iron deficiency, above IDA
    assert iron.specificity in {"general", "both"}
    assert int(iron.n_documents_with_specific) >= int(iron.n_documents)
