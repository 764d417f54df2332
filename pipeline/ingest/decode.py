"""Bytes to text: scraped files arrive in any encoding, or in none at all."""

from __future__ import annotations

import codecs
import re

import ftfy
from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from pipeline.ingest.errors import UnreadableInput

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than the whitespace ones (C1 included: no text has them, some terminals
# obey them), and lone surrogates (which JSON escapes such as "\ud800" produce and which no UTF-8
# writer accepts).
_UNSAFE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def decode_bytes(raw: bytes) -> str:
    """Decode `raw`, trusting a BOM, then strict UTF-8, then charset detection.

    Raises UnreadableInput for content that is binary rather than text.
    """
    if not raw.strip():
        raise UnreadableInput("empty file" if not raw else "only whitespace")
    text = _decode(raw)
    if _looks_binary(text):
        raise UnreadableInput("binary content (control characters in the text)")
    if not text.strip():
        raise UnreadableInput("only whitespace")
    return text


def _decode(raw: bytes) -> str:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace")
    if b"\x00" not in raw:  # NUL bytes are valid UTF-8, but in text they mark UTF-16 without a BOM
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    best = from_bytes(raw).best()
    if best is None:
        raise UnreadableInput("binary or undecodable content (no text encoding fits)")
    western = _western(raw)
    if western is not None and mess_ratio(western) <= best.chaos:
        return western
    return str(best)


def _western(raw: bytes) -> str | None:
    """`raw` as Windows-1252, the legacy encoding of Western web pages (WHATWG's default for them).

    On a short Latin-1 text, detection finds many code pages equally clean (`Zürich` may come out
    as `Z³rich` in cp775); where Windows-1252 reads as cleanly as the best of them, it is the
    likeliest. Cyrillic, Greek or Central European text read this way is visibly messier and
    keeps its detected encoding.
    """
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return None


def repair_text(text: str) -> str:
    """A document's text with mojibake repaired and unsafe characters blanked.

    Text that was UTF-8, read as Windows-1252 and saved again (`CafÃ©`) is common in scraped
    files of every format; ftfy only changes what its analysis of the bytes shows was mis-decoded.
    """
    return clean_text(ftfy.fix_encoding(text))


def clean_text(text: str) -> str:
    """`text` with control characters and lone surrogates blanked, offsets unchanged.

    A few stray NUL bytes do not make a file binary, but they must not reach the parser or the
    tables (CSV readers stop at them; UTF-8 cannot encode a lone surrogate).
    """
    return _UNSAFE.sub(lambda m: " " if m.group(0) < "\ud800" else "\ufffd", text)


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return control > max(8, len(sample) // 100)
