"""`manage.py demo`: a deterministic Quảng Trị flood scenario, built only through the services."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import vietnam_provinces as vp
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

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
from cuutro.needs.choices import PUBLIC_STATUSES
from cuutro.needs.models import Beneficiary, Campaign, Need, NeedItem, NeedKind, NeedStatus
from cuutro.needs.services import BeneficiaryData, coverage_status, identity_in_text
from cuutro.notify.models import Notification
from cuutro.pledges.choices import ACTIVE_STATUSES, HandoverStatus, PledgeStatus, ShowAs
from cuutro.pledges.models import Confirmation, HandoverRequest, Pledge
from tests.conftest import ensure_catalogue

SMALL = 120


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


def run_demo(**options: Any) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **{"needs": SMALL, **options})
    return out.getvalue()


@pytest.fixture(scope="class")
def built_demo(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[tuple[str, Path]]:
    """The SMALL demo, built once for a whole test class in a transaction rolled back after it.

    Building it takes seconds; the class reads it ~30 times. Each test still runs in its own
    savepoint (the ``db`` fixture), so whatever a test changes is undone before the next."""
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        ensure_catalogue()
        yield run_demo(), media
        transaction.set_rollback(True)


@pytest.fixture
def demo(built_demo: tuple[str, Path], db: Any, settings: Any) -> str:
    output, settings.MEDIA_ROOT = built_demo  # where the demo stored its evidence photos
    return output


def all_communes() -> list[Any]:
    """Quảng Trị's communes straight from the package, for the planning tests that need no database."""
    return [
        commune_for(code=f"{int(w.code):05d}", name=w.name, division_type=str(w.division_type.value))
        for w in vp.Ward.iter_by_province(vp.ProvinceCode(int(PROVINCE_CODE)))
    ]


def item_names() -> dict[str, str]:
    return {"rice": "Gạo", "roofing-sheet": "Tôn lợp mái"}


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


def test_planned_pledges_take_each_need_to_its_planned_status_at_scale() -> None:
    showcase = (COMMUNE_A, COMMUNE_B)
    plans = need_plans(seed=3, count=3000, communes=all_communes(), item_names=item_names(), showcase=showcase)
    for plan in plans:
        if plan.status not in PUBLIC_STATUSES:
            assert not plan.pledges
            continue
        lines = {i.item_code: NeedItem(quantity=Decimal(i.quantity)) for i in plan.data.items}
        for pledge in plan.pledges:  # replay the counters as the services move them
            line = lines[pledge.item_code]
            assert 0 < pledge.quantity <= line.remaining
            if pledge.status in ACTIVE_STATUSES:
                line.quantity_pledged += pledge.quantity
            if pledge.status in (PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED):
                line.quantity_delivered += pledge.quantity
            if pledge.status == PledgeStatus.CONFIRMED:
                line.quantity_confirmed += pledge.quantity
                assert plan.data.area_code in showcase  # only where demo officers can confirm
        assert coverage_status(list(lines.values())) == plan.status
    assert {p.status for p in plans} == set(NeedStatus.values)
    assert {pledge.status for p in plans for pledge in p.pledges} == set(PledgeStatus.values)


def test_without_demo_officers_no_need_is_planned_closed() -> None:
    plans = need_plans(seed=3, count=300, communes=all_communes(), item_names=item_names())
    assert NeedStatus.CLOSED not in {p.status for p in plans}
    assert PledgeStatus.CONFIRMED not in {pledge.status for p in plans for pledge in p.pledges}


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


