"""`manage.py demo`: a deterministic Quảng Trị flood scenario, built only through the services."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import vietnam_provinces as vp
from django.core.management import call_command
from django.core.management.base import CommandError

from cuutro.accounts.models import Role, RoleAssignment, User
from cuutro.audit.models import AuditEvent
from cuutro.demo.scenario import (
    COMMUNE_A,
    COMMUNE_B,
    DEMO_USERS,
    ISLAND,
    PROVINCE_CODE,
    commune_for,
    land_bounds,
    need_plans,
)
from cuutro.geo.models import Area, AreaLevel
from cuutro.lib.text import fold
from cuutro.needs.models import Beneficiary, Campaign, Need, NeedItem, NeedKind, NeedStatus
from cuutro.needs.services import BeneficiaryData, identity_in_text
from tests.conftest import ensure_catalogue

SMALL = 120


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(**options: Any) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **{"needs": SMALL, **options})
    return out.getvalue()


@pytest.fixture
def demo(db: Any) -> str:
    ensure_catalogue()
    return run_demo()


def all_communes() -> list[Any]:
    """Quảng Trị's communes straight from the package, for the planning tests that need no database."""
    return [
        commune_for(code=f"{int(w.code):05d}", name=w.name, division_type=str(w.division_type.value))
        for w in vp.Ward.iter_by_province(vp.ProvinceCode(int(PROVINCE_CODE)))
    ]


def item_names() -> dict[str, str]:
    return {"rice": "Gạo", "roofing-sheet": "Tôn lợp mái"}


def test_it_records_needs_in_every_workflow_state_mostly_verified(demo: str) -> None:
    counts = {status: Need.objects.filter(status=status).count() for status in NeedStatus.values}
    assert Need.objects.count() == SMALL
    assert all(counts[status] > 0 for status in NeedStatus.values), counts
    assert 0.6 < counts[NeedStatus.VERIFIED] / SMALL < 0.8


def test_it_records_needs_only_in_quang_tri_communes(demo: str) -> None:
    assert Area.objects.filter(level=AreaLevel.COMMUNE, parent__code=PROVINCE_CODE).count() == 78
    assert not Need.objects.exclude(area_path__startswith=f"{PROVINCE_CODE}/").exists()
    assert not Need.objects.exclude(area__level=AreaLevel.COMMUNE).exists()
    assert Need.objects.values("area").distinct().count() > 20


def test_every_demo_login_exists_with_its_role_and_area(demo: str) -> None:
    for spec in DEMO_USERS:
        user = User.objects.get(username=spec.username)
        assert user.full_name == spec.full_name
        assert user.check_password("demo")
        (assignment,) = RoleAssignment.objects.filter(user=user)
        assert assignment.role == spec.role
        assert (assignment.area.code if assignment.area else None) == spec.area_code
        assert (assignment.organisation.name if assignment.organisation else None) == spec.organisation
    admin = User.objects.get(username="demo-admin")
    assert admin.is_staff
    assert admin.is_superuser
    assert not User.objects.exclude(username="demo-admin").filter(is_staff=True).exists()


def test_the_two_officers_of_dong_ha_share_the_commune_and_officer_b_has_another(demo: str) -> None:
    def area_of(username: str) -> str:
        return RoleAssignment.objects.get(user__username=username).area.code  # type: ignore[union-attr]

    assert area_of("demo-officer") == area_of("demo-verifier") == COMMUNE_A == "19333"
    assert area_of("demo-officer-b") == COMMUNE_B != COMMUNE_A
    assert RoleAssignment.objects.get(user__username="demo-org").role == Role.ORG_MEMBER


def test_it_creates_the_organisations_and_active_campaigns(demo: str) -> None:
    assert RoleAssignment.objects.get(user__username="demo-org").organisation.kind == "donor_org"  # type: ignore[union-attr]
    assert RoleAssignment.objects.get(user__username="demo-delegation").organisation.kind == "delegation"  # type: ignore[union-attr]
    campaigns = Campaign.objects.filter(active=True)
    assert {"lu-10-2020", "bao-so-5-2025"} <= set(campaigns.values_list("code", flat=True))
    assert Need.objects.filter(campaign__code="lu-10-2020").exists()
    assert Need.objects.filter(campaign__code="bao-so-5-2025").exists()


