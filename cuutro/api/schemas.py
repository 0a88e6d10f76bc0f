"""Explicit input and output shapes of the API. Outputs list their fields one by one: a model is
never serialised whole, which is how personal data would leak."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, Field, PlainSerializer


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL: refuse it here with a 422 instead of failing in the database.
    if "\x00" in value:
        raise ValueError("NUL character")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]

# Quantities are exact decimals inside; JSON gets a plain number (whole numbers as integers).
Quantity = Annotated[Decimal, PlainSerializer(_number, return_type=int | float)]


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
    item: str
    item_name: str
    category: str
    unit: str
    unit_label: str
    quantity: Quantity
    remaining: Quantity


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
    submit: bool = Field(False, description="submit for verification straight away")


class ReasonIn(Schema):
    reason: Text = Field("", max_length=2000)


class OfficerNeedOut(NeedOut):
    """What the officer in scope gets back after a write (still no personal data)."""

    status_reason: str
