"""Every write to a pledge goes through these functions: web pages, the API, commands, the demo.

Each function runs in one transaction that first locks the pledge's need
(``needs.services.need_lock_for_pledges``): pledges of one need take turns, so the items'
counters, the pledge's status and the need's status always move together. The quantity is
reserved by a conditional UPDATE and guarded by a CHECK constraint, so no interleaving of
requests can pledge more than is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuutro.accounts.models import Organisation
from cuutro.accounts.selectors import area_in_scope, commune_officers_of, is_member_of
from cuutro.audit.services import audit_record
from cuutro.lib.codes import code_key, random_code
from cuutro.lib.forms import clean_reason
from cuutro.lib.photos import prepare_photo
from cuutro.lib.public_cache import public_data_changed
from cuutro.needs.choices import quantity_text
from cuutro.needs.models import Need, NeedItem
from cuutro.needs.services import (
    MAX_QUANTITY,
    PHONE_RE,
    need_coverage_sync,
    need_is_open,
    need_item_adjust,
    need_item_reserve,
    need_lock_for_pledges,
    parse_quantity,
)
from cuutro.notify.services import notify
from cuutro.pledges.choices import (
    CONFIRMABLE_STATUSES,
    UNDELIVERED_STATUSES,
    EvidenceKind,
    HandoverStatus,
    PledgeStatus,
    ShowAs,
)
from cuutro.pledges.models import Confirmation, HandoverRequest, Pledge
from cuutro.pledges.permissions import can_act_for_pledge, confirm_refusal

HANDOVER_LEAD_DAYS = 3  # days a new holder gets at least, counted from the hand-over
CODE_PREFIX = "CT"  # cứu trợ; the bank-transfer memo of a cash pledge carries "CT 7K3F9Q"
MAX_NOTE = 2000


class PledgeStateError(Exception):
    """The action does not fit the pledge's (or the need's) current state: HTTP 409."""

    code = "conflict"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OverPledgedError(PledgeStateError):
    """More than remains was asked for; ``remaining`` says how much could be pledged instead."""

    code = "over_pledged"

    def __init__(self, message: str, *, remaining: Decimal, need_item_id: int | None = None) -> None:
        super().__init__(message)
        self.remaining = remaining
        self.need_item_id = need_item_id  # the line a form with several marks


@dataclass
class PledgeData:
    need_item_id: int
    quantity: Decimal | str | int
    contact_name: str = ""
    contact_phone: str = ""
    expected_on: date | None = None
    show_as: str = ShowAs.ANONYMOUS
    organisation_id: int | None = None
    note: str = ""


@dataclass
class ContactData:
    contact_name: str
    contact_phone: str


def check_quantity(value: Any, *, cash: bool) -> tuple[Decimal | None, str]:
    """A quantity typed for a pledge (or anything given like one: a delegation's cargo and
    hand-over) as a Decimal, or None and why not."""
    try:
        quantity = parse_quantity(value, cash=cash)
    except ValueError:
        quantity = None
    if quantity is None:
        return None, _("Enter a number, e.g. 20 or 1.500.000.")
    if quantity <= 0:
        return None, _("Enter a quantity greater than zero.")
    if quantity > MAX_QUANTITY:
        return None, _("This quantity is too large.")
    if cash and quantity != quantity.to_integral_value():
        return None, _("Amounts of money are whole đồng.")
    if quantity != quantity.quantize(Decimal("0.01")):
        return None, _("Use at most two decimal places.")
    return quantity, ""


def _quantity(value: Any, *, item: NeedItem, errors: dict[str, list[str]]) -> Decimal | None:
    quantity, problem = check_quantity(value, cash=item.item.is_cash)
    if quantity is None:
        errors.setdefault("quantity", []).append(problem)
    return quantity


def _contact(name: str, phone: str, errors: dict[str, list[str]], *, actor: Any) -> ContactData:
    """Whom the commune calls. The name defaults to the account's; the phone is optional (the
    account's e-mail still reaches them) but must be a real number when given."""
    name = (name or "").strip() or actor.display_name()
    phone = re.sub(r"[\s.\-]", "", phone or "")
    if len(name) > 150:
        errors.setdefault("contact_name", []).append(_("The name is too long."))
    if phone and not PHONE_RE.match(phone):
        errors.setdefault("contact_phone", []).append(_("Enter a Vietnamese phone number, e.g. 0912345678."))
    return ContactData(contact_name=name, contact_phone=phone)


