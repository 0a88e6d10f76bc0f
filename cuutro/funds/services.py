"""Writes to the public ledger. Every entry goes through ``ledger_append``, which chains it.

Entries are never changed or deleted: a mistake is corrected by ``entry_reverse`` (an entry in
the other direction that names the one it cancels) and, if needed, a new correct entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cuutro.audit.services import audit_record
from cuutro.funds import chain
from cuutro.funds.models import Direction, EntryKind, Fund, LedgerEntry, LedgerHead
from cuutro.lib.public_cache import public_data_changed
from cuutro.lib.text import fold

# Runs of 6 or more digits in a public memo (phone, ID or account numbers) keep only their last 3.
LONG_DIGITS_RE = re.compile(r"\d(?:[ .\-]?\d){5,}")


def mask_account(number: str) -> str:
    """A bank account as the public sees it: only the last 4 digits."""
    digits = re.sub(r"\W", "", number or "")
    return f"••••{digits[-4:]}" if digits else ""


def public_memo(text: str, *, keep: str = "") -> str:
    """A transfer memo fit for publication: long digit runs (phones, IDs, accounts) masked,
    except inside ``keep`` (the pledge reference the memo carries)."""

    def mask(match: re.Match[str]) -> str:
        run = match.group()
        if keep and run.replace(" ", "") in keep:
            return run
        digits = re.sub(r"\D", "", run)
        return "•" * (len(digits) - 3) + digits[-3:]

    return LONG_DIGITS_RE.sub(mask, " ".join((text or "").split()))[:500]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def entry_content(entry: LedgerEntry) -> dict[str, str]:
    """The public content of an entry, exactly as hashed and exported (see ``chain``)."""
    item, pledge, need, organisation, reverses = entry.item, entry.pledge, entry.need, entry.organisation, entry.reverses
    return {
        "seq": str(entry.seq),
        "fund": entry.fund.code,
        "kind": entry.kind,
        "direction": entry.direction,
        "amount": _plain(entry.amount),
        "item": item.code if item else "",
        "quantity": _plain(entry.quantity),
        "unit": item.unit if item else "",
        "booked_on": entry.booked_on.isoformat(),
        "counterparty": entry.counterparty,
        "counterparty_account": entry.counterparty_account,
        "memo": entry.memo,
        "reference": entry.reference,
        "pledge": pledge.code if pledge else "",
        "need": need.code if need else "",
        "organisation": organisation.name if organisation else "",
        "bank_ref": entry.bank_ref,
        "document_sha256": entry.document_sha256,
        "reverses": str(reverses.seq) if reverses else "",
        "recorded_at": _utc(entry.recorded_at),
    }


def export_row(entry: LedgerEntry) -> dict[str, str]:
    return {**entry_content(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}


@dataclass
class EntryData:
    kind: str
    direction: str
    booked_on: date
    amount: Decimal | None = None
    item: Any = None  # needs.CatalogueItem, for goods
    quantity: Decimal | None = None
    counterparty: str = ""
    counterparty_account: str = ""  # masked by the caller (mask_account)
    memo: str = ""  # made public by the caller (public_memo)
    reference: str = ""
    pledge: Any = None
    need: Any = None
    organisation: Any = None
    bank_ref: str = ""
    document_sha256: str = ""
    reverses: LedgerEntry | None = None


def _head() -> LedgerHead:
    head = LedgerHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # first entry ever (or a test database that was flushed)
        LedgerHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": chain.GENESIS})
        head = LedgerHead.objects.select_for_update().get(pk=1)
    return head


def ledger_append(*, actor: Any, fund: Fund, data: EntryData) -> LedgerEntry:
    """Chain a new entry onto the ledger. Call inside the caller's transaction; the head row's
    lock makes appends take turns, so ``seq`` has no gaps and each entry names its predecessor."""
    if data.kind not in EntryKind.values or data.direction not in Direction.values:
        raise ValueError("unknown entry kind or direction")
    if (data.amount is None) == (data.item is None):
        raise ValueError("an entry moves either money (amount) or goods (item and quantity)")
    with transaction.atomic():
        head = _head()
        entry = LedgerEntry(
            seq=head.seq + 1,
            fund=fund,
            kind=data.kind,
            direction=data.direction,
            amount=data.amount,
            item=data.item,
            quantity=data.quantity,
            booked_on=data.booked_on,
            counterparty=data.counterparty[:200],
            counterparty_account=data.counterparty_account,
            memo=data.memo[:500],
            reference=data.reference,
            pledge=data.pledge,
            need=data.need,
            organisation=data.organisation,
            bank_ref=data.bank_ref,
            document_sha256=data.document_sha256,
            reverses=data.reverses,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            recorded_at=timezone.now(),
            prev_hash=head.hash or chain.GENESIS,
        )
        entry.hash = chain.entry_hash(entry.prev_hash, entry_content(entry))
        entry.search_key = f" {fold(' '.join([entry.counterparty, entry.memo, entry.reference, entry.bank_ref]))} "
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
        public_data_changed()
    return entry


@transaction.atomic
def entry_reverse(*, actor: Any, entry: LedgerEntry, reason: str) -> LedgerEntry:
    """Cancel an entry by an equal one in the other direction. The original stays, forever."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason: the correction is public.")]})
    if entry.kind == EntryKind.REVERSAL:
        raise ValidationError({"entry": [_("A correction cannot itself be reversed; record a new entry instead.")]})
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"entry": [_("This entry is already reversed.")]})
    reversal = ledger_append(
        actor=actor,
        fund=entry.fund,
        data=EntryData(
            kind=EntryKind.REVERSAL,
            direction=Direction.OUT if entry.direction == Direction.IN else Direction.IN,
            booked_on=timezone.localdate(),
            amount=entry.amount,
            item=entry.item,
            quantity=entry.quantity,
            counterparty=entry.counterparty,
            memo=public_memo(reason),
            reference=entry.reference,
            pledge=entry.pledge,
            need=entry.need,
            organisation=entry.organisation,
            reverses=entry,
        ),
    )
    audit_record(actor=actor, action="funds.entry.reversed", target=entry, reason=reason, data={"reversal": reversal.seq})
    return reversal