def test_force_never_expires_or_warns_about_someone_elses_pledges(db: Any) -> None:
    from cuutro.accounts.services import role_assign
    from cuutro.needs import services as needs_services
    from cuutro.pledges import services as pledge_services
    from tests.conftest import need_data

    ensure_catalogue()
    call_command("load_areas", stdout=StringIO())
    commune = Area.objects.get(code=COMMUNE_A)
    officer, verifier, donor = (User.objects.create_user(username=name) for name in ("chi.lan", "anh.tuan", "co.mai"))
    for user in (officer, verifier):
        role_assign(actor=None, user=user, role=Role.COMMUNE_OFFICER, area=commune)
    need = needs_services.need_create(actor=officer, data=need_data(commune), submit=True)
    need = needs_services.need_verify(actor=verifier, need=need)
    theirs = pledge_services.pledge_create(
        actor=donor, data=pledge_services.PledgeData(need_item_id=need.items.all()[0].pk, quantity=1, expected_on=timezone.localdate())
    )
    run_demo(needs=40, force=True)
    theirs.refresh_from_db()
    assert theirs.status == PledgeStatus.PLEDGED
    assert theirs.expiry_warned_at is None
    # The demo then made no pledge expire either, rather than run the expiry over real data.
    assert not Pledge.objects.filter(status=PledgeStatus.EXPIRED).exists()


def test_it_rejects_a_negative_number_of_needs(db: Any) -> None:
    with pytest.raises(CommandError):
        run_demo(needs=-1)