def _who(*, actor: Any, show_as: str, organisation_id: int | None, errors: dict[str, list[str]]) -> tuple[Organisation | None, str]:
    """The organisation pledged for, and the name the public sees ("" for anonymous)."""
    organisation = None
    if organisation_id is not None:
        if not is_member_of(user=actor, organisation_id=organisation_id):
            raise PermissionDenied(_("You can only pledge on behalf of an organisation you belong to."))
        organisation = Organisation.objects.get(pk=organisation_id)
    if show_as not in ShowAs.values:
        errors.setdefault("show_as", []).append(_("Choose how your name is shown."))
        return organisation, ""
    if show_as == ShowAs.ORGANISATION:
        if organisation is None:
            errors.setdefault("show_as", []).append(_("Choose the organisation whose name is shown."))
            return None, ""
        return organisation, organisation.name
    if show_as == ShowAs.NAME:
        return organisation, actor.display_name()
    return organisation, ""


def _new_code() -> tuple[str, str]:
    while True:
        code = f"{CODE_PREFIX}-{random_code(6)}"
        key = code_key(code)
        if not Pledge.objects.filter(code_key=key).exists():
            return code, key


def _unit_text(item: NeedItem, quantity: Decimal) -> str:
    return quantity_text(quantity, item.item.unit)


def _on_behalf(*, actor: Any, donor: Any, item: NeedItem, data: PledgeData) -> None:
    """An official records a pledge for an organisation's member (an accepted allocation): only
    officials whose scope covers the need (the province committee, the need's commune officers),
    only for a member of the organisation named, and always saying why (the note)."""
    if not area_in_scope(user=actor, area=item.need.area):
        raise PermissionDenied(_("Only an official of the need's commune or province can pledge on someone's behalf."))
    if not getattr(donor, "is_active", False) or data.organisation_id is None:
        raise PermissionDenied(_("A pledge on someone's behalf must name an organisation and one of its members."))
    if not is_member_of(user=donor, organisation_id=data.organisation_id):
        raise PermissionDenied(_("The donor must be a member of the organisation the pledge is made for."))
    if not (data.note or "").strip():
        raise ValidationError({"note": [_("Say why you record this pledge on someone's behalf.")]})


