"""Find a document's structure in plain text: title, headings, paragraphs, list items.

Web articles saved as text keep their structure only in line breaks and
bullet characters. Claims depend on it (a heading names a section's subject, a
list item's `Label:` is not part of its sentence), so every block is kept as
its own span of the document text and never glued to its neighbour.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from pipeline.model import Block
from pipeline.settings import MAX_BLOCK_CHARS, MODELS_DIR

_BULLET = re.compile(r"^(?:[•·▪●◦‣∙*+\-–—]|\d{1,2}[.)]|[a-z][.)])\s+")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
# Lists run together on one line: "... including  - item  - item". The two spaces before a
# marker are looked behind, not matched: matching a run of spaces at every position of a long
# one is quadratic.
_INLINE_ITEM = re.compile(r"(?:^|(?<=\s\s))[-•*]\s+(?=\S)")
_SPACED = re.compile(r"[ \t]{3,}")
# Where a sentence ends, for cutting over-long paragraphs and measuring sentence length before
# any parse (the parser finds the real sentences later).
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+|\n")
_BLANK = re.compile(r"\n[ \t\r]*\n")
_LABEL = re.compile(r"^([^:.!?;]{1,60}):\s+(?=\S)")
_TERMINAL = (".", "!", ";", ":", ",", '"', "”", "…")
# Words a lead-in line may end on; a heading never does.
_OPEN_END = re.compile(
    r"\b(?:including|include|includes|such as|like|are|is|of|the|a|an|and|or|to|for|with|by|"
    r"in|on|from|as|that|which|these|those|following)$",
    re.IGNORECASE,
)


@cache
def _debris_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    path = Path(MODELS_DIR) / "ingest" / "debris.tsv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(fh, delimiter="\t")
        return tuple((r["name"], re.compile(r["pattern"], re.IGNORECASE)) for r in rows)


def is_debris(line: str) -> bool:
    """Page furniture (breadcrumbs, bylines, comment boxes) is not article text."""
    stripped = line.strip()
    return any(p.match(stripped) for _, p in _debris_patterns())


def _looks_like_heading(content: str) -> bool:
    words = content.split()
    if not words:
        return False
    if content.endswith("?"):
        return len(words) <= 25
    if len(words) > 14 or content.endswith(_TERMINAL) or _OPEN_END.search(content):
        return False
    return content[0].isupper() or content[0].isdigit()


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line's stripped content, blank lines as (pos, pos)."""
    out = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        left = len(body) - len(body.lstrip())
        right = len(body.rstrip())
        out.append((pos + left, pos + right) if right > left else (pos, pos))
        pos += len(raw)
    return out


def _item_start(line: str, match: re.Match[str]) -> tuple[int, int]:
    """(start of the spaces before an inline item's marker, start of its text)."""
    begin = match.start()
    while begin > 0 and line[begin - 1].isspace():
        begin -= 1
    return begin, match.end()


