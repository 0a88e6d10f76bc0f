"""Reads of funds and the public ledger."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from cuutro.funds import chain
from cuutro.funds.models import Direction, Fund, LedgerEntry
from cuutro.funds.services import entry_content, export_row
from cuutro.lib.vietqr import VietQR


def funds_public() -> QuerySet[Fund]:
    return Fund.objects.select_related("campaign").order_by("-opens_on", "code")


def fund_get(*, code: str) -> Fund | None:
    return funds_public().filter(code=code).first()


@dataclass(frozen=True)
class FundTotals:
    money_in: Decimal
    money_out: Decimal

    @property
    def balance(self) -> Decimal:
        return self.money_in - self.money_out


def fund_totals(*, fund: Fund) -> FundTotals:
    """Money in and out of the fund by its ledger (reversals count in their own direction)."""
    sums = LedgerEntry.objects.filter(fund=fund, amount__isnull=False).aggregate(
        money_in=Sum("amount", filter=Q(direction=Direction.IN)),
        money_out=Sum("amount", filter=Q(direction=Direction.OUT)),
    )
    return FundTotals(money_in=sums["money_in"] or Decimal(0), money_out=sums["money_out"] or Decimal(0))


def fund_vietqr(*, fund: Fund, amount: int | None = None, memo: str = "") -> str:
    """The VietQR payload for a transfer into the fund (no amount: the donor types it)."""
    return VietQR(bin=fund.bin, account=fund.account_number, amount=amount, memo=memo).payload()


def ledger_entries() -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.select_related("fund", "item", "pledge", "need", "organisation", "reverses").order_by("seq")


def ledger_export_rows(*, chunk: int = 2000) -> Iterator[dict[str, str]]:
    """Every entry, in chain order, as exported and hashed (streamed: any size)."""
    for entry in ledger_entries().iterator(chunk_size=chunk):
        yield export_row(entry)


def ledger_verify() -> chain.Verdict:
    """Recompute the chain from the stored entries; names the first entry that does not match."""
    return chain.verify(ledger_export_rows_recomputed())


def ledger_export_rows_recomputed() -> Iterator[dict[str, str]]:
    # The stored hash and prev_hash next to content rebuilt from the stored columns: a change to
    # any column shows up as a content mismatch at that entry.
    for entry in ledger_entries().iterator(chunk_size=2000):
        yield {**entry_content(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}


def fund_for_need(*, campaign_id: int | None) -> Fund | None:
    """Where money for a need goes: its campaign's fund (the newest), else the default fund."""
    if campaign_id is not None:
        fund = Fund.objects.filter(campaign_id=campaign_id).order_by("-opens_on", "pk").first()
        if fund is not None:
            return fund
    return Fund.objects.filter(is_default=True).first()


@dataclass(frozen=True)
class PledgeTransfer:
    """How to pay a cash pledge: the fund's account, the amount and the memo, as a VietQR."""

    fund: Fund
    amount: int
    reference: str  # "CT 7K3F9Q"
    vietqr: str


def pledge_transfer(*, pledge: Any) -> PledgeTransfer | None:
    """The transfer that pays a cash pledge; None for goods or when no fund takes the money."""
    if not pledge.need_item.item.is_cash:
        return None
    fund = fund_for_need(campaign_id=pledge.need.campaign_id)
    if fund is None:
        return None
    amount = int(pledge.quantity)
    reference = pledge.transfer_reference
    return PledgeTransfer(fund=fund, amount=amount, reference=reference, vietqr=fund_vietqr(fund=fund, amount=amount, memo=reference))
