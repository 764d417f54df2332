"""The literature's exchange formats: PubTator, BioC (XML and JSON) and PubMed/MEDLINE XML.

Researchers bring abstracts as PubMed exports or as annotated PubTator and BioC
files. Each article becomes one document whose `doc_id` is its PMID: the title
as the title block, then the abstract (one block per BioC passage or per section
of a structured abstract). The text keeps the file's own offsets where the file
has them (PubTator: the abstract starts one character after the title), so an
annotation's span points at the same words in the document.

Annotations and relations in the file are parsed into the `Article` too, for
benchmarks (`pipeline.evaluate.bc5cdr`), but `Article.record()` hands the
pipeline the text and metadata only: nothing the pipeline predicts can depend on
them. The parsing itself is the field's own libraries' (`bioc` for BioC and
PubTator, `pubmed_parser` for MEDLINE records), behind one error type.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field

from pipeline.ingest.decode import decode_bytes
from pipeline.ingest.errors import UnreadableInput
from pipeline.model import Block

PUBTATOR_TITLE = re.compile(r"^([^|\s]+)\|t\|")
_XML_ROOT = re.compile(rb"<\s*([A-Za-z_][\w.-]*)[\s>/]")


@dataclass(frozen=True)
class Annotation:
    """A mention the file's annotators marked: span in the document text, type, ids (`-1`: none)."""

    start: int
    end: int
    text: str
    type: str
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Relation:
    """A document-level relation the file states, e.g. (`CID`, chemical id, disease id)."""

    type: str
    args: tuple[str, ...]


@dataclass
class Article:
    """One article of a literature file, its text laid out as the pipeline will read it."""

    pmid: str
    sections: list[tuple[str, int, str]]  # (kind: title|paragraph|heading, offset, text)
    meta: dict[str, str] = field(default_factory=dict)
    annotations: list[Annotation] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    @property
    def text(self) -> str:
        out = ""
        for _, offset, body in self.sections:
            if offset < len(out) + (1 if out else 0):
                offset = len(out) + (1 if out else 0)  # the file's offsets overlap: lay the pieces end to end
            out += ("\n" if out else "") + " " * max(0, offset - len(out) - (1 if out else 0)) + body
        return out

    def blocks(self) -> tuple[Block, ...]:
        """The file's own structure (title, abstract sections) rather than one guessed from line breaks."""
        text, out, pos = self.text, [], 0
        for kind, _, body in self.sections:
            at = text.index(body, pos)
            stripped = body.strip()
            if stripped:
                start = at + body.index(stripped)
                out.append(Block(kind, start, start + len(stripped)))  # type: ignore[arg-type]
            pos = at + len(body)
        return tuple(out)


