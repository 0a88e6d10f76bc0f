"""Explicit input and output shapes of the API. Outputs list their fields one by one: a model is
never serialised whole, which is how personal data would leak."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, Field, PlainSerializer


def quantity_json(value: Decimal) -> int | float:
    """A quantity as JSON shows it: whole numbers as integers."""
    return int(value) if value == value.to_integral_value() else float(value)


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL: refuse it here with a 422 instead of failing in the database.
    if "\x00" in value:
        raise ValueError("NUL character")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]

# Quantities are exact decimals inside; JSON gets a plain number (whole numbers as integers).
Quantity = Annotated[Decimal, PlainSerializer(quantity_json, return_type=int | float)]


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorDetail


class RoleOut(Schema):
    role: str
    role_label: str
    area: str | None
    area_name: str | None
    organisation: str | None


class MeOut(Schema):
    username: str
    name: str
    roles: list[RoleOut]


class AreaOut(Schema):
    code: str
    name: str
    level: str
    division_type: str
    parent: str | None


class CatalogueItemOut(Schema):
    code: str
    name: str
    name_vi: str
    name_en: str
    unit: str
    unit_label: str
    category: str
    category_name: str


class PlaceOut(Schema):
    code: str
    name: str


class PointOut(Schema):
    lat: float
    lng: float


class NeedItemOut(Schema):
    id: int = Field(description="what a pledge names as `need_item`")
    item: str
    item_name: str
    category: str
    unit: str
    unit_label: str
    quantity: Quantity = Field(description="needed")
    remaining: Quantity = Field(description="needed − active pledges: what may still be pledged")
    pledged: Quantity = Field(description="held by active pledges (pledged, on the way, delivered, confirmed)")
    delivered: Quantity = Field(description="declared delivered by donors or confirmed by the commune")
    confirmed: Quantity = Field(description="confirmed on the ground by a commune officer")


class PriorityPartOut(Schema):
    key: Literal["urgency", "damage", "vulnerable", "waiting"]
    label: str = Field(description="the part in words, e.g. “waiting 9 days”")
    points: int


class NeedOut(Schema):
    code: str
    kind: str
    kind_label: str
    urgency: str
    urgency_label: str
    status: str
    status_label: str
    description: str
    area: PlaceOut
    province: PlaceOut | None
    village: str | None
    campaign: PlaceOut | None
    location: PointOut | None = Field(description="Household points are rounded to about 1 km.")
    verified_at: dt.datetime | None
    items: list[NeedItemOut]
    url: str
    damage_level: Literal["none", "minor", "major", "destroyed"]
    damage_label: str
    priority: int = Field(description="the score search sorts by: the sum of `priority_breakdown`'s points")
    priority_breakdown: list[PriorityPartOut] = Field(
        description="what the score adds up; a vulnerable household appears as one part, never by its private flags"
    )


class NeedListOut(Schema):
    items: list[NeedOut]
    count: int


class NeedPointOut(Schema):
    code: str
    urgency: str
    lat: float
    lng: float


class NeedPointsOut(Schema):
    items: list[NeedPointOut]
    count: int


class NeedItemIn(Schema):
    item: Text = Field(description="catalogue item code, e.g. rice, roofing-sheet, cash-house-repair")
    quantity: Decimal


class BeneficiaryIn(Schema):
    full_name: Text = Field(max_length=150)
    id_number: Text = Field("", max_length=20)
    phone: Text = Field("", max_length=20)
    address: Text = Field("", max_length=255)
    household_size: int | None = None
    # The household's vulnerabilities: private, they raise the need's priority (households only).
    poor_household: bool = False
    near_poor_household: bool = Field(False, description="not together with poor_household")
    elderly_alone: bool = False
    disability: bool = False
    young_children: bool = Field(False, description="a child under 6")
    pregnant: bool = False


class NeedIn(Schema):
    area: Text = Field(description="code of the commune / ward")
    kind: Literal["household", "community", "institution"]
    urgency: Literal["low", "medium", "high", "critical"]
    description: Text = Field(max_length=4000)
    items: list[NeedItemIn] = Field(min_length=1, max_length=50)
    beneficiary: BeneficiaryIn | None = None
    village: Text | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    campaign: Text | None = None
    damage_level: Literal["none", "minor", "major", "destroyed"] = "none"
    submit: bool = Field(False, description="submit for verification straight away")


class ReasonIn(Schema):
    reason: Text = Field("", max_length=2000)


class OfficerNeedOut(NeedOut):
    """What the officer in scope gets back after a write (still no personal data)."""

    status_reason: str


# ---- pledges ------------------------------------------------------------------------------


class PledgeIn(Schema):
    need_item: int = Field(ge=1, le=2**63 - 1, description="the `id` of one of a published need's `items`")
    quantity: Decimal = Field(description="in the item's unit; whole đồng for cash items")
    expected_on: dt.date | None = Field(None, description="expected delivery date; three days from today if left out")
    show_as: Literal["anonymous", "name", "organisation"] = Field(
        "anonymous", description="how the public sees who pledged: anonymously, by your name, or by `organisation`'s name"
    )
    organisation: int | None = Field(None, ge=1, le=2**63 - 1, description="id of an organisation you belong to")
    contact_name: Text = Field("", description="whom the commune calls; your account's name if left out")
    contact_phone: Text = Field("", description="optional; shown only to you and the commune officers concerned")
    note: Text = Field("", description="to the commune officers")


class PledgePublicOut(Schema):
    """What anyone may see of a pledge: never its contact, note or confirmation."""

    code: str
    donor_name: str = Field(description="the organisation or person as the donor chose, or an anonymous donor")
    item: str
    item_name: str
    unit: str
    quantity: Quantity
    status: str
    status_label: str
    expected_on: dt.date
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    confirmed_at: dt.datetime | None


class PledgePublicListOut(Schema):
    items: list[PledgePublicOut]
    count: int


class OrganisationOut(Schema):
    id: int
    name: str


class PledgeContactOut(Schema):
    contact_name: str
    contact_phone: str
    note: str


class PledgeOut(PledgePublicOut):
    """A pledge as its donor and the officers over its need see it."""

    need: str = Field(description="the need's code")
    need_item: int
    status_reason: str
    show_as: str
    organisation: OrganisationOut | None
    shipped_at: dt.datetime | None
    closed_at: dt.datetime | None = Field(description="when it was cancelled or expired")
    expires_on: dt.date = Field(description="an undelivered pledge expires after this day")
    contact: PledgeContactOut | None = Field(description="only for the donor's side and the officers over the need's area")
    next_step: str = Field(description="what the holder should do next, in words")
    actions: list[str] = Field(description="what the caller may do now: ship, deliver, cancel")
    url: str
    reference: str | None = Field(description="cash pledges: the memo to write on the transfer, e.g. CT 7K3F9Q")
    vietqr: str | None = Field(description="cash pledges: NAPAS VietQR payload with the fund's account, the amount and the memo")
    amount_received: int | None = Field(description="cash pledges: đồng received so far on the fund's account")
    paid: bool | None = Field(description="cash pledges: the whole amount has been received")


class PledgeListOut(Schema):
    items: list[PledgeOut]
    count: int


class ActorOut(Schema):
    username: str | None = Field(description="null when the caller may not know the account (another donor, an officer)")
    name: str


class PledgeEventOut(Schema):
    at: dt.datetime
    actor: ActorOut | None = Field(description="null for the system (e.g. expiry)")
    action: str = Field(description="e.g. pledges.pledge.shipped")
    reason: str


class HandoverOut(Schema):
    id: int
    pledge: str = Field(description="the pledge's code")
    status: str
    status_label: str
    requested_by: str
    organisation: str | None
    contact_name: str
    contact_phone: str
    message: str
    created_at: dt.datetime
    expires_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str


class ConfirmationOut(Schema):
    evidence_kind: str
    evidence_kind_label: str
    confirmed_by: str
    confirmed_at: dt.datetime
    received_by: str
    note: str


class PledgeDetailOut(PledgeOut):
    history: list[PledgeEventOut] = Field(description="every recorded step: who, when, why")
    handovers: list[HandoverOut] = Field(description="hand-over requests, for the holder only")
    confirmation: ConfirmationOut | None = Field(description="for the officers over the need's area only")


class ConfirmIn(Schema):
    evidence_kind: Text = Field("", description="photo (of the hand-over) or receipt (photo of the signed receipt)")
    acknowledged: bool = Field(False, description="the recipient acknowledged receipt")
    received_by: Text = ""
    note: Text = ""


class HandoverIn(Schema):
    contact_name: Text = Field("", description="your account's name if left out")
    contact_phone: Text = ""
    organisation: int | None = Field(None, ge=1, le=2**63 - 1, description="id of an organisation you belong to")
    message: Text = Field("", description="why you ask, e.g. you can reach a cut-off village")


# ---- funds and the public ledger -----------------------------------------------------------


class BankOut(Schema):
    code: str
    name: str
    bin: str = Field(description="the bank's NAPAS BIN, as in VietQR payloads")


class FundOut(Schema):
    code: str
    name: str
    campaign: PlaceOut | None
    bank: BankOut
    account_number: str = Field(description="the fund's own account: public, so that anyone can transfer to it")
    account_name: str
    opens_on: dt.date = Field(description="receives donations from this day (Decree 93/2021)")
    closes_on: dt.date | None = Field(description="…until this day; null while open")
    is_default: bool = Field(description="takes cash pledges of needs outside any campaign with a fund")
    receiving: bool = Field(description="inside its receiving window today: transfers are welcome")
    money_in: int = Field(description="đồng received, reversals counted in their own direction")
    money_out: int = Field(description="đồng given out or returned")
    balance: int
    vietqr: str = Field(description="NAPAS VietQR payload for a transfer to the fund (no amount): encode it as a QR code")
    url: str


class EntryOut(Schema):
    """One ledger entry. Every field is public by design: the counterparty as the bank gives it,
    the account masked, households only by their need's code."""

    seq: int = Field(description="position in the hash chain, across all funds")
    fund: str
    kind: str = Field(description="credit, debit, disbursement, goods_in, goods_out or reversal")
    kind_label: str
    direction: str = Field(description="in or out")
    amount: int | None = Field(description="đồng; null for goods")
    item: str | None = Field(description="catalogue item code, for goods")
    item_name: str | None
    quantity: Quantity | None
    unit: str | None
    booked_on: dt.date
    counterparty: str
    counterparty_account: str = Field(description="masked: only the last 4 digits")
    memo: str
    reference: str = Field(description="the transfer reference of the pledge it pays, e.g. CT7K3F9Q")
    pledge: str | None
    need: str | None = Field(description="the need's public code (a household is never named)")
    need_url: str | None = Field(description="its public page, while the need is published")
    organisation: str | None
    bank_ref: str
    document_sha256: str
    reverses: int | None = Field(description="seq of the entry this one corrects")
    reversed_by: int | None = Field(description="seq of the entry that corrects this one")
    recorded_at: dt.datetime
    prev_hash: str
    hash: str
    url: str


