"""Every write to a need goes through these functions: web forms, the API, the demo and tests.

Each one checks the actor's scope, validates everything before writing anything, then changes
state and records the audit event in one transaction, so an error leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from cuutro.audit.services import audit_record
from cuutro.geo.models import Area, AreaLevel
from cuutro.lib.codes import code_key, random_code
from cuutro.lib.photos import PreparedPhoto, prepare_photo
from cuutro.lib.public_cache import public_data_changed
from cuutro.lib.text import fold
from cuutro.needs.choices import VULNERABILITY_FLAGS
from cuutro.needs.models import (
    CODE_PREFIX,
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    URGENCY_RANK,
    Beneficiary,
    Campaign,
    CatalogueItem,
    DamageLevel,
    Need,
    NeedItem,
    NeedKind,
    NeedPhoto,
    NeedStatus,
    Urgency,
)
from cuutro.needs.permissions import can_manage_needs_in, can_verify
from cuutro.needs.priority import flags_of, need_priority

MAX_DESCRIPTION = 4000
MAX_QUANTITY = Decimal("1000000000000")  # 10^12: above any real need, below the column's limit
ID_NUMBER_RE = re.compile(r"^(\d{9}|\d{12})$")
PHONE_RE = re.compile(r"^(0|\+84)\d{9,10}$")
# Digits with single separators ("0987 654 321", "5.000.000"), to spot phone and ID numbers.
DIGIT_RUN_RE = re.compile(r"\d(?:[ .\-]?\d)*")
MONEY_RE = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")
SEARCH_WORD_RE = re.compile(r"\w+")
EDITABLE_STATUSES = {NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.REJECTED}
CANCELLABLE_STATUSES = {*EDITABLE_STATUSES, NeedStatus.VERIFIED, NeedStatus.PARTIALLY_PLEDGED}
MAX_PHOTOS = 10


class NeedStateError(Exception):
    """The transition is not allowed from the need's current status (HTTP 409 in the API)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class NeedItemData:
    item_code: str
    quantity: Decimal | str | int


@dataclass
class BeneficiaryData:
    full_name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    household_size: int | None = None
    # Vulnerability of the household (VULNERABILITY_FLAGS): private, they raise the priority.
    poor_household: bool = False
    near_poor_household: bool = False
    elderly_alone: bool = False
    disability: bool = False
    young_children: bool = False
    pregnant: bool = False


@dataclass
class NeedData:
    area_code: str
    kind: str
    urgency: str
    description: str
    items: list[NeedItemData] = field(default_factory=list)
    beneficiary: BeneficiaryData | None = None
    village_code: str | None = None
    latitude: Decimal | str | float | None = None
    longitude: Decimal | str | float | None = None
    campaign_code: str | None = None
    damage_level: str = DamageLevel.NONE


@dataclass
class _Cleaned:
    area: Area
    village: Area | None
    kind: str
    urgency: str
    description: str
    items: list[tuple[CatalogueItem, Decimal]]
    beneficiary: BeneficiaryData | None
    latitude: Decimal | None
    longitude: Decimal | None
    campaign: Campaign | None
    damage_level: str


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError from None
    if not result.is_finite():
        raise ValueError
    return result


def parse_quantity(value: Any, *, cash: bool) -> Decimal | None:
    """A typed quantity. Money is written the way the pages print it: dots or commas between
    groups of three digits separate thousands ("1.500.000" đồng is one and a half million, never
    1.5 đồng). Other quantities take a decimal comma or point ("12,5" kg). Raises ValueError."""
    text = "" if value is None else str(value).strip()
    if cash and MONEY_RE.match(text):
        text = re.sub(r"[.,]", "", text)
    return _decimal(text)


