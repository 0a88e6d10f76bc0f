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


def fold(text: str) -> str:
    """Lower-case, diacritic-free, single-spaced form of ``text`` for search keys."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_D_TABLE)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


def search_terms(query: str, *, max_terms: int = 8) -> list[str]:
    """Split a user's query into folded terms; every term must match (AND)."""
    terms = [t for t in fold(query).split(" ") if t]
    return terms[:max_terms]
