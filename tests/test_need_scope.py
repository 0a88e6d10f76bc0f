"""Powers stop at the edge of a role's area: the outsider cases for every need service and read."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cuutro.accounts.models import Role
from cuutro.accounts.selectors import area_in_scope
from cuutro.accounts.services import role_assign
from cuutro.audit.models import AuditEvent
from cuutro.needs import services
from cuutro.needs.models import Need, NeedStatus
from cuutro.needs.permissions import can_manage_needs_in, can_verify
from cuutro.needs.selectors import (
    NeedFilters,
    need_get_for_officer,
    need_search_for_officer,
    needs_in_scope,
    verification_queue,
)
from tests.conftest import Cast, make_user, need_data

NOBODIES = ["org_member", "donor", "outsider"]


def state(need: Need) -> tuple[Any, ...]:
    fresh = Need.objects.get(pk=need.pk)
    return (fresh.status, fresh.status_reason, fresh.description, fresh.verified_by_id, fresh.updated_at)


@pytest.fixture
def hue_officer(cast: Cast) -> Any:
    user = make_user("hue_officer", full_name="Cán bộ Nam Đông")
    role_assign(actor=None, user=user, role=Role.COMMUNE_OFFICER, area=cast.commune_c)
    return user


# ---- officer of another commune -----------------------------------------------------------


def test_an_officer_cannot_create_a_need_in_another_commune(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        services.need_create(actor=cast.officer_b, data=need_data(cast.commune_a))
    assert Need.objects.count() == 0


def test_an_officer_cannot_edit_a_need_of_another_commune(cast: Cast, make_need: Any) -> None:
    need = make_need("draft")
    before = state(need)

    with pytest.raises(PermissionDenied):
        services.need_update(actor=cast.officer_b, need=need, data=need_data(cast.commune_a, description="Sửa trộm"))

    assert state(need) == before


def test_an_officer_cannot_move_a_need_of_their_commune_into_another_commune(cast: Cast, make_need: Any) -> None:
    need = make_need("draft")
    before = (state(need), Need.objects.get(pk=need.pk).area_id)

    with pytest.raises(PermissionDenied):
        services.need_update(actor=cast.officer, need=need, data=need_data(cast.commune_b))

    assert (state(need), Need.objects.get(pk=need.pk).area_id) == before


@pytest.mark.parametrize("action", ["submit", "verify", "reject", "cancel"])
def test_an_officer_cannot_move_a_need_of_another_commune_through_its_workflow(cast: Cast, make_need: Any, action: str) -> None:
    need = make_need("submitted" if action != "submit" else "draft")
    before = state(need)
    audit_count = AuditEvent.objects.count()

    with pytest.raises(PermissionDenied):
        transition(action, actor=cast.officer_b, need=need)

    assert state(need) == before
    assert AuditEvent.objects.count() == audit_count


def test_an_officer_cannot_see_a_need_of_another_commune(cast: Cast, make_need: Any) -> None:
    need = make_need("submitted")

    with pytest.raises(Http404):
        need_get_for_officer(user=cast.officer_b, code=need.code)
    assert list(needs_in_scope(user=cast.officer_b)) == []
    assert list(need_search_for_officer(user=cast.officer_b, filters=NeedFilters(q=need.code))) == []
    assert list(verification_queue(user=cast.officer_b)) == []
    assert not area_in_scope(user=cast.officer_b, area=need.area)


def test_an_officer_sees_the_needs_of_their_own_commune(cast: Cast, make_need: Any) -> None:
    need = make_need("submitted")
    theirs = make_need("draft", creator=cast.officer_b, area=cast.commune_b)

    assert need_get_for_officer(user=cast.verifier, code=need.code) == need
    assert list(needs_in_scope(user=cast.verifier)) == [need]
    assert list(verification_queue(user=cast.verifier)) == [need]
    assert list(needs_in_scope(user=cast.officer_b)) == [theirs]


# ---- four eyes ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["verify", "reject"])
def test_the_creator_cannot_verify_or_reject_their_own_need(cast: Cast, make_need: Any, action: str) -> None:
    need = make_need("submitted")
    before = state(need)

    with pytest.raises(PermissionDenied):
        transition(action, actor=cast.officer, need=need)

    assert state(need) == before
    assert not can_verify(user=cast.officer, need=need)
    assert can_verify(user=cast.verifier, need=need)


def test_a_province_member_who_created_a_need_cannot_verify_it_either(cast: Cast) -> None:
    need = services.need_create(actor=cast.province_member, data=need_data(cast.commune_b), submit=True)

    with pytest.raises(PermissionDenied):
        services.need_verify(actor=cast.province_member, need=need)

    assert Need.objects.get(pk=need.pk).status == NeedStatus.SUBMITTED
    services.need_verify(actor=cast.officer_b, need=need)
    assert Need.objects.get(pk=need.pk).status == NeedStatus.VERIFIED


def test_the_creator_does_not_find_their_own_need_in_their_verification_queue(cast: Cast, make_need: Any) -> None:
    make_need("submitted")
    assert list(verification_queue(user=cast.officer)) == []


# ---- province committee -------------------------------------------------------------------


def test_a_province_member_can_verify_needs_in_any_commune_of_their_province(cast: Cast, make_need: Any) -> None:
    in_a = make_need("submitted")
    in_b = make_need("submitted", creator=cast.officer_b, area=cast.commune_b)

    services.need_verify(actor=cast.province_member, need=in_a)
    services.need_verify(actor=cast.province_member, need=in_b)

    assert list(Need.objects.filter(pk__in=[in_a.pk, in_b.pk]).values_list("status", "verified_by")) == [
        ("verified", cast.province_member.pk),
        ("verified", cast.province_member.pk),
    ]


def test_a_province_member_sees_every_need_of_their_province_and_none_elsewhere(cast: Cast, make_need: Any, hue_officer: Any) -> None:
    in_a = make_need("submitted")
    in_b = make_need("draft", creator=cast.officer_b, area=cast.commune_b)
    in_hue = make_need("submitted", creator=hue_officer, area=cast.commune_c)

    assert set(needs_in_scope(user=cast.province_member)) == {in_a, in_b}
    assert need_get_for_officer(user=cast.province_member, code=in_b.code) == in_b
    with pytest.raises(Http404):
        need_get_for_officer(user=cast.province_member, code=in_hue.code)


@pytest.mark.parametrize("action", ["verify", "reject", "cancel"])
def test_a_province_member_cannot_act_on_a_need_in_hue(cast: Cast, make_need: Any, hue_officer: Any, action: str) -> None:
    need = make_need("submitted", creator=hue_officer, area=cast.commune_c)
    before = state(need)

    with pytest.raises(PermissionDenied):
        transition(action, actor=cast.province_member, need=need)

    assert state(need) == before


def test_a_province_member_cannot_create_a_need_in_hue(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        services.need_create(actor=cast.province_member, data=need_data(cast.commune_c))
    assert not can_manage_needs_in(user=cast.province_member, area=cast.commune_c)
    assert not can_manage_needs_in(user=cast.province_member, area=cast.other_province)
    assert Need.objects.count() == 0


# ---- people without an official role ------------------------------------------------------


@pytest.mark.parametrize("who", NOBODIES)
def test_a_person_without_an_official_role_cannot_create_a_need(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.need_create(actor=getattr(cast, who), data=need_data(cast.commune_a))
    assert Need.objects.count() == 0


@pytest.mark.parametrize("who", NOBODIES)
def test_a_person_without_an_official_role_cannot_edit_a_need(cast: Cast, make_need: Any, who: str) -> None:
    need = make_need("draft")
    before = state(need)

    with pytest.raises(PermissionDenied):
        services.need_update(actor=getattr(cast, who), need=need, data=need_data(cast.commune_a, description="Sửa"))

    assert state(need) == before


@pytest.mark.parametrize("who", NOBODIES)
@pytest.mark.parametrize("action", ["submit", "verify", "reject", "cancel"])
def test_a_person_without_an_official_role_cannot_move_a_need(cast: Cast, make_need: Any, who: str, action: str) -> None:
    need = make_need("submitted" if action != "submit" else "draft")
    before = state(need)

    with pytest.raises(PermissionDenied):
        transition(action, actor=getattr(cast, who), need=need)

    assert state(need) == before


@pytest.mark.parametrize("who", NOBODIES)
def test_a_person_without_an_official_role_sees_no_private_need(cast: Cast, make_need: Any, who: str) -> None:
    need = make_need("submitted")
    user = getattr(cast, who)

    with pytest.raises(Http404):
        need_get_for_officer(user=user, code=need.code)
    assert list(needs_in_scope(user=user)) == []
    assert list(verification_queue(user=user)) == []
    assert not area_in_scope(user=user, area=need.area)


def test_the_anonymous_public_sees_no_private_need(cast: Cast, make_need: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    need = make_need("submitted")

    with pytest.raises(Http404):
        need_get_for_officer(user=AnonymousUser(), code=need.code)
    with pytest.raises(PermissionDenied):
        services.need_verify(actor=AnonymousUser(), need=need)
    assert Need.objects.get(pk=need.pk).status == NeedStatus.SUBMITTED


def test_a_deactivated_officer_loses_their_powers(cast: Cast, make_need: Any) -> None:
    need = make_need("submitted")
    cast.verifier.is_active = False
    cast.verifier.save()

    with pytest.raises(PermissionDenied):
        services.need_verify(actor=cast.verifier, need=need)
    with pytest.raises(Http404):
        need_get_for_officer(user=cast.verifier, code=need.code)


def transition(action: str, *, actor: Any, need: Need) -> Need:
    if action == "submit":
        return services.need_submit(actor=actor, need=need)
    if action == "verify":
        return services.need_verify(actor=actor, need=need)
    if action == "reject":
        return services.need_reject(actor=actor, need=need, reason="Không đúng")
    return services.need_cancel(actor=actor, need=need, reason="Trùng")
