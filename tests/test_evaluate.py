"""The benchmarks: SemEval-2010 reading and scoring, and scoring against the shared gold."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED

from pipeline.analysis import shared_nlp
from pipeline.evaluate.semeval import predict, read_examples, sample

SEMEVAL = SHARED / "data" / "semeval2010-task8" / "TRAIN_FILE.TXT"


@pytest.fixture(scope="module")
def semeval_head(tmp_path_factory) -> Path:
    if not SEMEVAL.exists():
        pytest.skip("SemEval data is not beside this checkout")
    path = tmp_path_factory.mktemp("semeval") / "head.txt"
    path.write_text("\n".join(SEMEVAL.read_text(encoding="utf-8").splitlines()[:200]) + "\n", encoding="utf-8")
    return path


def test_reader_strips_tags_and_keeps_entity_offsets(semeval_head: Path):
    examples = read_examples(semeval_head)
    assert len(examples) == 50
    first = examples[0]
    assert first.text[first.e1[0]:first.e1[1]] == "configuration"
    assert first.text[first.e2[0]:first.e2[1]] == "elements"
    assert first.label == "Component-Whole(e2,e1)" and not first.causal
    assert "<e1>" not in first.text


def test_sample_balances_cause_effect_with_a_fixed_seed(semeval_head: Path):
    examples = read_examples(semeval_head)
    drawn = sample(examples)
    assert sum(e.causal for e in drawn) * 2 == len(drawn)
    assert drawn == sample(examples)


def test_passive_cause_effect_sentence_is_linked_in_the_right_direction(semeval_head: Path):
    calluses = next(e for e in read_examples(SEMEVAL) if e.text.startswith("Calluses are caused by"))
    linked, cause_first = predict(calluses, shared_nlp()(calluses.text))
    assert calluses.label == "Cause-Effect(e2,e1)"
    assert linked and cause_first is False


def test_seed_scores_with_the_shared_scorer():
    from pipeline.evaluate.gold import gold_sets, load_scorer, run_and_score

    eval_dir = SHARED / "eval"
    if not (eval_dir / "score_claims.py").exists():
        pytest.skip("the shared scorer is not beside this checkout")
    root = Path(__file__).resolve().parent.parent
    result = run_and_score(gold_sets(eval_dir, SHARED / "corpus", root / "corpus")["seeds"], load_scorer(eval_dir))
    assert result["core"]["f1"] >= 0.90
    assert result["mechanism"]["recall"] >= 0.8
