"""Reads of statements and the review queue. Private data: officials of the fund only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cuutro.funds.models import LedgerEntry
from cuutro.statements.models import QueuedStatement, QueueStatus, Resolution, ReviewItem, ReviewStatus, StatementImport
from cuutro.statements.permissions import can_review_credits, statement_funds


def review_queue(*, user: Any, fund_code: str = "", reason: str = "") -> QuerySet[ReviewItem]:
    """Open items of the funds this user may decide, oldest first."""
    fund_ids = [fund.pk for fund in statement_funds(user=user) if not fund_code or fund.code == fund_code]
    items = ReviewItem.objects.filter(status=ReviewStatus.OPEN, fund_id__in=fund_ids)
    if reason:
        items = items.filter(reason=reason)
    return items.select_related("fund", "entry", "entry__statement_line", "pledge").order_by("entry_id")


def review_item_get_for_official(*, user: Any, seq: int) -> ReviewItem | None:
    """The item of entry ``seq`` if it exists and the user may decide it; None otherwise (so
    outsiders learn nothing)."""
    item = (
        ReviewItem.objects.select_related("fund__campaign__area", "entry", "entry__statement_line", "pledge")
        .filter(entry_id=seq)
        .first()
    )
    if item is None or not can_review_credits(user=user, fund=item.fund):
        return None
    return item


def recent_imports(*, user: Any, limit: int = 20) -> QuerySet[StatementImport]:
    fund_ids = [fund.pk for fund in statement_funds(user=user)]
    return StatementImport.objects.filter(fund_id__in=fund_ids).select_related("fund", "imported_by")[:limit]


def queued_statements(*, user: Any, limit: int = 10) -> list[QueuedStatement]:
    """The large uploads of this user's funds: every one still waiting, then the latest done."""
    fund_ids = [fund.pk for fund in statement_funds(user=user)]
    mine = QueuedStatement.objects.filter(fund_id__in=fund_ids).select_related("fund", "uploaded_by", "statement_import")
    return list(mine.filter(status=QueueStatus.QUEUED)) + list(mine.exclude(status=QueueStatus.QUEUED)[:limit])


def pledge_linked_entries(*, pledge: Any) -> QuerySet[LedgerEntry]:
    """Credits an official linked to this pledge by hand (the donor's memo lacked its reference).
    The entries themselves name no pledge: public entries are never changed. For a pledge's trail."""
    return LedgerEntry.objects.filter(review_item__pledge=pledge, review_item__resolution=Resolution.LINKED).order_by("seq")