def _split_spaced(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Text taken from web pages often marks a block boundary with a run of spaces only."""
    pieces, pos = [], start
    for m in _SPACED.finditer(text, start, end):
        if m.start() > pos:
            pieces.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        pieces.append((pos, end))
    return [t for p in pieces if (t := _trim(text, *p))[0] < t[1]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the whitespace at its ends (a no-break space after a run of spaces too)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_inline_items(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """Split a line into its lead text and run-together list items."""
    line = text[start:end]
    cuts = [_item_start(line, m) for m in _INLINE_ITEM.finditer(line)]
    if len(cuts) < 1 or (len(cuts) == 1 and cuts[0][0] > 0 and not line[: cuts[0][0]].strip()):
        return [(start, end, False)]
    if len(cuts) == 1 and cuts[0][0] == 0:
        return [(start, end, False)]
    pieces = []
    lead_end = cuts[0][0]
    if line[:lead_end].strip():
        pieces.append((start, start + len(line[:lead_end].rstrip()), False))
    for i, (_, s) in enumerate(cuts):
        e = cuts[i + 1][0] if i + 1 < len(cuts) else len(line)
        seg = line[s:e].rstrip()
        if seg:
            pieces.append((start + s, start + s + len(seg), True))
    return pieces


def segment(text: str) -> tuple[Block, ...]:
    """Split `text` into blocks, each a span of `text` (offsets preserved)."""
    lines = _lines(text)
    raw: list[tuple[str, int, int]] = []  # (kind hint, start, end)
    for start, end in lines:
        if start == end:
            raw.append(("blank", start, end))
            continue
        for part_start, part_end in _split_spaced(text, start, end):
            for s, e, item in _split_inline_items(text, part_start, part_end):
                raw.append(("item" if item else "line", s, e))

    following: list[tuple[str, int, int] | None] = [None] * len(raw)  # the next non-blank line of each
    for i in range(len(raw) - 2, -1, -1):
        following[i] = raw[i + 1] if raw[i + 1][0] != "blank" else following[i + 1]

    blocks: list[Block] = []
    seen_content = False
    for i, (hint, start, end) in enumerate(raw):
        if hint == "blank":
            continue
        content = text[start:end]
        if is_debris(content):
            blocks.append(Block("debris", start, end))
            continue
        nxt = following[i]
        kind, start = _classify(text, hint, start, end, nxt)
        if kind == "paragraph" and blocks and _continues(text, blocks[-1], start, raw, i):
            prev = blocks.pop()
            blocks.append(Block(prev.kind, prev.start, end, prev.label_end))
            continue
        if not seen_content and kind == "heading":
            kind = "title"
        seen_content = True
        label_end = None
        if kind == "list_item":
            m = _LABEL.match(text[start:end])
            if m and len(m.group(1).split()) <= 6:
                label_end = start + len(m.group(1))
        blocks.append(Block(kind, start, end, label_end))
    return tuple(piece for block in blocks for piece in _cut_long(text, block))


def _cut_long(text: str, block: Block, limit: int = MAX_BLOCK_CHARS) -> list[Block]:
    """A block longer than `limit` as consecutive blocks of the same kind, cut after sentence ends.

    No real paragraph is that long; a dump without blank lines is, and parsing it whole costs
    more than parsing it in pieces. A piece without any sentence end in reach is cut at `limit`.
    """
    if block.end - block.start <= limit:
        return [block]
    pieces: list[Block] = []
    start, label_end = block.start, block.label_end
    while block.end - start > limit:
        cut = None
        for m in _SENTENCE_END.finditer(text, start + 1, start + limit):
            cut = m
        stop, resume = (cut.start() + 1, cut.end()) if cut else (start + limit, start + limit)
        while stop > start + 1 and text[stop - 1].isspace():
            stop -= 1
        pieces.append(Block(block.kind, start, stop, label_end))
        while resume < block.end and text[resume].isspace():
            resume += 1
        start, label_end = resume, None
    pieces.append(Block(block.kind, start, block.end, None))
    return [p for p in pieces if p.end > p.start]


def longest_sentence(text: str, blocks: tuple[Block, ...]) -> tuple[int, int]:
    """(length, start) of the longest run of text without a sentence end in any non-debris block."""
    best = (0, 0)
    for block in blocks:
        if block.kind == "debris" or block.end - block.start <= best[0]:
            continue
        start = block.start
        for m in _SENTENCE_END.finditer(text, block.start, block.end):
            best = max(best, (m.start() - start, -start))
            start = m.end()
        best = max(best, (block.end - start, -start))
    return best[0], -best[1]


def _classify(text: str, hint: str, start: int, end: int, nxt) -> tuple[str, int]:
    content = text[start:end]
    if hint == "item":
        return "list_item", start
    md = _MD_HEADING.match(content)
    if md:
        return "heading", start + md.end()
    bullet = _BULLET.match(content)
    if bullet:
        body_start = start + bullet.end()
        body = text[body_start:end]
        next_is_item = nxt is not None and (nxt[0] == "item" or _BULLET.match(text[nxt[1] : nxt[2]]))
        numbered = content[0].isdigit()  # "1. Neurological Factors" heads a section; "- Smoking" is an item
        if numbered and _looks_like_heading(body) and nxt is not None and not next_is_item:
            return "heading", body_start
        return "list_item", body_start
    # a line whose sentence runs on into the next line is no heading
    wraps = nxt is not None and nxt[0] == "line" and text[nxt[1]].islower() and not _BLANK.search(text, start, nxt[1])
    if _looks_like_heading(content) and nxt is not None and not wraps:
        return "heading", start
    return "paragraph", start


def _continues(text: str, prev: Block, start: int, raw, i: int) -> bool:
    """A hard-wrapped line continues the previous block's sentence."""
    if prev.kind not in {"paragraph", "list_item"}:
        return False
    if i == 0 or raw[i - 1][0] == "blank":
        return False
    tail = text[max(prev.start, prev.end - 16) : prev.end].rstrip()  # never copy a long block per line
    return bool(tail) and not tail.endswith(_TERMINAL + ("?",)) and text[start].islower()
