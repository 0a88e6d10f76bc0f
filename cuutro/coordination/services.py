"""Writes of coordination: the board's maintained summary and the communes' notices.

The board summary
-----------------
Summing every published need item for each request costs ~0.3 s at 100,000 needs on PostgreSQL
(a join of two large tables; ``bench/board_run.py``). The board therefore reads ``BoardCell``,
one row per commune × category × unit, kept exact like this:

1. Database triggers (migration 0002) add a ``BoardDirty`` row naming the commune whenever a need
   item is added, removed or its quantity or counters change, or a need changes status, commune
   or urgency. They fire inside the writer's own transaction, so a rolled-back pledge marks
   nothing, and they only insert: writers never wait on each other for the board.
2. ``board_refresh`` (called by every board read) takes the marks it can see, recomputes those
   communes' lines from the need items, replaces them, and deletes exactly those marks, all in
   one transaction. A mark committed meanwhile stays for the next refresh. Refreshes take turns
   on the ``BoardState`` row; a reader that finds one running does not wait, it reads the lines
   as they are (at most the other refresh's few milliseconds behind).

Catalogue items moved to another category or unit mark every commune that needs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cuutro.audit.services import audit_record
from cuutro.coordination.models import SEVERITY, BoardCell, BoardDirty, BoardState, NoticeReason, SupplyNotice
from cuutro.coordination.permissions import can_manage_notices_in
from cuutro.coordination.selectors import (
    Figures,
    covering_reasons,
    figures_status,
    gap_permille,
    line_figures,
    line_items,
    notice_status,
)
from cuutro.geo.models import Area
from cuutro.lib.codes import random_code
from cuutro.lib.forms import clean_reason
from cuutro.lib.public_cache import public_data_changed
from cuutro.needs.models import CatalogueItem, Category
from cuutro.needs.services import identity_in_text

# Above this many communes at once a refresh recomputes everything (one query, no long IN list).
FULL_REFRESH_FROM = 1_000
DELETE_CHUNK = 5_000
MAX_MESSAGE = 500
STATE_PK = 1


# ---- the board -----------------------------------------------------------------------------


def _cells(area_ids: set[int] | None) -> list[BoardCell]:
    """The board lines of these communes (all when None), computed from the need items."""
    figures = line_figures(area_ids=area_ids)
    items = line_items(area_ids=area_ids)
    notices = SupplyNotice.objects.filter(active=True).select_related("item")
    if area_ids is not None:
        notices = notices.filter(area_id__in=area_ids)
    by_area: dict[int, list[SupplyNotice]] = {}
    for notice in notices:
        by_area.setdefault(notice.area_id, []).append(notice)
    # A notice with no need behind it still makes a line, so the board can say "do not send".
    keyed: dict[tuple[int, int, str], list[int]] = dict(items)
    with_lines = {(area_id, category_id) for area_id, category_id, _unit in keyed}
    for area_id, own in by_area.items():
        for notice in own:
            if notice.category_id is not None and (area_id, notice.category_id) not in with_lines:
                keyed[(area_id, notice.category_id, "")] = []
            elif notice.item is not None:
                key = (area_id, notice.item.category_id, notice.item.unit)
                present = keyed.get(key, [])
                if notice.item.pk not in present:
                    keyed[key] = sorted([*present, notice.item.pk])
    paths = dict(Area.objects.filter(pk__in={k[0] for k in keyed}).values_list("pk", "path"))
    cells = []
    for key, item_ids in keyed.items():
        area_id, category_id, unit = key
        f = figures.get(key, Figures())
        by_notice = notice_status(covering_reasons(category_id=category_id, item_ids=item_ids, notices=by_area.get(area_id, [])))
        status = by_notice or figures_status(f)
        cells.append(
            BoardCell(
                area_id=area_id, area_path=paths[area_id], category_id=category_id, unit=unit,
                needed=f.needed, pledged=f.pledged, delivered=f.delivered, confirmed=f.confirmed, gap=f.gap,
                waiting=f.waiting, status=status, severity=SEVERITY[status], gap_permille=gap_permille(f), item_ids=item_ids,
            )
        )  # fmt: skip
    return cells


def _claim_turn() -> bool:
    """Lock the board's state row for this transaction; False when another refresh holds it."""
    def locked() -> bool:
        return bool(list(BoardState.objects.select_for_update(skip_locked=True).filter(pk=STATE_PK).values_list("pk")))

    if locked():
        return True
    if BoardState.objects.filter(pk=STATE_PK).exists():
        return False  # locked by a refresh in progress
    try:
        with transaction.atomic():
            BoardState.objects.create(pk=STATE_PK)
    except IntegrityError:  # created by another refresh just now
        pass
    return locked()


