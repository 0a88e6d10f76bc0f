"""QR codes as inline SVG: VietQR transfer codes, and the link on a pledge's delivery slip."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(payload: str, *, title: str = "", light: str | None = "#fff") -> SafeString:
    """An inline SVG of ``payload`` (error correction M, as banking apps print theirs). ``light``
    None leaves the background transparent (a printed slip is white already)."""
    # segno writes the markup itself (and escapes the title): no user text goes in unescaped.
    svg = segno.make_qr(payload, error="m").svg_inline(scale=4, omitsize=True, title=title or None, light=light)
    return mark_safe(svg)  # noqa: S308