def _clean(*, actor: Any, data: NeedData) -> _Cleaned:
    """Validate every field, collecting all errors so the officer can fix them in one go."""
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    area = Area.objects.select_related("parent").filter(code=str(data.area_code or "").strip()).first()
    if area is None or area.level != AreaLevel.COMMUNE or not area.is_current:
        err("area", _("Choose a commune or ward that exists today."))
    elif not can_manage_needs_in(user=actor, area=area):
        # Same answer whether the commune exists or not would hide too much from a real officer;
        # this only reveals that the commune is outside their scope, which they know anyway.
        raise PermissionDenied(_("You can only record needs in your own commune or province."))

    village = None
    if data.village_code:
        village = Area.objects.filter(code=data.village_code, level=AreaLevel.VILLAGE).first()
        if village is None or (area is not None and village.parent_id != area.pk):
            err("village", _("This village is not in the chosen commune."))

    if data.kind not in NeedKind.values:
        err("kind", _("Choose who the need is for: a household, a community or an institution."))
    if data.urgency not in Urgency.values:
        err("urgency", _("Choose how urgent the need is."))
    if data.damage_level not in DamageLevel.values:
        err("damage_level", _("Choose how badly the house or building is damaged."))

    description = (data.description or "").strip()
    if not description:
        err("description", _("Describe the need in a few words: what happened and what is needed."))
    elif len(description) > MAX_DESCRIPTION:
        err("description", _("The description is too long (at most %(max)d characters).") % {"max": MAX_DESCRIPTION})

    items: list[tuple[CatalogueItem, Decimal]] = []
    if not data.items:
        err("items", _("Add at least one item that is needed."))
    catalogue = {i.code: i for i in CatalogueItem.objects.filter(code__in=[d.item_code for d in data.items], active=True)}
    seen: set[str] = set()
    for index, entry in enumerate(data.items):
        key = f"items.{index}"
        item = catalogue.get(entry.item_code)
        if item is None:
            err(f"{key}.item", _("Choose an item from the list."))
            continue
        if item.code in seen:
            err(f"{key}.item", _("%(item)s is listed twice: put the whole quantity on one line.") % {"item": item.name})
            continue
        seen.add(item.code)
        try:
            quantity = parse_quantity(entry.quantity, cash=item.is_cash)
        except ValueError:
            quantity = None
        if quantity is None or quantity <= 0:
            err(f"{key}.quantity", _("Enter a quantity greater than zero."))
        elif quantity > MAX_QUANTITY:
            err(f"{key}.quantity", _("This quantity is too large."))
        elif item.is_cash and quantity != quantity.to_integral_value():
            err(f"{key}.quantity", _("Amounts of money are whole đồng."))
        elif quantity != quantity.quantize(Decimal("0.01")):  # by value: 12.500 kg is 12.5, not three places
            err(f"{key}.quantity", _("Use at most two decimal places."))
        else:
            items.append((item, quantity))

    beneficiary = data.beneficiary
    kind = data.kind
    flags = flags_of(beneficiary)
    if flags and kind != NeedKind.HOUSEHOLD:
        err("vulnerability", _("The boxes about a vulnerable household are for households only: leave them empty."))
    if {"poor_household", "near_poor_household"} <= set(flags):
        err("vulnerability", _("A household is either poor or near-poor: tick only one of the two."))
    if beneficiary is None or not (beneficiary.full_name or "").strip():
        if kind == NeedKind.HOUSEHOLD:
            err("beneficiary.full_name", _("Enter the name of the head of household (it stays private)."))
        beneficiary = None
    else:
        beneficiary = replace(  # the vulnerability flags are kept as given
            beneficiary,
            full_name=beneficiary.full_name.strip(),
            id_number=re.sub(r"\s", "", beneficiary.id_number or ""),
            phone=re.sub(r"[\s.\-]", "", beneficiary.phone or ""),
            address=(beneficiary.address or "").strip(),
        )
        if beneficiary.id_number and not ID_NUMBER_RE.match(beneficiary.id_number):
            err("beneficiary.id_number", _("An ID number has 9 or 12 digits."))
        if beneficiary.phone and not PHONE_RE.match(beneficiary.phone):
            err("beneficiary.phone", _("Enter a Vietnamese phone number, e.g. 0912345678."))
        if beneficiary.household_size is not None and not 0 < beneficiary.household_size < 100:
            err("beneficiary.household_size", _("Enter the number of people in the household."))
        if len(beneficiary.full_name) > 150:
            err("beneficiary.full_name", _("The name is too long."))

    if description and identity_in_text(description, beneficiary):
            err(
                "description",
                _("The description is public: do not write the beneficiary's name, ID number or phone in it."),
            )

    latitude = longitude = None
    try:
        latitude, longitude = _decimal(data.latitude), _decimal(data.longitude)
    except ValueError:
        err("location", _("The location is not a valid pair of coordinates."))
    if (latitude is None) != (longitude is None):
        err("location", _("Give both latitude and longitude, or neither."))
    elif latitude is not None and longitude is not None:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            err("location", _("The location is not a valid pair of coordinates."))
        else:
            latitude, longitude = latitude.quantize(Decimal("0.000001")), longitude.quantize(Decimal("0.000001"))

    campaign = None
    if data.campaign_code:
        campaign = Campaign.objects.filter(code=data.campaign_code, active=True).first()
        if campaign is None:
            err("campaign", _("This campaign does not exist or has ended."))

    if errors:
        raise ValidationError(errors)
    assert area is not None
    return _Cleaned(
        area=area,
        village=village,
        kind=data.kind,
        urgency=data.urgency,
        description=description,
        items=items,
        beneficiary=beneficiary,
        latitude=latitude,
        longitude=longitude,
        campaign=campaign,
        damage_level=data.damage_level,
    )


