"""The `claim_extractor` spaCy component: raw claims for every sentence of a Doc."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extract.frames import RawClaim, SentenceExtractor
from pipeline.extract.lexicon import load_lexicon

if not Doc.has_extension("claims"):
    Doc.set_extension("claims", default=None)


class ClaimExtractor:
    """Writes `doc._.claims`: the claims each sentence states, references unresolved."""

    def __init__(self, vocab, lexicon_dir: str | None = None):
        self.extract = SentenceExtractor(load_lexicon(lexicon_dir), vocab)

    def __call__(self, doc: Doc) -> Doc:
        claims: list[RawClaim] = []
        for sent in doc.sents:
            claims.extend(self.extract(sent))
        doc._.claims = claims
        return doc


@Language.factory("claim_extractor", default_config={"lexicon_dir": None})
def make_claim_extractor(nlp: Language, name: str, lexicon_dir: str | None) -> ClaimExtractor:
    return ClaimExtractor(nlp.vocab, lexicon_dir)