class EntryListOut(Schema):
    items: list[EntryOut]
    count: int = Field(description="matching entries, counted up to 1,000 (1000 means that many or more)")


class DailyHeadOut(Schema):
    date: dt.date = Field(description="a UTC day")
    seq: int = Field(description="the last entry recorded that day")
    hash: str


class LedgerHeadOut(Schema):
    seq: int = Field(description="the newest entry (0 while the ledger is empty)")
    hash: str
    daily: list[DailyHeadOut] = Field(description="the head at the end of each UTC day with entries, newest first")


class TraceStepOut(Schema):
    step: str = Field(description="received, allocated, delivered or confirmed")
    label: str
    done: bool
    at: dt.datetime | dt.date | None


class TraceNeedOut(Schema):
    code: str
    url: str | None = Field(description="its public page, while the need is published")


class TraceOut(Schema):
    reference: str
    pledge: PledgePublicOut | None
    need: TraceNeedOut | None
    is_cash: bool
    pledged_amount: int | None = Field(description="đồng, for a cash pledge")
    amount_received: int = Field(description="đồng received under the reference, reversals deducted")
    paid: bool
    received: list[EntryOut] = Field(description="transfers into the fund under this reference")
    disbursements: list[EntryOut] = Field(description="what the fund gave the pledge's need, money or goods")
    steps: list[TraceStepOut]


