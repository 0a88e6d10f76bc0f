"""``lib.text.fold``, fast: a million memos a minute.

``fold`` normalises twice (NFC, NFKD) and filters combining marks character by character: about
20 µs for a bank memo, a third of an import's time budget. Bank memos are ASCII, Vietnamese
letters, and the bullets of masked digits ("MBVCB.•••••••876.…"). For those characters folding is
a per-character table: Vietnamese letters to their base letter (đ → d), everything else left as
it is, then lower case and single spaces. Any other character (a combining mark that NFC would
merge, a ligature NFKD would split, another script) takes ``fold`` itself, so the result is
always exactly ``fold``'s; ``tests/test_statements_parsers.py`` checks that on generated text.
"""

from __future__ import annotations

import re
import unicodedata

from cuutro.lib.text import fold

_D = str.maketrans({"đ": "d", "Đ": "d"})
# Latin letters and their accents, general punctuation (• – “ ”), currency signs (₫).
_RANGES = ((0x80, 0x250), (0x1E00, 0x1F00), (0x2000, 0x2070), (0x20A0, 0x20D0))


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", ch).translate(_D))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _tables() -> tuple[list[str], re.Pattern[str], re.Pattern[str]]:
    """A translation table indexed by code point (a list: ``str.translate`` looks a list up in C,
    a dict through Python), a pattern matching any character the table cannot fold, and one
    matching any character folding changes (no match: lower case and spaces are all there is)."""
    table = [chr(point) for point in range(_RANGES[-1][1])]
    foldable: list[str] = []
    unchanged: list[str] = []
    for start, stop in _RANGES:
        for point in range(start, stop):
            ch = chr(point)
            if unicodedata.combining(ch) or unicodedata.normalize("NFC", ch) != ch:
                continue  # NFC could merge it with its neighbour: only fold() knows
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


def fast_fold(text: str) -> str:
    """Exactly ``lib.text.fold(text)``, without its per-character normalisation where possible."""
    if not text.isascii() and _CHANGING.search(text):  # bullets alone ("•••876") change nothing
        if _OTHER.search(text):
            return fold(text)
        text = text.translate(_TABLE)
    # str.split() and fold's \s+ agree on what is a space (both str.isspace), and split() also
    # drops the ends as fold's strip() does.
    return " ".join(text.lower().split())