def board_refresh(*, full: bool = False) -> int:
    """Recompute the board lines of the communes marked since the last refresh (all with
    ``full``); returns how many communes were recomputed (-1: everything)."""
    if not full and not BoardDirty.objects.exists():
        return 0
    with transaction.atomic():
        if not _claim_turn():
            return 0
        marks = list(BoardDirty.objects.values_list("id", "area_id"))
        areas = {area_id for _id, area_id in marks}
        everything = full or len(areas) >= FULL_REFRESH_FROM
        cells = _cells(None if everything else areas)
        stale = BoardCell.objects.all() if everything else BoardCell.objects.filter(area_id__in=areas)
        stale.delete()
        BoardCell.objects.bulk_create(cells, batch_size=2_000)
        ids = [mark_id for mark_id, _area in marks]
        for start in range(0, len(ids), DELETE_CHUNK):
            BoardDirty.objects.filter(id__in=ids[start : start + DELETE_CHUNK]).delete()
        BoardState.objects.filter(pk=STATE_PK).update(refreshed_at=timezone.now())
        # A reader that found the refresh busy rendered (and cached) the lines as they were:
        # drop that copy once the new lines are committed.
        public_data_changed()
    return -1 if everything else len(areas)


def board_mark(*, area_ids: Iterable[int]) -> None:
    """Have the next refresh recompute these communes (what the triggers do for needs)."""
    BoardDirty.objects.bulk_create([BoardDirty(area_id=area_id) for area_id in set(area_ids)])


# ---- notices -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeData:
    area_code: str
    reason: str
    category_code: str = ""  # a category, or
    item_code: str = ""  # one catalogue item
    message: str = ""


def _notice_code() -> str:
    while True:
        code = f"TB-{random_code(6)}"  # thông báo
        if not SupplyNotice.objects.filter(code=code).exists():
            return code


def notice_post(*, actor: Any, data: NoticeData) -> SupplyNotice:
    """A commune's official asks donors publicly not to send more of a category or an item."""
    errors: dict[str, list[str]] = {}
    area = Area.objects.filter(code=data.area_code).first()
    if area is None or area.level != "commune":
        errors["area"] = [_("Choose a commune.")]
    elif not can_manage_notices_in(user=actor, area=area):
        raise PermissionDenied(_("You can only post notices for communes in your own area."))
    if data.reason not in NoticeReason.values:
        errors["reason"] = [_("Choose why donors should not send more.")]
    category = Category.objects.filter(code=data.category_code).first() if data.category_code else None
    item = CatalogueItem.objects.filter(code=data.item_code).first() if data.item_code else None
    if (category is None) == (item is None):
        errors["subject"] = [_("Choose one category or one item.")]
    message = (data.message or "").strip()
    if len(message) > MAX_MESSAGE:
        errors["message"] = [_("Keep the message under %(n)d characters.") % {"n": MAX_MESSAGE}]
    elif identity_in_text(message, None):
        errors["message"] = [_("The message is public: leave out phone and ID numbers.")]
    if errors:
        raise ValidationError(errors)
    assert area is not None
    with transaction.atomic():
        exists = SupplyNotice.objects.select_for_update().filter(area=area, active=True)
        if exists.filter(category=category, item=item).exists():
            raise ValidationError({"subject": [_("This commune already has an active notice for that. Withdraw it first.")]})
        try:
            with transaction.atomic():
                notice = SupplyNotice.objects.create(
                    code=_notice_code(), area=area, category=category, item=item, reason=data.reason,
                    message=message, created_by=actor,
                )
        except IntegrityError as exc:  # posted by a colleague at the same moment
            raise ValidationError(
                {"subject": [_("This commune already has an active notice for that. Withdraw it first.")]}
            ) from exc
        audit_record(
            actor=actor, action="coordination.notice.posted", target=notice, reason=message,
            data={"area": area.code, "category": data.category_code, "item": data.item_code, "reason": data.reason},
        )
        board_mark(area_ids=[area.pk])
        public_data_changed()
    return notice


def notice_withdraw(*, actor: Any, notice: SupplyNotice, reason: str) -> SupplyNotice:
    """Take a notice down (the commune needs that again, or it was a mistake), saying why."""
    reason = clean_reason(reason, required=_("Say why, in a few words."))
    with transaction.atomic():
        # Lock the row: two officers withdrawing at once must not both record it.
        notice = SupplyNotice.objects.select_for_update().select_related("area").get(pk=notice.pk)
        if not can_manage_notices_in(user=actor, area=notice.area):
            raise PermissionDenied(_("You can only withdraw notices for communes in your own area."))
        if not notice.active:
            raise ValidationError({"reason": [_("This notice was already withdrawn.")]})
        notice.active = False
        notice.withdrawn_by = actor
        notice.withdrawn_at = timezone.now()
        notice.withdrawal_reason = reason
        notice.save(update_fields=["active", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
        audit_record(actor=actor, action="coordination.notice.withdrawn", target=notice, reason=reason)
        board_mark(area_ids=[notice.area_id])
        public_data_changed()
    return notice

