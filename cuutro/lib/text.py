"""Vietnamese text folding for search.

Folding drops tone marks and vowel hats and maps đ/Đ to d, so ``quang tri`` matches
``Quảng Trị`` and ``dong ha`` matches ``Đông Hà``. Unicode decomposition alone does not
fold đ (it is a letter of its own, not d plus a mark), hence the explicit table.
"""

from __future__ import annotations

import re
import unicodedata

_D_TABLE = str.maketrans({"đ": "d", "Đ": "d"})
_SPACES = re.compile(r"\s+")


def fold_by_normalising(text: str) -> str:
    """The definition of folding: NFC, đ → d, NFKD, drop combining marks, lower case, single
    spaces. ``fold`` gives the same result faster; tests hold the two equal."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_D_TABLE)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


# The fast path. Normalising costs ~20 µs for a bank memo, a third of a statement import's time
# budget per row. For Latin letters with accents, general punctuation (• – “ ”) and currency
# signs (₫), folding is a per-character table; any other non-ASCII character (a combining mark
# NFC would merge, a ligature NFKD would split, another script) takes the definition itself.
_RANGES = ((0x80, 0x250), (0x1E00, 0x1F00), (0x2000, 0x2070), (0x20A0, 0x20D0))


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", ch).translate(_D_TABLE))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _tables() -> tuple[list[str], re.Pattern[str], re.Pattern[str]]:
    """A translation table indexed by code point (a list: ``str.translate`` looks a list up in C),
    a pattern matching any character the table cannot fold, and one matching any character
    folding changes (no match: lower case and spaces are all there is to do)."""
    table = [chr(point) for point in range(_RANGES[-1][1])]
    foldable: list[str] = []
    unchanged: list[str] = []
    for start, stop in _RANGES:
        for point in range(start, stop):
            ch = chr(point)
            if unicodedata.combining(ch) or unicodedata.normalize("NFC", ch) != ch:
                continue  # NFC could merge it with its neighbour: only the definition knows
            folded = _fold_char(ch)
            if folded == ch or folded.isascii():
                table[point] = folded
                foldable.append(ch)
            if folded == ch:
                unchanged.append(ch)
    other = re.compile("[^\\x00-\\x7f" + "".join(re.escape(ch) for ch in foldable) + "]")
    changing = re.compile("[^\\x00-\\x7f" + "".join(re.escape(ch) for ch in unchanged) + "]")
    return table, other, changing


_TABLE, _OTHER, _CHANGING = _tables()


def fold(text: str) -> str:
    """Lower-case, diacritic-free, single-spaced form of ``text`` for search keys."""
    if not text.isascii() and _CHANGING.search(text):  # bullets alone ("•••876") change nothing
        if _OTHER.search(text):
            return fold_by_normalising(text)
        text = text.translate(_TABLE)
    # str.split() and \s+ agree on what is a space (both str.isspace); split() also drops the ends.
    return " ".join(text.lower().split())


def search_terms(query: str, *, max_terms: int = 8) -> list[str]:
    """Split a user's query into folded terms; every term must match (AND)."""
    terms = [t for t in fold(query).split(" ") if t]
    return terms[:max_terms]
