#!/usr/bin/env python3
"""The public ledger's hash chain, and a checker anyone can run on a downloaded export.

This file uses only the Python standard library on purpose: a journalist can download it with
the export and run, with no Cuutro installed,

    python3 chain.py ledger.jsonl
    python3 chain.py ledger-2026-11-29.jsonl 1041:<the head published for 2026-11-28>

It recomputes every entry's hash from its public content and the previous entry's hash, and
names the first entry that does not match. The portal computes hashes with the same functions.

Each line of the export is one JSON object: the entry's public content (``CONTENT_FIELDS``, and
``LATER_FIELDS`` when not empty) plus
``prev_hash`` and ``hash``. ``hash = sha256(prev_hash + canonical JSON of the content)``, where
canonical means keys sorted, no spaces, UTF-8, and every value a string.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of the first entry

CONTENT_FIELDS = (
    "seq",
    "fund",
    "kind",
    "direction",
    "amount",
    "item",
    "quantity",
    "unit",
    "booked_on",
    "counterparty",
    "counterparty_account",
    "memo",
    "reference",
    "pledge",
    "need",
    "organisation",
    "bank_ref",
    "document_sha256",
    "reverses",
    "recorded_at",
)
# Fields added after entries were first chained: hashed only when not empty, so the entries
# written before them keep their hashes. "matches": the seq of the entry recording the same
# movement (a bank debit and the disbursement explaining it), which is the one counted.
LATER_FIELDS = ("matches",)
EXPORT_FIELDS = (*CONTENT_FIELDS, *LATER_FIELDS, "prev_hash", "hash")  # the columns of every export


def canonical(content: Mapping[str, Any]) -> str:
    values = {k: str(content.get(k, "")) for k in CONTENT_FIELDS}
    for key in LATER_FIELDS:
        value = str(content.get(key, "") or "")
        if value:
            values[key] = value
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(content)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.checked} entries, the chain is intact"
        return f"MISMATCH at entry #{self.first_bad_seq}: {self.problem} ({self.checked} entries checked before it)"


def verify(rows: Iterable[Mapping[str, Any]], *, after: tuple[int, str] = (0, GENESIS)) -> Verdict:
    """Check rows in order: numbering, the link to the previous hash, and the hash itself.

    ``after`` is the entry just before the first row, as (seq, hash): (0, GENESIS) for a whole
    ledger; for one day's dump, the previous day's published head."""
    start, previous = after
    checked = 0
    for row in rows:
        seq = int(row.get("seq", 0) or 0)
        if seq != start + checked + 1:
            wanted = start + checked + 1
            return Verdict(False, checked, wanted, f"entry #{wanted} is missing or out of order (found #{seq})")
        if row.get("prev_hash") != previous:
            return Verdict(False, checked, seq, "its previous hash is not the hash of the entry before it")
        expected = entry_hash(previous, row)
        if row.get("hash") != expected:
            return Verdict(False, checked, seq, "its content does not match its hash")
        previous = expected
        checked += 1
    return Verdict(True, checked)


def read_jsonl(path: str) -> Iterable[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def main(argv: list[str]) -> int:
    """python3 chain.py LEDGER.jsonl [SEQ:HASH] — SEQ:HASH is the head before the file's first
    entry (the previous day's published head, for a daily dump); omitted for a whole ledger."""
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: python3 chain.py LEDGER.jsonl [SEQ:HASH of the entry before the first line]\n")
        return 2
    after = (0, GENESIS)
    if len(argv) == 3:
        seq, _, head = argv[2].partition(":")
        after = (int(seq), head)
    verdict = verify(read_jsonl(argv[1]), after=after)
    sys.stdout.write(f"{verdict}\n")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
