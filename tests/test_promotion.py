"""Promotional documents: labels on the seeds, cues a reader can find, what a page sells."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import MEDQUAD, SEEDS, SHARED

from pipeline import promotion, sources
from pipeline.analysis import parse, shared_nlp
from pipeline.ingest import make_document
from pipeline.model import Promotion, Source
from pipeline.parameters import BadParameters, parameters
from pipeline.promotion import BadCueFile, cue_rules

GOLD_DOCUMENTS = SHARED / "eval" / "rls-seeds.documents.tsv"


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False)


def assess(text: str, doc_id: str = "t", meta: dict[str, str] | None = None) -> tuple[Promotion, Source]:
    document = make_document(doc_id, f"{doc_id}.txt", text, meta)
    findings = promotion.find(document, parse(document, shared_nlp()))
    source = sources.identify(document, findings)
    return promotion.assess(findings, source), source


def test_seed_labels_agree_with_the_gold_and_every_cue_is_quoted(seed_tables: Path):
    if not GOLD_DOCUMENTS.exists():
        pytest.skip(f"{GOLD_DOCUMENTS} is not beside this checkout")
    with open(GOLD_DOCUMENTS, newline="", encoding="utf-8") as fh:
        gold = {r["doc"]: r["promotional"] == "1" for r in csv.DictReader(fh, delimiter="\t")}
    docs = read(seed_tables, "documents.csv").set_index("doc_id")
    assert {d: docs.loc[d, "promotional"] == "true" for d in gold} == gold
    threshold = parameters()["promotion"]["threshold"]
    for doc_id, promotional in gold.items():
        row = docs.loc[doc_id]
        assert (float(row.promotional_score) >= threshold) == promotional
        if promotional:
            assert row.promotional_cues, doc_id
    texts = {d: " ".join((SEEDS / f"{d}.txt").read_text(encoding="utf-8").split()) for d in gold}
    for doc_id in gold:
        for cue in filter(None, docs.loc[doc_id, "promotional_cues"].split(" | ")):
            category, rest = cue.split(" ", 1)
            words, sentence = rest[1:-1].split('" in "', 1)
            assert category in parameters()["promotion"]["weights"]
            assert words in sentence and sentence in texts[doc_id], cue


def test_the_ketamine_clinic_sells_ketamine_and_the_vein_clinic_vascular_care(seed_tables: Path):
    docs = read(seed_tables, "documents.csv").set_index("doc_id")
    assert "ketamine" in docs.loc["004_6b6026a4dd54d1f4", "sells"]
    for doc_id in ("000_8f272e90ef27c392", "001_eabded801522b01f", "003_670e234494f70a7c"):
        assert "vascular" in docs.loc[doc_id, "sells"]
    assert docs.loc["002_64803335509cec33", "sells"] == ""


def test_a_clinic_page_for_another_condition():
    promo, source = assess(
        "Teeth Whitening in Springfield\n\n"
        "At Bright Smile Dental, we offer professional teeth whitening and dental implants for the whole family. "
        "Call us today at 555-123-4567 to book an appointment. New patients get 20% off their first visit.",
        meta={})
    assert promo.promotional
    categories = {c.category for c in promo.cues}
    assert {"self_named_brand", "first_person_offer", "call_to_action", "pricing"} <= categories
    assert source.name == "Bright Smile Dental" and "we offer" in source.basis
    assert any("whitening" in o.name for o in promo.offers)
    for cue in promo.cues:
        assert cue.text in cue.sentence


def test_plain_health_information_is_not_promotional():
    promo, source = assess(
        "Chronic Cough\n\n"
        "A cough that lasts more than eight weeks is called chronic. Smoking and asthma are common causes. "
        "Talk to your doctor or another healthcare provider if your cough does not go away. "
        "More information can be found at www.nutrition.gov and in our fact sheet on asthma.")
    assert not promo.promotional and promo.offers == ()
    assert "steering" not in {c.category for c in promo.cues}  # "your doctor" is no particular kind of provider
    assert source.key.startswith("doc:")  # a site it cites is not its publisher


def test_a_research_abstract_in_the_first_person_is_not_promotional():
    promo, _ = assess(
        "Iron therapy in restless legs syndrome\n\n"
        "We performed a randomised trial at our center. We provide evidence that intravenous iron reduces "
        "symptoms, and we offer a new model of brain iron transport. Treatment cost $1,200 per patient.")
    assert not promo.promotional, promo.cues


def test_steering_to_one_field_is_what_a_page_sells_once_it_is_promotional():
    promo, _ = assess(
        "Sleep Apnea and Sleep Medicine\n\n"
        "Sleep apnea raises blood pressure. Anyone who snores loudly should consult a specialist in sleep "
        "medicine. Our team offers personalized treatment plans.")
    steering = [c for c in promo.cues if c.category == "steering"]
    assert steering and "sleep medicine" in steering[0].text
    assert promo.promotional and any("sleep" in o.words for o in promo.offers)


def test_the_neutral_nih_articles_are_not_promotional():
    paths = sorted(MEDQUAD.glob("*.txt"))
    if not paths:
        pytest.skip(f"{MEDQUAD} is not beside this checkout")
    for path in paths:
        promo, source = assess(path.read_text(encoding="utf-8"), path.stem)
        assert not promo.promotional, (path.name, promo.cues)
        assert source.key.startswith("doc:"), (path.name, source)


def test_a_broken_cue_file_is_named_with_its_line(tmp_path: Path):
    bad = tmp_path / "cues.jsonl"
    good = {"id": "x", "category": "call_to_action", "pattern": [{"LOWER": "call"}]}
    bad.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(BadCueFile, match=r"cues\.jsonl:2"):
        cue_rules(bad)
    bad.write_text(json.dumps(good | {"category": "flattery"}) + "\n", encoding="utf-8")
    with pytest.raises(BadCueFile, match=r"cues\.jsonl:1: category 'flattery'"):
        cue_rules(bad)


def test_a_parameter_out_of_range_is_named(tmp_path: Path):
    path = tmp_path / "parameters.toml"
    path.write_text("[promotion]\nthreshold = 1.5\n[promotion.weights]\n[duplicates]\nthreshold = 0.8\n"
                    "[support]\n", encoding="utf-8")
    with pytest.raises(BadParameters, match=r"parameters\.toml: \[promotion\] threshold"):
        parameters(path)
