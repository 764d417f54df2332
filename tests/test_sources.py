"""Sources: who publishes a document, near duplicates, and independent sources."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import SEEDS

from pipeline import promotion, sources
from pipeline.analysis import parse, shared_nlp
from pipeline.ingest import make_document
from pipeline.run import run_corpus
from pipeline.sources import as_domain, key_of


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False)


def source_of(text: str, meta: dict[str, str] | None = None):
    document = make_document("t", "t.txt", text, meta)
    return sources.identify(document, promotion.find(document, parse(document, shared_nlp())))


@pytest.mark.parametrize("written, domain", [
    ("https://www.example.co.uk/page?x=1", "example.co.uk"),
    ("blog.Example.com", "example.com"),
    ("www.nutrition.gov.", "nutrition.gov"),
    ("e.g.", ""), ("index.html", ""), ("Thrive Center for Health", ""), ("", ""),
])
def test_domains_are_read_offline_with_the_public_suffix_list(written: str, domain: str):
    assert as_domain(written) == domain


def test_a_publisher_named_in_words_and_by_its_domain_is_one_publisher():
    assert key_of("Mayo Clinic") == key_of("https://www.mayoclinic.org/diseases") == "mayoclinic"
    assert key_of("Mayo Clinic") != key_of("Cleveland Clinic")


def test_metadata_comes_first_then_the_text_then_the_document_alone():
    text = "Knee Pain\n\nAt kneeclinic.com, our surgeons repair torn ligaments. Running can injure the knee."
    assert source_of(text, {"url": "https://news.example.org/knees"}).name == "example.org"
    assert source_of(text, {"publisher": "Knee News"}).name == "Knee News"
    found = source_of(text)
    assert found.name == "kneeclinic.com" and "At kneeclinic.com, our surgeons" in found.basis
    alone = source_of("Knee Pain\n\nOur clinic repairs torn ligaments. Running can injure the knee.")
    assert alone.key == "doc:t" and "our clinic" in alone.basis.lower()


def test_seed_documents_000_and_001_share_one_source(seed_tables: Path):
    docs = read(seed_tables, "documents.csv").set_index("doc_id")
    assert docs.loc["000_8f272e90ef27c392", "source"] == docs.loc["001_eabded801522b01f", "source"] \
        == "trufflesveinspecialists.com"
    assert docs.loc["004_6b6026a4dd54d1f4", "source"] == "Thrive Center for Health"
    assert docs.loc["002_64803335509cec33", "source"] == "doc:002_64803335509cec33"
    assert len(set(docs.independent_source)) == 4
    assert set(docs.duplicate_of) == {""}
    claims = read(seed_tables, "claims.csv")
    assert (claims.n_sources.astype(int) <= claims.n_documents.astype(int)).all()
    both = claims[claims.doc_ids.str.contains("000_") & claims.doc_ids.str.contains("001_")]
    assert len(both) and (both.n_sources.astype(int) < both.n_documents.astype(int)).all()


ARTICLES = {
    "a1": ("https://www.lungfacts.com/smoking", "Chronic Bronchitis and Smoking\n\nSmoking causes chronic "
           "bronchitis. The lining of the airways becomes inflamed and produces mucus every morning."),
    "a2": ("https://lungfacts.com/guide", "Chronic Bronchitis: A Guide for Smokers\n\nMany readers ask why "
           "their cough never goes away. Smoking causes chronic bronchitis, and the cough is its first sign."),
    "a3": ("https://blog.lungfacts.com/living", "Living With Chronic Bronchitis\n\nBreathing exercises help "
           "some patients feel less tired. Smoking causes chronic bronchitis in most of the people who have it."),
    "b": ("https://www.breathe-news.org/cities", "Chronic Bronchitis in Cities\n\nCity dwellers breathe dirty "
          "air every day. Air pollution causes chronic bronchitis, according to the health ministry."),
    "c": ("https://airhealth.net/rising", "Why Chronic Bronchitis Is Rising\n\nHospital admissions rose again "
          "this year. Air pollution causes chronic bronchitis in children and adults alike."),
}


def write_corpus(folder: Path, articles: dict[str, tuple[str, str]]) -> Path:
    folder.mkdir()
    rows = ["doc_id,url"]
    for doc_id, (url, text) in articles.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        rows.append(f"{doc_id},{url}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def claim(claims: pd.DataFrame, cause: str) -> pd.Series:
    found = claims[claims.cause_name.str.lower() == cause]
    assert len(found) == 1, claims[["cause_name", "effect_name"]]
    return found.iloc[0]


def test_one_publisher_repeating_a_claim_ranks_below_two_publishers_stating_another(tmp_path: Path):
    run_corpus(write_corpus(tmp_path / "corpus", ARTICLES), tmp_path / "out")
    claims = read(tmp_path / "out", "claims.csv")
    smoking, pollution = claim(claims, "smoking"), claim(claims, "air pollution")
    assert smoking.effect_id == pollution.effect_id
    assert int(smoking.n_documents) == 3 and int(smoking.n_sources) == 1 and smoking.sources == "lungfacts.com"
    assert int(pollution.n_documents) == 2 and int(pollution.n_sources) == 2
    assert float(pollution.support) > float(smoking.support)
    assert pollution.name < smoking.name  # row order: the agreed claim comes first
    assert smoking.support_explained.startswith("1 independent source")
    assert pollution.support_explained.startswith("2 independent sources, 2 of them non-promotional")


def test_a_reposted_article_is_a_near_duplicate_and_not_a_second_source(tmp_path: Path):
    original = (SEEDS / "002_64803335509cec33.txt").read_text(encoding="utf-8")
    repost = original.replace("Restless Legs Syndrome (RLS), also known as", "Restless legs syndrome, or") \
        + "\n\nShared from our partners."
    corpus = write_corpus(tmp_path / "corpus", {
        "first": ("https://www.health-site.com/rls", original),
        "repost": ("https://reposts.example.net/rls", repost),
    })
    run_corpus(corpus, tmp_path / "out")
    docs = read(tmp_path / "out", "documents.csv").set_index("doc_id")
    assert docs.loc["repost", "duplicate_of"] == "first" and docs.loc["first", "duplicate_of"] == ""
    assert float(docs.loc["repost", "duplicate_similarity"]) >= 0.8
    merged = "example.net + health-site.com"
    assert docs.loc["first", "independent_source"] == docs.loc["repost", "independent_source"] == merged
    claims = read(tmp_path / "out", "claims.csv")
    shared = claims[claims.n_documents.astype(int) == 2]
    assert len(shared) and (shared.n_sources.astype(int) == 1).all() and set(shared.sources) == {merged}
