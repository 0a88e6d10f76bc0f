"""Role assignments: who may be an official where, how roles are given and taken away (always with
an audit event), and why the admin cannot change them behind the audit log's back."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from cuutro.accounts.models import AREA_ROLES, Organisation, OrganisationKind, Role, RoleAssignment, User
from cuutro.accounts.selectors import area_in_scope, is_officer, user_organisations
from cuutro.accounts.services import ROLE_AREA_LEVEL, role_assign, role_revoke
from cuutro.audit.models import AuditEvent
from cuutro.geo.models import Area, AreaLevel
from tests.conftest import Cast, make_user


def held(user: User) -> set[tuple[str, str | None, str | None]]:
    return {
        (a.role, a.area.code if a.area else None, a.organisation.name if a.organisation else None)
        for a in RoleAssignment.objects.filter(user=user).select_related("area", "organisation")
    }


def fresh(user: User) -> User:
    """A new object: the selectors cache role assignments on the user object they are given."""
    return User.objects.get(pk=user.pk)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def assign_role(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("assign_role", *args, stdout=out)
    return out.getvalue().strip()


def refused(**kwargs: Any) -> ValidationError:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        role_assign(actor=None, **kwargs)
    return caught.value


def message(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(error.messages)


@pytest.fixture
def newcomer(cast: Cast) -> User:
    return make_user("newcomer", full_name="Người mới")


@pytest.fixture
def admin_client(cast: Cast) -> Client:
    boss = User.objects.create_superuser(username="boss", password="x", email="boss@example.org")
    return cast.client_for(boss)


# --- role_assign ------------------------------------------------------------------------------


def test_every_official_role_names_the_level_of_area_it_is_scoped_to() -> None:
    assert set(ROLE_AREA_LEVEL) == AREA_ROLES


def test_a_commune_officer_assigned_to_a_commune_gets_powers_there_only(cast: Cast, newcomer: User) -> None:
    assignment = role_assign(actor=cast.province_member, user=newcomer, role=Role.COMMUNE_OFFICER, area=cast.commune_b)

    assert assignment.user == newcomer
    assert held(newcomer) == {("commune_officer", "19495", None)}
    user = fresh(newcomer)
    assert is_officer(user=user)
    assert area_in_scope(user=user, area=cast.commune_b)
    assert not area_in_scope(user=user, area=cast.commune_a)
    assert not area_in_scope(user=user, area=cast.province)


@pytest.mark.parametrize("role", [Role.PROVINCE_ADMIN, Role.PROVINCE_COMMITTEE])
def test_a_province_role_assigned_to_a_province_covers_its_communes(cast: Cast, newcomer: User, role: Role) -> None:
    role_assign(actor=None, user=newcomer, role=role, area=cast.province)

    user = fresh(newcomer)
    assert area_in_scope(user=user, area=cast.commune_a)
    assert area_in_scope(user=user, area=cast.commune_b)
    assert not area_in_scope(user=user, area=cast.commune_c)


def test_a_commune_officer_cannot_be_assigned_to_a_province(cast: Cast, newcomer: User) -> None:
    error = refused(user=newcomer, role=Role.COMMUNE_OFFICER, area=cast.province)

    assert error.code == "area_wrong_level"
    assert message(error) == (
        "The role “Commune officer” needs an area of level “Commune / ward / special zone”, "
        "but “Tỉnh Quảng Trị” is of level “Province / city”."
    )
    assert held(newcomer) == set()
    assert not area_in_scope(user=fresh(newcomer), area=cast.commune_a)
    assert events("accounts.role.assigned")[-1].target_id != str(newcomer.pk)


@pytest.mark.parametrize("role", [Role.PROVINCE_ADMIN, Role.PROVINCE_COMMITTEE])
def test_a_province_role_cannot_be_assigned_to_a_commune(cast: Cast, newcomer: User, role: Role) -> None:
    error = refused(user=newcomer, role=role, area=cast.commune_a)

    assert error.code == "area_wrong_level"
    assert "“Phường Đông Hà” is of level “Commune / ward / special zone”" in message(error)
    assert held(newcomer) == set()


@pytest.mark.parametrize("level", [AreaLevel.DISTRICT, AreaLevel.VILLAGE])
def test_no_official_role_can_be_assigned_to_a_district_or_village(cast: Cast, newcomer: User, level: AreaLevel) -> None:
    odd = Area.objects.create(code=f"x-{level}", name="Thôn Lạ", level=level, parent=cast.commune_a, path=f"{cast.commune_a.path}x/")

    for role in AREA_ROLES:
        assert refused(user=newcomer, role=role, area=odd).code == "area_wrong_level"
    assert held(newcomer) == set()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COMMUNE_OFFICER, "The role “Commune officer” needs an area of level “Commune / ward / special zone”."),
        (Role.PROVINCE_ADMIN, "The role “Province administrator” needs an area of level “Province / city”."),
        (Role.PROVINCE_COMMITTEE, "The role “Province relief committee member” needs an area of level “Province / city”."),
    ],    ids=["commune_officer", "province_admin", "province_committee"],
)
def test_an_official_role_needs_an_area(cast: Cast, newcomer: User, role: Role, expected: str) -> None:
    error = refused(user=newcomer, role=role)

    assert error.code == "area_required"
    assert message(error) == expected
    assert held(newcomer) == set()


def test_an_abolished_commune_cannot_be_given_an_officer(cast: Cast, newcomer: User) -> None:
    Area.objects.filter(pk=cast.commune_c.pk).update(valid_to=dt.date(2025, 6, 30))
    cast.commune_c.refresh_from_db()

    error = refused(user=newcomer, role=Role.COMMUNE_OFFICER, area=cast.commune_c)

    assert error.code == "area_not_current"
    assert message(error) == "“Xã Nam Đông” no longer exists as an administrative unit; choose a current one."
    assert held(newcomer) == set()


@pytest.mark.parametrize(
    ("role", "label"), [(Role.DONOR, "Individual donor"), (Role.ORG_MEMBER, "Organisation member")], ids=["donor", "org_member"]
)
def test_donors_and_organisation_members_take_no_area(cast: Cast, newcomer: User, role: Role, label: str) -> None:
    organisation = Organisation.objects.get()

    error = refused(user=newcomer, role=role, area=cast.commune_a, organisation=organisation if role == Role.ORG_MEMBER else None)

    assert error.code == "area_not_allowed"
    assert message(error) == f"The role “{label}” does not take an area."
    assert held(newcomer) == set()
    assert not is_officer(user=fresh(newcomer))


def test_an_organisation_member_needs_an_organisation(cast: Cast, newcomer: User) -> None:
    error = refused(user=newcomer, role=Role.ORG_MEMBER)

    assert error.code == "organisation_required"
    assert message(error) == "An organisation member needs an organisation."


@pytest.mark.parametrize(
    ("role", "label"), [(Role.DONOR, "Individual donor"), (Role.COMMUNE_OFFICER, "Commune officer")], ids=["donor", "commune_officer"]
)
def test_only_organisation_members_take_an_organisation(cast: Cast, newcomer: User, role: Role, label: str) -> None:
    area = cast.commune_a if role == Role.COMMUNE_OFFICER else None

    error = refused(user=newcomer, role=role, area=area, organisation=Organisation.objects.get())

    assert error.code == "organisation_not_allowed"
    assert message(error) == f"The role “{label}” does not take an organisation."


def test_an_unknown_role_is_refused(cast: Cast, newcomer: User) -> None:
    with pytest.raises(ValueError, match="mayor"):
        role_assign(actor=None, user=newcomer, role="mayor", area=cast.commune_a)
    assert held(newcomer) == set()


def test_an_organisation_member_belongs_to_that_organisation(cast: Cast, newcomer: User) -> None:
    delegation = Organisation.objects.create(name="Đoàn công tác Thử nghiệm", kind=OrganisationKind.DELEGATION)

    role_assign(actor=None, user=newcomer, role=Role.ORG_MEMBER, organisation=delegation)

    assert user_organisations(user=fresh(newcomer)) == [delegation]
    assert not is_officer(user=fresh(newcomer))


def test_assigning_a_role_records_who_gave_it_and_why(cast: Cast, newcomer: User) -> None:
    role_assign(actor=cast.province_member, user=newcomer, role=Role.COMMUNE_OFFICER, area=cast.commune_a, reason="new hire")

    event = events("accounts.role.assigned")[-1]
    assert event.actor == cast.province_member
    assert (event.target_type, event.target_id) == ("accounts.user", str(newcomer.pk))
    assert event.reason == "new hire"
    assert event.data == {"role": "commune_officer", "area": "19333", "organisation": None}


def test_assigning_a_role_already_held_changes_nothing_and_records_nothing(cast: Cast) -> None:
    before = AuditEvent.objects.count()
    existing = RoleAssignment.objects.get(user=cast.officer)

    again = role_assign(actor=cast.province_member, user=cast.officer, role=Role.COMMUNE_OFFICER, area=cast.commune_a)

    assert again.pk == existing.pk
    assert RoleAssignment.objects.filter(user=cast.officer).count() == 1
    assert AuditEvent.objects.count() == before


def test_the_same_role_in_a_second_commune_is_a_second_assignment(cast: Cast) -> None:
    role_assign(actor=None, user=cast.officer, role=Role.COMMUNE_OFFICER, area=cast.commune_b)

    assert held(cast.officer) == {("commune_officer", "19333", None), ("commune_officer", "19495", None)}
    assert events("accounts.role.assigned")[-1].data["area"] == "19495"


# --- role_revoke ------------------------------------------------------------------------------


def test_revoking_a_role_ends_its_powers_and_records_who_and_why(cast: Cast) -> None:
    assignment = RoleAssignment.objects.get(user=cast.officer)

    role_revoke(actor=cast.province_member, assignment=assignment, reason="moved to another commune")

    assert held(cast.officer) == set()
    assert not is_officer(user=fresh(cast.officer))
    assert not area_in_scope(user=fresh(cast.officer), area=cast.commune_a)
    assert area_in_scope(user=fresh(cast.verifier), area=cast.commune_a)  # the colleague keeps theirs
    (event,) = events("accounts.role.revoked")
    assert event.actor == cast.province_member
    assert (event.target_type, event.target_id) == ("accounts.user", str(cast.officer.pk))
    assert event.reason == "moved to another commune"
    assert event.data == {"role": "commune_officer", "area": "19333", "organisation": None}


def test_revoking_a_role_already_revoked_records_nothing_more(cast: Cast) -> None:
    assignment = RoleAssignment.objects.get(user=cast.officer)
    role_revoke(actor=None, assignment=assignment, reason="left")

    role_revoke(actor=None, assignment=assignment, reason="left again")

    assert [e.reason for e in events("accounts.role.revoked")] == ["left"]


def test_a_revocation_that_fails_to_record_its_audit_event_is_undone(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_audit(**kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("cuutro.accounts.services.audit_record", broken_audit)
    assignment = RoleAssignment.objects.get(user=cast.officer)

    with pytest.raises(RuntimeError):
        role_revoke(actor=None, assignment=assignment, reason="left")

    assert held(cast.officer) == {("commune_officer", "19333", None)}


def test_an_organisation_membership_can_be_revoked(cast: Cast) -> None:
    role_revoke(actor=None, assignment=RoleAssignment.objects.get(user=cast.org_member), reason="left the Red Cross")

    assert user_organisations(user=fresh(cast.org_member)) == []
    assert events("accounts.role.revoked")[-1].data == {"role": "org_member", "area": None, "organisation": "Hội Chữ thập đỏ Thử nghiệm"}


# --- manage.py assign_role --------------------------------------------------------------------


def test_assign_role_gives_a_commune_officer_their_commune(cast: Cast, newcomer: User) -> None:
    output = assign_role("newcomer", "commune_officer", "--area", "19495", "--reason", "appointed 1 Oct")

    assert output == "assigned commune_officer in 19495 (Xã Gio Linh) to newcomer"
    assert held(newcomer) == {("commune_officer", "19495", None)}
    event = events("accounts.role.assigned")[-1]
    assert (event.target_id, event.reason, event.actor) == (str(newcomer.pk), "appointed 1 Oct", None)


def test_assign_role_gives_an_organisation_membership(cast: Cast, newcomer: User) -> None:
    output = assign_role("newcomer", "org_member", "--organisation", "Hội Chữ thập đỏ Thử nghiệm")

    assert output == "assigned org_member of Hội Chữ thập đỏ Thử nghiệm to newcomer"
    assert held(newcomer) == {("org_member", None, "Hội Chữ thập đỏ Thử nghiệm")}


def test_assign_role_gives_a_donor_role(cast: Cast, newcomer: User) -> None:
    assert assign_role("newcomer", "donor") == "assigned donor to newcomer"
    assert held(newcomer) == {("donor", None, None)}


def test_assign_role_says_so_when_the_role_is_already_held(cast: Cast) -> None:
    before = AuditEvent.objects.count()

    output = assign_role("officer", "commune_officer", "--area", "19333")

    assert output == "officer already holds commune_officer in 19333 (Phường Đông Hà); nothing changed"
    assert AuditEvent.objects.count() == before


def test_assign_role_revoke_takes_the_role_away_with_the_reason(cast: Cast) -> None:
    output = assign_role("officer_b", "commune_officer", "--area", "19495", "--revoke", "--reason", "retired")

    assert output == "revoked commune_officer in 19495 (Xã Gio Linh) from officer_b"
    assert held(cast.officer_b) == set()
    (event,) = events("accounts.role.revoked")
    assert (event.target_id, event.reason) == (str(cast.officer_b.pk), "retired")


def test_assign_role_revoke_refuses_a_role_the_user_does_not_hold(cast: Cast) -> None:
    with pytest.raises(CommandError, match=r"^officer does not hold the role commune_officer in 19495 \(Xã Gio Linh\)$"):
        assign_role("officer", "commune_officer", "--area", "19495", "--revoke")

    assert held(cast.officer) == {("commune_officer", "19333", None)}
    assert events("accounts.role.revoked") == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["nobody", "donor"], "no user named 'nobody'"),
        (["OFFICER", "donor"], "no user named 'OFFICER'"),
        (
            ["outsider", "mayor"],
            "unknown role 'mayor'; choose one of: province_admin, province_committee, commune_officer, org_member, donor",
        ),
        (["outsider", "commune_officer", "--area", "99999"], "no area with code '99999'"),
        (["outsider", "org_member", "--organisation", "Hội Không Tồn Tại"], "no organisation named 'Hội Không Tồn Tại'"),
        (["outsider", "org_member", "--organisation", "Hội Không Tồn Tại", "--revoke"], "no organisation named 'Hội Không Tồn Tại'"),
    ],    ids=["unknown-user", "username-is-exact", "unknown-role", "unknown-area", "unknown-organisation", "unknown-organisation-revoke"],
)
def test_assign_role_names_what_it_could_not_find(cast: Cast, args: list[str], error: str) -> None:
    before = AuditEvent.objects.count()

    with pytest.raises(CommandError) as caught:
        assign_role(*args)

    assert str(caught.value) == error
    assert held(cast.outsider) == set()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["commune_officer", "--area", "44"], "The role “Commune officer” needs an area of level “Commune / ward / special zone”"),
        (["province_admin", "--area", "19333"], "The role “Province administrator” needs an area of level “Province / city”"),
        (["province_committee"], "The role “Province relief committee member” needs an area of level “Province / city”."),
        (["donor", "--area", "44"], "The role “Individual donor” does not take an area."),
        (["org_member"], "An organisation member needs an organisation."),
    ],    ids=["officer-on-province", "admin-on-commune", "committee-without-area", "donor-with-area", "member-without-org"],
)
def test_assign_role_explains_a_role_that_does_not_fit_the_area(cast: Cast, args: list[str], error: str) -> None:
    with pytest.raises(CommandError) as caught:
        assign_role("outsider", *args)

    assert str(caught.value).startswith(error)
    assert held(cast.outsider) == set()


# --- the admin shows roles but cannot change them ---------------------------------------------

EDITABLE_ROLE_FIELD = re.compile(r'name="roles-\d+-(role|area|organisation|DELETE)"')


def test_the_user_admin_shows_roles_without_any_way_to_edit_them(cast: Cast, admin_client: Client) -> None:
    response = admin_client.get(f"/admin/accounts/user/{cast.officer.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Commune officer" in page
    assert "Phường Đông Hà" in page
    assert EDITABLE_ROLE_FIELD.findall(page) == []
    assert 'name="roles-MAX_NUM_FORMS" value="0"' in page


def test_a_forged_admin_post_cannot_add_change_or_delete_roles(cast: Cast, admin_client: Client) -> None:
    existing = RoleAssignment.objects.get(user=cast.officer)
    before = AuditEvent.objects.count()
    form = {
        "username": "officer",
        "full_name": "Cán bộ A đã sửa",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "roles-TOTAL_FORMS": "2",
        "roles-INITIAL_FORMS": "1",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        # Turn the commune role into a province one, delete it, and add a province admin role.
        "roles-0-id": str(existing.pk),
        "roles-0-user": str(cast.officer.pk),
        "roles-0-role": "province_admin",
        "roles-0-area": str(cast.province.pk),
        "roles-0-DELETE": "on",
        "roles-1-user": str(cast.officer.pk),
        "roles-1-role": "province_admin",
        "roles-1-area": str(cast.province.pk),
    }

    response = admin_client.post(f"/admin/accounts/user/{cast.officer.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(cast.officer).full_name == "Cán bộ A đã sửa"  # the user form itself was saved ...
    assert held(cast.officer) == {("commune_officer", "19333", None)}  # ... the roles were not
    assert not area_in_scope(user=fresh(cast.officer), area=cast.commune_b)
    assert AuditEvent.objects.count() == before


def test_role_assignments_have_no_admin_page_of_their_own(cast: Cast, admin_client: Client) -> None:
    assert admin_client.get("/admin/accounts/roleassignment/").status_code == 404