class TestTheBuiltDemo:
    """Read the SMALL demo built once for the whole class (see ``built_demo``)."""

    def test_it_records_needs_in_every_state_mostly_published_and_open(self, demo: str) -> None:
        counts = {status: Need.objects.filter(status=status).count() for status in NeedStatus.values}
        assert Need.objects.count() == SMALL
        assert all(counts[status] > 0 for status in NeedStatus.values), counts
        assert 0.6 < sum(counts[status] for status in PUBLIC_STATUSES) / SMALL < 0.8
        assert counts[NeedStatus.VERIFIED] > SMALL / 2

    def test_it_records_needs_only_in_quang_tri_communes(self, demo: str) -> None:
        assert Area.objects.filter(level=AreaLevel.COMMUNE, parent__code=PROVINCE_CODE).count() == 78
        assert not Need.objects.exclude(area_path__startswith=f"{PROVINCE_CODE}/").exists()
        assert not Need.objects.exclude(area__level=AreaLevel.COMMUNE).exists()
        assert Need.objects.values("area").distinct().count() > 20

    def test_every_demo_login_exists_with_its_role_and_area(self, demo: str) -> None:
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

    def test_the_two_officers_of_dong_ha_share_the_commune_and_officer_b_has_another(self, demo: str) -> None:
        def area_of(username: str) -> str:
            return RoleAssignment.objects.get(user__username=username).area.code  # type: ignore[union-attr]

        assert area_of("demo-officer") == area_of("demo-verifier") == COMMUNE_A == "19333"
        assert area_of("demo-officer-b") == COMMUNE_B != COMMUNE_A
        assert RoleAssignment.objects.get(user__username="demo-org").role == Role.ORG_MEMBER

    def test_it_creates_the_organisations_and_active_campaigns(self, demo: str) -> None:
        assert RoleAssignment.objects.get(user__username="demo-org").organisation.kind == "donor_org"  # type: ignore[union-attr]
        assert RoleAssignment.objects.get(user__username="demo-delegation").organisation.kind == "delegation"  # type: ignore[union-attr]
        campaigns = Campaign.objects.filter(active=True)
        assert {"lu-10-2020", "bao-so-5-2025"} <= set(campaigns.values_list("code", flat=True))
        assert Need.objects.filter(campaign__code="lu-10-2020").exists()
        assert Need.objects.filter(campaign__code="bao-so-5-2025").exists()

    def test_it_adds_villages_under_some_communes_and_uses_them(self, demo: str) -> None:
        villages = Area.objects.filter(level=AreaLevel.VILLAGE, path__startswith=f"{PROVINCE_CODE}/")
        assert villages.values("parent").distinct().count() in {3, 4}
        assert Need.objects.filter(village__isnull=False).exists()
        for need in Need.objects.filter(village__isnull=False).select_related("village"):
            assert need.village is not None
            assert need.village.parent_id == need.area_id

    def test_no_need_is_verified_by_its_creator(self, demo: str) -> None:
        verified = Need.objects.filter(verified_by__isnull=False)
        assert verified.count() >= Need.objects.filter(status=NeedStatus.VERIFIED).count() > 0
        for need in verified:
            assert need.verified_by_id != need.created_by_id

    def test_dong_ha_needs_are_recorded_and_verified_by_its_own_officers(self, demo: str) -> None:
        officer, verifier = User.objects.get(username="demo-officer"), User.objects.get(username="demo-verifier")
        dong_ha = Need.objects.filter(area__code=COMMUNE_A)
        assert set(dong_ha.values_list("created_by", flat=True)) == {officer.pk}
        assert set(dong_ha.filter(verified_by__isnull=False).values_list("verified_by", flat=True)) == {verifier.pk}

    def test_both_demo_communes_hold_a_need_in_every_state(self, demo: str) -> None:
        for code in (COMMUNE_A, COMMUNE_B):
            assert set(Need.objects.filter(area__code=code).values_list("status", flat=True)) == set(NeedStatus.values)

    def test_every_need_has_a_beneficiary_whose_name_stays_out_of_the_description(self, demo: str) -> None:
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

    def test_quantities_are_realistic_and_money_is_whole_dong(self, demo: str) -> None:
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

    def test_the_audit_log_holds_every_transition(self, demo: str) -> None:
        def events(action: str) -> int:
            return AuditEvent.objects.filter(action=f"needs.need.{action}").count()

        assert events("created") == SMALL
        assert events("verified") == Need.objects.filter(verified_by__isnull=False).count()
        assert events("rejected") >= Need.objects.filter(status=NeedStatus.REJECTED).count()
        assert events("cancelled") == Need.objects.filter(status=NeedStatus.CANCELLED).count()
        for need in Need.objects.filter(status=NeedStatus.REJECTED):
            assert need.status_reason

    def test_points_lie_on_quang_tri_land(self, demo: str) -> None:
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

    def test_a_second_run_changes_nothing_and_says_so(self, demo: str) -> None:
        def counts() -> tuple[int, ...]:
            models = (User, Need, Pledge, Notification, AuditEvent, Area)
            return tuple(model.objects.count() for model in models)  # type: ignore[attr-defined]

        before = counts()
        output = run_demo()
        assert "already loaded" in output
        assert counts() == before

    def test_a_second_run_stays_a_no_op_after_someone_signed_up(self, demo: str) -> None:
        User.objects.create_user(username="chi.lan", password="x")
        assert "already loaded" in run_demo()

    def test_it_prints_the_logins_and_where_to_go(self, demo: str) -> None:
        for spec in DEMO_USERS:
            assert spec.username in demo
        assert "Phường Đông Hà" in demo
        assert "http://127.0.0.1:8000/" in demo
        assert "demo" in demo.split("Password")[1]

    def test_the_home_page_shows_the_campaigns_and_published_needs_only(self, demo: str, client: Any) -> None:
        response = client.get("/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "Lũ lịch sử tháng 10/2020" in page
        assert any(code in page for code in Need.objects.filter(status__in=PUBLIC_STATUSES).values_list("code", flat=True))
        assert not any(code in page for code in Need.objects.exclude(status__in=PUBLIC_STATUSES).values_list("code", flat=True))

    def test_it_makes_pledges_in_every_state(self, demo: str) -> None:
        counts = {status: Pledge.objects.filter(status=status).count() for status in PledgeStatus.values}
        assert all(counts[status] > 0 for status in PledgeStatus.values), counts
        assert "pledges (" in demo and "1 open hand-over request" in demo

    def test_both_demo_communes_hold_needs_partly_and_fully_pledged_delivered_and_closed(self, demo: str) -> None:
        covered = {NeedStatus.PARTIALLY_PLEDGED, NeedStatus.FULLY_PLEDGED, NeedStatus.DELIVERED, NeedStatus.CLOSED}
        for code in (COMMUNE_A, COMMUNE_B):
            assert covered <= set(Need.objects.filter(area__code=code).values_list("status", flat=True)), code

    def test_item_counters_are_the_sums_of_their_pledges(self, demo: str) -> None:
        sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
        for pledge in Pledge.objects.all():
            line = sums[pledge.need_item_id]
            if pledge.status in ACTIVE_STATUSES:
                line[0] += pledge.quantity
            if pledge.status in (PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED):
                line[1] += pledge.quantity
            if pledge.status == PledgeStatus.CONFIRMED:
                line[2] += pledge.quantity
        for item in NeedItem.objects.all():
            expected = sums.get(item.pk, [Decimal(0)] * 3)
            assert [item.quantity_pledged, item.quantity_delivered, item.quantity_confirmed] == expected, item.pk
            assert 0 <= item.remaining <= item.quantity

    def test_every_need_status_follows_from_its_items_and_only_published_needs_have_pledges(self, demo: str) -> None:
        for need in Need.objects.filter(status__in=PUBLIC_STATUSES).prefetch_related("items"):
            assert coverage_status(list(need.items.all())) == need.status, need.code
        assert not Pledge.objects.exclude(need__status__in=PUBLIC_STATUSES).exists()

    def test_pledges_are_made_by_the_demo_donors_under_every_kind_of_public_name(self, demo: str) -> None:
        donors = set(Pledge.objects.values_list("donor__username", flat=True))
        assert donors == {"demo-org", "demo-delegation", "demo-donor"}
        assert set(Pledge.objects.values_list("show_as", flat=True)) == set(ShowAs.values)
        for pledge in Pledge.objects.select_related("organisation", "donor"):
            if pledge.show_as == ShowAs.ORGANISATION:
                assert pledge.organisation is not None
                assert pledge.public_name == pledge.organisation.name
            elif pledge.show_as == ShowAs.NAME:
                assert pledge.public_name == pledge.donor.full_name
            else:
                assert pledge.public_name == ""
            assert pledge.quantity > 0
            if pledge.need_item.item.is_cash:
                assert pledge.quantity % 500_000 == 0

    def test_every_confirmation_is_by_an_officer_of_the_needs_commune_with_a_photo(self, demo: str) -> None:
        confirmed = Pledge.objects.filter(status=PledgeStatus.CONFIRMED)
        assert Confirmation.objects.count() == confirmed.count() > 0
        officers = {COMMUNE_A: {"demo-officer", "demo-verifier"}, COMMUNE_B: {"demo-officer-b"}}
        for confirmation in Confirmation.objects.select_related("pledge__need__area", "confirmed_by"):
            assert confirmation.confirmed_by.username in officers[confirmation.pledge.need.area.code]
            assert confirmation.recipient_acknowledged
            assert confirmation.evidence.name
            assert confirmation.evidence.storage.exists(confirmation.evidence.name)
            with confirmation.evidence.open("rb") as photo:
                assert photo.read(3) == b"\xff\xd8\xff"  # a JPEG

    def test_cancelled_and_expired_pledges_released_their_quantity_and_say_why(self, demo: str) -> None:
        for pledge in Pledge.objects.filter(status__in=[PledgeStatus.CANCELLED, PledgeStatus.EXPIRED]):
            assert pledge.status_reason
            assert pledge.closed_at is not None
            event = AuditEvent.objects.get(target_type="pledges.pledge", target_id=str(pledge.pk), action=f"pledges.pledge.{pledge.status}")
            assert (event.actor is None) == (pledge.status == PledgeStatus.EXPIRED)  # the daily run expires, the donor cancels
        expired = Pledge.objects.filter(status=PledgeStatus.EXPIRED)
        assert Notification.objects.filter(kind="pledge_expired").count() == expired.count()
        # Nothing else expired or was warned: the live pledges are expected later.
        assert not Pledge.objects.filter(expiry_warned_at__isnull=False).exists()
        assert not Notification.objects.filter(kind="pledge_near_expiry").exists()

    def test_every_step_of_every_pledge_is_in_the_audit_log(self, demo: str) -> None:
        def steps(pledge: Pledge) -> list[str]:
            events = AuditEvent.objects.filter(target_type="pledges.pledge", target_id=str(pledge.pk)).order_by("pk")
            return [action.removeprefix("pledges.pledge.") for action in events.values_list("action", flat=True)]

        last = {"in_transit": "shipped", "delivered": "delivered", "confirmed": "confirmed", "cancelled": "cancelled", "expired": "expired"}
        for pledge in Pledge.objects.all():
            every = steps(pledge)
            # Bank transfers come whenever they come: a payment is not a step of the pledge's life.
            assert every.count("payment_received") == (1 if pledge.amount_received else 0), (pledge.code, every)
            history = [step for step in every if step not in ("handover_requested", "payment_received")]
            assert history[0] == "created"
            assert history[-1] == last.get(pledge.status, "created"), (pledge.code, history)

    def test_the_delegation_asks_the_individual_donor_to_hand_a_pledge_over(self, demo: str) -> None:
        (request,) = HandoverRequest.objects.select_related("pledge__donor", "requested_by", "organisation")
        assert request.status == HandoverStatus.OPEN
        assert request.requested_by.username == "demo-delegation"
        assert request.organisation is not None
        assert request.pledge.donor.username == "demo-donor"
        assert request.pledge.status == PledgeStatus.PLEDGED
        assert Notification.objects.filter(kind="handover_requested", recipient=request.pledge.donor).count() == 1

    def test_deliveries_notify_the_officers_of_their_commune(self, demo: str) -> None:
        delivered = Pledge.objects.filter(status__in=[PledgeStatus.DELIVERED, PledgeStatus.CONFIRMED], need__area__code=COMMUNE_A)
        assert delivered.exists()
        for username in ("demo-officer", "demo-verifier"):
            notes = Notification.objects.filter(kind="delivery_awaiting_confirmation", recipient__username=username)
            assert notes.count() == delivered.count()
        assert User.objects.get(username="demo-donor").email.endswith(".invalid")  # the console shows it; nobody receives it

    def test_the_public_totals_include_the_pledges(self, demo: str) -> None:
        from cuutro.needs.selectors import public_totals

        totals = public_totals()
        published = NeedItem.objects.filter(need__status__in=PUBLIC_STATUSES)
        figures = [f for category in totals.by_category for f in category.figures]
        assert sum(f.pledged for f in figures) == sum(i.quantity_pledged for i in published) > 0
        assert sum(f.delivered for f in figures) == sum(i.quantity_delivered for i in published) > 0
        assert sum(f.confirmed for f in figures) == sum(i.quantity_confirmed for i in published) > 0
        assert totals.needs_closed == Need.objects.filter(status=NeedStatus.CLOSED).count() > 0
        assert totals.open_needs == Need.objects.filter(status__in=[NeedStatus.VERIFIED, NeedStatus.PARTIALLY_PLEDGED]).count()

    def test_the_api_shows_a_closed_needs_figures(self, demo: str, client: Any) -> None:
        need = Need.objects.filter(status=NeedStatus.CLOSED).first()
        assert need is not None
        data = client.get(f"/api/v1/needs/{need.code}").json()
        assert data["status"] == NeedStatus.CLOSED
        for item in data["items"]:
            assert Decimal(str(item["confirmed"])) == Decimal(str(item["quantity"])) == Decimal(str(item["pledged"]))
            assert Decimal(str(item["remaining"])) == 0

    # ---- money: funds, statements, payments, review queue, disbursements -------------------------

    def test_one_fund_per_bank_with_its_fixed_code_tied_to_the_demo_campaigns(self, demo: str) -> None:
        from cuutro.funds.models import Fund

        funds = {fund.code: fund for fund in Fund.objects.filter(code__startswith="demo-").select_related("campaign")}
        expected = {"demo-vcb": "vcb", "demo-vietinbank": "vietinbank", "demo-bidv": "bidv"}
        assert {code: fund.bank for code, fund in funds.items()} == expected
        assert [code for code, fund in funds.items() if fund.is_default] == ["demo-vcb"]
        assert {fund.campaign.code for fund in funds.values() if fund.campaign} == {c.code for c in Campaign.objects.all()}
        for fund in funds.values():
            assert fund.account_number.isdigit() and 12 <= len(fund.account_number) <= 14
            assert "QUANG TRI" in fund.account_name
            assert fund.code in demo  # the summary lists the funds

    def test_each_funds_statements_are_imported_in_its_banks_layout_twice_overlapping(self, demo: str) -> None:
        from cuutro.statements.models import StatementImport, StatementLine

        for code, bank in (("demo-vcb", "vcb"), ("demo-vietinbank", "vietinbank"), ("demo-bidv", "bidv")):
            imports = list(StatementImport.objects.filter(fund__code=code).order_by("pk"))
            assert len(imports) == 3  # two overlapping statements, then today's again with the disbursements' transfers
            assert all(record.layout.startswith(f"{bank}:") for record in imports)
            assert imports[1].rows_duplicate > 0  # the second statement overlaps the first by a day
            assert imports[2].rows_duplicate > 0 and imports[2].review_items == 0  # only the matched debits are new
            assert StatementLine.objects.filter(fund__code=code).count() == sum(r.rows_new for r in imports) > 0

    def test_relief_delegations_are_on_the_road_routed_redirected_and_waiting(self, demo: str) -> None:
        from cuutro.delegations.models import Delegation, HandoverLine, StopStatus

        statuses = sorted(Delegation.objects.values_list("status", flat=True))
        assert statuses == ["accepted", "on_route", "redirected", "submitted"]
        road = Delegation.objects.get(status="on_route")
        assert road.stops.filter(status=StopStatus.CHECKED_IN, checked_in_by__username="demo-officer").count() == 1
        handed = HandoverLine.objects.filter(stop__delegation=road)
        assert handed.exists() and all(line.pledge.status == PledgeStatus.DELIVERED for line in handed)
        assert all(line.pledge.need.area.code == "19333" for line in handed)  # handed over where it arrived
        assert "relief delegations" in demo and "/delegations/" in demo

    def test_every_disbursement_is_matched_by_its_bank_debit_and_counted_once(self, demo: str) -> None:
        from cuutro.funds.models import Direction, EntryKind, LedgerEntry
        from cuutro.funds.selectors import fund_totals
        from cuutro.statements.models import ReviewItem, ReviewReason, ReviewStatus

        for code in ("demo-vcb", "demo-vietinbank", "demo-bidv"):
            given = LedgerEntry.objects.filter(fund__code=code, kind=EntryKind.DISBURSEMENT)
            debits = LedgerEntry.objects.filter(fund__code=code, kind=EntryKind.DEBIT, direction=Direction.SAME)
            assert given.exists() and sorted(d.matches_id for d in debits) == sorted(g.pk for g in given)
            assert all(d.amount == d.matches.amount for d in debits)  # type: ignore[union-attr]
            out = LedgerEntry.objects.filter(fund__code=code, amount__isnull=False, direction=Direction.OUT)
            assert fund_totals(fund=given[0].fund).money_out == sum(e.amount or 0 for e in out)
        fees = ReviewItem.objects.filter(reason=ReviewReason.DEBIT)
        assert fees.filter(status=ReviewStatus.OPEN).count() == 2 and fees.filter(status=ReviewStatus.RESOLVED).count() == 1

    def test_cash_pledges_are_paid_unpaid_and_paid_with_another_amount(self, demo: str) -> None:
        from cuutro.funds.models import EntryKind, LedgerEntry
        from cuutro.statements.models import ReviewItem, ReviewReason, ReviewStatus

        cash = Pledge.objects.filter(need_item__item__unit="vnd").exclude(status__in=[PledgeStatus.CANCELLED, PledgeStatus.EXPIRED])
        paid = cash.filter(paid_at__isnull=False)
        assert paid.exists()
        assert cash.filter(amount_received=0).exists()
        for pledge in paid:
            credits = LedgerEntry.objects.filter(pledge=pledge, kind=EntryKind.CREDIT)
            assert sum(e.amount or 0 for e in credits) == pledge.amount_received >= pledge.quantity
            assert all(e.reference == pledge.code_key for e in credits)
        mismatched = ReviewItem.objects.filter(reason=ReviewReason.AMOUNT_MISMATCH, status=ReviewStatus.OPEN)
        assert 1 <= mismatched.count() <= 2
        for item in mismatched:
            assert item.pledge is not None
            assert item.entry.amount != item.pledge.quantity

    def test_general_donations_wait_in_the_review_queue_and_some_are_decided(self, demo: str) -> None:
        from cuutro.statements.models import Resolution, ReviewItem, ReviewReason, ReviewStatus

        unmatched = ReviewItem.objects.filter(reason=ReviewReason.UNMATCHED)
        assert unmatched.filter(status=ReviewStatus.OPEN).exists()
        decided = unmatched.filter(status=ReviewStatus.RESOLVED)
        assert decided.exists()
        assert all(item.resolution == Resolution.GENERAL and item.decided_by.username == "demo-province" for item in decided)  # type: ignore[union-attr]
        assert not unmatched.filter(entry__pledge__isnull=False).exists()

    def test_money_and_goods_are_given_out_with_documents_to_published_needs(self, demo: str) -> None:
        from cuutro.funds.models import EntryKind, LedgerDocument, LedgerEntry

        given = LedgerEntry.objects.filter(kind=EntryKind.DISBURSEMENT)
        assert given.filter(need__isnull=False).exists()
        assert given.count() == LedgerDocument.objects.count()
        for entry in given:
            assert entry.document.sha256 == entry.document_sha256  # type: ignore[attr-defined]
            with entry.document.file.open("rb") as stored:  # type: ignore[attr-defined]
                assert stored.read(5) == b"%PDF-"
            assert entry.need is None or entry.need.status in PUBLIC_STATUSES
        assert LedgerEntry.objects.filter(kind=EntryKind.GOODS_IN).count() == 3
        assert LedgerEntry.objects.filter(kind=EntryKind.GOODS_OUT, need__isnull=False).exists()

    def test_the_ledger_verifies_and_each_balance_follows_from_its_entries(self, demo: str) -> None:
        from cuutro.funds.models import EntryKind, Fund
        from cuutro.funds.selectors import fund_totals, ledger_verify
        from cuutro.statements.models import StatementImport

        assert ledger_verify().ok
        for fund in Fund.objects.all():
            sums: dict[str, Decimal] = defaultdict(Decimal)
            for kind, amount in fund.entries.filter(amount__isnull=False).values_list("kind", "amount"):
                sums[kind] += amount or 0
            assert set(sums) <= {EntryKind.CREDIT, EntryKind.DEBIT, EntryKind.DISBURSEMENT}
            # Every disbursement went out through the bank, so the bank's own closing balance is
            # the fund's: each was counted once, not once on the ledger and again as its debit.
            closing = StatementImport.objects.filter(fund=fund).order_by("-last_day", "-pk").first()
            assert closing is not None and fund_totals(fund=fund).balance == closing.closing_balance >= 0
            assert sums[EntryKind.CREDIT] > 0 and sums[EntryKind.DISBURSEMENT] > 0 and sums[EntryKind.DEBIT] > 0