def test_it_adds_villages_under_some_communes_and_uses_them(demo: str) -> None:
    villages = Area.objects.filter(level=AreaLevel.VILLAGE, path__startswith=f"{PROVINCE_CODE}/")
    assert villages.values("parent").distinct().count() in {3, 4}
    assert Need.objects.filter(village__isnull=False).exists()
    for need in Need.objects.filter(village__isnull=False).select_related("village"):
        assert need.village is not None
        assert need.village.parent_id == need.area_id


def test_no_need_is_verified_by_its_creator(demo: str) -> None:
    verified = Need.objects.filter(verified_by__isnull=False)
    assert verified.count() >= Need.objects.filter(status=NeedStatus.VERIFIED).count() > 0
    for need in verified:
        assert need.verified_by_id != need.created_by_id


def test_dong_ha_needs_are_recorded_and_verified_by_its_own_officers(demo: str) -> None:
    officer, verifier = User.objects.get(username="demo-officer"), User.objects.get(username="demo-verifier")
    dong_ha = Need.objects.filter(area__code=COMMUNE_A)
    assert set(dong_ha.values_list("created_by", flat=True)) == {officer.pk}
    assert set(dong_ha.filter(verified_by__isnull=False).values_list("verified_by", flat=True)) == {verifier.pk}


def test_both_demo_communes_hold_a_need_in_every_state(demo: str) -> None:
    for code in (COMMUNE_A, COMMUNE_B):
        assert set(Need.objects.filter(area__code=code).values_list("status", flat=True)) == set(NeedStatus.values)


def test_every_need_has_a_beneficiary_whose_name_stays_out_of_the_description(demo: str) -> None:
    assert Beneficiary.objects.count() == SMALL
    for need in Need.objects.select_related("beneficiary"):
        person = need.beneficiary
        assert fold(person.full_name) not in fold(need.description)
        private = BeneficiaryData(person.full_name, person.id_number, person.phone, person.address)
        assert not identity_in_text(need.description, private)
        assert person.address.endswith(need.area.name)
        assert not person.id_number or (len(person.id_number) == 12 and person.id_number.isdigit())
        assert not person.phone or (person.phone.startswith("09") and len(person.phone) == 10)
        if need.kind == NeedKind.HOUSEHOLD:
            assert person.household_size is not None
            assert person.household_size >= 1


def test_quantities_are_realistic_and_money_is_whole_dong(demo: str) -> None:
    for line in NeedItem.objects.select_related("item", "need"):
        assert line.quantity > 0
        if line.item.code == "cash-house-repair" and line.need.kind == NeedKind.HOUSEHOLD:
            assert 5_000_000 <= line.quantity <= 50_000_000
        if line.item.unit == "vnd":
            assert line.quantity == line.quantity.to_integral_value()
        if line.item.code == "roofing-sheet" and line.need.kind == NeedKind.HOUSEHOLD:
            assert 10 <= line.quantity <= 60
        if line.item.code == "rice" and line.need.kind == NeedKind.HOUSEHOLD:
            assert 20 <= line.quantity <= 200
    assert NeedItem.objects.values("item").distinct().count() >= 10
    assert set(Need.objects.values_list("kind", flat=True)) == set(NeedKind.values)


def test_the_audit_log_holds_every_transition(demo: str) -> None:
    def events(action: str) -> int:
        return AuditEvent.objects.filter(action=f"needs.need.{action}").count()

    assert events("created") == SMALL
    assert events("verified") == Need.objects.filter(verified_by__isnull=False).count()
    assert events("rejected") >= Need.objects.filter(status=NeedStatus.REJECTED).count()
    assert events("cancelled") == Need.objects.filter(status=NeedStatus.CANCELLED).count()
    for need in Need.objects.filter(status=NeedStatus.REJECTED):
        assert need.status_reason


