"""The fixed cast every test uses (see STYLE.md §7): two officers of one commune, an officer of
another commune, a province committee member, an organisation member, a donor and an outsider
with no role at all. Areas are a small real slice of Quảng Trị and Huế so names carry diacritics."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from cuutro.accounts.models import Organisation, OrganisationKind, Role, User
from cuutro.accounts.services import role_assign, token_create
from cuutro.geo.models import Area, AreaLevel
from cuutro.geo.services import REFORM_DATE, AreaRow, areas_sync
from cuutro.needs.models import Campaign, Category

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The default PBKDF2 costs ~0.3 s per user, and the cast creates seven of them for every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ensure_catalogue() -> None:
    """Transactional tests flush the database, seeded rows included: put the catalogue back."""
    if Category.objects.exists():
        return
    from django.apps import apps as django_apps

    seed = importlib.import_module("cuutro.needs.migrations.0003_seed_catalogue")
    seed.seed(django_apps, None)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded evidence goes to a per-test directory, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: cached public pages must not leak between tests."""
    from django.core.cache import cache

    from cuutro.lib.public_cache import reset_local

    cache.clear()
    reset_local()


@dataclass
class Cast:
    province: Area  # Tỉnh Quảng Trị
    commune_a: Area  # Phường Đông Hà
    commune_b: Area  # Xã Gio Linh
    other_province: Area  # Thành phố Huế
    commune_c: Area  # Xã Nam Đông (Huế)
    officer: User  # commune A
    verifier: User  # commune A, second officer
    officer_b: User  # commune B
    province_member: User  # province relief committee, Quảng Trị
    org_member: User
    donor: User
    outsider: User  # logged in, no role
    campaign: Campaign

    def client_for(self, user: User, language: str = "en") -> Client:
        """A logged-in client; English by default so assertions can quote the source strings."""
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        return client

    def token_for(self, user: User) -> str:
        return token_create(user=user, name="test")[1]


def make_areas() -> dict[str, Area]:
    rows = [
        AreaRow("44", "Tỉnh Quảng Trị", AreaLevel.PROVINCE, None, "tỉnh", REFORM_DATE),
        AreaRow("19333", "Phường Đông Hà", AreaLevel.COMMUNE, "44", "phường", REFORM_DATE),
        AreaRow("19495", "Xã Gio Linh", AreaLevel.COMMUNE, "44", "xã", REFORM_DATE),
        AreaRow("46", "Thành phố Huế", AreaLevel.PROVINCE, None, "thành phố", REFORM_DATE),
        AreaRow("20179", "Xã Nam Đông", AreaLevel.COMMUNE, "46", "xã", REFORM_DATE),
    ]
    areas_sync(rows=rows)
    return {a.code: a for a in Area.objects.filter(code__in=[r.code for r in rows])}


def make_user(username: str, **extra: Any) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, **extra)


@pytest.fixture
def cast(db: Any) -> Cast:
    ensure_catalogue()
    areas = make_areas()
    org = Organisation.objects.create(name="Hội Chữ thập đỏ Thử nghiệm", kind=OrganisationKind.DONOR_ORG)
    users = {
        name: make_user(name, full_name=full)
        for name, full in [
            ("officer", "Cán bộ A"),
            ("verifier", "Cán bộ Xác minh"),
            ("officer_b", "Cán bộ B"),
            ("province_member", "Ủy viên tỉnh"),
            ("org_member", "Thành viên tổ chức"),
            ("donor", "Nhà hảo tâm"),
            ("outsider", "Người ngoài"),
        ]
    }
    role_assign(actor=None, user=users["officer"], role=Role.COMMUNE_OFFICER, area=areas["19333"])
    role_assign(actor=None, user=users["verifier"], role=Role.COMMUNE_OFFICER, area=areas["19333"])
    role_assign(actor=None, user=users["officer_b"], role=Role.COMMUNE_OFFICER, area=areas["19495"])
    role_assign(actor=None, user=users["province_member"], role=Role.PROVINCE_COMMITTEE, area=areas["44"])
    role_assign(actor=None, user=users["org_member"], role=Role.ORG_MEMBER, organisation=org)
    role_assign(actor=None, user=users["donor"], role=Role.DONOR)
    campaign = Campaign.objects.create(code="lu-10-2020", name="Lũ tháng 10/2020", starts_on="2020-10-06", area=areas["44"])
    return Cast(
        province=areas["44"],
        commune_a=areas["19333"],
        commune_b=areas["19495"],
        other_province=areas["46"],
        commune_c=areas["20179"],
        campaign=campaign,
        **users,
    )