def _looks_like_identity_number(run: str) -> bool:
    digits = re.sub(r"\D", "", run)
    if digits.startswith("0") and len(digits) in (10, 11):
        return True  # mobile or landline number
    if digits.startswith("84") and len(digits) in (11, 12):
        return True  # +84 …
    if len(digits) == 12:
        return True  # CCCD
    # 9 digits is an old CMND, unless written as money ("150.000.000").
    return len(digits) == 9 and not MONEY_RE.match(run)


def identity_in_text(text: str, beneficiary: BeneficiaryData | None) -> bool:
    """True when public ``text`` carries a phone or ID number, or this beneficiary's identity."""
    if any(_looks_like_identity_number(m.group()) for m in DIGIT_RUN_RE.finditer(text)):
        return True
    if beneficiary is None:
        return False
    folded = fold(text)
    digits = re.sub(r"\D", "", text)
    own_numbers = [re.sub(r"\D", "", n) for n in (beneficiary.phone, beneficiary.id_number)]
    return (
        (len(beneficiary.full_name) >= 4 and fold(beneficiary.full_name) in folded)
        or any(len(n) >= 6 and n in digits for n in own_numbers)
        or (len(beneficiary.address) >= 8 and fold(beneficiary.address) in folded)
    )


def _search_key(need: Need, items: list[tuple[CatalogueItem, Decimal]]) -> str:
    parts = [need.code, need.description, need.area.name]
    for language in ("vi", "en"):  # the same key whichever language the officer uses
        with override(language):
            parts.append(str(need.get_kind_display()))
    if need.area.parent is not None:
        parts.append(need.area.parent.name)
    if need.village is not None:
        parts.append(need.village.name)
    if need.campaign is not None:
        parts.append(need.campaign.name)
    for item, _quantity in items:
        parts += [item.name_vi, item.name_en, item.category.name_vi, item.category.name_en]
    # Words only, each between spaces, so a search term matches whole words: "ha" must find "Hà"
    # but not "nhà" or "hai", or "dong ha" would find every need with "đóng chai" and "nhà".
    return f" {' '.join(SEARCH_WORD_RE.findall(fold(' '.join(parts))))} "


def _apply(need: Need, cleaned: _Cleaned) -> None:
    need.area = cleaned.area
    need.area_path = cleaned.area.path
    need.village = cleaned.village
    need.kind = cleaned.kind
    need.urgency = cleaned.urgency
    need.urgency_rank = URGENCY_RANK[Urgency(cleaned.urgency)]
    need.description = cleaned.description
    need.latitude = cleaned.latitude
    need.longitude = cleaned.longitude
    need.campaign = cleaned.campaign
    need.damage_level = cleaned.damage_level
    _score(need, flags=flags_of(cleaned.beneficiary))


def _score(need: Need, *, flags: list[str]) -> None:
    """Store the need's priority and its parts (see needs/priority.py) on the instance."""
    breakdown = need_priority(need, flags=flags)
    need.priority, need.priority_parts = breakdown.total, breakdown.to_stored()


