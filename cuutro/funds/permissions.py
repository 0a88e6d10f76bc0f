"""Who may move money and goods of a fund."""

from __future__ import annotations

from typing import Any

from cuutro.accounts.selectors import province_roles
from cuutro.funds.models import Fund


def can_manage_fund(*, user: Any, fund: Fund) -> bool:
    """Record disbursements and goods: the province's relief committee or administrator whose
    province covers the fund's campaign area (any province role when the campaign has no area)."""
    roles = province_roles(user=user)
    area = fund.campaign.area if fund.campaign_id and fund.campaign else None
    if area is None:
        return bool(roles)
    return any(role.area is not None and role.area.contains(area) for role in roles)


def manageable_funds(*, user: Any) -> list[Fund]:
    """Funds whose movements this user may record, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    funds = Fund.objects.select_related("campaign", "campaign__area").order_by("-opens_on", "code")
    return [fund for fund in funds if can_manage_fund(user=user, fund=fund)]