def pledge_create(*, actor: Any, data: PledgeData, donor: Any = None) -> Pledge:
    """Pledge part of a need item. Refused with ``OverPledgedError`` (and nothing written) when more
    than what remains is asked for; the error carries the remaining quantity to offer instead.

    ``donor``: an official (``actor``) records the pledge on behalf of a member of the
    organisation ``data.organisation_id`` (an accepted allocation of a delegation's goods). The
    pledge is the donor's and the organisation's to ship, deliver or cancel; the audit event names
    the official as its actor, the donor, and the note as the reason. See ``_on_behalf``.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Log in to pledge."))
    item = NeedItem.objects.select_related("item", "need", "need__area").filter(pk=data.need_item_id).first()
    if item is None or not item.need.is_public:
        raise ValidationError({"need_item": [_("This item is not part of a published need.")]})
    if donor is not None:
        _on_behalf(actor=actor, donor=donor, item=item, data=data)
    giver = actor if donor is None else donor
    errors: dict[str, list[str]] = {}
    quantity = _quantity(data.quantity, item=item, errors=errors)
    contact = _contact(data.contact_name, data.contact_phone, errors, actor=giver)
    organisation, public_name = _who(actor=giver, show_as=data.show_as, organisation_id=data.organisation_id, errors=errors)
    today = timezone.localdate()
    expected_on = data.expected_on or today + timedelta(days=3)
    if expected_on < today:
        errors.setdefault("expected_on", []).append(_("The expected delivery date cannot be in the past."))
    elif expected_on > today + timedelta(days=settings.PLEDGE_MAX_LEAD_DAYS):
        errors.setdefault("expected_on", []).append(
            _("Pledge only what you can deliver within %(days)d days.") % {"days": settings.PLEDGE_MAX_LEAD_DAYS}
        )
    note = (data.note or "").strip()
    if len(note) > MAX_NOTE:
        errors.setdefault("note", []).append(_("The note is too long (at most %(max)d characters).") % {"max": MAX_NOTE})
    if errors:
        raise ValidationError(errors)
    assert quantity is not None

    for _attempt in range(5):
        code, key = _new_code()
        try:
            with transaction.atomic():
                need = need_lock_for_pledges(need_id=item.need_id)
                if not need_is_open(need):
                    # A published need closes to pledges only once every item is fully pledged:
                    # tell a donor who raced for the last unit "nothing remains" (over_pledged),
                    # as the one who arrived a moment earlier was told.
                    remaining = NeedItem.objects.get(pk=item.pk).remaining
                    if quantity > remaining:
                        raise OverPledgedError(_over_message(item, quantity, remaining), remaining=remaining, need_item_id=item.pk)
                    raise PledgeStateError(
                        _("This need is “%(status)s”: it takes no new pledges.") % {"status": need.get_status_display()}
                    )
                if not need_item_reserve(item_id=item.pk, quantity=quantity):
                    remaining = NeedItem.objects.get(pk=item.pk).remaining
                    raise OverPledgedError(_over_message(item, quantity, remaining), remaining=remaining, need_item_id=item.pk)
                pledge = Pledge.objects.create(
                    code=code,
                    code_key=key,
                    need=need,
                    need_item=item,
                    quantity=quantity,
                    donor=giver,
                    organisation=organisation,
                    show_as=data.show_as,
                    public_name=public_name,
                    contact_name=contact.contact_name,
                    contact_phone=contact.contact_phone,
                    note=note,
                    expected_on=expected_on,
                )
                about = {"to": PledgeStatus.PLEDGED, "need": need.code, "item": item.item.code, "quantity": str(quantity)}
                if donor is not None:
                    about["on_behalf_of"] = donor.get_username()
                audit_record(
                    actor=actor,
                    action="pledges.pledge.created",
                    target=pledge,
                    reason=note if donor is not None else "",
                    data=about,
                )
                need_coverage_sync(need=need, actor=actor, reason=pledge.code)
                return pledge
        except IntegrityError:
            if Pledge.objects.filter(code_key=key).exists():
                continue  # two pledges drew the same random code: draw again
            raise
    raise RuntimeError("could not allocate a unique pledge code")


def _over_message(item: NeedItem, quantity: Decimal, remaining: Decimal) -> str:
    if remaining <= 0:
        return _("Someone else has just pledged the rest: nothing remains to pledge for %(item)s.") % {"item": item.item.name}
    return _("Only %(remaining)s of %(item)s remain; you asked for %(asked)s. You can pledge the remaining %(remaining)s instead.") % {
        "remaining": _unit_text(item, remaining),
        "item": item.item.name,
        "asked": _unit_text(item, quantity),
    }


def _lock(pledge: Pledge) -> tuple[Pledge, Need]:
    """Lock the need first (the one lock order everywhere), then reload the pledge."""
    need = need_lock_for_pledges(need_id=pledge.need_id)
    # of=("self",): lock the pledge row only. PostgreSQL refuses FOR UPDATE across the outer join
    # to the nullable organisation, and the need's lock already orders everything else.
    locked = (
        Pledge.objects.select_for_update(of=("self",))
        .select_related("need_item__item", "organisation", "donor")
        .get(pk=pledge.pk)
    )
    return locked, need


STATE_ERRORS = {
    "ship": gettext_lazy("Only a pledge that is “Pledged” can be marked as on the way. This pledge is “%(status)s”."),
    "deliver": gettext_lazy("Only a pledge that is pledged or on the way can be marked as delivered. This pledge is “%(status)s”."),
    "cancel": gettext_lazy("Only a pledge not yet delivered can be cancelled. This pledge is “%(status)s”."),
    "confirm": gettext_lazy("This pledge is “%(status)s”: there is no delivery to confirm."),
    "handover": gettext_lazy("Only a pledge not yet delivered can be handed over. This pledge is “%(status)s”."),
}


def _state_error(pledge: Pledge, action: str) -> PledgeStateError:
    return PledgeStateError(str(STATE_ERRORS[action]) % {"status": pledge.get_status_display()})


def _move(pledge: Pledge, *, actor: Any, to: PledgeStatus, action: str, reason: str = "", stamp: str = "") -> None:
    before = pledge.status
    pledge.status = to
    pledge.status_reason = reason
    fields = ["status", "status_reason", "updated_at"]
    if stamp:
        setattr(pledge, stamp, timezone.now())
        fields.append(stamp)
    pledge.save(update_fields=fields)
    audit_record(actor=actor, action=f"pledges.pledge.{action}", target=pledge, reason=reason, data={"from": before, "to": to})
    public_data_changed()  # the need's public page lists its pledges and their status


def _require_holder(actor: Any, pledge: Pledge) -> None:
    if not can_act_for_pledge(user=actor, pledge=pledge):
        raise PermissionDenied(_("Only the donor who made this pledge can do this."))


def _about(pledge: Pledge, **extra: str) -> dict[str, str]:
    """What every message about a pledge names: its code, what it brings and for which need."""
    return {"code": pledge.code, "what": _unit_text(pledge.need_item, pledge.quantity), "need": pledge.need.code, **extra}


def _link(name: str, code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[code])


@transaction.atomic
def pledge_ship(*, actor: Any, pledge: Pledge, reason: str = "") -> Pledge:
    """The donor has set off with the goods (or sent the transfer)."""
    pledge, _need = _lock(pledge)
    _require_holder(actor, pledge)
    if pledge.status != PledgeStatus.PLEDGED:
        raise _state_error(pledge, "ship")
    _move(pledge, actor=actor, to=PledgeStatus.IN_TRANSIT, action="shipped", reason=clean_reason(reason), stamp="shipped_at")
    return pledge


@transaction.atomic
def pledge_deliver(*, actor: Any, pledge: Pledge, reason: str = "") -> Pledge:
    """The donor declares the goods handed over; the commune is asked to confirm."""
    pledge, need = _lock(pledge)
    _require_holder(actor, pledge)
    if pledge.status not in UNDELIVERED_STATUSES:
        raise _state_error(pledge, "deliver")
    _move(pledge, actor=actor, to=PledgeStatus.DELIVERED, action="delivered", reason=clean_reason(reason), stamp="delivered_at")
    need_item_adjust(item_id=pledge.need_item_id, delivered=pledge.quantity)
    need_coverage_sync(need=need, actor=actor, reason=pledge.code)
    for officer in commune_officers_of(area=need.area):
        notify(
            recipient=officer,
            kind="delivery_awaiting_confirmation",
            subject=gettext_lazy("Delivery %(code)s awaits your confirmation"),
            body=gettext_lazy(
                "The donor of pledge %(code)s (%(what)s for need %(need)s) says it was delivered.\n"
                "Check with the recipient and confirm it: %(link)s"
            ),
            context=_about(pledge, link=_link("pledges:confirm", pledge.code)),
            dedupe_key=f"delivered:{pledge.code}",
        )
    return pledge


@transaction.atomic
def pledge_confirm(
    *,
    actor: Any,
    pledge: Pledge,
    evidence: UploadedFile | None,
    evidence_kind: str,
    acknowledged: bool,
    received_by: str = "",
    note: str = "",
) -> Pledge:
    """A commune officer of the need's commune confirms what arrived, with a photo of the
    hand-over or of the signed receipt and the recipient's acknowledgement. Never the donor."""
    pledge, need = _lock(pledge)
    refusal = confirm_refusal(user=actor, pledge=pledge, need=need)
    if refusal:
        raise PermissionDenied(refusal)
    errors: dict[str, list[str]] = {}
    if evidence_kind not in EvidenceKind.values:
        errors.setdefault("evidence_kind", []).append(_("Say whether the picture shows the hand-over or the signed receipt."))
    if not acknowledged:
        errors.setdefault("acknowledged", []).append(_("The recipient must acknowledge receipt before you confirm."))
    received_by, note = (received_by or "").strip(), (note or "").strip()
    if len(received_by) > 150:
        errors.setdefault("received_by", []).append(_("The name is too long."))
    if len(note) > MAX_NOTE:
        errors.setdefault("note", []).append(_("The note is too long (at most %(max)d characters).") % {"max": MAX_NOTE})
    prepared = None
    if evidence is None:
        errors.setdefault("evidence", []).append(_("Take or choose a photo of the hand-over or of the signed receipt."))
    else:
        try:
            prepared = prepare_photo(evidence, field="evidence")
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    if pledge.status not in CONFIRMABLE_STATUSES:
        raise _state_error(pledge, "confirm")
    assert prepared is not None
    if pledge.status != PledgeStatus.DELIVERED:
        # The goods are here even if the donor never pressed "delivered": count them delivered too.
        need_item_adjust(item_id=pledge.need_item_id, delivered=pledge.quantity)
        pledge.delivered_at = timezone.now()
        pledge.save(update_fields=["delivered_at"])
    # The officer's note stays on the confirmation (officers only): it may name the household,
    # and the pledge's history is shown to the donor.
    _move(pledge, actor=actor, to=PledgeStatus.CONFIRMED, action="confirmed", stamp="confirmed_at")
    need_item_adjust(item_id=pledge.need_item_id, confirmed=pledge.quantity)
    confirmation = Confirmation(
        pledge=pledge,
        confirmed_by=actor,
        evidence_kind=evidence_kind,
        recipient_acknowledged=True,
        received_by=received_by,
        note=note,
    )
    confirmation.evidence.save(f"evidence.{prepared.extension}", ContentFile(prepared.content), save=False)
    try:
        confirmation.save()
        need_coverage_sync(need=need, actor=actor, reason=pledge.code)
    except BaseException:
        confirmation.evidence.delete(save=False)  # files are not transactional
        raise
    notify(
        recipient=pledge.donor,
        kind="delivery_confirmed",
        subject=gettext_lazy("Your delivery %(code)s was confirmed"),
        body=gettext_lazy("The commune confirmed that %(what)s for need %(need)s arrived. Thank you.\n%(link)s"),
        context=_about(pledge, link=_link("pledges:detail", pledge.code)),
        dedupe_key=f"confirmed:{pledge.code}",
    )
    return pledge


