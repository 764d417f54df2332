"""The knowledge base, linking mentions to it, and what assembly does with the concepts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import evidence_of, seed

import pipeline.assemble as assemble_module
from pipeline import kb
from pipeline.assemble import assemble, claim_id, unlinked_groups
from pipeline.evaluate.ncbi_disease import pubtator_documents
from pipeline.linker import compatible, rewrites, shared_linker
from pipeline.model import DocumentResult, Evidence, Mention
from pipeline.vocabularies import VocabularyError, curated_concepts, hpo_concepts, key

RLS, IRON_DEFICIENCY, IDA, KIDNEY_FAILURE = "MESH:D012148", "MESH:D000090463", "MESH:D018798", "MESH:D051437"


@pytest.fixture(scope="module")
def linker():
    return shared_linker()


def test_build_is_cached_and_describes_itself(linker):
    info = kb.build()  # already current: returns the manifest without rebuilding
    assert info["fingerprint"] == kb.fingerprint()
    assert info["n_concepts"] > 40_000 and info["n_aliases"] > 100_000
    assert all(info["sources"][s] > 0 for s in ("MeSH", "HPO", "DrugBank"))
    rows = [json.loads(line) for line in (kb.build_dir() / "kb.jsonl").open(encoding="utf-8")][:50]
    assert all(set(r) == {"concept_id", "canonical_name", "aliases", "types", "definition"} for r in rows)


def test_one_concept_per_thing_across_vocabularies(linker):
    # HPO's "Restless legs" is MeSH's entry term: folded into the MeSH descriptor, its id kept as xref
    assert linker.info("HP:0012452").concept_id == RLS
    assert "HP:0012452" in linker.info(RLS).xrefs
    # curated same_as: the stages of kidney failure are one concept
    for folded in ("MESH:D051436", "MESH:D007676", "MESH:D014511", "HP:0012622"):
        assert linker.info(folded).concept_id == KIDNEY_FAILURE
    # parents come from MeSH tree numbers: iron-deficiency anemia is under iron deficiency
    assert IRON_DEFICIENCY in linker.ancestors(IDA)


def test_real_mentions_of_one_thing_land_on_one_concept():
    texts = {}
    for prefix in ("000", "001", "002", "003", "004"):
        for ev in evidence_of(seed(prefix)):
            for m in (ev.cause, ev.effect):
                texts.setdefault(m.concept_id, set()).add(m.text.lower())
    assert {"iron deficiency", "low levels of iron in the brain", "deficiency in iron levels",
            "low brain iron stores"} <= texts[IRON_DEFICIENCY]
    assert {"kidney failure", "chronic kidney disease"} <= texts[KIDNEY_FAILURE]
    assert any("restless leg" in t for t in texts[RLS])


@pytest.mark.parametrize(("text", "concept"), [
    ("low serum ferritin", IRON_DEFICIENCY),
    ("Tumours", "MESH:D009369"),  # British spelling and plural
    ("end-stage renal disease", KIDNEY_FAILURE),
    ("brain chemical dopamine imbalance", "MESH:D004298"),
    ("excessive caffeine intake", "MESH:D002110"),
    ("high cholesterol", "MESH:D006937"),  # the vocabulary says "high cholesterol level"
])
def test_links(linker, text, concept):
    found = linker.link(text)
    assert found is not None and found.concept_id == concept, found


def test_what_changes_the_meaning_does_not_link_away(linker):
    # an action on a substance is not the substance; an unrelated close string is not a match
    assert linker.link("reducing caffeine intake") is None
    assert linker.link("impaired dopamine production") is None
    assert not compatible("reducing caffeine intake", "caffeine intake")
    assert compatible("restless leg syndrome", "restless legs")
    assert rewrites("low iron in the brain")[:2] == ["low iron in the brain", "low iron"]
    assert "iron deficiency" in rewrites("low iron in the brain")


def test_disorder_hook(linker):
    assert linker.is_disorder("iron deficiency anaemia") and linker.is_disorder("uremia")
    assert not linker.is_disorder("caffeine") and not linker.is_disorder("dopamine agonists")


def _ev(doc: str, cause: Mention, effect: Mention, start: int = 0) -> Evidence:
    return Evidence(doc, "s", start, start + 1, "", cause, effect, "causes", "increases")


def _m(text: str, cid: str) -> Mention:
    return Mention(text, 0, len(text), text, cid)


def _causes_of_rls(*causes: tuple[str, str]) -> list[DocumentResult]:
    """One document whose every (text, concept id) causes RLS, each at its own offset."""
    rls = _m("RLS", RLS)
    return [DocumentResult("a", "a", "ok", evidence=tuple(
        _ev("a", _m(text, cid), rls, 3 * i) for i, (text, cid) in enumerate(causes)))]


def test_similar_unlinked_mentions_merge():
    results = _causes_of_rls(("swollen twisted veins", "local:swollen_twisted_vein"),
                             ("twisted swollen veins", "local:twisted_swollen_vein"),
                             ("swollen twisted vein", "local:swollen_twisted_vein"),
                             ("vascular health", "local:vascular_health"))
    assert unlinked_groups(results) == {"local:twisted_swollen_vein": "local:swollen_twisted_vein"}


def test_an_action_on_a_thing_never_merges_into_the_thing(monkeypatch):
    # the NIH bronchitis article: "exposure to air pollution" causes it, "avoid ... air pollution" prevents it;
    # a loose threshold makes every pair below similar enough, so only the action word can keep them apart
    monkeypatch.setattr(assemble_module, "UNLINKED_SIMILARITY", 0.5)
    results = _causes_of_rls(("air pollution", "local:air_pollution"), ("air pollution", "local:air_pollution"),
                             ("avoid air pollution", "local:avoid_air_pollution"),
                             ("air pollutions", "local:air_pollutions"),
                             ("quitting smoking", "local:quitting_smoking"),
                             ("smoking", "local:smoking"), ("smoking", "local:smoking"))
    assert unlinked_groups(results) == {"local:air_pollutions": "local:air_pollution"}


def test_specific_claims_support_general_ones(linker):
    rls = _m("RLS", RLS)
    results = [
        DocumentResult("a", "a", "ok", evidence=(_ev("a", _m("iron deficiency anemia", IDA), rls),)),
        DocumentResult("b", "b", "ok", evidence=(_ev("b", _m("iron deficiency", IRON_DEFICIENCY), rls),)),
        DocumentResult("c", "c", "ok", evidence=(_ev("c", _m("caffeine", "MESH:D002110"), rls),)),
    ]
    claims = assemble(results).claims.set_index("cause_id")
    assert claims.loc[IDA, "specificity"] == "specific"
    assert claims.loc[IDA, "supports"] == claim_id(IRON_DEFICIENCY, "increases", RLS)
    assert claims.loc[IRON_DEFICIENCY, "specificity"] == "general"
    assert claims.loc[IRON_DEFICIENCY, "n_documents"] == 1
    assert claims.loc[IRON_DEFICIENCY, "n_documents_with_specific"] == 2
    assert claims.loc["MESH:D002110", "specificity"] == ""


def test_curated_ids_are_checked_against_their_vocabulary(tmp_path: Path):
    root = tmp_path / "kb"
    shutil.copytree(kb.kb_root() / "sources", root / "sources")
    (root / "curated.jsonl").write_text(
        '{"id": "MESH:D011247", "label": "Pregnancy", "name": "pregnancy"}\n'
        '{"id": "MESH:D002110", "label": "Coffee", "name": "coffee"}\n', encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"curated.jsonl:2: MESH:D002110 is named 'Caffeine'"):
        kb.compile_concepts(root)
    (root / "curated.jsonl").write_text('{"id": "MESH:D011247", "name": "pregnancy"}\n', encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"curated.jsonl:1: .*needs the vocabulary's own `label`"):
        curated_concepts(root / "curated.jsonl")


def test_every_curated_concept_cites_a_real_id_or_is_local():
    for cur in curated_concepts(kb.kb_root() / "curated.jsonl"):
        assert cur.concept_id.startswith(("MESH:D", "HP:", "local:")), cur.concept_id
        assert cur.label or cur.concept_id.startswith("local:")


def test_hpo_is_read_from_the_bundled_obo():
    terms = {c.concept_id: c for c in hpo_concepts()}
    assert len(terms) > 15_000 and "HP:0000001" not in terms  # only phenotypic abnormalities
    assert terms["HP:0012452"].name == "Restless legs" and "UMLS:C0035258" in terms["HP:0012452"].xrefs
    assert key("Tumours") == key("tumor")


def test_pubtator_reader():
    path = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ncbi-disease" / \
        "NCBIdevelopset_corpus.txt"
    if not path.exists():
        pytest.skip("NCBI Disease is not beside this checkout")
    docs = pubtator_documents(path)
    assert len(docs) == 100
    text, mentions = docs[0]
    assert text.startswith("Somatic-cell selection") and ("G6PD deficiency", {"D005955"}) in mentions


def test_a_users_own_kb_links_beside_ours(tmp_path: Path):
    from pipeline.linker import configure
    from pipeline.run import run_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed("004"), corpus)
    user_kb = tmp_path / "my_kb.jsonl"
    user_kb.write_text(json.dumps({"concept_id": "UMLS:C0035258", "canonical_name": "Restless Legs Syndrome",
                                   "aliases": ["restless legs syndrome", "RLS", "Willis-Ekbom disease"],
                                   "types": ["T047"]}) + "\n", encoding="utf-8")
    try:
        run_corpus(corpus, tmp_path / "out", kb=user_kb)
    finally:
        configure(None)
    evidence = (tmp_path / "out" / "evidence.csv").read_text(encoding="utf-8")
    assert "UMLS:C0035258" in evidence and RLS not in evidence  # the user's concept wins the tie
    assert "MESH:D000090463" in evidence  # ours still serve the rest
    entities = (tmp_path / "out" / "entities.csv").read_text(encoding="utf-8")
    assert "UMLS:C0035258,Restless Legs Syndrome,T047,user:my_kb.jsonl" in entities  # the type is the user's own


def test_a_broken_user_kb_is_a_clear_error(tmp_path: Path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    bad = tmp_path / "bad_kb.jsonl"
    bad.write_text('{"concept_id": "X:1", "canonical_name": "x", "aliases": ["x"]}\n{"name": "no id"}\n',
                   encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(seed("004").parent), "--kb", str(bad)])
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and "bad_kb.jsonl:2: not a scispaCy KB entry" in output
    assert "missing concept_id" in output


def _phrases_of(path: Path, linker) -> list[str]:
    """The texts linked_phrases asks the linker about for one real document."""
    from pipeline.analysis import parse
    from pipeline.evidence import noun_phrases
    from pipeline.extract.lexicon import load_lexicon
    from pipeline.ingest import read_corpus
    from pipeline.normalise import Normaliser

    document = next(d for d in read_corpus(path.parent) if getattr(d, "path", None) == path.name)
    normaliser = Normaliser(load_lexicon(), linker)
    return sorted({" ".join(normaliser.words(span.text, {}).split())
                   for _, span in noun_phrases(parse(document), normaliser)})


def test_a_batch_links_as_its_mentions_one_at_a_time(linker):
    index = linker.indexes[0]
    texts = _phrases_of(seed("000"), linker) + ["tiredness of the legs", "leg restlessness", "irn deficiency"]
    alone = {t: index.search([t])[t] for t in texts}
    assert index.search(texts) == alone  # same candidates, scores and order
    assert sum(bool(found) for found in alone.values()) >= 3
    # a text no alias corresponds to is never searched: its candidates would all be refused anyway
    skipped = [t for t in texts if not index.words.could_match(t)]
    assert len(skipped) > len(texts) / 2 and all(alone[t] == [] for t in skipped)


def test_alias_words_know_which_texts_an_alias_could_accept(linker):
    from pipeline.linker import AliasWords

    rows = [json.loads(line) for line in (kb.build_dir() / "kb.jsonl").open(encoding="utf-8")][:80]
    aliases = sorted({a for r in rows for a in r["aliases"]})
    words = AliasWords(key(a) for a in aliases)
    # variants of real aliases (plural, a degree word, one word swapped or dropped) and real noun phrases
    texts = [v for a in aliases[::4] for v in (a, a + "s", "severe " + a, " ".join(a.split()[:-1]),
                                                  " ".join(reversed(a.split())), a.replace(" ", " iron ", 1))]
    texts += _phrases_of(seed("001"), linker)
    verdicts = {t: words.could_match(t) for t in texts if t}
    assert verdicts == {t: any(compatible(t, a) for a in aliases) for t in verdicts}
    assert 0 < sum(verdicts.values()) < len(verdicts)
