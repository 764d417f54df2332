"""What the claim-strength classifier sees of a parsed sentence.

A claim's strength is carried by a few words and by where they sit: the
predicate that states the finding (`improves`, `is associated with`), whether
a modal or a hedging verb governs it (`may improve`, `appears to reduce`,
`suggest that ... may`), and whether it is negated. With two thousand labelled
sentences a bag of words cannot learn that `attenuates` behaves like `reduces`
or that `might` behaves like `may`, so words from `models/strength/cues.tsv`
are also seen as their class (causal, correlational, comparative, hedge, ...),
combined with the modality of the path that governs them, and the sentence is
also seen as a skeleton in which every content word outside the cue lexicon
becomes `N` (`N may improve N`). Character n-grams of the words catch
spelling variants and word families the lemmatiser keeps apart (`protective`,
`protection`). The pipeline's own tok2vec output, pooled over the sentence,
adds what the parser's encoder knows about context. The fine-grained tag,
the auxiliaries and the voice of the finding's predicate and of each relation
cue tell a stated result (`X reduced Y`, `X reduces Y`) from a capability, a
hypothesis or a passive report (`X can reduce Y`, `Y was reduced in X`), which
lemmas alone erase.

Each feature string starts with its group (`S_` skeleton, `C_` characters,
any other prefix: words and grammar); the classifier weighs each group's
vector to unit length on its own, so that no group drowns the others.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
from spacy.tokens import Span, Token

from pipeline.settings import MODELS_DIR

# Dependency labels of tokens that head a clause: their lemmas are the candidate predicates of a finding.
CLAUSE_DEPS = frozenset({"ROOT", "ccomp", "xcomp", "conj", "advcl", "relcl", "acl", "pcomp", "csubj", "parataxis"})
# Classes whose modality (hedged, negated) is part of the feature.
RELATION_CLASSES = frozenset({"causal", "correlational", "comparative"})
# Parts of speech kept as words in the skeleton: they are the grammar, not the topic.
FUNCTION_POS = frozenset({"DET", "ADP", "AUX", "PART", "CCONJ", "SCONJ", "PRON"})
CONTENT_POS = frozenset({"NOUN", "PROPN", "ADJ", "NUM", "X", "SYM"})
SKELETON_PUNCT = frozenset({",", ";", ":"})
SKELETON_NGRAMS = (1, 4)
HEAD_ARG_DEPS = frozenset({"prep", "agent", "dobj", "nsubj", "nsubjpass", "attr", "acomp", "npadvmod"})
AUX_DEPS = frozenset({"aux", "auxpass"})  # the auxiliaries that carry a predicate's tense, mood and voice
CHAR_NGRAMS = (2, 5)
GROUPS = ("F", "S", "C")  # words and grammar, skeleton n-grams, character n-grams


def group_of(feature: str) -> int:
    prefix = feature.split("_", 1)[0]
    return GROUPS.index(prefix) if prefix in GROUPS[1:] else 0


@cache
def load_cues(path: str | None = None) -> dict[str, str]:
    """lemma -> class, from `models/strength/cues.tsv`."""
    file = Path(path) if path else Path(MODELS_DIR) / "strength" / "cues.tsv"
    with open(file, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    cues = {}
    for n, row in enumerate(rows, 2):
        lemma, cls = (row.get("lemma") or "").strip().lower(), (row.get("class") or "").strip()
        if not lemma or not cls:
            raise ValueError(f"{file}:{n}: a cue needs a lemma and a class")
        if lemma in cues and cues[lemma] != cls:
            raise ValueError(f"{file}:{n}: {lemma!r} is both {cues[lemma]!r} and {cls!r}")
        cues[lemma] = cls
    return cues


def cue_class(tok: Token, cues: dict[str, str]) -> str:
    return cues.get(tok.lemma_.lower()) or cues.get(tok.lower_, "")


def modality(tok: Token, cues: dict[str, str]) -> tuple[bool, bool]:
    """(hedged, negated): is a hedge or a negation attached anywhere on the path from `tok` to its root?

    `may not be associated`, `suggest that X reduces`, `appears to improve` all
    put the cue on a governing word rather than on the predicate itself.
    """
    hedged = negated = False
    node = tok
    while True:
        for child in node.children:
            kind = cue_class(child, cues)
            if kind == "hedge" and child.dep_ in {"aux", "auxpass", "advmod", "neg"}:
                hedged = True
            if child.dep_ == "neg" or (kind == "negation" and child.dep_ in {"neg", "det", "advmod"}):
                negated = True
        if node.i != tok.i and cue_class(node, cues) == "hedge":
            hedged = True
        if node.head.i == node.i:
            return hedged, negated
        node = node.head


def claim_heads(span: Span) -> Iterator[Token]:
    """The predicates that state the finding: each sentence root, and what a reporting,
    hedging or copular head hands on (`results suggest that X [reduces] Y`, `X is [effective]`)."""
    for sent in span.sents:
        stack = [sent.root]
        while stack:
            head = stack.pop()
            yield head
            for child in head.children:
                if (child.dep_ in {"ccomp", "conj"} and child.pos_ in {"VERB", "AUX", "ADJ"}) \
                        or child.dep_ in {"xcomp", "acomp", "attr", "oprd"}:
                    stack.append(child)


def _tag(tok: Token, kind: str, cues: dict[str, str]) -> str:
    hedged, negated = modality(tok, cues)
    return kind + ("_H" if hedged else "") + ("_N" if negated else "")


def skeleton(span: Span, cues: dict[str, str]) -> list[str]:
    """The sentence with its topic words blanked: `N may improve N`."""
    out: list[str] = []
    for tok in span:
        if tok.is_punct and tok.lower_ not in SKELETON_PUNCT:
            continue
        if cue_class(tok, cues):
            word = tok.lemma_.lower()
        elif tok.pos_ in FUNCTION_POS:
            word = tok.lower_
        else:
            word = "N" if tok.pos_ in CONTENT_POS else tok.pos_
        if word == "N" and out and out[-1] == "N":
            continue
        out.append(word)
    return out


def char_ngrams(text: str, lo: int = CHAR_NGRAMS[0], hi: int = CHAR_NGRAMS[1]) -> list[str]:
    """Word-bounded character n-grams of the lower-cased text, exactly as scikit-learn's
    `analyzer="char_wb"` makes them (the model was trained on those), without importing
    scikit-learn into every pipeline process."""
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(lo, hi + 1):
            if len(padded) <= n:
                grams.append(padded)  # a word no longer than n counts once, whole
                break
            grams += [padded[i:i + n] for i in range(len(padded) - n + 1)]
    return grams


def sparse_features(span: Span, cues: dict[str, str] | None = None) -> list[str]:
    """The symbolic features of a sentence, one string per occurrence."""
    cues = cues if cues is not None else load_cues()
    feats: list[str] = []
    for tok in span:
        lemma = tok.lemma_.lower()
        feats.append("L_" + lemma)
        if tok.dep_ in CLAUSE_DEPS:
            feats.append("P_" + lemma)
        feats.append(f"D_{tok.head.lemma_.lower()}_{tok.dep_}_{lemma}")
        kind = cue_class(tok, cues)
        if tok.dep_ == "aux" and kind == "hedge":
            feats.append("MODAL_" + tok.head.lemma_.lower())
        if tok.dep_ == "prep":
            feats.append(f"PREP_{tok.head.lemma_.lower()}_{tok.lower_}")
        if kind:
            feats.append("K_" + kind)
            if kind in RELATION_CLASSES:
                tag = _tag(tok, kind, cues)
                feats += ["KM_" + tag, f"KP_{tok.pos_}_{tag}"]
                if tok.dep_ in CLAUSE_DEPS:
                    feats.append("KC_" + tag)
                feats.append(f"KT_{kind}_{tok.tag_}")
                feats += [f"KA_{kind}_{child.lower_}" for child in tok.children if child.dep_ in AUX_DEPS | {"neg"}]
    for head in claim_heads(span):
        kind = cue_class(head, cues) or "other"
        feats += ["CH_" + head.lemma_.lower(), "CHK_" + _tag(head, kind, cues), "CHT_" + head.tag_,
                  f"CHKT_{kind}_{head.tag_}"]
        for child in head.children:
            if child.dep_ in AUX_DEPS:
                feats.append(f"CHA_{kind}_{child.lower_}")
            if child.dep_ in {"auxpass", "nsubjpass"}:
                feats.append(f"CHPASS_{kind}")
            if child.dep_ in HEAD_ARG_DEPS:
                feats.append(f"CHD_{kind}_{child.dep_}_{child.lemma_.lower()}")
                child_kind = cue_class(child, cues)
                if child_kind:
                    feats.append(f"CHDK_{kind}_{child.dep_}_{child_kind}")
    words = skeleton(span, cues)
    lo, hi = SKELETON_NGRAMS
    feats += ["S_" + " ".join(words[i:i + n]) for n in range(lo, hi + 1) for i in range(len(words) - n + 1)]
    feats += ["C_" + gram for gram in char_ngrams(span.text)]
    return feats


def dense_features(span: Span) -> np.ndarray:
    """Mean and max of the pipeline's tok2vec vectors over the sentence."""
    tensor = span.doc.tensor
    if tensor is None or getattr(tensor, "ndim", 0) != 2 or tensor.shape[0] != len(span.doc):
        raise ValueError("claim strength needs the tok2vec output of the pipeline (doc.tensor is empty)")
    rows = np.asarray(tensor[span.start:span.end], dtype=np.float32)
    if not len(rows):  # a sentence that was all aside, e.g. `(Funded by ...)`
        return np.zeros(2 * tensor.shape[1], dtype=np.float32)
    return np.concatenate([rows.mean(axis=0), rows.max(axis=0)])