def _release(pledge: Pledge) -> None:
    need_item_adjust(item_id=pledge.need_item_id, pledged=-pledge.quantity)


@transaction.atomic
def pledge_cancel(*, actor: Any, pledge: Pledge, reason: str) -> Pledge:
    """The donor withdraws; the quantity is released for others at once."""
    pledge, need = _lock(pledge)
    _require_holder(actor, pledge)
    reason = clean_reason(reason, required=_("Give a reason: the commune sees it and plans without your goods."))
    if pledge.status not in UNDELIVERED_STATUSES:
        raise _state_error(pledge, "cancel")
    _move(pledge, actor=actor, to=PledgeStatus.CANCELLED, action="cancelled", reason=reason, stamp="closed_at")
    _release(pledge)
    _withdraw_open_handovers(pledge, actor=actor)
    need_coverage_sync(need=need, actor=actor, reason=pledge.code)
    return pledge


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")  # as the pages show dates


@dataclass
class ExpiryResult:
    expired: int = 0
    warned: int = 0
    handovers_expired: int = 0


def pledges_expire(*, today: date | None = None) -> ExpiryResult:
    """Expire undelivered pledges past their deadline (releasing their quantity and telling the
    donor), warn donors whose deadline is near, and expire unanswered hand-over requests.

    Safe to run as often as you like: every step re-checks the state under the lock.
    """
    today = today or timezone.localdate()
    result = ExpiryResult()
    overdue_before = today - timedelta(days=settings.PLEDGE_EXPIRY_DAYS)
    for pledge in Pledge.objects.filter(status__in=UNDELIVERED_STATUSES, expected_on__lt=overdue_before).order_by("pk"):
        with transaction.atomic():
            locked, need = _lock(pledge)
            if locked.status not in UNDELIVERED_STATUSES or locked.deadline >= today:
                continue
            reason = _("Not delivered by %(date)s.") % {"date": _day(locked.deadline)}
            _move(locked, actor=None, to=PledgeStatus.EXPIRED, action="expired", reason=reason, stamp="closed_at")
            _release(locked)
            _withdraw_open_handovers(locked, actor=None)
            need_coverage_sync(need=need, actor=None, reason=locked.code)
            notify(
                recipient=locked.donor,
                kind="pledge_expired",
                subject=gettext_lazy("Your pledge %(code)s has expired"),
                body=gettext_lazy(
                    "Pledge %(code)s (%(what)s for need %(need)s) was not delivered by %(date)s, so it expired "
                    "and the quantity is open to other donors again. If you still can help, pledge again: %(link)s"
                ),
                context=_about(locked, date=_day(locked.deadline), link=_link("portal:need_detail", need.code)),
                dedupe_key=f"expired:{locked.code}",
            )
            result.expired += 1

    warn_from = today - timedelta(days=settings.PLEDGE_EXPIRY_DAYS - settings.PLEDGE_EXPIRY_WARNING_DAYS)
    near = Pledge.objects.filter(status__in=UNDELIVERED_STATUSES, expected_on__lte=warn_from, expiry_warned_at__isnull=True)
    for pledge in near.select_related("need", "need_item__item", "donor").order_by("pk"):
        with transaction.atomic():
            warn = Pledge.objects.filter(pk=pledge.pk, expiry_warned_at__isnull=True, status__in=UNDELIVERED_STATUSES)
            if not warn.update(expiry_warned_at=timezone.now()):
                continue  # another run warned first
            notify(
                recipient=pledge.donor,
                kind="pledge_near_expiry",
                subject=gettext_lazy("Pledge %(code)s expires on %(date)s"),
                body=gettext_lazy(
                    "Pledge %(code)s (%(what)s for need %(need)s) has not been delivered yet. If it is not delivered "
                    "by %(date)s it expires and others may pledge instead. Update it or cancel it: %(link)s"
                ),
                context=_about(pledge, date=_day(pledge.deadline), link=_link("pledges:detail", pledge.code)),
                dedupe_key=f"near-expiry:{pledge.code}",
            )
            result.warned += 1

    result.handovers_expired = handovers_expire()
    return result