def _sections(title: str, passages: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    out = [("title", 0, title.strip())] if title.strip() else []
    return out + [p for p in passages if p[2].strip()]


# -- PubTator ---------------------------------------------------------------------------

def is_pubtator(raw: bytes) -> bool:
    first = next((line for line in decode_bytes(raw[:4096]).splitlines() if line.strip()), "")
    return bool(PUBTATOR_TITLE.match(first))


def read_pubtator(raw: bytes) -> list[Article]:
    """`PMID|t|title`, `PMID|a|abstract`, tab-separated mentions and relations, blank-line separated."""
    from bioc import pubtator

    text = decode_bytes(raw)
    for n, line in enumerate(text.splitlines(), 1):  # the library prints what it cannot parse; we refuse it
        cells = line.split("\t")
        if line.strip() and not re.match(r"^[^|\t]+\|[ta]\|", line) and len(cells) not in (4, 5, 6, 7):
            raise UnreadableInput(f"line {n}: not a PubTator title, abstract, mention or relation line")
    try:
        docs = pubtator.loads(text)
    except ValueError as exc:
        raise UnreadableInput(f"malformed PubTator annotation ({exc})") from exc
    if not docs:
        raise UnreadableInput("no PubTator articles (expected `PMID|t|title` and `PMID|a|abstract` lines)")
    articles = []
    for d in docs:
        title, abstract = d.title or "", d.abstract or ""
        passages = [("paragraph", len(title) + 1, abstract)] if abstract.strip() else []
        article = Article(str(d.pmid), _sections(title, passages), {"title": title.strip()} if title.strip() else {})
        for a in d.annotations:
            ids = tuple(i for i in re.split(r"[|;,]", a.id or "") if i) or ("-1",)
            article.annotations.append(Annotation(int(a.start), int(a.end), a.text, a.type, ids))
        for r in d.relations:
            article.relations.append(Relation(r.type, (r.id1, r.id2)))
        articles.append(article)
    return articles


# -- BioC -------------------------------------------------------------------------------

def _bioc_articles(collection) -> list[Article]:
    articles = []
    for doc in collection.documents:
        if not doc.id:
            raise UnreadableInput("a BioC document without an <id>")
        title, passages = "", []
        for p in doc.passages:
            kind = (p.infons.get("type") or p.infons.get("section_type") or "").lower()
            if kind in {"title", "front"} and not title:
                title = p.text or ""
            elif kind in {"title_1", "title_2", "title_3"}:
                passages.append(("heading", p.offset, p.text or ""))
            else:
                passages.append(("paragraph", p.offset, p.text or ""))
        article = Article(str(doc.id), _sections(title, passages), {"title": title.strip()} if title.strip() else {})
        if not article.sections:
            raise UnreadableInput(f"BioC document {doc.id} has no text")
        by_id = {}
        for p in doc.passages:
            for a in p.annotations:
                ids = a.infons.get("MESH") or a.infons.get("identifier") or a.infons.get("Identifier") or "-1"
                loc = a.total_span if a.locations else None
                if loc is None:
                    continue
                ann = Annotation(loc.offset, loc.end, a.text or "", a.infons.get("type", ""),
                                 tuple(i for i in re.split(r"[|;,]", ids) if i) or ("-1",))
                article.annotations.append(ann)
                by_id[a.id] = ann
        for r in [*doc.relations, *(r for p in doc.passages for r in p.relations)]:
            kind = r.infons.get("relation") or r.infons.get("type") or ""
            if "Chemical" in r.infons and "Disease" in r.infons:
                article.relations.append(Relation(kind, (r.infons["Chemical"], r.infons["Disease"])))
            else:
                args = tuple(by_id[n.refid].ids[0] for n in r.nodes if n.refid in by_id)
                if args:
                    article.relations.append(Relation(kind, args))
        articles.append(article)
    if not articles:
        raise UnreadableInput("BioC collection without documents")
    return articles


def _refuse_entities(raw: bytes) -> None:
    if b"<!ENTITY" in raw:
        raise UnreadableInput("XML with entity declarations (not accepted: they can expand without bound)")


def read_bioc_xml(raw: bytes) -> list[Article]:
    from bioc import biocxml
    from lxml import etree

    _refuse_entities(raw)
    try:
        return _bioc_articles(biocxml.loads(raw.decode("utf-8")))
    except UnicodeDecodeError as exc:
        raise UnreadableInput("BioC XML that is not UTF-8") from exc
    except (etree.XMLSyntaxError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnreadableInput(f"malformed BioC XML ({type(exc).__name__}: {exc})") from exc


def read_bioc_json(raw: bytes) -> list[Article]:
    from bioc.biocjson.decoder import parse_collection

    try:
        data = json.loads(decode_bytes(raw))
    except json.JSONDecodeError as exc:
        raise UnreadableInput(f"invalid JSON ({exc.msg}, line {exc.lineno})") from exc
    collections = data if isinstance(data, list) else [data]
    articles = []
    for item in collections:
        if not isinstance(item, dict) or "documents" not in item:
            raise UnreadableInput("JSON that is not a BioC collection (no `documents`)")
        item = {"source": "", "date": "", "key": "", "infons": {}, **item}
        try:
            articles += _bioc_articles(parse_collection(item))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UnreadableInput(f"malformed BioC JSON ({type(exc).__name__}: {exc})") from exc
    return articles


# -- PubMed / MEDLINE XML -----------------------------------------------------------------

def read_pubmed_xml(raw: bytes) -> list[Article]:
    """`PubmedArticleSet` (PubMed's export and E-utilities) or `MedlineCitationSet` records."""
    from lxml import etree
    from pubmed_parser.medline_parser import parse_article_info

    _refuse_entities(raw)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.parse(io.BytesIO(raw), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise UnreadableInput(f"malformed XML ({exc})") from exc
    records = root.findall("PubmedArticle") if root.tag == "PubmedArticleSet" else []
    if root.tag == "MedlineCitationSet":  # the older MEDLINE layout: citations without the wrapper
        records = []
        for citation in root.findall("MedlineCitation"):
            wrapper = etree.Element("PubmedArticle")
            wrapper.append(citation)
            records.append(wrapper)
    articles = []
    for element in records:
        try:
            info = parse_article_info(element, False, False, False, False)
        except (AttributeError, TypeError, ValueError) as exc:
            raise UnreadableInput(f"PubMed record without the expected fields ({exc})") from exc
        pmid = (info.get("pmid") or "").strip()
        if not pmid:
            raise UnreadableInput("a PubMed record without a PMID")
        title = info.get("title") or ""
        abstract = info.get("abstract") or ""
        passages = _structured(abstract, len(title) + 1)
        meta = {"title": title.strip(), "date": str(info.get("pubdate") or ""),
                "publisher": info.get("journal") or "", "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"}
        articles.append(Article(pmid, _sections(title, passages), {k: v for k, v in meta.items() if v}))
    if not articles:
        raise UnreadableInput(f"XML root <{root.tag}> holds no PubMed articles")
    return articles


def _structured(abstract: str, offset: int) -> list[tuple[str, int, str]]:
    """A structured abstract comes as `LABEL` lines before each section's text: labels are headings."""
    out, pos = [], offset
    for line in abstract.split("\n"):
        if line.strip():
            kind = "heading" if line.strip().isupper() and len(line.split()) <= 4 else "paragraph"
            out.append((kind, pos, line.strip()))
            pos += len(line.strip()) + 1
    return out


# -- which one ----------------------------------------------------------------------------

def xml_root(raw: bytes) -> str:
    """The name of an XML file's root element (after the declaration, comments and DOCTYPE)."""
    body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", raw[:65536], flags=re.S)
    m = _XML_ROOT.search(body)
    return m.group(1).decode("ascii", "replace") if m else ""


def read_literature(fmt: str, raw: bytes) -> list[Article]:
    readers = {"pubtator": read_pubtator, "bioc": read_bioc_xml, "bioc-json": read_bioc_json,
               "pubmed": read_pubmed_xml}
    return readers[fmt](raw)


def literature_format(suffix: str, raw: bytes) -> str | None:
    """`pubtator`, `bioc`, `bioc-json` or `pubmed` when the file is one of these, else None."""
    if suffix in {".pubtator", ".txt"} and is_pubtator(raw):
        return "pubtator"
    if suffix == ".xml":
        root = xml_root(raw)
        if root == "collection":
            return "bioc"
        if root in {"PubmedArticleSet", "MedlineCitationSet"}:
            return "pubmed"
        raise UnreadableInput(f"XML with root <{root or '?'}>: expected BioC <collection> or <PubmedArticleSet>")
    if suffix == ".json":
        return "bioc-json"
    if suffix == ".pubtator":
        raise UnreadableInput("no PubTator articles (expected `PMID|t|title` and `PMID|a|abstract` lines)")
    return None
