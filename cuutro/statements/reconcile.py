"""Finding a cash pledge's reference in a bank transfer memo.

A cash pledge asks the donor to write "CT 7K3F9Q" in the transfer (``Pledge.transfer_reference``).
What reaches the statement is wrapped by the banks and often mangled:

    MBVCB.6986253876.CT 7K3F9Q.NGUYEN VAN A chuyen tien
    CT nhanh 247 den: NGUYEN VAN A chuyen tien ct7k3f9q
    IBFT Ủng hộ CT-7K3F9Q                    (diacritics, dashes, dots or nothing between)
    NGUYENVANACT7K3F9QUNGHO                  (every space stripped)

The memo is folded (``lib.text.fold``: no diacritics, đ → d) and upper-cased. First, "CT" then
at most a few separators then six characters of the code alphabet (``lib.codes.ALPHABET``, which
has no 0/O/1/I/L), standing on their own, is a reference (``strong``): if no pledge has it, the
credit goes to review as "unknown reference" (if it has a digit: "CT NGUYEN VAN A", CT for chuyển
tiền and a six-letter name, is no reference). The same shape glued to the words around it
("NGUYENVANACT7K3F9QUNGHO", every space stripped) is a ``weak`` candidate: these
count only if such a pledge exists, since the letters of a name could look like one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cuutro.funds.services import DISBURSEMENT_PREFIX
from cuutro.lib.codes import ALPHABET
from cuutro.lib.text import fold

CODE_LENGTH = 6  # pledges.services: "CT-" + random_code(6); funds.services.disbursement_code: "CHI" + 6
PLEDGE_PREFIX = "CT"
# Every place where the prefix, at most three separators and six code characters begin
# (overlapping: "CTCT7K3F9Q" holds one at 0 and one at 2).
_PATTERNS = {
    prefix: re.compile(rf"(?={prefix}[\s.\-_:/#]{{0,3}}([{ALPHABET}]{{{CODE_LENGTH}}}))")
    for prefix in (PLEDGE_PREFIX, DISBURSEMENT_PREFIX)
}
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@dataclass(frozen=True)
class Candidates:
    strong: tuple[str, ...]  # code keys ("CT7K3F9Q") standing on their own in the memo
    weak: tuple[str, ...]  # code keys glued to the words around them


def reference_candidates(memo: str, *, prefix: str = PLEDGE_PREFIX) -> Candidates:
    """Reference keys in a memo: a pledge's ("CT…", on credits) or, with ``prefix="CHI"``, a
    disbursement's (on debits: the officer wrote it in the transfer)."""
    text = fold(memo).upper()
    if prefix not in text:
        return Candidates((), ())
    strong: dict[str, None] = {}
    weak: dict[str, None] = {}
    for match in _PATTERNS[prefix].finditer(text):
        start, end = match.start(), match.end(1)
        key = prefix + match.group(1)
        alone = (start == 0 or text[start - 1] not in _ALNUM) and (end == len(text) or text[end] not in _ALNUM)
        (strong if alone else weak)[key] = None
    return Candidates(tuple(strong), tuple(key for key in weak if key not in strong))


def looks_like_code(key: str) -> bool:
    """A strong candidate that names no pledge counts as a mistyped reference only if it has a
    digit: "CT NGUYEN VAN A" ("CT" for chuyển tiền, then a six-letter name) is not one."""
    return any(ch.isdigit() for ch in key)