# ---- money received for cash pledges --------------------------------------------------------


@transaction.atomic
def pledge_record_payment(*, actor: Any, pledge: Pledge, amount: Decimal, entry_seq: int) -> Pledge:
    """Money arrived on the fund's account for this cash pledge (reconciliation found its
    reference in a bank transfer, ledger entry ``entry_seq``). Paid once the pledged amount is in."""
    pledge, _need = _lock(pledge)
    if not pledge.need_item.item.is_cash:
        raise PledgeStateError(_("Only a pledge of money can receive a bank transfer."))
    if amount <= 0:
        raise ValueError("a payment is a positive amount")
    pledge.amount_received += amount
    fields = ["amount_received", "updated_at"]
    if pledge.paid_at is None and pledge.amount_received >= pledge.quantity:
        pledge.paid_at = timezone.now()
        fields.append("paid_at")
    pledge.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="pledges.pledge.payment_received",
        target=pledge,
        data={"amount": str(amount), "ledger_entry": entry_seq, "received": str(pledge.amount_received)},
    )
    public_data_changed()
    return pledge


# ---- hand-over between donors ----------------------------------------------------------------


def _withdraw_open_handovers(pledge: Pledge, *, actor: Any) -> None:
    for request in HandoverRequest.objects.filter(pledge=pledge, status=HandoverStatus.OPEN):
        request.status = HandoverStatus.WITHDRAWN
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_at"])
        audit_record(actor=actor, action="pledges.handover.withdrawn", target=request, data={"pledge": pledge.code})


