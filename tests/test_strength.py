"""Claim strength: training and scoring on real labelled data, the shipped model on real sentences,
and how a claim's own hedge and relation bound its label."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import SEEDS, SHARED, evidence_of, seed

from pipeline.analysis import shared_nlp
from pipeline.strength import LABELS, StrengthModel, classify
from pipeline.strength.claim import claim_strength
from pipeline.strength.train import cross_validate, featurise, fit, predict, read_dataset, subset

DATA = SHARED / "data" / "claim-strength" / "pubmed_causal_language_use.dev.csv"


@pytest.fixture(scope="module")
def labelled_slice():
    """Every fourth sentence of Yu et al.'s data (about 530, all four labels), parsed once."""
    if not DATA.exists():
        pytest.skip(f"{DATA} is not beside this checkout")
    dataset = read_dataset(DATA)
    rows = np.arange(0, len(dataset.sentences), 4)
    return featurise([dataset.sentences[i] for i in rows], dataset.labels[rows])


def test_cross_validation_on_real_data_learns_all_four_labels(labelled_slice):
    scores = cross_validate(labelled_slice, folds=3)
    assert scores.n == len(labelled_slice.labels) and set(scores.per_class) == set(LABELS)
    assert scores.confusion.sum() == scores.n
    # chance is 0.25 and always answering the commonest label scores about 0.15
    assert scores.macro_f1 > 0.55, scores
    assert all(f1 > 0.3 for _, _, f1, _ in scores.per_class.values()), scores.per_class


def test_training_is_deterministic_and_the_saved_model_predicts_as_trained(labelled_slice, tmp_path: Path):
    rows = np.arange(len(labelled_slice.labels))
    train_rows, test_rows = rows[rows % 5 != 0], rows[rows % 5 == 0]
    model = fit(subset(labelled_slice, train_rows))
    again = fit(subset(labelled_slice, train_rows))
    assert model.features == again.features and np.array_equal(model.weights, again.weights)
    model.save(tmp_path, {"test": True})
    loaded = StrengthModel.load(tmp_path)
    assert np.array_equal(predict(model, labelled_slice, test_rows), predict(loaded, labelled_slice, test_rows))


def test_bad_training_data_is_a_clear_error(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,label\nX increases Y.,1\nX is linked to Y.,7\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv:3: label must be"):
        read_dataset(bad)
    with pytest.raises(FileNotFoundError, match="claim-strength data not found"):
        read_dataset(tmp_path / "missing.csv")


def _labels(sentences: list[str]) -> list[str]:
    return classify([doc[:] for doc in shared_nlp().pipe(sentences)])


SEED_SENTENCES = {  # real sentences of the seed articles, and what Yu et al.'s scheme makes of them
    "Research has shown a strong correlation between iron deficiency and restless legs.": "correlational",
    "It is theorized that low levels of iron in the brain may impair dopamine function, leading to the "
    "development of RLS symptoms.": "conditional_causal",
    "Dietary deficiencies play a crucial role in triggering secondary RLS.": "causal",
}


def test_the_shipped_model_labels_real_sentences():
    text = " ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))
    assert all(s in text for s in SEED_SENTENCES)
    assert _labels(list(SEED_SENTENCES)) == list(SEED_SENTENCES.values())


def test_hedging_or_an_association_predicate_changes_the_label_of_a_real_causal_sentence():
    direct = "Dietary deficiencies play a crucial role in triggering secondary RLS."
    hedged = "Dietary deficiencies may play a crucial role in triggering secondary RLS."
    associated = "Dietary deficiencies are associated with secondary RLS."
    assert _labels([direct, hedged, associated]) == ["causal", "conditional_causal", "correlational"]


def test_same_sentence_same_label():
    sentences = list(SEED_SENTENCES) * 2
    first = _labels(sentences)
    assert first == _labels(sentences) and first[:3] == first[3:]


def test_a_claim_never_states_more_than_its_own_hedge_and_relation():
    ev = next(e for e in evidence_of(seed("000")) if not e.hedge and e.relation != "associated_with")
    assert claim_strength("causal", ev) == "causal"
    assert claim_strength("causal", replace(ev, hedge="may")) == "conditional_causal"
    assert claim_strength("causal", replace(ev, relation="associated_with")) == "correlational"
    assert claim_strength("conditional_causal", replace(ev, relation="risk_factor")) == "correlational"
    # ceilings only lower: a sentence that states no finding stays `none`, a hedged association correlational
    assert claim_strength("none", replace(ev, hedge="may")) == "none"
    assert claim_strength("correlational", replace(ev, hedge="may")) == "correlational"


def test_every_evidence_row_of_a_real_article_has_a_strength_consistent_with_its_wording():
    rows = evidence_of(seed("001"))
    assert rows and {e.strength for e in rows} <= set(LABELS)
    assert len({e.strength for e in rows}) >= 2
    for e in rows:
        if e.hedge:
            assert e.strength != "causal", e
        if e.relation in {"associated_with", "risk_factor"}:
            assert e.strength in {"correlational", "none"}, e


def test_train_and_bench_commands_on_a_small_real_sample(tmp_path: Path):
    import csv

    from typer.testing import CliRunner

    from pipeline.cli import app

    if not DATA.exists():
        pytest.skip(f"{DATA} is not beside this checkout")
    with open(DATA, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    sample = [r for label in "0123" for r in [r for r in rows if r["label"] == label][:12]]
    small = tmp_path / "small.csv"
    with open(small, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["sentence", "label"])
        writer.writeheader()
        writer.writerows(sample)
    runner = CliRunner()
    result = runner.invoke(app, ["bench", "strength", "--data", str(small), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "conditional_causal" in result.output
    result = runner.invoke(app, ["train", "strength", "--data", str(small), "--out", str(tmp_path / "model")])
    assert result.exit_code == 0, result.output
    assert StrengthModel.load(tmp_path / "model").features
    result = runner.invoke(app, ["bench", "strength", "--data", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "not found" in result.output


def test_character_ngrams_are_those_the_model_was_trained_with():
    from sklearn.feature_extraction.text import CountVectorizer

    from pipeline.strength.features import char_ngrams

    if not DATA.exists():
        pytest.skip(f"{DATA} is not beside this checkout")
    analyzer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    sentences = list(read_dataset(DATA).sentences[::7]) + list(SEED_SENTENCES) + ["a  b\tc", "I"]
    assert all(char_ngrams(s) == analyzer(s) for s in sentences)


def test_the_grammar_of_the_finding_tells_a_result_from_a_capability_and_a_passive_report():
    from pipeline.strength.features import sparse_features

    reported, capable, passive = (set(sparse_features(doc[:])) for doc in shared_nlp().pipe([
        "Iron supplementation reduced the symptoms of restless legs.",
        "Iron supplementation can reduce the symptoms of restless legs.",
        "The symptoms of restless legs were reduced by iron supplementation.",
    ]))
    assert {"CHKT_causal_VBD", "KT_causal_VBD"} <= reported and not any(f.startswith("CHA_") for f in reported)
    assert {"CHA_causal_can", "KA_causal_can", "KT_causal_VB"} <= capable and "CHKT_causal_VBD" not in capable
    assert {"CHPASS_causal", "CHA_causal_were", "KT_causal_VBN"} <= passive and "CHPASS_causal" not in reported