def _write_children(need: Need, cleaned: _Cleaned) -> None:
    NeedItem.objects.filter(need=need).delete()
    NeedItem.objects.bulk_create([NeedItem(need=need, item=item, quantity=qty) for item, qty in cleaned.items])
    if cleaned.beneficiary is None:
        Beneficiary.objects.filter(need=need).delete()
    else:
        b = cleaned.beneficiary
        Beneficiary.objects.update_or_create(
            need=need,
            defaults={
                "full_name": b.full_name,
                "id_number": b.id_number,
                "phone": b.phone,
                "address": b.address,
                "household_size": b.household_size,
                **{flag: getattr(b, flag) for flag in VULNERABILITY_FLAGS},
            },
        )


def _new_code(kind: str) -> tuple[str, str]:
    prefix = CODE_PREFIX[NeedKind(kind)]
    while True:
        code = f"{prefix}-{random_code(5)}"
        key = code_key(code)
        if not Need.objects.filter(code_key=key).exists():
            return code, key


def need_create(
    *, actor: Any, data: NeedData, submit: bool = False, photos: list[UploadedFile] | None = None
) -> Need:
    """Record a new need as a draft (or submitted straight away when ``submit``), with its photos.

    Everything, photos included, is checked before anything is written.
    """
    cleaned = _clean(actor=actor, data=data)
    prepared = _prepare_photos(photos or [], existing=0)
    for _attempt in range(5):
        code, key = _new_code(cleaned.kind)
        try:
            with transaction.atomic():
                need = Need(code=code, code_key=key, created_by=actor, status=NeedStatus.DRAFT)
                _apply(need, cleaned)
                need.search_key = _search_key(need, cleaned.items)
                need.save()
                _write_children(need, cleaned)
                audit_record(
                    actor=actor, action="needs.need.created", target=need, data={"to": NeedStatus.DRAFT, "code": code}
                )
                if submit:
                    _transition(need, actor=actor, to=NeedStatus.SUBMITTED, action="submitted")
                _store_photos(need, actor=actor, prepared=prepared)
                return need
        except IntegrityError:
            # Two officers drew the same random code at the same instant: draw again.
            if Need.objects.filter(code_key=key).exists():
                continue
            raise
    raise RuntimeError("could not allocate a unique need code")


def _content(need: Need) -> dict[str, Any]:
    """A need's editable content, to name what an edit changed (values of private fields are
    compared but never written to the log)."""
    beneficiary = Beneficiary.objects.filter(need=need).values(
        "full_name", "id_number", "phone", "address", "household_size", *VULNERABILITY_FLAGS
    ).first()
    return {
        "area": need.area_id,
        "village": need.village_id,
        "urgency": need.urgency,
        "damage_level": need.damage_level,
        "description": need.description,
        "campaign": need.campaign_id,
        "location": (need.latitude, need.longitude),
        "items": sorted((i.item_id, i.quantity) for i in NeedItem.objects.filter(need=need)),
        "beneficiary": beneficiary,
    }


@transaction.atomic
def need_update(
    *, actor: Any, need: Need, data: NeedData, submit: bool = False, photos: list[UploadedFile] | None = None
) -> Need:
    """Edit a draft, returned or submitted need (and send it for verification when ``submit``).

    One transaction: a refused submit leaves the edit unsaved too.
    """
    need = _locked(need)
    if not can_manage_needs_in(user=actor, area=need.area):
        raise PermissionDenied(_("You can only edit needs in your own commune or province."))
    if need.status not in EDITABLE_STATUSES:
        raise need_state_error(need, "edit")
    cleaned = _clean(actor=actor, data=data)
    if cleaned.kind != need.kind:
        # The public code carries the kind; changing it would silently break printed codes.
        raise ValidationError({"kind": [_("The kind of a recorded need cannot change; cancel it and record a new one.")]})
    prepared = _prepare_photos(photos or [], existing=need.photos.count())
    before = _content(need)
    _apply(need, cleaned)
    need.search_key = _search_key(need, cleaned.items)
    need.save()
    _write_children(need, cleaned)
    after = _content(need)
    changed = sorted(key for key in after if after[key] != before[key])
    if changed:
        audit_record(actor=actor, action="needs.need.edited", target=need, data={"status": need.status, "changed": changed})
    if submit and need.status != NeedStatus.SUBMITTED:
        need_submit(actor=actor, need=need)
        need.refresh_from_db()
    _store_photos(need, actor=actor, prepared=prepared)
    return need


