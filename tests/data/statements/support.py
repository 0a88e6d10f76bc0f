"""Shared by the statement tests: one fund per bank (the golden files' accounts) and the four cash
pledges the golden memos name. Each test module wraps these in its own fixtures."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.data.statements import make_golden

HERE = Path(__file__).resolve().parent

# Pledge code → (amount pledged, how the donor chose to be shown). The golden memos name them.
PLEDGES = {
    "CT-7K3F9Q": (500_000, "anonymous"),  # Vietcombank, "MBVCB.….CT 7K3F9Q.…", the exact amount
    "CT-8M4P2R": (1_000_000, "name"),  # VietinBank, 300.000 then 700.000 ("CT nhanh 247 den: … CT8M4P2R")
    "CT-9H6W3X": (2_000_000, "name"),  # BIDV, "ct-9h6w3x" with diacritics around it
    "CT-5T7Q2V": (200_000, "anonymous"),  # Vietcombank, every space stripped
}


def golden(name: str) -> bytes:
    return (HERE / name).read_bytes()


def make_fund(code: str, bank: str, *, campaign: Any = None, account: str | None = None) -> Any:
    from cuutro.funds.models import Fund

    return Fund.objects.create(
        code=code, name=f"Quỹ {code}", campaign=campaign, bank=bank,
        account_number=account or make_golden.BANKS[bank].account,
        account_name=make_golden.BANKS[bank].holder, opens_on=date(2024, 9, 1),
    )  # fmt: skip


def make_funds(cast: Any) -> dict[str, Any]:
    """One fund per bank, of the cast's campaign (Quảng Trị), with the golden files' accounts."""
    return {bank: make_fund(f"lu-{bank}", bank, campaign=cast.campaign) for bank in make_golden.BANKS}


def make_pledges(cast: Any, make_need: Any, make_pledge: Any) -> dict[str, Any]:
    """The four cash pledges of the golden memos, by code (codes set by hand: they are random)."""
    from cuutro.needs.services import NeedItemData
    from cuutro.pledges.models import Pledge

    need = make_need("verified", campaign_code=cast.campaign.code, items=[NeedItemData("cash-house-repair", "10.000.000")])
    made = {}
    for code, (amount, show_as) in PLEDGES.items():
        pledge = make_pledge(need, item="cash-house-repair", quantity=amount, show_as=show_as)
        Pledge.objects.filter(pk=pledge.pk).update(code=code, code_key=code.replace("-", ""))
        made[code] = Pledge.objects.get(pk=pledge.pk)
    return made