def test_points_lie_on_quang_tri_land(demo: str) -> None:
    located = Need.objects.filter(latitude__isnull=False)
    assert located.count() > SMALL * 0.8
    for need in located.select_related("area"):
        assert need.latitude is not None
        assert need.longitude is not None
        lat, lng = float(need.latitude), float(need.longitude)
        if need.area.code == ISLAND:
            continue
        west, east = land_bounds(lat)
        assert 16.45 <= lat <= 17.95
        assert west - 1e-6 <= lng <= east + 1e-6, (need.area.name, lat, lng)


def test_every_commune_centroid_lies_on_land() -> None:
    communes = all_communes()
    assert len(communes) == 78
    for commune in communes:
        if commune.code == ISLAND:
            continue
        west, east = land_bounds(commune.lat)
        assert 16.45 <= commune.lat <= 17.95, commune
        assert west <= commune.lng <= east, commune


def test_the_same_seed_plans_the_same_needs_and_another_seed_does_not() -> None:
    communes = all_communes()
    first = need_plans(seed=7, count=50, communes=communes, item_names=item_names())
    again = need_plans(seed=7, count=50, communes=communes, item_names=item_names())
    other = need_plans(seed=8, count=50, communes=communes, item_names=item_names())
    assert first == again
    assert first != other


def test_planned_descriptions_pass_the_public_text_rules_at_scale() -> None:
    plans = need_plans(seed=1, count=3000, communes=all_communes(), item_names=item_names(), showcase=(COMMUNE_A,))
    for plan in plans:
        description = plan.data.description
        assert plan.data.beneficiary is not None
        assert fold(plan.data.beneficiary.full_name) not in fold(description)
        assert not identity_in_text(description, plan.data.beneficiary), description
        assert len(description) < 600
        codes = [i.item_code for i in plan.data.items]
        assert codes
        assert len(codes) == len(set(codes))
        assert all(Decimal(i.quantity) > 0 for i in plan.data.items)


def test_it_refuses_a_database_with_a_non_demo_user(db: Any) -> None:
    User.objects.create_user(username="chi.lan", password="x")
    with pytest.raises(CommandError, match="not from the demo"):
        run_demo()
    assert not User.objects.filter(username__startswith="demo-").exists()
    assert not Need.objects.exists()
    assert not Area.objects.exists()  # refused before touching anything, areas included


def test_force_builds_the_demo_beside_other_data(db: Any) -> None:
    ensure_catalogue()
    User.objects.create_user(username="chi.lan", password="x")
    run_demo(needs=20, force=True)
    assert Need.objects.count() == 20
    assert User.objects.filter(username="chi.lan").exists()


def test_a_second_run_changes_nothing_and_says_so(demo: str) -> None:
    before = (User.objects.count(), Need.objects.count(), AuditEvent.objects.count(), Area.objects.count())
    output = run_demo()
    assert "already loaded" in output
    assert (User.objects.count(), Need.objects.count(), AuditEvent.objects.count(), Area.objects.count()) == before


def test_a_second_run_stays_a_no_op_after_someone_signed_up(demo: str) -> None:
    User.objects.create_user(username="chi.lan", password="x")
    assert "already loaded" in run_demo()


def test_it_prints_the_logins_and_where_to_go(demo: str) -> None:
    for spec in DEMO_USERS:
        assert spec.username in demo
    assert "Phường Đông Hà" in demo
    assert "http://127.0.0.1:8000/" in demo
    assert "demo" in demo.split("Password")[1]


def test_it_rejects_a_negative_number_of_needs(db: Any) -> None:
    with pytest.raises(CommandError):
        run_demo(needs=-1)


def test_the_home_page_shows_the_campaigns_and_verified_needs(demo: str, client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lũ lịch sử tháng 10/2020" in page
    assert any(code in page for code in Need.objects.filter(status=NeedStatus.VERIFIED).values_list("code", flat=True))
    assert not any(code in page for code in Need.objects.exclude(status=NeedStatus.VERIFIED).values_list("code", flat=True))
