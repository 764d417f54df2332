"""Chemical-induced diseases: which chemical a document says brings on which disease.

Abstracts state an adverse effect across sentences as often as within one
(`Lithium carbonate may be a factor ... It also causes cyanosis`), and the
claim extractor reads one sentence at a time. This step judges every pair of a
chemical and a disease the document names (`pipeline.recognise`) as a whole,
the way BioCreative V's CID task defines the relation: does the text say the
chemical induces the disease (causes it, or it is an adverse effect)? Not when
it says the chemical treats it; and only the most specific disease of a
hierarchy the document names (`hypotension` gives way to `orthostatic
hypotension` for the same chemical).

The judgement is a logistic regression over readable features of the pair:
whether the extractor found a claim between them and in which direction,
whether they share a sentence and what words stand between them there, whether
the title names them, how central each is to the document. Its weights live in
`models/induced/model.json`, trained by `scripts/train_induced.py` on the
BC5CDR TRAINING set only (its documents' own predicted entities, so training
sees what prediction sees). Each accepted pair becomes an evidence row
(`rule = document:induced`) whose `context` names the features that weighed
most, so a reader can see why.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipeline.linker import Linker
from pipeline.model import Entity, Evidence, Mention
from pipeline.settings import MODELS_DIR
from pipeline.vocabularies import key

RULE = "document:induced"
RELATION = "induces"
_INCREASE_RELATIONS_EXCLUDED = frozenset({"treats", "relieves", "prevents"})


@dataclass
class Candidate:
    """A (chemical, disease) pair of one document, with what the text says about it."""

    chemical: str
    disease: str
    features: dict[str, float]
    sentence: tuple[int, int] | None  # the sentence an evidence row shows (None: neither stands in one)
    chemical_mention: Entity
    disease_mention: Entity
    claimed: bool = False  # the extractor already has a row between these two concepts
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _between_words(text: str, a: Entity, b: Entity) -> list[str]:
    left, right = (a, b) if a.start < b.start else (b, a)
    return [w for w in key(text[left.end:right.start]).split() if not w.isdigit()]


def _context_words(text: str, span: tuple[int, int], entities: list[Entity]) -> set[str]:
    """The words of a span outside any mention: what a sentence or title says about what it names."""
    out, pos = set(), span[0]
    for e in sorted((e for e in entities if span[0] <= e.start < span[1]), key=lambda e: e.start):
        out |= set(key(text[pos:max(pos, e.start)]).split())
        pos = max(pos, e.end)
    out |= set(key(text[pos:span[1]]).split())
    return {w for w in out if not w.isdigit() and len(w) > 1}


def _word_next_to(text: str, e: Entity, before: bool) -> str:
    found = key(text[max(0, e.start - 25):e.start]).split()[-1:] if before else key(text[e.end:e.end + 25]).split()[:1]
    return found[0] if found else ""


def mesh_id(concept_id: str, linker: Linker) -> str:
    """The MeSH id a KB concept stands for: its own, the first MeSH concept folded into it, else the
    nearest MeSH concept above it (an HPO phenotype MeSH has no descriptor for is annotated with
    the closest one, as the task's guidelines ask)."""
    level, seen = [concept_id], set()
    while level:
        for cid in level:
            if cid.startswith("MESH:"):
                return cid[5:]
            info = linker.info(cid)
            found = next((x[5:] for x in (info.xrefs if info else ()) if x.startswith("MESH:")), "")
            if found:
                return found
        seen.update(level)
        level = sorted({p for cid in level if (info := linker.info(cid)) for p in info.parents} - seen)
    return ""


@dataclass(frozen=True)
class Priors:
    """What the training abstracts' annotators said about MeSH concepts: in how many abstracts a chemical
    or disease was named, in how many of them it was part of a CID pair, and how often each pair was
    (facts from public-domain data, as the lexicon; `models/induced/priors.tsv`)."""

    named: dict[str, int] = field(default_factory=dict)
    induced: dict[str, int] = field(default_factory=dict)
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)

    def features(self, chemical: str, disease: str) -> dict[str, float]:
        out = {}
        for name, mesh in (("chem", chemical), ("disease", disease)):
            n = self.named.get(mesh, 0)
            out[f"prior_{name}_induced_share"] = self.induced.get(mesh, 0) / (n + 2)
            out[f"prior_{name}_unseen"] = float(n == 0)
        out["prior_pair"] = math.log1p(self.pairs.get((chemical, disease), 0))
        return out


PRIOR_COLUMNS = ["kind", "chemical", "disease", "count"]


def priors_path() -> Path:
    return Path(MODELS_DIR) / "induced" / "priors.tsv"


@cache
def load_priors(path: Path | None = None) -> Priors:
    path = path or priors_path()
    priors = Priors()
    if not path.is_file():
        return priors
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            table = {"named": priors.named, "induced": priors.induced}.get(r["kind"])
            if table is not None:
                table[r["chemical"] or r["disease"]] = int(r["count"])
            else:
                priors.pairs[(r["chemical"], r["disease"])] = int(r["count"])
    return priors


