"""Literature formats in (PubTator, BioC XML and JSON, PubMed XML), built from real BC5CDR abstracts."""

from __future__ import annotations

import json
from pathlib import Path

import bioc
import pandas as pd
import pytest
from bioc import biocjson, biocxml
from conftest import SHARED, evidence_of, seed
from lxml import etree
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ingest import read_corpus
from pipeline.ingest.literature import Article, read_bioc_json, read_pubmed_xml, read_pubtator
from pipeline.model import IngestError
from pipeline.run import run_corpus
from pipeline.tables import read_table

BC5CDR_TRAIN = SHARED / "data" / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"


def pubtator_blocks(n: int, skip: int = 0) -> list[str]:
    """The first `n` articles (after `skip`) of the BC5CDR training file, each as its PubTator lines."""
    if not BC5CDR_TRAIN.is_file():
        pytest.skip(f"{BC5CDR_TRAIN} is not beside this checkout")
    blocks = BC5CDR_TRAIN.read_text(encoding="utf-8").strip().split("\n\n")
    return blocks[skip:skip + n]


def articles(n: int, skip: int = 0) -> list[Article]:
    return read_pubtator("\n\n".join(pubtator_blocks(n, skip)).encode())


def pubmed_xml(items: list[Article]) -> bytes:
    """A PubmedArticleSet as PubMed's export writes one, from the articles' titles and abstracts."""
    root = etree.Element("PubmedArticleSet")
    for a in items:
        citation = etree.SubElement(etree.SubElement(root, "PubmedArticle"), "MedlineCitation", Status="MEDLINE")
        etree.SubElement(citation, "PMID", Version="1").text = a.pmid
        article = etree.SubElement(citation, "Article", PubModel="Print")
        journal = etree.SubElement(article, "Journal")
        etree.SubElement(etree.SubElement(etree.SubElement(journal, "JournalIssue"), "PubDate"), "Year").text = "1990"
        etree.SubElement(journal, "Title").text = "Test Journal of Pharmacology"
        etree.SubElement(article, "ArticleTitle").text = a.sections[0][2]
        etree.SubElement(etree.SubElement(article, "Abstract"), "AbstractText").text = a.sections[1][2]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def bioc_collection(items: list[Article]) -> bioc.BioCCollection:
    collection = bioc.BioCCollection()
    for a in items:
        doc = bioc.BioCDocument()
        doc.id = a.pmid
        for kind, offset, text in a.sections:
            passage = bioc.BioCPassage()
            passage.infons["type"] = "title" if kind == "title" else "abstract"
            passage.offset, passage.text = offset, text
            for i, ann in enumerate(x for x in a.annotations if offset <= x.start < offset + len(text)):
                annotation = bioc.BioCAnnotation()
                annotation.id = f"{kind}{i}"
                annotation.infons.update({"type": ann.type, "MESH": "|".join(ann.ids)})
                annotation.text = ann.text
                annotation.add_location(bioc.BioCLocation(ann.start, ann.end - ann.start))
                passage.add_annotation(annotation)
            doc.add_passage(passage)
        for i, rel in enumerate(a.relations):
            relation = bioc.BioCRelation()
            relation.id = f"R{i}"
            relation.infons.update({"relation": rel.type, "Chemical": rel.args[0], "Disease": rel.args[1]})
            doc.add_relation(relation)
        collection.add_document(doc)
    return collection


def test_pubtator_annotations_point_at_the_same_words_in_the_document():
    items = articles(5)
    for a in items:
        assert a.text.startswith(a.sections[0][2]) and a.blocks()[0].kind == "title"
        assert a.annotations and all(a.text[x.start:x.end] == x.text for x in a.annotations)
    assert all(r.type == "CID" for a in items for r in a.relations)


def test_bioc_and_pubmed_give_the_same_text_as_pubtator():
    items = articles(3)
    from_bioc = read_bioc_json(biocjson.dumps(bioc_collection(items)).encode())
    from_pubmed = read_pubmed_xml(pubmed_xml(items))
    for a, b, c in zip(items, from_bioc, from_pubmed, strict=True):
        assert a.pmid == b.pmid == c.pmid
        assert a.text == b.text == c.text
        assert [(x.start, x.end, x.ids) for x in a.annotations] == [(x.start, x.end, x.ids) for x in b.annotations]
        assert a.relations == b.relations
        assert c.meta["publisher"] == "Test Journal of Pharmacology" and c.meta["date"].startswith("1990")


