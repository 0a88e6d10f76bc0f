"""Writes to the public ledger. Every entry goes through ``ledger_append``, which chains it.

Entries are never changed or deleted: a mistake is corrected by ``entry_reverse`` (an entry in
the other direction that names the one it cancels) and, if needed, a new correct entry.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cuutro.accounts.models import Organisation
from cuutro.audit.services import audit_record
from cuutro.funds import chain
from cuutro.funds.models import Direction, EntryKind, Fund, LedgerDocument, LedgerEntry, LedgerHead
from cuutro.funds.permissions import can_manage_fund
from cuutro.lib.codes import random_code
from cuutro.lib.formats import group_thousands
from cuutro.lib.public_cache import public_data_changed
from cuutro.lib.text import fold
from cuutro.needs.selectors import catalogue, need_get_public
from cuutro.needs.services import MAX_QUANTITY, identity_in_text, parse_quantity

# A disbursement's transfer reference starts with this ("chi": to pay out), a pledge's with "CT".
DISBURSEMENT_PREFIX = "CHI"
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


# The words PostgreSQL's default text-search parser finds in a search key once everything but
# [a-z0-9] is a space (migration 0004's expression): digits, "e" and digits make one number
# ("2e10x" is "2e10" and "x"); any other run of letters and digits is one word.
_TS_WORD_RE = re.compile(r"[0-9]+e[0-9]+|[a-z0-9]+")
_TS_NUMBER_RE = re.compile(r"[0-9]e[0-9]")  # a key without one splits into words more cheaply
_TS_SPACES = bytes(c if "0" <= chr(c) <= "9" or "a" <= chr(c) <= "z" else 32 for c in range(256))
_TS_MAX_WORD, _TS_MAX_POSITION, _TS_MAX_POSITIONS = 2047, 16383, 255
_TS_POSITIONS = [f"':{position} '" for position in range(1, _TS_MAX_POSITION + 1)]


def search_vector(search_key: str) -> str:
    """The entry's ``search_tsv`` as PostgreSQL text input: exactly what ``to_tsvector('simple',
    regexp_replace(search_key, '[^a-z0-9]+', ' ', 'g'))`` gives (the trigger of migration 0006,
    which fills it when an insert leaves it empty), for a bulk COPY to supply instead of making
    PostgreSQL parse every row (``tests/test_ledger_perf_schema.py`` holds the two equal).

    Each word with its position (PostgreSQL's input merges a repeated word's); like
    ``to_tsvector``, a word keeps at most its first 255 positions."""
    if _TS_NUMBER_RE.search(search_key):
        words = _TS_WORD_RE.findall(search_key)
    else:  # every character but [a-z0-9] a space (non-ASCII ones "?" first), split: 2 µs, not 5
        words = search_key.encode("ascii", "replace").translate(_TS_SPACES).decode("ascii").split()
    if not words:
        return ""
    if len(search_key) >= _TS_MAX_WORD:  # a word that long is skipped without counting a position
        words = [word for word in words if len(word) < _TS_MAX_WORD]
    if len(words) > _TS_MAX_POSITIONS:  # long keys only: a word keeps its first 255 positions
        seen: dict[str, int] = {}
        parts = []
        for position, word in enumerate(words, 1):
            seen[word] = seen.get(word, 0) + 1
            if seen[word] <= _TS_MAX_POSITIONS:
                parts.append(f"'{word}':{min(position, _TS_MAX_POSITION)}")
        return " ".join(parts)
    # "'" + "word':1 '" + "other':2 '" …, the last "'" and space cut: a few µs for a long memo.
    return "'" + "".join(map(str.__add__, words, _TS_POSITIONS))[:-2]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def entry_content(entry: LedgerEntry) -> dict[str, str]:
    """The public content of an entry, exactly as hashed and exported (see ``chain``)."""
    item, pledge, need, organisation, reverses = entry.item, entry.pledge, entry.need, entry.organisation, entry.reverses
    matches = entry.matches
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
        "matches": str(matches.seq) if matches else "",
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
    matches: LedgerEntry | None = None  # the entry of the same movement, which counts it (direction "eq")


def ledger_head_locked() -> LedgerHead:
    """The chain's head row, locked until the transaction ends: every append (one by one here,
    or in bulk by a statement import) takes it first, so appends take turns."""
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
    if data.direction == Direction.SAME and data.matches is None:
        raise ValueError("an entry of direction 'eq' names the entry it matches")
    with transaction.atomic():
        head = ledger_head_locked()
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
            matches=data.matches,
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
    # The head's lock before the checks: an import matching this entry meanwhile must wait, or
    # the movement could end up counted twice or not at all.
    ledger_head_locked()
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"entry": [_("This entry is already reversed.")]})
    paired = entry.matches or entry.matched_by
    if paired is not None:
        # Reversing one of a matched pair would count the movement twice or not at all.
        raise ValidationError(
            {"entry": [_("This entry and entry #%(seq)s are one movement; it cannot be reversed alone.") % {"seq": paired.seq}]}
        )
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




# ---- disbursements and goods -----------------------------------------------------------------

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
MAX_DESCRIPTION = 300


class Target:
    NEED = "need"  # a household or community need, shown by its public code only
    ORGANISATION = "organisation"  # e.g. a delegation that distributes on the province's behalf
    PURCHASE = "purchase"  # bought from a supplier for the relief effort


@dataclass
class MovementData:
    """Money or goods leaving a fund (or goods coming in). Everything but the document is public."""

    target: str
    booked_on: date
    description: str
    amount: Decimal | str | None = None  # money, in đồng
    item_code: str = ""  # goods
    quantity: Decimal | str | None = None
    need_code: str = ""
    organisation_id: int | None = None
    payee: str = ""  # the supplier's or giver's name, for a purchase or goods received


def _document(upload: UploadedFile | None, errors: dict[str, list[str]], *, required: bool) -> tuple[bytes, str] | None:
    if upload is None:
        if required:
            errors.setdefault("document", []).append(_("Attach the decision, invoice or signed list behind this entry."))
        return None
    if upload.size is None or upload.size > DOCUMENT_MAX_BYTES:
        errors.setdefault("document", []).append(_("A document may be at most 10 MB."))
        return None
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    if not (content.startswith(b"%PDF-") or content[:3] == b"\xff\xd8\xff" or content.startswith(b"\x89PNG")):
        errors.setdefault("document", []).append(_("Attach a PDF, or a JPEG or PNG photo of the paper."))
        return None
    return content, hashlib.sha256(content).hexdigest()


def disbursement_code() -> str:
    """A new disbursement's transfer reference key ("CHI7K3F9Q", shown "CHI 7K3F9Q"): written in
    the bank transfer's memo, it lets the statement import match the debit to the disbursement."""
    while True:
        key = f"{DISBURSEMENT_PREFIX}{random_code(6)}"
        if not LedgerEntry.objects.filter(reference=key).exists():
            return key


