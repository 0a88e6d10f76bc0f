"""Template helpers for the money: a pledge's bank transfer and VietQR codes as SVG.

Loaded by the pledge pages too (``{% load public_ledger %}``): the pledges app sits below funds
and cannot ask where a pledge's money goes, but its templates may show it.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from cuutro.funds.selectors import PledgeTransfer, pledge_transfer
from cuutro.lib.qr import qr_svg

register = template.Library()


@register.simple_tag
def transfer_for(pledge: Any) -> PledgeTransfer | None:
    """``{% transfer_for pledge as transfer %}``: the fund, amount, reference and VietQR of a
    cash pledge; None for goods or when no fund takes the money."""
    return pledge_transfer(pledge=pledge)


@register.filter
def vietqr_svg(payload: str, title: str = "") -> SafeString:
    return qr_svg(payload, title=title) if payload else SafeString("")