def candidates(text: str, title: tuple[int, int] | None, sentences: list[tuple[int, int]],
               entities: Iterable[Entity], rows: Iterable[Evidence],
               ancestors: Callable[[str], set[str]], priors: Priors | None = None,
               mesh: Callable[[str], str] = lambda c: c.removeprefix("MESH:")) -> list[Candidate]:
    """Every chemical-disease pair of a document, with its features."""
    priors = priors or Priors()
    entities = list(entities)
    chems = [e for e in entities if e.type == "chemical"]
    diseases = [e for e in entities if e.type == "disease"]
    if not chems or not diseases:
        return []
    count = Counter(e.concept_id for e in entities)
    top_chem = max(count[e.concept_id] for e in chems)
    top_dis = max(count[e.concept_id] for e in diseases)
    disease_ids = {e.concept_id for e in diseases}
    generals = {a for d in disease_ids for a in ancestors(d)}
    sentence_of = {}
    for e in entities:
        sentence_of[e] = next((i for i, (s, t) in enumerate(sentences) if s <= e.start < t), -1)
    claims: dict[tuple[str, str], set[str]] = defaultdict(set)
    stated = {(ev.cause.concept_id, ev.effect.concept_id) for ev in rows}
    for ev in rows:
        cause = {e.concept_id for e in chems if _overlaps((e.start, e.end), (ev.cause.start, ev.cause.end))}
        cause |= {ev.cause.concept_id}
        effect = {e.concept_id for e in diseases if _overlaps((e.start, e.end), (ev.effect.start, ev.effect.end))}
        effect |= {ev.effect.concept_id}
        kind = "negated" if ev.negated else (
            "decreases" if ev.direction == "decreases" or ev.relation in _INCREASE_RELATIONS_EXCLUDED else "increases")
        for c in cause:
            for d in effect:
                claims[(c, d)].add(kind)
                claims[(d, c)].add("reverse")
    n_sentences = max(1, len(sentences))
    chem_rank = _ranks({e.concept_id for e in chems}, count)
    disease_rank = _ranks(disease_ids, count)
    chem_sentences: dict[int, set[str]] = defaultdict(set)
    for e in chems:
        chem_sentences[sentence_of[e]].add(e.concept_id)
    out = []
    by_chem: dict[str, list[Entity]] = defaultdict(list)
    by_dis: dict[str, list[Entity]] = defaultdict(list)
    for e in chems:
        by_chem[e.concept_id].append(e)
    for e in diseases:
        by_dis[e.concept_id].append(e)
    for c, cms in sorted(by_chem.items()):
        for d, dms in sorted(by_dis.items()):
            f: dict[str, float] = {"bias_pair": 1.0, **priors.features(mesh(c), mesh(d))}
            pairs = [(a, b) for a in cms for b in dms if sentence_of[a] == sentence_of[b] and sentence_of[a] >= 0]
            in_title = title is not None
            c_title = in_title and any(title[0] <= a.start < title[1] for a in cms)
            d_title = in_title and any(title[0] <= b.start < title[1] for b in dms)
            f["chem_in_title"] = float(c_title)
            f["disease_in_title"] = float(d_title)
            f["both_in_title"] = float(c_title and d_title)
            f["chem_mentions"] = math.log1p(len(cms))
            f["disease_mentions"] = math.log1p(len(dms))
            f["chem_is_main"] = float(count[c] == top_chem)
            f["disease_is_main"] = float(count[d] == top_dis)
            f["chem_rank_" + str(min(3, chem_rank[c]))] = 1.0
            f["disease_rank_" + str(min(3, disease_rank[d]))] = 1.0
            f["only_chemical"] = float(len(by_chem) == 1)
            f["n_chemicals"] = math.log1p(len(by_chem))
            f["n_diseases"] = math.log1p(len(by_dis))
            f["disease_has_specific"] = float(d in generals)
            f["chem_first_sentence"] = float(min(sentence_of[a] for a in cms) <= 1)
            if c_title or d_title:
                for w in _context_words(text, title, entities):
                    f["title:" + w] = 1.0
            for kind in claims.get((c, d), ()):
                f[f"claim_{kind}"] = 1.0
            best = None
            if pairs:
                shared = {sentence_of[a] for a, _ in pairs}
                f["same_sentence"] = 1.0
                f["n_same_sentences"] = math.log1p(len(shared))
                f["same_sentence_last"] = float(n_sentences - 1 in shared)
                for i in shared:
                    for w in _context_words(text, sentences[i], entities):
                        f["sentence:" + w] = 1.0
                best = min(pairs, key=lambda p: (len(_between_words(text, *p)), p[0].start))
                between = _between_words(text, *best)
                f["chem_before_disease"] = float(best[0].start < best[1].start)
                n = len(between)
                f["distance_" + ("0-2" if n <= 2 else "3-6" if n <= 6 else "7-15" if n <= 15 else "16+")] = 1.0
                for w in set(between):
                    f["between:" + w] = 1.0
                for name, word in (("after_chem:", _word_next_to(text, best[0], False)),
                                   ("before_disease:", _word_next_to(text, best[1], True)),
                                   ("after_disease:", _word_next_to(text, best[1], False))):
                    if word:
                        f[name + word] = 1.0
                if n <= 3:
                    for w in set(between):
                        f["close:" + w] = 1.0
            else:
                gap = min(abs(sentence_of[a] - sentence_of[b]) for a in cms for b in dms)
                f["sentence_gap"] = math.log1p(gap)
            rivals = {sentence_of[b] for b in dms if chem_sentences[sentence_of[b]] - {c}}
            f["disease_with_other_chemical"] = float(bool(rivals))
            chem_m, dis_m = best if best else (cms[0], dms[0])
            at = sentence_of[dis_m] if sentence_of[dis_m] >= 0 else sentence_of[chem_m]
            sent = sentences[at] if at >= 0 else None
            out.append(Candidate(c, d, f, sent, chem_m, dis_m, claimed=(c, d) in stated))
    return out