def _transition(need: Need, *, actor: Any, to: NeedStatus, action: str, reason: str = "") -> Need:
    before = need.status
    need.status = to
    if action != "coverage_changed":  # that reason is a pledge code, for the log only
        need.status_reason = reason
    now = timezone.now()
    update = ["status", "status_reason", "updated_at"]
    if to == NeedStatus.SUBMITTED:
        need.submitted_at = now
        update.append("submitted_at")
    if action == "verified":  # not when released pledges send it back to open
        need.verified_at, need.verified_by = now, actor
        update += ["verified_at", "verified_by"]
    # Days waiting start at verification and stop once nothing is left to pledge.
    _score(need, flags=_flags(need))
    update += ["priority", "priority_parts"]
    need.save(update_fields=update)
    audit_record(actor=actor, action=f"needs.need.{action}", target=need, reason=reason, data={"from": before, "to": to})
    if before in PUBLIC_STATUSES or to in PUBLIC_STATUSES:
        public_data_changed()
    return need


def _flags(need: Need) -> list[str]:
    return flags_of(Beneficiary.objects.filter(need=need).values(*VULNERABILITY_FLAGS).first())


def _locked(need: Need) -> Need:
    # Lock the row: two officers pressing "verify" and "reject" at once must not both win.
    return Need.objects.select_for_update().select_related("area").get(pk=need.pk)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason: it is shown to the officer who recorded the need.")]})
    return reason


# One whole sentence per action: a verb slotted into a shared sentence does not translate.
STATE_ERRORS = {
    "submit": gettext_lazy("Only a draft or a returned need can be sent for verification. This need is “%(status)s”."),
    "verify": gettext_lazy("Only a need awaiting verification can be verified. This need is “%(status)s”."),
    "reject": gettext_lazy("Only a need awaiting verification can be returned. This need is “%(status)s”."),
    "cancel": gettext_lazy("A need that is “%(status)s” can no longer be cancelled."),
    "edit": gettext_lazy("A need that is “%(status)s” can no longer be edited."),
}


def need_state_error(need: Need, action: str) -> NeedStateError:
    """The error for ``action`` (submit, verify, reject, cancel, edit) from the need's status."""
    return NeedStateError(str(STATE_ERRORS[action]) % {"status": need.get_status_display()})


@transaction.atomic
def need_submit(*, actor: Any, need: Need, reason: str = "") -> Need:
    need = _locked(need)
    if not can_manage_needs_in(user=actor, area=need.area):
        raise PermissionDenied(_("You can only submit needs in your own commune or province."))
    if need.status not in {NeedStatus.DRAFT, NeedStatus.REJECTED}:
        raise need_state_error(need, "submit")
    return _transition(need, actor=actor, to=NeedStatus.SUBMITTED, action="submitted", reason=reason.strip())


@transaction.atomic
def need_verify(*, actor: Any, need: Need, reason: str = "") -> Need:
    """Verification publishes the need. A second officer, never its creator, must do it."""
    need = _locked(need)
    if not can_manage_needs_in(user=actor, area=need.area):
        raise PermissionDenied(_("You can only verify needs in your own commune or province."))
    if not can_verify(user=actor, need=need):
        raise PermissionDenied(_("You recorded, edited or submitted this need, so another officer must verify it."))
    if need.status != NeedStatus.SUBMITTED:
        raise need_state_error(need, "verify")
    return _transition(need, actor=actor, to=NeedStatus.VERIFIED, action="verified", reason=reason.strip())