# Recognisable personal data: the privacy crawl searches every public output for these.
SECRET_NAME = "Trần Thị Bí Mật"
SECRET_ID = "079123456789"
SECRET_PHONE = "0987654321"
SECRET_ADDRESS = "Số 7 ngõ Kín, khu phố Riêng"


def need_data(area: Area, **overrides: Any) -> Any:
    from cuutro.needs.services import BeneficiaryData, NeedData, NeedItemData

    values: dict[str, Any] = {
        "area_code": area.code,
        "kind": "household",
        "urgency": "high",
        "description": "Nhà bị tốc mái sau lũ, cần tôn lợp và gạo.",
        "items": [NeedItemData("roofing-sheet", 30), NeedItemData("rice", Decimal("50.5"))],
        "beneficiary": BeneficiaryData(
            full_name=SECRET_NAME, id_number=SECRET_ID, phone=SECRET_PHONE, address=SECRET_ADDRESS, household_size=5
        ),
        "latitude": Decimal("16.816234"),
        "longitude": Decimal("107.100456"),
    }
    values.update(overrides)
    return NeedData(**values)


@pytest.fixture
def make_need(cast: Cast) -> Any:
    """Factory: a need in commune A by ``officer``, moved to ``status`` through the services."""
    from cuutro.needs import services

    def factory(status: str = "verified", *, creator: User | None = None, verifier: User | None = None, **overrides: Any) -> Any:
        creator = creator or cast.officer
        verifier = verifier or cast.verifier
        area = overrides.pop("area", cast.commune_a)
        need = services.need_create(actor=creator, data=need_data(area, **overrides))
        if status in {"submitted", "verified", "rejected"}:
            need = services.need_submit(actor=creator, need=need)
        if status == "verified":
            need = services.need_verify(actor=verifier, need=need)
        if status == "rejected":
            need = services.need_reject(actor=verifier, need=need, reason="Thiếu ảnh")
        if status == "cancelled":
            need = services.need_cancel(actor=creator, need=need, reason="Trùng")
        return need

    return factory


# Who to call about a pledge: the commune sees these; the public never does.
DONOR_PHONE = "0911222333"


@pytest.fixture
def make_pledge(cast: Cast, make_need: Any) -> Any:
    """Factory: a pledge against ``need`` (a fresh verified need by default) by ``donor``,
    moved to ``status`` through the services."""
    from cuutro.pledges import services

    def factory(
        need: Any = None, *, item: str = "roofing-sheet", quantity: Any = 10, donor: User | None = None,
        status: str = "pledged", **overrides: Any,
    ) -> Any:
        need = need or make_need("verified")
        donor = donor or cast.donor
        need_item = need.items.get(item__code=item)
        values: dict[str, Any] = {
            "need_item_id": need_item.pk, "quantity": quantity, "contact_name": "Anh Tâm", "contact_phone": DONOR_PHONE,
        }
        values.update(overrides)
        pledge = services.pledge_create(actor=donor, data=services.PledgeData(**values))
        if status in {"in_transit", "delivered"}:
            pledge = services.pledge_ship(actor=donor, pledge=pledge)
        if status == "delivered":
            pledge = services.pledge_deliver(actor=donor, pledge=pledge)
        if status == "cancelled":
            pledge = services.pledge_cancel(actor=donor, pledge=pledge, reason="Hết hàng")
        if status == "confirmed":
            pledge = services.pledge_deliver(actor=donor, pledge=pledge)
            pledge = services.pledge_confirm(
                actor=cast.officer, pledge=pledge, evidence=photo_upload(), evidence_kind="photo", acknowledged=True,
                received_by="Người nhận",
            )
        return pledge

    return factory


def photo_upload(name: str = "handover.jpg") -> Any:
    """A small real JPEG, as a phone would upload it."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# Browser fixtures live here so that every browser test module shares one Playwright session.
from tests.browser import browser, phone, visitor  # noqa: E402, F401