def shown_reference(key: str) -> str:
    """A reference key as people write it: "CT 7K3F9Q", "CHI 7K3F9Q"."""
    for prefix in (DISBURSEMENT_PREFIX, "CT"):
        if key.startswith(prefix) and len(key) > len(prefix):
            return f"{prefix} {key[len(prefix):]}"
    return key


def _check_bank_debit(debit: LedgerEntry, fund: Fund, amount: Decimal | None, errors: dict[str, list[str]]) -> None:
    """A disbursement may explain a bank debit already on the ledger: same fund, same amount."""
    if debit.fund_id != fund.pk or debit.kind != EntryKind.DEBIT or debit.direction != Direction.OUT:
        errors.setdefault("amount", []).append(_("Entry #%(seq)s is not money paid out of this fund's account.") % {"seq": debit.seq})
    elif amount is not None and amount != debit.amount:
        errors.setdefault("amount", []).append(
            _("The bank paid out %(amount)s đồng in entry #%(seq)s: enter the same amount.")
            % {"amount": group_thousands(debit.amount or 0), "seq": debit.seq}
        )


def debit_explained(debit: LedgerEntry) -> LedgerEntry | None:
    """The entry that already accounts for a bank debit (a disbursement matching it, or a
    correction saying it is a disbursement recorded before), or None."""
    return LedgerEntry.objects.filter(Q(matches=debit) | Q(reverses=debit)).first()


