"""Bytes to text: scraped files arrive in any encoding, or in none at all."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from pipeline.ingest.errors import UnreadableInput

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_bytes(raw: bytes) -> str:
    """Decode `raw`, trusting a BOM, then strict UTF-8, then charset detection.

    Raises UnreadableInput for content that is binary rather than text.
    """
    if not raw.strip():
        raise UnreadableInput("empty file")
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(raw).best()
        if best is None:
            raise UnreadableInput("binary or undecodable content (no text encoding fits)") from None
        text = str(best)
    if _looks_binary(text):
        raise UnreadableInput("binary content (control characters in the text)")
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return control > max(8, len(sample) // 100)