# ---- the supply–need board (coordination) ---------------------------------------------------


class BoardNoticeOut(Schema):
    area: str = Field(description="the commune's code")
    subject: str = Field(description="what not to send: the item's or the category's name")
    category: str
    item: str | None = Field(description="the catalogue item's code, when the notice names one item")
    reason: Literal["enough", "oversupplied"]
    reason_label: str
    message: str
    posted_at: dt.datetime


class BoardLineOut(Schema):
    """One commune × category × unit. See `coordination/selectors.py` for what the figures mean."""

    area: str = Field(description="the commune's code")
    area_name: str
    province: str
    province_name: str
    category: str
    category_name: str
    unit: str = Field(description="the figures' unit; empty on a line that is only a commune's notice")
    unit_label: str
    items: list[str] = Field(description="names of the catalogue items behind the line")
    needed: Quantity = Field(description="what published needs ask for, closed ones included")
    pledged: Quantity = Field(description="active pledges: pledged, on the way, delivered or confirmed")
    delivered: Quantity = Field(description="pledges delivered or confirmed")
    confirmed: Quantity = Field(description="pledges the commune confirmed received")
    gap: Quantity = Field(description="what open needs still miss (needed − pledged, never negative)")
    needs_waiting: int = Field(description="open needs still missing something of this line")
    status: Literal["urgent", "needed", "enough", "oversupplied"]
    status_label: str
    notices: list[BoardNoticeOut] = Field(description="the commune's active “please do not send more” notices for it")
    url: str = Field(description="the commune's public section")


class BoardOut(Schema):
    count: int
    items: list[BoardLineOut]


class DelegationOut(Schema):
    """A relief delegation as anyone may see it: who, when, where to, how many, what it brings.
    Never its leader or contact."""

    code: str
    organisation: str
    origin: str
    starts_on: dt.date
    ends_on: dt.date
    people: int
    vehicles: int
    status: str
    status_label: str
    cargo: list[str] = Field(description="what it brings, in words, e.g. \"200 thùng Mì ăn liền\"")
    preferred_communes: list[str] = Field(description="the communes it asked to visit")


class DelegationStopOut(Schema):
    date: dt.date
    commune: str = Field(description="the commune's code")
    commune_name: str
    assigned: list[str] = Field(description="codes of the delegations routed there that day")
    suggested: list[str] = Field(description="codes of the delegations an official suggested there that day")
    conflict: bool = Field(description="two or more delegations routed to one commune on one day")


class DelegationCalendarOut(Schema):
    date_from: dt.date
    date_to: dt.date
    stops: list[DelegationStopOut]
    delegations: list[DelegationOut] = Field(description="every delegation the stops name")
    waiting: list[DelegationOut] = Field(description="registered, no route yet: where they ask to go")
