"""Who may do what with a pledge. Services, views and the API call these."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cuutro.accounts.selectors import area_in_scope, is_commune_officer_for, is_member_of
from cuutro.pledges.models import Pledge


def can_act_for_pledge(*, user: Any, pledge: Pledge) -> bool:
    """Ship, deliver, cancel, answer hand-overs: the donor, or a member of the organisation
    the pledge was made for."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.pk == pledge.donor_id or is_member_of(user=user, organisation_id=pledge.organisation_id)


def can_confirm(*, user: Any, pledge: Pledge, need: Any) -> bool:
    """Confirm on the ground: a commune officer of the need's commune who is not on the giving
    side of this pledge (four eyes: nobody vouches for their own delivery)."""
    return is_commune_officer_for(user=user, area=need.area) and not can_act_for_pledge(user=user, pledge=pledge)


def confirm_refusal(*, user: Any, pledge: Pledge, need: Any) -> str:
    """Why ``user`` may not confirm ``pledge`` ("" when they may), in words for the screen and
    for the service's PermissionDenied alike."""
    if can_confirm(user=user, pledge=pledge, need=need):
        return ""
    if getattr(user, "pk", None) == pledge.donor_id:
        return _("A donor cannot confirm their own delivery: a commune officer must.")
    return _("Only a commune officer of the need's commune can confirm a delivery.")


def can_see_contact(*, user: Any, pledge: Pledge, need: Any) -> bool:
    """The donor's contact details: the donor's side and the officers over the need's area."""
    return can_act_for_pledge(user=user, pledge=pledge) or area_in_scope(user=user, area=need.area)