def movement_record(
    *, actor: Any, fund: Fund, data: MovementData, direction: str = Direction.OUT, document: UploadedFile | None = None,
    bank_debit: LedgerEntry | None = None,
) -> LedgerEntry:
    """Record money given out (with its document), or goods received or handed out.

    Checked in full before anything is written; money and goods never go below zero in a fund
    (the ledger head's lock makes the balance check and the append one step).

    Money given out gets a transfer code ("CHI 7K3F9Q") for the bank transfer's memo: the
    statement import then recognises the debit as this disbursement and does not count it again.
    ``bank_debit`` is for the other order: the debit came in on a statement first, and this
    disbursement says what it paid for. It is then recorded as the same movement (direction
    "eq", matching the debit), so the money is counted once, on the debit."""
    if not can_manage_fund(user=actor, fund=fund):
        raise PermissionDenied(_("Only the province's relief committee can record movements of this fund."))
    errors: dict[str, list[str]] = {}
    goods = bool(data.item_code)
    item = catalogue().filter(code=data.item_code).first() if goods else None
    if goods and item is None:
        errors.setdefault("item", []).append(_("Choose an item from the list."))
    quantity = amount = None
    try:
        if goods:
            quantity = parse_quantity(data.quantity, cash=False)
        else:
            amount = parse_quantity(data.amount, cash=True)
    except ValueError:
        pass
    value = quantity if goods else amount
    if value is None or value <= 0 or value > MAX_QUANTITY:
        errors.setdefault("quantity" if goods else "amount", []).append(_("Enter a number, e.g. 20 or 1.500.000."))
    elif not goods and value != value.to_integral_value():
        errors.setdefault("amount", []).append(_("Amounts of money are whole đồng."))
    elif goods and value != value.quantize(Decimal("0.01")):
        errors.setdefault("quantity", []).append(_("Use at most two decimal places."))
    if direction == Direction.IN and not goods:
        raise ValueError("money comes in from bank statements, not by hand")
    if bank_debit is not None:
        if goods or direction != Direction.OUT:
            raise ValueError("only money given out can explain a bank debit")
        _check_bank_debit(bank_debit, fund, amount, errors)

    description = " ".join((data.description or "").split())
    if not description:
        errors.setdefault("description", []).append(_("Say what it was for: the public reads this."))
    elif len(description) > MAX_DESCRIPTION:
        too_long = _("The description is too long (at most %(max)d characters).") % {"max": MAX_DESCRIPTION}
        errors.setdefault("description", []).append(too_long)
    elif identity_in_text(description, None):
        errors.setdefault("description", []).append(_("The description is public: do not write a phone or ID number in it."))

    need = organisation = None
    counterparty = ""
    if data.target == Target.NEED:
        need = need_get_public(code=data.need_code or "")
        if need is None:
            errors.setdefault("need", []).append(_("Enter the code of a published need, e.g. HGĐ-7K3F9."))
        else:
            counterparty = need.code  # the household stays pseudonymous: its code, never its name
    elif data.target == Target.ORGANISATION:
        organisation = Organisation.objects.filter(pk=data.organisation_id).first() if data.organisation_id else None
        if organisation is None:
            errors.setdefault("organisation", []).append(_("Choose the organisation."))
        else:
            counterparty = organisation.name
    elif data.target == Target.PURCHASE:
        counterparty = " ".join((data.payee or "").split())[:200]
        if not counterparty:
            errors.setdefault("payee", []).append(_("Enter who was paid or who gave the goods."))
    else:
        errors.setdefault("target", []).append(_("Choose where it went: a need, an organisation or a purchase."))

    if data.booked_on > timezone.localdate():
        errors.setdefault("booked_on", []).append(_("The date cannot be in the future."))
    paper = _document(document, errors, required=not goods)
    if errors:
        raise ValidationError(errors)

    kind = EntryKind.DISBURSEMENT if not goods else (EntryKind.GOODS_IN if direction == Direction.IN else EntryKind.GOODS_OUT)
    reference = ""
    with transaction.atomic():
        ledger_head_locked()  # lock first: the balance read below and the append are one step
        if bank_debit is not None:
            explained = debit_explained(bank_debit)
            if explained is not None:
                already = _("Bank entry #%(seq)s is already explained by entry #%(by)s.") % {"seq": bank_debit.seq, "by": explained.seq}
                raise ValidationError({"amount": [already]})
            direction = Direction.SAME  # the debit counts the money; this says what it was for
        elif not goods:
            reference = disbursement_code()
        if direction == Direction.OUT:
            into, out = LedgerEntry.objects.filter(fund=fund, item=item).totals("quantity") if goods else (
                LedgerEntry.objects.filter(fund=fund).totals()
            )
            available = into - out
            assert value is not None
            if value > available:
                raise ValidationError(
                    {"quantity" if goods else "amount": [_("The fund holds only %(available)s.") % {"available": f"{available:f}"}]}
                )
        entry = ledger_append(
            actor=actor,
            fund=fund,
            data=EntryData(
                kind=kind, direction=direction, booked_on=data.booked_on, amount=amount, item=item, quantity=quantity,
                counterparty=counterparty, memo=public_memo(description), need=need, organisation=organisation,
                document_sha256=paper[1] if paper else "", reference=reference, matches=bank_debit,
            ),
        )
        stored = None
        if paper is not None and document is not None:
            stored = LedgerDocument(entry=entry, sha256=paper[1], original_name=(document.name or "")[:200], uploaded_by=actor)
            stored.file.save(f"document.{'pdf' if paper[0].startswith(b'%PDF-') else 'jpg'}", ContentFile(paper[0]), save=False)
        try:
            if stored is not None:
                stored.save()
            audit_record(
                actor=actor, action=f"funds.entry.{kind}", target=entry,
                data={"seq": entry.seq, "fund": fund.code, "matches": bank_debit.seq if bank_debit else None},
            )  # fmt: skip
        except BaseException:
            if stored is not None:
                stored.file.delete(save=False)  # files are not transactional
            raise
    return entry
