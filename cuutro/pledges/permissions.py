"""Who may do what with a pledge. Services, views and the API call these."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cuutro.accounts.selectors import area_in_scope, is_commune_officer_for, is_member_of
from cuutro.audit.selectors import audit_actor_ids
from cuutro.pledges.models import Pledge


def can_act_for_pledge(*, user: Any, pledge: Pledge) -> bool:
    """Ship, deliver, cancel, answer hand-overs: the donor, or a member of the organisation
    the pledge was made for."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.pk == pledge.donor_id or is_member_of(user=user, organisation_id=pledge.organisation_id)


# Whoever gave (pledged, shipped, delivered or handed over) cannot vouch for the delivery.
GIVER_ACTIONS = {
    "pledges.pledge.created",
    "pledges.pledge.shipped",
    "pledges.pledge.delivered",
    "pledges.pledge.handed_over",
}


def can_confirm(*, user: Any, pledge: Pledge, need: Any) -> bool:
    """Confirm on the ground: a commune officer of the need's commune who is not on the giving
    side of this pledge, now or earlier (four eyes: nobody vouches for their own delivery, not
    even after handing the pledge over to someone else)."""
    return (
        is_commune_officer_for(user=user, area=need.area)
        and not can_act_for_pledge(user=user, pledge=pledge)
        and user.pk not in audit_actor_ids(target=pledge, actions=GIVER_ACTIONS)
    )


def confirm_refusal(*, user: Any, pledge: Pledge, need: Any) -> str:
    """Why ``user`` may not confirm ``pledge`` ("" when they may), in words for the screen and
    for the service's PermissionDenied alike."""
    if can_confirm(user=user, pledge=pledge, need=need):
        return ""
    giving_side = can_act_for_pledge(user=user, pledge=pledge) or (
        getattr(user, "pk", None) in audit_actor_ids(target=pledge, actions=GIVER_ACTIONS)
    )
    if giving_side:
        return _("A donor cannot confirm their own delivery: a commune officer must.")
    return _("Only a commune officer of the need's commune can confirm a delivery.")


def can_see_contact(*, user: Any, pledge: Pledge, need: Any) -> bool:
    """The donor's contact details: the donor's side and the officers over the need's area."""
    return can_act_for_pledge(user=user, pledge=pledge) or area_in_scope(user=user, area=need.area)