@transaction.atomic
def need_reject(*, actor: Any, need: Need, reason: str) -> Need:
    """Send the need back to its creator for correction, with the reason."""
    need = _locked(need)
    if not can_manage_needs_in(user=actor, area=need.area):
        raise PermissionDenied(_("You can only review needs in your own commune or province."))
    if not can_verify(user=actor, need=need):
        raise PermissionDenied(_("You recorded, edited or submitted this need, so another officer must review it."))
    reason = _require_reason(reason)
    if need.status != NeedStatus.SUBMITTED:
        raise need_state_error(need, "reject")
    return _transition(need, actor=actor, to=NeedStatus.REJECTED, action="rejected", reason=reason)


@transaction.atomic
def need_cancel(*, actor: Any, need: Need, reason: str) -> Need:
    need = _locked(need)
    if not can_manage_needs_in(user=actor, area=need.area):
        raise PermissionDenied(_("You can only cancel needs in your own commune or province."))
    reason = _require_reason(reason)
    if need.status not in CANCELLABLE_STATUSES:
        raise need_state_error(need, "cancel")
    if NeedItem.objects.filter(need=need, quantity_pledged__gt=0).exists():
        # Donors are on their way with these goods: they must hear it from the commune first.
        raise NeedStateError(
            _("Donors have pledged to this need. Ask them to cancel their pledges before cancelling the need.")
        )
    return _transition(need, actor=actor, to=NeedStatus.CANCELLED, action="cancelled", reason=reason)


def _prepare_photos(uploads: list[UploadedFile], *, existing: int) -> list[PreparedPhoto]:
    if existing + len(uploads) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("A need can have at most %(n)d photos.") % {"n": MAX_PHOTOS}]})
    return [prepare_photo(upload) for upload in uploads]


def _store_photos(need: Need, *, actor: Any, prepared: list[PreparedPhoto]) -> list[NeedPhoto]:
    """Write the photos as the last step of the caller's transaction.

    Files are not transactional: if anything fails after a file is written, the written files are
    deleted again, so a failed save leaves no picture of a family's home behind on disk.
    """
    photos: list[NeedPhoto] = []
    try:
        for photo in prepared:
            stored = NeedPhoto(need=need, uploaded_by=actor)
            stored.image.save(f"photo.{photo.extension}", ContentFile(photo.content), save=False)
            photos.append(stored)
            stored.save()
        if photos:
            audit_record(actor=actor, action="needs.need.photos_added", target=need, data={"count": len(photos)})
    except BaseException:
        for stored in photos:
            stored.image.delete(save=False)
        raise
    return photos


@transaction.atomic
def need_photos_add(*, actor: Any, need: Need, uploads: list[UploadedFile]) -> list[NeedPhoto]:
    """Attach evidence photos; all are checked before any is stored."""
    need = _locked(need)
    if not can_manage_needs_in(user=actor, area=need.area):
        raise PermissionDenied(_("You can only add photos to needs in your own commune or province."))
    prepared = _prepare_photos(uploads, existing=need.photos.count())
    return _store_photos(need, actor=actor, prepared=prepared)


# The workflow's transitions by name, for the web screens and the API alike.
NEED_TRANSITIONS = {
    "submit": need_submit,
    "verify": need_verify,
    "reject": need_reject,
    "cancel": need_cancel,
}


# ---- coverage: pledges against need items ---------------------------------------------------
# The pledges app moves these counters; the needs app owns the table and the need's status.
# Callers hold the need's row lock (``need_lock_for_pledges``) for the whole transaction.


def need_lock_for_pledges(*, need_id: int) -> Need:
    """Lock the need for a pledge operation: every change to its items' counters and to its
    coverage status happens under this lock, so concurrent pledges take turns per need."""
    # of=("self",): lock the need only, not its commune row (pledges on other needs of the same
    # commune must not queue behind this one).
    return Need.objects.select_for_update(of=("self",)).select_related("area").get(pk=need_id)


def need_item_reserve(*, item_id: int, quantity: Decimal) -> bool:
    """Add ``quantity`` to the item's pledged total if that much remains; False if it does not.

    A conditional UPDATE: on PostgreSQL a concurrent writer waits for the row and re-checks the
    condition against the committed value; the CHECK constraint is the last line of defence.
    """
    return bool(
        NeedItem.objects.filter(pk=item_id, quantity__gte=models.F("quantity_pledged") + quantity).update(
            quantity_pledged=models.F("quantity_pledged") + quantity
        )
    )


