"""What the search index stores for a message, what a query looks for, and where a hit is in the text.

One tokeniser serves both engines (SQLite FTS5 `unicode61`, MariaDB InnoDB
FULLTEXT with its built-in parser), so a query finds the same messages on both:

- Words (letters and digits) are lower-cased and stripped of accents here, not
  by the engine's collation.
- Chinese, Japanese, Korean and emoji have no spaces between words, and
  MariaDB ships no ngram parser (MySQL's is not in MariaDB) while InnoDB
  ignores tokens shorter than `innodb_ft_min_token_size` (3). Each such
  character is therefore written as an ASCII token (`zu` + hex code point) and
  each adjacent pair as one more (`zu9000zu6b3e`): both are long enough for
  InnoDB and plain words to FTS5. A CJK query of two or more characters is
  the phrase of its pairs; one character is its single token.
- The text is stored in `Message.search_text` (filled when a content message
  is inserted), so neither engine parses JSON.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# InnoDB's default stop-word list (innodb_ft_enable_stopword=ON): InnoDB never matches
# them, so they are dropped from every query, on SQLite too, for one behaviour everywhere.
STOPWORDS = frozenset(
    "a about an are as at be by com de en for from how i in is it la of on or that the this to was what"
    " when where who will with und www".split()
)
# InnoDB's default innodb_ft_min_token_size: shorter words are not in its index.
MIN_WORD = 3
# InnoDB's innodb_ft_max_token_size is 84; longer "words" (hashes, base64) are cut to it.
MAX_WORD = 84
MAX_TERMS = 8  # a query is a few words; more only makes every engine slower

_ASCII_WORD = re.compile(r"[a-z0-9]+")
_ASCII_PIECE = re.compile(r"[A-Za-z0-9]+")


def _is_dense(ch: str) -> bool:
    """A character that is a word of its own: CJK ideographs, kana, hangul, emoji and other symbols."""
    cp = ord(ch)
    if (
        0x2E80 <= cp <= 0x9FFF  # CJK radicals, kana, ideographs, bopomofo
        or 0xAC00 <= cp <= 0xD7AF  # hangul syllables
        or 0xF900 <= cp <= 0xFAFF  # CJK compatibility ideographs
        or 0x20000 <= cp <= 0x3FFFF  # CJK extensions
    ):
        return True
    return unicodedata.category(ch) == "So"  # emoji, pictographs


def _fold(word: str) -> str:
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _code(ch: str) -> str:
    return f"zu{ord(ch):x}"


def _pieces(text: str) -> list[tuple[str, str, int, int]]:
    """(kind, piece, start, end): 'word' for a run of letters/digits, 'dense' for a run of dense characters."""
    if text.isascii():  # most messages: the same pieces as below, without a Python step per character
        return [("word", m.group(), m.start(), m.end()) for m in _ASCII_PIECE.finditer(text)]
    out: list[tuple[str, str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if _is_dense(ch):
            j = i
            while j < n and _is_dense(text[j]):
                j += 1
            out.append(("dense", text[i:j], i, j))
            i = j
        elif ch.isalnum():
            j = i
            while j < n and text[j].isalnum() and not _is_dense(text[j]):
                j += 1
            out.append(("word", text[i:j], i, j))
            i = j
        else:
            i += 1
    return out


def index_text(text: str) -> str:
    """The `search_text` of a message: folded words, then the pair tokens, then the single tokens of dense runs."""
    if text.isascii():  # most messages: the same words as below, 5x faster (this runs on every send)
        return " ".join(w[:MAX_WORD] for w in _ASCII_WORD.findall(text.lower()))
    words, pairs, singles = [], [], []
    for kind, piece, _, _ in _pieces(text):
        if kind == "word":
            words.append(_fold(piece)[:MAX_WORD])
        else:
            codes = [_code(ch) for ch in piece]
            pairs.extend(a + b for a, b in zip(codes, codes[1:], strict=False))
            singles.extend(codes)
    # Pairs of one run stay adjacent, so a CJK query is a phrase; singles come last, apart.
    return " ".join(words + pairs + singles)


def message_text(type_: str, body: dict) -> str:
    """The searchable text of a stored message body: text, note and info by their text, a file by its name."""
    if type_ in ("text", "note", "info"):
        value = body.get("text")
        return value if isinstance(value, str) else ""
    if type_ == "file":
        name = (body.get("file") or {}).get("name")
        return name if isinstance(name, str) else ""
    return ""


@dataclass(frozen=True, slots=True)
class Term:
    """One thing a matching message must contain: a word (prefix-matched) or a dense run (substring)."""

    kind: str  # "word" | "dense"
    value: str  # folded word, or the dense characters themselves

    def fts5(self) -> str:
        if self.kind == "word":
            return f'"{self.value}"*'
        return '"' + " ".join(_dense_tokens(self.value)) + '"'

    def innodb(self) -> str:
        if self.kind == "word":
            return f"+{self.value}*"
        return '+"' + " ".join(_dense_tokens(self.value)) + '"'


def _dense_tokens(run: str) -> list[str]:
    codes = [_code(ch) for ch in run]
    if len(codes) == 1:
        return codes
    return [a + b for a, b in zip(codes, codes[1:], strict=False)]


def query_terms(q: str) -> list[Term]:
    """The terms of a query, in order, without duplicates, stop words or words the index cannot hold."""
    terms: list[Term] = []
    for kind, piece, _, _ in _pieces(q):
        if kind == "word":
            value = _fold(piece)[:MAX_WORD]
            if len(value) < MIN_WORD or value in STOPWORDS:
                continue
        else:
            value = piece
        term = Term(kind, value)
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


@lru_cache(maxsize=1024)
def needles(term: Term) -> tuple[str, ...]:
    """What a `search_text` holding `term` contains: its tokens, each after a space. Worked out once per
    term, not once per message: a search checks tens of thousands of messages (Chinese: 5x faster)."""
    tokens = [term.value] if term.kind == "word" else _dense_tokens(term.value)
    return tuple(f" {token}" for token in tokens)


def might_match(indexed: str, terms: list[Term]) -> bool:
    """Whether a message's `search_text` holds every term's tokens (then `match_spans` finds where)."""
    padded = f" {indexed}"
    return all(needle in padded for term in terms for needle in needles(term))


def match_spans(text: str, terms: list[Term]) -> list[tuple[int, int]] | None:
    """Where each term occurs in `text` (merged, in order), or None when some term does not occur."""
    spans: list[tuple[int, int]] = []
    pieces = _pieces(text)
    for term in terms:
        found = False
        for kind, piece, start, _ in pieces:
            if kind != term.kind:
                continue
            if kind == "word":
                if _fold(piece).startswith(term.value):
                    spans.append((start, start + len(piece)))
                    found = True
            else:
                at = piece.find(term.value)
                while at >= 0:
                    spans.append((start + at, start + at + len(term.value)))
                    found = True
                    at = piece.find(term.value, at + 1)
        if not found:
            return None
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# Context shown around the first hit: enough for a sentence either side, short enough for a result list.
SNIPPET_BEFORE, SNIPPET_LENGTH = 60, 200


def segments(text: str, spans: list[tuple[int, int]]) -> list[dict]:
    """A snippet as plain-text segments [{text, match}], cut around the first hit, with "…" where cut."""
    start = max(0, spans[0][0] - SNIPPET_BEFORE) if spans else 0
    end = min(len(text), start + SNIPPET_LENGTH)
    out: list[dict] = []
    if start > 0:
        out.append({"text": "…", "match": False})
    at = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        if s > at:
            out.append({"text": text[at:s], "match": False})
        out.append({"text": text[s:e], "match": True})
        at = e
    if at < end:
        out.append({"text": text[at:end], "match": False})
    if end < len(text):
        out.append({"text": "…", "match": False})
    return out
