"""Unguessable public codes for objects shown in URLs, QR codes and the API."""

from __future__ import annotations

import secrets

from cuutro.lib.text import fold

# No 0/O, 1/I/L: codes are read aloud on the phone and copied by hand from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def random_code(length: int = 5) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def code_key(text: str) -> str:
    """Lookup form of a public code: folded, upper-case, letters and digits only.

    ``HGĐ-7K3F9``, ``hgd 7k3f9`` and ``HGD7K3F9`` all become ``HGD7K3F9``: codes are typed on
    phones without a Vietnamese keyboard and read aloud over the phone.
    """
    return "".join(ch for ch in fold(text).upper() if ch.isascii() and ch.isalnum())