def need_item_adjust(
    *, item_id: int, pledged: Decimal = Decimal(0), delivered: Decimal = Decimal(0), confirmed: Decimal = Decimal(0)
) -> None:
    """Move an item's counters by the given (possibly negative) amounts, in one UPDATE."""
    NeedItem.objects.filter(pk=item_id).update(
        quantity_pledged=models.F("quantity_pledged") + pledged,
        quantity_delivered=models.F("quantity_delivered") + delivered,
        quantity_confirmed=models.F("quantity_confirmed") + confirmed,
    )


def coverage_status(items: list[NeedItem]) -> NeedStatus:
    """The need's status that its items' counters imply."""
    if items and all(i.quantity_confirmed >= i.quantity for i in items):
        return NeedStatus.CLOSED
    if items and all(i.quantity_delivered >= i.quantity for i in items):
        return NeedStatus.DELIVERED
    if items and all(i.quantity_pledged >= i.quantity for i in items):
        return NeedStatus.FULLY_PLEDGED
    if any(i.quantity_pledged > 0 for i in items):
        return NeedStatus.PARTIALLY_PLEDGED
    return NeedStatus.VERIFIED


def need_coverage_sync(*, need: Need, actor: Any, reason: str = "") -> Need:
    """Move a published need to the status its pledges imply (partly/fully pledged, delivered,
    closed, or back to open), recording the change like any other transition."""
    if need.status not in PUBLIC_STATUSES:
        return need
    target = coverage_status(list(NeedItem.objects.filter(need=need)))
    if target != need.status:
        _transition(need, actor=actor, to=target, action="coverage_changed", reason=reason)
    else:
        public_data_changed()  # the figures moved even if the status did not
    return need


def need_is_open(need: Need) -> bool:
    return need.status in OPEN_STATUSES


# ---- priority ----------------------------------------------------------------------------


def need_priority_refresh(*, today: dt.date | None = None, batch_size: int = 1000) -> int:
    """Recompute every need's stored priority as of ``today``; return how many changed.

    Run daily (``manage.py refresh_priorities``): the days-waiting part grows by itself, and
    changed weights must reach the stored scores. Idempotent: a need whose score and parts are
    already right is not written. Not audited: the score is derived, not a decision.
    """
    today = today or timezone.localdate()
    fields = ["pk", "urgency", "damage_level", "status", "verified_at", "priority", "priority_parts"]
    flag_fields = [f"beneficiary__{flag}" for flag in VULNERABILITY_FLAGS]
    changed, last_pk = 0, 0
    while True:
        with transaction.atomic():
            # Lock the batch (needs only): an officer's edit or a pledge committing between our
            # read and our write would otherwise get the score of the need as it was.
            rows = list(
                Need.objects.select_for_update(of=("self",))
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .values(*fields, *flag_fields)[:batch_size]
            )
            if not rows:
                break
            last_pk = rows[-1]["pk"]
            groups: dict[tuple[int, str], list[int]] = {}  # many needs share a score: one UPDATE each
            for row in rows:
                flags = [flag for flag in VULNERABILITY_FLAGS if row[f"beneficiary__{flag}"]]
                need = _RowNeed(
                    urgency=row["urgency"], damage_level=row["damage_level"], status=row["status"], verified_at=row["verified_at"]
                )
                breakdown = need_priority(need, flags=flags, today=today)
                parts = breakdown.to_stored()
                if breakdown.total != row["priority"] or parts != row["priority_parts"]:
                    groups.setdefault((breakdown.total, json.dumps(parts)), []).append(row["pk"])
            for (total, parts_json), pks in groups.items():
                changed += Need.objects.filter(pk__in=pks).update(priority=total, priority_parts=json.loads(parts_json))
    if changed:
        public_data_changed()
    return changed


@dataclass(frozen=True)
class _RowNeed:
    """What ``need_priority`` reads of a need, from a values() row."""

    urgency: str
    damage_level: str
    status: str
    verified_at: dt.datetime | None
