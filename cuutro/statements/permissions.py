"""Who may import a fund's statements and decide its review queue: the same officials who record
the fund's movements (``funds.permissions.can_manage_fund``): the province's relief committee or
administrator over the fund's campaign area, any province role when the campaign has no area."""

from __future__ import annotations

from typing import Any

from cuutro.funds.models import Fund
from cuutro.funds.permissions import can_manage_fund, manageable_funds


def can_import_statements(*, user: Any, fund: Fund) -> bool:
    return can_manage_fund(user=user, fund=fund)


def can_review_credits(*, user: Any, fund: Fund) -> bool:
    return can_manage_fund(user=user, fund=fund)


def statement_funds(*, user: Any) -> list[Fund]:
    """Funds whose statements this user may import and review."""
    return manageable_funds(user=user)