def _ranks(ids: set[str], count: Counter) -> dict[str, int]:
    """1 for the most mentioned concept(s), 2 for the next count, ..."""
    levels = sorted({count[i] for i in ids}, reverse=True)
    return {i: levels.index(count[i]) + 1 for i in ids}


@dataclass(frozen=True)
class Model:
    """`threshold` accepts a pair on its own; a pair scoring at least `relative` times the document's
    best pair is accepted too, if it reaches `floor` (an abstract in this genre nearly always reports
    an adverse effect, and the scores of its pairs are comparable with each other more than across
    abstracts)."""

    weights: dict[str, float]
    intercept: float
    threshold: float
    relative: float = 1.01
    floor: float = 1.0

    def score(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-z))

    def reasons(self, features: dict[str, float], n: int = 3) -> list[str]:
        parts = sorted(((self.weights.get(k, 0.0) * v, k) for k, v in features.items()), reverse=True)
        return [k for w, k in parts[:n] if w > 0]


def model_path() -> Path:
    return Path(MODELS_DIR) / "induced" / "model.json"


@cache
def load_model(path: Path | None = None) -> Model | None:
    path = path or model_path()
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Model(data["weights"], data["intercept"], data["threshold"], data["relative"], data["floor"])


def most_specific(pairs: set[tuple[str, str]], ancestors: Callable[[str], set[str]]) -> set[tuple[str, str]]:
    """BC5CDR relates a chemical to the most specific disease the text names: drop (c, d) when
    (c, d') is kept and d is an ancestor of d'."""
    general = {(c, a) for c, d in pairs for a in ancestors(d)}
    return {p for p in pairs if p not in general}


def accepted(found: list[Candidate], model: Model, ancestors: Callable[[str], set[str]]) -> list[Candidate]:
    for cand in found:
        cand.score = model.score(cand.features)
        cand.reasons = model.reasons(cand.features)
    keep = {(c.chemical, c.disease) for c in found if judged(c.score, max(x.score for x in found), model.threshold,
                                                               model.relative, model.floor)}
    keep = most_specific(keep, ancestors)
    return [c for c in found if (c.chemical, c.disease) in keep]


def judged(score: float, best: float, threshold: float, relative: float, floor: float) -> bool:
    """Is a pair accepted, given its score and the best score of its document's pairs?"""
    return score >= threshold or (score >= floor and score >= relative * best)


def induced_evidence(doc_id: str, text: str, found: list[Candidate], model: Model | None,
                     ancestors: Callable[[str], set[str]], existing: Iterable[Evidence] = ()) -> list[Evidence]:
    """Evidence rows for the pairs the model accepts and the extractor has no row about (its own row,
    stating or denying the relation, is the better evidence)."""
    if model is None:
        return []
    rows = []
    taken = {(ev.start_char, ev.cause.start, ev.effect.start, ev.direction) for ev in existing}
    for cand in accepted(found, model, ancestors):
        c, d = cand.chemical_mention, cand.disease_mention
        if cand.claimed or cand.sentence is None or (cand.sentence[0], c.start, d.start, "increases") in taken:
            continue
        rows.append(Evidence(
            doc_id=doc_id, sentence=text[cand.sentence[0]:cand.sentence[1]], start_char=cand.sentence[0],
            end_char=cand.sentence[1], section="",
            cause=Mention(c.text, c.start, c.end, c.name, c.concept_id),
            effect=Mention(d.text, d.start, d.end, d.name, d.concept_id),
            relation=RELATION, direction="increases", rule=RULE,
            context=f"document-level judgement {cand.score:.2f}: " + ", ".join(cand.reasons),
        ))
    return rows