@dataclass
class HandoverData:
    contact_name: str = ""
    contact_phone: str = ""
    organisation_id: int | None = None
    message: str = ""


@transaction.atomic
def handover_request(*, actor: Any, pledge: Pledge, data: HandoverData) -> HandoverRequest:
    """Ask the holder of a pledge to hand it over (e.g. they cannot reach a cut-off village)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Log in to ask for a hand-over."))
    pledge, _need = _lock(pledge)
    if can_act_for_pledge(user=actor, pledge=pledge):
        raise PermissionDenied(_("This pledge is already yours."))
    errors: dict[str, list[str]] = {}
    contact = _contact(data.contact_name, data.contact_phone, errors, actor=actor)
    organisation = None
    if data.organisation_id is not None:
        if not is_member_of(user=actor, organisation_id=data.organisation_id):
            raise PermissionDenied(_("You can only ask on behalf of an organisation you belong to."))
        organisation = Organisation.objects.get(pk=data.organisation_id)
    message = (data.message or "").strip()
    if len(message) > MAX_NOTE:
        errors.setdefault("message", []).append(_("The message is too long (at most %(max)d characters).") % {"max": MAX_NOTE})
    if errors:
        raise ValidationError(errors)
    if pledge.status not in UNDELIVERED_STATUSES:
        raise _state_error(pledge, "handover")
    if HandoverRequest.objects.filter(pledge=pledge, status=HandoverStatus.OPEN).exists():
        raise PledgeStateError(_("Someone has already asked to take over this pledge; wait for the donor's answer."))
    request = HandoverRequest.objects.create(
        pledge=pledge,
        requested_by=actor,
        organisation=organisation,
        contact_name=contact.contact_name,
        contact_phone=contact.contact_phone,
        message=message,
        expires_at=timezone.now() + timedelta(hours=settings.HANDOVER_EXPIRY_HOURS),
    )
    audit_record(actor=actor, action="pledges.handover.requested", target=request, data={"pledge": pledge.code})
    audit_record(actor=actor, action="pledges.pledge.handover_requested", target=pledge, reason=message, data={"request": request.pk})
    who = organisation.name if organisation else actor.display_name()
    notify(
        recipient=pledge.donor,
        kind="handover_requested",
        subject=gettext_lazy("%(who)s asks to take over your pledge %(code)s"),
        body=gettext_lazy(
            "%(who)s asks to take over pledge %(code)s (%(what)s for need %(need)s).\n%(message)s\n"
            "Accept or decline before %(until)s: %(link)s"
        ),
        context=_about(
            pledge, who=who, message=message, until=timezone.localtime(request.expires_at).strftime("%d/%m/%Y %H:%M"),
            link=_link("pledges:detail", pledge.code),
        ),
        dedupe_key=f"handover:{request.pk}",
    )
    return request


def _lock_request(request: HandoverRequest) -> tuple[HandoverRequest, Pledge]:
    pledge, _need = _lock(request.pledge)
    locked = (
        HandoverRequest.objects.select_for_update(of=("self",))  # see _lock: organisation is nullable
        .select_related("requested_by", "organisation")
        .get(pk=request.pk)
    )
    return locked, pledge


def _require_open(request: HandoverRequest) -> None:
    if request.status != HandoverStatus.OPEN or request.expires_at <= timezone.now():
        raise PledgeStateError(_("This hand-over request is no longer open."))


@transaction.atomic
def handover_accept(*, actor: Any, request: HandoverRequest, reason: str = "") -> Pledge:
    """The holder agrees: the pledge, with its quantity and expected date, passes to the requester."""
    request, pledge = _lock_request(request)
    _require_holder(actor, pledge)
    _require_open(request)
    if pledge.status not in UNDELIVERED_STATUSES:
        raise _state_error(pledge, "handover")
    reason = clean_reason(reason)
    before = {"donor": pledge.donor_id, "organisation": pledge.organisation_id, "status": pledge.status}
    pledge.donor = request.requested_by
    pledge.organisation = request.organisation
    pledge.show_as = ShowAs.ORGANISATION if request.organisation else ShowAs.ANONYMOUS
    pledge.public_name = request.organisation.name if request.organisation else ""
    pledge.contact_name, pledge.contact_phone = request.contact_name, request.contact_phone
    # Nothing of the previous holder's travels on: their note to the commune, their last reason.
    pledge.note, pledge.status_reason = "", ""
    pledge.status, pledge.shipped_at = PledgeStatus.PLEDGED, None  # the new holder has not set off yet
    # The new holder gets time to deliver, even if the pledge was already late.
    pledge.expected_on = max(pledge.expected_on, timezone.localdate() + timedelta(days=HANDOVER_LEAD_DAYS))
    pledge.expiry_warned_at = None
    pledge.save()
    request.status, request.decided_at, request.decided_by, request.reason = (
        HandoverStatus.ACCEPTED, timezone.now(), actor, reason,
    )
    request.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    audit_record(actor=actor, action="pledges.handover.accepted", target=request, reason=request.reason)
    audit_record(
        actor=actor,
        action="pledges.pledge.handed_over",
        target=pledge,
        reason=request.reason,
        data={
            "from": before,
            "to": {"donor": pledge.donor_id, "organisation": pledge.organisation_id, "status": pledge.status},
            "expected_on": pledge.expected_on.isoformat(),
            "request": request.pk,
        },
    )
    public_data_changed()
    _tell_requester(request, accepted=True)
    return pledge


@transaction.atomic
def handover_decline(*, actor: Any, request: HandoverRequest, reason: str = "") -> HandoverRequest:
    request, pledge = _lock_request(request)
    _require_holder(actor, pledge)
    _require_open(request)
    request.status, request.decided_at, request.decided_by, request.reason = (
        HandoverStatus.DECLINED, timezone.now(), actor, clean_reason(reason),
    )
    request.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    audit_record(actor=actor, action="pledges.handover.declined", target=request, reason=request.reason)
    audit_record(
        actor=actor, action="pledges.pledge.handover_declined", target=pledge, reason=request.reason,
        data={"request": request.pk},
    )
    _tell_requester(request, accepted=False)
    return request


def _tell_requester(request: HandoverRequest, *, accepted: bool) -> None:
    pledge = request.pledge
    if accepted:
        subject = gettext_lazy("Pledge %(code)s is now yours")
        body = gettext_lazy("The donor handed pledge %(code)s over to you. Deliver it by %(date)s: %(link)s")
    else:
        subject = gettext_lazy("Your hand-over request for %(code)s was declined")
        body = gettext_lazy("The donor keeps pledge %(code)s. %(reason)s\nOther needs are still open: %(link)s")
    notify(
        recipient=request.requested_by,
        kind="handover_answered",
        subject=subject,
        body=body,
        context={"code": pledge.code, "date": _day(pledge.expected_on), "reason": request.reason,
                 "link": _link("pledges:detail" if accepted else "portal:need_detail", pledge.code if accepted else pledge.need.code)},
        dedupe_key=f"handover-answer:{request.pk}",
    )


def handovers_expire(*, now: datetime | None = None) -> int:
    """Close hand-over requests nobody answered in time."""
    now = now or timezone.now()
    count = 0
    for request in HandoverRequest.objects.filter(status=HandoverStatus.OPEN, expires_at__lte=now).order_by("pk"):
        with transaction.atomic():
            if HandoverRequest.objects.filter(pk=request.pk, status=HandoverStatus.OPEN).update(
                status=HandoverStatus.EXPIRED, decided_at=now
            ):
                audit_record(actor=None, action="pledges.handover.expired", target=request)
                audit_record(
                    actor=None, action="pledges.pledge.handover_expired", target=request.pledge, data={"request": request.pk}
                )
                count += 1
    return count


# The donor's actions by name, for the web pages and the API alike.
PLEDGE_ACTIONS = {"ship": pledge_ship, "deliver": pledge_deliver, "cancel": pledge_cancel}
