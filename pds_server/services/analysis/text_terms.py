"""The content index's tokeniser: the terms of a text (AnalysisTerm rows) and the terms a
search word must match, by the same rules.

Text is NFKC-normalised (full-width letters and digits become ASCII) and lowercased, then
split on anything that is not a letter or a digit. Words of alphabetic scripts and digits
are terms as they are ("acme", "2026", "12" and "50" of "12.50"); one Latin letter alone
is noise and dropped; words longer than the index column (64) are dropped. Chinese and
Japanese have no spaces: each run of their characters gives every single character and
every adjacent pair, so a search word of two or more characters is found by its pairs
("发票" in "增值税发票") and one of one character by itself.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERM = 64
WORD = re.compile(r"[^\W_]+")
# Han ideographs (with extensions and compatibility forms) and kana.
CJK_RUN = re.compile(
    "([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f]+)"
)


def normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def pieces(text: str) -> list[tuple[str, bool]]:
    """The letter-or-digit runs of `text` (normalised), each cut into CJK and other pieces:
    (piece, is_cjk)."""
    found = []
    for word in WORD.findall(normalised(text)):
        for index, piece in enumerate(CJK_RUN.split(word)):
            if piece:
                found.append((piece, index % 2 == 1))
    return found


def pairs(run: str) -> list[str]:
    return [run[index : index + 2] for index in range(len(run) - 1)]


def terms_of_text(text: str) -> set[str]:
    """Every term of `text`, for the content index."""
    terms: set[str] = set()
    for piece, cjk in pieces(text):
        if cjk:
            terms.update(piece)
            terms.update(pairs(piece))
        elif len(piece) <= MAX_TERM and not (len(piece) == 1 and piece.isalpha()):
            terms.add(piece)
    return terms


def query_terms(word: str) -> list[str]:
    """The terms a photo's index must all hold to match the search word `word` (in order,
    without repeats): its words lowercased, a CJK run of two or more characters as its
    pairs, one CJK character as itself. [] when the word has no letter or digit."""
    terms: list[str] = []
    for piece, cjk in pieces(word):
        for term in (pairs(piece) or [piece]) if cjk else [piece]:
            if term not in terms:
                terms.append(term)
    return terms