def test_structured_abstracts_keep_their_section_labels_as_headings():
    (a,) = articles(1)
    xml = pubmed_xml([a]).replace(
        b"<AbstractText>", b'<AbstractText Label="BACKGROUND">Background sentence here.</AbstractText>'
                           b'<AbstractText Label="RESULTS">')
    (parsed,) = read_pubmed_xml(xml)
    kinds = [(b.kind, parsed.text[b.start:b.end]) for b in parsed.blocks()]
    assert kinds[:4] == [("title", a.sections[0][2]), ("heading", "BACKGROUND"),
                         ("paragraph", "Background sentence here."), ("heading", "RESULTS")]


def test_bad_literature_files_are_clear_errors(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.xml").write_text("<html><body>not an export</body></html>", encoding="utf-8")
    (corpus / "broken.xml").write_text("<PubmedArticleSet><PubmedArticle>", encoding="utf-8")
    (corpus / "other.json").write_text(json.dumps({"hello": 1}), encoding="utf-8")
    (corpus / "bomb.xml").write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><collection/>',
                                     encoding="utf-8")
    errors = {e.path: e.reason for e in read_corpus(corpus) if isinstance(e, IngestError)}
    assert "expected BioC <collection> or <PubmedArticleSet>" in errors["notes.xml"]
    assert "malformed XML" in errors["broken.xml"]
    assert "not a BioC collection" in errors["other.json"]
    assert "entity declarations" in errors["bomb.xml"]


def test_claims_run_reads_pubmed_pubtator_and_bioc_files(tmp_path: Path):
    corpus = tmp_path / "abstracts"
    corpus.mkdir()
    pubmed, pubtator, bioc_xml = articles(2, 0), articles(2, 2), articles(2, 4)
    (corpus / "pubmed_export.xml").write_bytes(pubmed_xml(pubmed))
    (corpus / "cdr.pubtator").write_text("\n\n".join(pubtator_blocks(2, 2)) + "\n", encoding="utf-8")
    (corpus / "collection.xml").write_text(biocxml.dumps(bioc_collection(bioc_xml)), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    documents = read_table(out / "documents.csv")
    files = (("pubmed_export.xml", pubmed), ("cdr.pubtator", pubtator), ("collection.xml", bioc_xml))
    expected = {a.pmid: (f, a.sections[0][2]) for f, items in files for a in items}
    assert {r.doc_id: (r.path, r.title) for r in documents.itertuples()} == expected
    assert set(documents.status) == {"ok"} and (documents.n_sentences.astype(int) > 1).all()
    assert set(documents.loc[documents.path == "pubmed_export.xml", "publisher"]) == {"Test Journal of Pharmacology"}
    evidence = read_table(out / "evidence.csv")
    assert set(evidence.doc_id) <= set(expected) and len(set(evidence.doc_id)) >= 3
    texts = {a.pmid: a.text for a in [*pubmed, *pubtator, *bioc_xml]}
    for row in evidence.itertuples():  # every row quotes its abstract at its offsets
        assert texts[row.doc_id][int(row.start_char):int(row.end_char)] == row.sentence


def test_annotations_in_the_file_never_change_what_the_pipeline_finds(tmp_path: Path):
    blocks = pubtator_blocks(2, 6)
    stripped = ["\n".join(line for line in b.splitlines() if "|t|" in line or "|a|" in line) for b in blocks]
    assert stripped != blocks
    outputs = []
    for name, content in (("annotated", blocks), ("stripped", stripped)):
        corpus = tmp_path / name / "corpus"
        corpus.mkdir(parents=True)
        (corpus / "abstracts.pubtator").write_text("\n\n".join(content) + "\n", encoding="utf-8")
        run_corpus(corpus, tmp_path / name / "out")
        outputs.append({p.name: p.read_bytes() for p in sorted((tmp_path / name / "out").glob("*.csv"))})
    assert outputs[0] == outputs[1]
    assert b"chemical" in outputs[0]["evidence.csv"] or b"chemical" in outputs[0]["entities.csv"]


def test_cid_assembly_keeps_increases_drops_treatments_and_general_diseases():
    from pipeline.evaluate.bc5cdr import cid_pairs

    rows = pd.DataFrame([  # doc, cause, cause type, effect, effect type, direction, negated
        ("1", "MESH:C1", "chemical", "MESH:D_HYPOTENSION", "disease", "increases", "false"),
        ("1", "MESH:C1", "chemical", "MESH:D_ORTHOSTATIC", "disease", "increases", "false"),
        ("1", "MESH:C2", "chemical", "MESH:D_PAIN", "disease", "increases", "false"),
        ("1", "MESH:C2", "chemical", "MESH:D_PAIN", "disease", "decreases", "false"),
        ("1", "MESH:C3", "chemical", "MESH:D_PAIN", "disease", "increases", "true"),
        ("1", "local:stress", "", "MESH:D_PAIN", "disease", "increases", "false"),
        ("2", "MESH:C1", "chemical", "MESH:D_HYPOTENSION", "disease", "increases", "false"),
    ], columns=["doc_id", "cause_id", "cause_type", "effect_id", "effect_type", "direction", "negated"])
    parents = {"MESH:D_ORTHOSTATIC": {"MESH:D_HYPOTENSION"}}
    pairs = cid_pairs(rows, lambda c: c.removeprefix("MESH:"), lambda c: parents.get(c, set()))
    assert pairs == {"1": {("C1", "D_ORTHOSTATIC")}, "2": {("C1", "D_HYPOTENSION")}}


def test_bench_bc5cdr_scores_a_pubtator_file_against_its_own_relations(tmp_path: Path):
    path = tmp_path / "small.PubTator.txt"
    path.write_text("\n\n".join(pubtator_blocks(3, 10)) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["bench", "bc5cdr", "--file", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    n_gold = sum(len(a.relations) for a in articles(3, 10))
    line = next(x for x in result.output.splitlines() if "claims (this run" in x)
    tp, fp, fn = (int(v) for v in line.replace("│", " ").split()[-3:])
    assert tp + fn == n_gold
    assert "SemRep" in result.output and "file's own entities" in result.output and "chemicals" in result.output
    evidence = read_table(tmp_path / "out" / "evidence.csv")
    induced = evidence[(evidence.cause_type == "chemical") & (evidence.effect_type == "disease")]
    assert tp + fp <= len(induced)  # every predicted pair stands on an evidence row


def test_recogniser_takes_names_not_sentence_openings_or_proteins():
    from pipeline.linker import shared_linker
    from pipeline.recognise import shared_recogniser

    text = ("No hepatotoxicity was seen. An increase in alkaline phosphatase followed lithium carbonate. "
            "As a result, seizures occurred.")
    found = {(e.text, e.type) for e in shared_recogniser(shared_linker()).find(text, [(0, len(text))])}
    assert {("hepatotoxicity", "disease"), ("lithium carbonate", "chemical"), ("seizures", "disease")} <= found
    assert not {t for t, _ in found} & {"No", "An", "As", "alkaline phosphatase"}


def test_the_document_level_judgement_is_for_abstracts_only():
    """A web article with a chemical and a disease gets no `document:induced` row; the same text read
    as a PubTator abstract can."""
    from pipeline.evidence import analyse_document
    from pipeline.ingest import make_document

    web = [e for e in evidence_of(seed("001")) if e.rule == "document:induced"]
    assert web == []
    article = articles(1, 0)[0]
    as_text = make_document("t", "t.txt", article.text)
    as_abstract = make_document(article.pmid, "a.pubtator", article.text, article.meta, "pubtator", article.blocks())
    assert not [e for e in analyse_document(as_text).evidence if e.rule == "document:induced"]
    assert [e for e in analyse_document(as_abstract).evidence if e.rule == "document:induced"]


def test_acceptance_is_absolute_or_relative_to_the_documents_best_pair():
    from pipeline.induced import judged

    assert judged(0.5, 0.9, threshold=0.4, relative=0.75, floor=0.1)
    assert judged(0.3, 0.35, threshold=0.4, relative=0.75, floor=0.1)  # close to its abstract's best
    assert not judged(0.2, 0.35, threshold=0.4, relative=0.75, floor=0.1)
    assert not judged(0.08, 0.09, threshold=0.4, relative=0.75, floor=0.1)  # below the floor


def test_recogniser_finds_what_trying_every_name_length_finds():
    """It tries at a word only the lengths of the names that start with that word."""
    import copy

    from pipeline.linker import shared_linker
    from pipeline.recognise import MAX_WORDS, shared_recogniser

    class EveryLength(dict):
        def get(self, key, default=None):
            return MAX_WORDS

    recogniser = shared_recogniser(shared_linker())
    exhaustive = copy.copy(recogniser)
    exhaustive.longest = EveryLength()
    texts = [a.text for a in articles(15)]
    found = [recogniser.find(t, [(0, len(t))]) for t in texts]
    assert found == [exhaustive.find(t, [(0, len(t))]) for t in texts]
    assert any(len(e.text.split()) > 2 for f in found for e in f)
