"""Reads of the supply–need board: what is still needed where, what is already enough, and what
to tell a donor who offers something.

What the figures mean
---------------------
The board has one line per commune × item category × unit (sheets, bags and đồng are never added
up). It counts the items of **published** needs only (verified, partly pledged, fully pledged,
delivered, closed), as the public totals do: drafts, needs awaiting verification, returned and
cancelled needs are not on it.

* **needed**: the quantity those needs ask for, closed ones included, so that the line shows how
  far the commune's requests have come, not only what is left.
* **pledged**: the quantity of their active pledges (pledged, on the way, delivered, confirmed);
  cancelled and expired pledges count nowhere.
* **delivered**: of that, the pledges the donor marked delivered or the commune confirmed.
* **confirmed**: of that, the pledges the commune confirmed received.
* **gap**: what donors can still pledge: the quantity of the open needs (verified, partly
  pledged) less what is pledged to them. Every other published status implies everything is
  pledged (``needs.services.coverage_status``), so the gap is also needed − pledged; it is never
  negative, because a pledge can never exceed its need item (``need_item_never_over_pledged``).
* **waiting**: how many open needs still miss something of the line.

The line's figures come from the need items' running totals, which the pledge services keep
equal to the sums of the pledges (``tests/test_board.py`` checks the board against the raw
pledge rows of the demo scenario).

What the statuses mean
----------------------
* **urgent** ("Đang cần gấp"): gap > 0 and at least one of the needs still waiting is critical.
* **needed** ("Đang cần"): gap > 0.
* **enough** ("Đã đủ"): gap = 0: everything asked for is pledged.
* **oversupplied** ("Đã thừa"): only a commune can say so. The portal never lets pledges exceed
  a need, so "too much" is goods that arrived without a pledge, which only the officers on the
  ground see: they post a "please do not send more" notice (``SupplyNotice``).

An active notice of the commune sets the line's status to its reason (enough or too much),
whatever the figures say, because the officers see goods that the portal does not. A notice
names a category (it covers the commune's lines of that category) or one catalogue item (it
covers a line when every item behind the line has such a notice). Besides the officers' notices,
the public pages show automatic ones: each item of a commune whose needs are all pledged.

The board is sorted by status (urgent, needed, enough, too much), then by the share of the
line's need still missing, then by the needs waiting. (Gaps in different units cannot be
compared; a need priority score can join the sort later.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cuutro.accounts.selectors import officer_scopes
from cuutro.coordination.models import SEVERITY, BoardCell, BoardStatus, NoticeReason, SupplyNotice
from cuutro.geo.models import Area, AreaLevel
from cuutro.lib.public_cache import cached_value
from cuutro.needs.choices import OPEN_STATUSES, PUBLIC_STATUSES, URGENCY_RANK, Unit, Urgency, quantity_text
from cuutro.needs.models import CatalogueItem, Category, Need, NeedItem

# A line is urgent when a need of this urgency (or more) still waits in it.
URGENT_FROM_RANK = URGENCY_RANK[Urgency.CRITICAL]
BOARD_ORDER = ("severity", "-gap_permille", "-waiting", "id")
# The advice's "not asked for here" (no published need in the area asks for the item).
NOT_ASKED = "none"
WANTED = (BoardStatus.URGENT, BoardStatus.NEEDED)

ZERO = Decimal(0)


# ---- figures from the need items -----------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    needed: Decimal = ZERO
    pledged: Decimal = ZERO
    delivered: Decimal = ZERO
    confirmed: Decimal = ZERO
    gap: Decimal = ZERO
    waiting: int = 0
    top_urgency: int = 0  # the highest urgency rank among the needs still waiting (0: none)


def _decimal(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _published_items(*, area_ids: Iterable[int] | None = None, area_path: str = "") -> QuerySet[NeedItem]:
    items = NeedItem.objects.filter(need__status__in=PUBLIC_STATUSES)
    if area_ids is not None:
        items = items.filter(need__area_id__in=list(area_ids))
    if area_path:
        items = items.filter(need__area_path__startswith=area_path)
    return items


def _aggregate(items: QuerySet[NeedItem], keys: tuple[str, ...]) -> dict[tuple[Any, ...], Figures]:
    open_need = Q(need__status__in=OPEN_STATUSES)
    still_missing = open_need & Q(quantity__gt=F("quantity_pledged"))
    rows = (
        items.values(*keys)
        .annotate(
            needed=Sum("quantity"),
            pledged=Sum("quantity_pledged"),
            delivered=Sum("quantity_delivered"),
            confirmed=Sum("quantity_confirmed"),
            gap=Sum(F("quantity") - F("quantity_pledged"), filter=open_need),
            waiting=Count("need_id", distinct=True, filter=still_missing),
            top_urgency=Max("need__urgency_rank", filter=still_missing),
        )
        .order_by()
    )
    return {
        tuple(row[k] for k in keys): Figures(
            needed=_decimal(row["needed"]),
            pledged=_decimal(row["pledged"]),
            delivered=_decimal(row["delivered"]),
            confirmed=_decimal(row["confirmed"]),
            gap=_decimal(row["gap"]),
            waiting=row["waiting"] or 0,
            top_urgency=row["top_urgency"] or 0,
        )
        for row in rows
    }


LINE_KEYS = ("need__area", "item__category", "item__unit")


def line_figures(*, area_ids: Iterable[int] | None = None) -> dict[tuple[int, int, str], Figures]:
    """The board's figures by (commune id, category id, unit), computed from the need items."""
    return _aggregate(_published_items(area_ids=area_ids), LINE_KEYS)  # type: ignore[return-value]


def line_items(*, area_ids: Iterable[int] | None = None) -> dict[tuple[int, int, str], list[int]]:
    """The catalogue items behind each line, for its label."""
    found: dict[tuple[int, int, str], list[int]] = {}
    rows = _published_items(area_ids=area_ids).values_list(*LINE_KEYS, "item").distinct().order_by()
    for area_id, category_id, unit, item_id in rows:
        found.setdefault((area_id, category_id, unit), []).append(item_id)
    return {key: sorted(ids) for key, ids in found.items()}


def item_figures(*, area: Area, item: CatalogueItem | None = None) -> dict[int, Figures]:
    """Figures of each catalogue item (or of one) in ``area`` and below, by item id."""
    # A commune by its id (the needs' (area, status) index), a province by its path.
    commune = area.level == AreaLevel.COMMUNE
    items = _published_items(area_ids=[area.pk]) if commune else _published_items(area_path=area.path)
    if item is not None:
        items = items.filter(item=item)
    return {key[0]: figures for key, figures in _aggregate(items, ("item",)).items()}


def figures_status(figures: Figures) -> BoardStatus:
    """The status the figures alone give (a commune's notice may override it)."""
    if figures.gap > 0:
        return BoardStatus.URGENT if figures.top_urgency >= URGENT_FROM_RANK else BoardStatus.NEEDED
    return BoardStatus.ENOUGH


def notice_status(reasons: Iterable[str]) -> BoardStatus | None:
    """The status a set of notice reasons gives: "too much" outranks "enough"."""
    found = set(reasons)
    if NoticeReason.OVERSUPPLIED in found:
        return BoardStatus.OVERSUPPLIED
    if NoticeReason.ENOUGH in found:
        return BoardStatus.ENOUGH
    return None


def covering_reasons(
    *, category_id: int, item_ids: Iterable[int], notices: Iterable[SupplyNotice]
) -> list[str]:
    """Reasons of the notices that cover a line: ones naming its category, or, when every item
    behind the line is named by an item notice, those."""
    notices = list(notices)
    reasons = [n.reason for n in notices if n.category_id == category_id]
    by_item = {n.item_id: n.reason for n in notices if n.item_id is not None}
    wanted = set(item_ids)
    if wanted and wanted <= set(by_item):
        reasons += [by_item[i] for i in wanted]
    return reasons


def gap_permille(figures: Figures) -> int:
    if figures.needed <= 0:
        return 0
    return min(1000, int(figures.gap * 1000 / figures.needed))


def severity(status: str) -> int:
    return SEVERITY[BoardStatus(status)]


# ---- what the public sees ------------------------------------------------------------------


def _fresh() -> None:
    """Bring the maintained lines up to date with the needs and pledges (see services)."""
    from cuutro.coordination.services import board_refresh  # services read these selectors

    board_refresh()


def _unit_label(unit: str) -> str:
    return str(Unit(unit).label) if unit in Unit.values else ""


@dataclass(frozen=True)
class PublicNotice:
    """A "please do not send more": posted by the commune, or automatic (from the figures)."""

    area_code: str
    area_name: str
    subject: str  # the item's or the category's name
    category_code: str
    item_code: str
    reason: str
    reason_label: str
    message: str
    posted_at: Any  # None for automatic ones
    automatic: bool


def public_notice(notice: SupplyNotice) -> PublicNotice:
    """What the public sees of an officer's notice: never who posted it."""
    category = notice.item.category if notice.item is not None else notice.category
    return PublicNotice(
        area_code=notice.area.code,
        area_name=notice.area.name,
        subject=notice.subject,
        category_code=category.code if category is not None else "",
        item_code=notice.item.code if notice.item is not None else "",
        reason=notice.reason,
        reason_label=str(notice.get_reason_display()),
        message=notice.message,
        posted_at=notice.created_at,
        automatic=False,
    )


@dataclass(frozen=True)
class BoardLine:
    area_code: str
    area_name: str
    province_code: str
    province_name: str
    category_code: str
    category_name: str
    unit: str
    unit_label: str
    item_names: tuple[str, ...]
    needed: Decimal
    pledged: Decimal
    delivered: Decimal
    confirmed: Decimal
    gap: Decimal
    waiting: int
    status: str
    status_label: str
    notices: tuple[PublicNotice, ...] = field(default=())

    @property
    def gap_text(self) -> str:
        return quantity_text(self.gap, self.unit) if self.unit else ""


def status_label(status: str) -> str:
    if status == NOT_ASKED:
        return pgettext("board status", "Not asked for")
    return str(BoardStatus(status).label)


def _catalogue_names() -> dict[int, str]:
    return {i.pk: i.name for i in CatalogueItem.objects.all()}


def _active_notices(area_ids: Iterable[int]) -> list[SupplyNotice]:
    return list(
        SupplyNotice.objects.filter(active=True, area_id__in=list(area_ids))
        .select_related("area", "category", "item__category")
        .order_by("-created_at", "-pk")
    )


def board_lines(cells: Iterable[BoardCell]) -> list[BoardLine]:
    """Public lines for board cells loaded with ``area``, ``area__parent`` and ``category``."""
    cells = list(cells)
    names = _catalogue_names()
    notices: dict[int, list[SupplyNotice]] = {}
    for notice in _active_notices({c.area_id for c in cells}):
        notices.setdefault(notice.area_id, []).append(notice)
    lines = []
    for cell in cells:
        province = cell.area.parent
        shown = tuple(
            public_notice(n) for n in notices.get(cell.area_id, [])
            if n.category_id == cell.category_id or (n.item_id is not None and n.item_id in cell.item_ids)
        )
        lines.append(
            BoardLine(
                area_code=cell.area.code,
                area_name=cell.area.name,
                province_code=province.code if province else "",
                province_name=province.name if province else "",
                category_code=cell.category.code,
                category_name=cell.category.name,
                unit=cell.unit,
                unit_label=_unit_label(cell.unit),
                item_names=tuple(names[i] for i in cell.item_ids if i in names),
                needed=cell.needed,
                pledged=cell.pledged,
                delivered=cell.delivered,
                confirmed=cell.confirmed,
                gap=cell.gap,
                waiting=cell.waiting,
                status=cell.status,
                status_label=status_label(cell.status),
                notices=shown,
            )
        )
    return lines


@dataclass(frozen=True)
class BoardFilters:
    area: str = ""  # a province or commune code
    category: str = ""
    status: str = ""


def board_cells(*, filters: BoardFilters) -> QuerySet[BoardCell]:
    """The board's lines matching the filters, most pressing first (fresh)."""
    _fresh()
    cells = BoardCell.objects.all()
    if filters.area:
        area = Area.objects.filter(code=filters.area).only("pk", "path", "level").first()
        if area is None:
            return BoardCell.objects.none()
        cells = cells.filter(area=area) if area.level == AreaLevel.COMMUNE else cells.filter(area_path__startswith=area.path)
    if filters.category:
        cells = cells.filter(category__code=filters.category)
    if filters.status:
        if filters.status not in BoardStatus.values:
            return BoardCell.objects.none()
        cells = cells.filter(status=filters.status)
    return cells.select_related("area", "area__parent", "category").order_by(*BOARD_ORDER)


class BoardList:
    """The board as a lazy, sliceable sequence of ``BoardLine`` for Paginator and the API."""

    def __init__(self, filters: BoardFilters) -> None:
        self.filters = filters
        self.cells = board_cells(filters=filters)
        self._count: int | None = None

    def count(self) -> int:
        # Lines come and go only with needs and notices, whose services bump the public version.
        if self._count is None:
            self._count = cached_value(f"board-count:{self.filters!r}", lambda: self.cells.count())
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[BoardLine]:
        if not isinstance(window, slice):
            raise TypeError("BoardList supports slices only")
        return board_lines(self.cells[window])


def board_list(*, filters: BoardFilters) -> BoardList:
    return BoardList(filters)


def notices_public(*, area: Area | None = None, limit: int = 20) -> list[PublicNotice]:
    """Active officer notices, newest first, in ``area`` and below."""
    notices = SupplyNotice.objects.filter(active=True)
    if area is not None:
        notices = notices.filter(area__path__startswith=area.path)
    rows = notices.select_related("area", "category", "item__category").order_by("-created_at", "-pk")[:limit]
    return [public_notice(n) for n in rows]


def commune_get(*, code: str) -> Area | None:
    return Area.objects.filter(code=code, level=AreaLevel.COMMUNE).select_related("parent").first()


def communes_with_open_needs() -> list[Area]:
    """The communes where an open need waits now, by name, with their provinces (where a donor
    may choose to help)."""
    area_ids = Need.objects.filter(status__in=OPEN_STATUSES).values("area_id")
    return list(
        Area.objects.filter(pk__in=area_ids, level=AreaLevel.COMMUNE, parent__isnull=False)
        .select_related("parent")
        .order_by("name")
    )


@dataclass(frozen=True)
class CommuneBoard:
    area: Area
    lines: list[BoardLine]  # every line, most pressing first
    notices: list[PublicNotice]  # the officers' notices, then the automatic ones

    @property
    def wanted(self) -> list[BoardLine]:
        return [line for line in self.lines if line.status in WANTED]

    @property
    def settled(self) -> list[BoardLine]:
        return [line for line in self.lines if line.status not in WANTED]


def automatic_notices(*, area: Area, officer: Iterable[SupplyNotice]) -> list[PublicNotice]:
    """"Please do not send more" for each item whose needs in the commune are all pledged, unless
    the commune said so itself."""
    officer = list(officer)
    said = {n.item_id for n in officer if n.item_id} | {n.category_id for n in officer if n.category_id}
    items = {i.pk: i for i in CatalogueItem.objects.select_related("category")}
    found = []
    for item_id, figures in sorted(item_figures(area=area).items(), key=lambda kv: (items[kv[0]].category.position, items[kv[0]].position)):
        item = items[item_id]
        if figures.needed <= 0 or figures.gap > 0 or item_id in said or item.category_id in said:
            continue
        found.append(
            PublicNotice(
                area_code=area.code,
                area_name=area.name,
                subject=item.name,
                category_code=item.category.code,
                item_code=item.code,
                reason=NoticeReason.ENOUGH,
                reason_label=str(NoticeReason.ENOUGH.label),
                message=_("Everything the verified needs asked for is pledged: %(what)s.")
                % {"what": quantity_text(figures.needed, item.unit)},
                posted_at=None,
                automatic=True,
            )
        )
    return found


def commune_board(*, area: Area) -> CommuneBoard:
    """A commune's section: every line, what is still wanted, and its notices."""
    cells = board_cells(filters=BoardFilters(area=area.code))
    officer = _active_notices([area.pk])
    return CommuneBoard(
        area=area,
        lines=board_lines(cells),
        notices=[public_notice(n) for n in officer] + automatic_notices(area=area, officer=officer),
    )


# ---- advice for an offer -------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """Where the offered thing is still needed, or what the area misses instead."""

    area_code: str
    area_name: str
    province_name: str
    category_code: str
    category_name: str
    item_code: str
    gap: Decimal
    unit: str
    waiting: int
    status: str
    status_label: str

    @property
    def gap_text(self) -> str:
        return quantity_text(self.gap, self.unit) if self.unit else ""


@dataclass(frozen=True)
class Advice:
    status: str  # a board status, or "none": no published need in the area asks for it
    status_label: str
    message: str
    subject: str  # what was offered, in words
    area_code: str
    area_name: str
    figures: Figures
    unit: str
    notices: list[PublicNotice]
    elsewhere: list[Suggestion]  # where the same item or category still has a gap
    instead: list[Suggestion]  # other categories this area still misses, e.g. cash for house repair

    @property
    def suggestions(self) -> list[Suggestion]:
        return [*self.elsewhere, *self.instead]

    @property
    def discouraged(self) -> bool:
        """True when the donor should rather give something else, or elsewhere."""
        return self.status not in WANTED

    @property
    def gap_text(self) -> str:
        return quantity_text(self.figures.gap, self.unit) if self.unit else ""


ADVICE_SUGGESTIONS = 5


def _suggestion(cell: BoardCell, *, item_code: str = "") -> Suggestion:
    province = cell.area.parent
    return Suggestion(
        area_code=cell.area.code, area_name=cell.area.name, province_name=province.name if province else "",
        category_code=cell.category.code, category_name=cell.category.name, item_code=item_code, gap=cell.gap,
        unit=cell.unit, waiting=cell.waiting, status=cell.status, status_label=status_label(cell.status),
    )


def _province_of(area: Area) -> Area:
    return area.parent if area.level != AreaLevel.PROVINCE and area.parent is not None else area


def _elsewhere_for_item(*, area: Area, item: CatalogueItem, stopped: set[int]) -> list[Suggestion]:
    """Communes outside ``area`` where open needs still miss ``item``: the same province first,
    then the most urgent, then the largest gap (one item: one unit, so gaps compare)."""
    still_missing = Q(need__status__in=OPEN_STATUSES, quantity__gt=F("quantity_pledged"))
    rows = (
        NeedItem.objects.filter(still_missing, item=item)
        .exclude(need__area_path__startswith=area.path)
        .exclude(need__area_id__in=stopped)
        .values("need__area")
        .annotate(gap=Sum(F("quantity") - F("quantity_pledged")), waiting=Count("need_id"), top=Max("need__urgency_rank"))
        .order_by()
    )
    home = _province_of(area).path
    areas = {a.pk: a for a in Area.objects.filter(pk__in=[r["need__area"] for r in rows]).select_related("parent")}
    ranked = sorted(
        rows, key=lambda r: (not areas[r["need__area"]].path.startswith(home), -r["top"], -r["gap"], areas[r["need__area"]].path)
    )[:ADVICE_SUGGESTIONS]
    suggestions = []
    for row in ranked:
        where = areas[row["need__area"]]
        status = BoardStatus.URGENT if row["top"] >= URGENT_FROM_RANK else BoardStatus.NEEDED
        suggestions.append(
            Suggestion(
                area_code=where.code, area_name=where.name, province_name=where.parent.name if where.parent else "",
                category_code=item.category.code, category_name=item.category.name, item_code=item.code,
                gap=_decimal(row["gap"]), unit=item.unit, waiting=row["waiting"], status=status,
                status_label=status_label(status),
            )
        )
    return suggestions


def _elsewhere_for_category(*, area: Area, category: Category) -> list[Suggestion]:
    home = _province_of(area).path
    cells = list(
        BoardCell.objects.filter(category=category, status__in=WANTED)
        .exclude(area_path__startswith=area.path)
        .select_related("area", "area__parent", "category")
        .order_by(*BOARD_ORDER)[:200]
    )
    cells.sort(key=lambda c: not c.area_path.startswith(home))  # stable: board order within each group
    return [_suggestion(c) for c in cells[:ADVICE_SUGGESTIONS]]


def _instead(*, area: Area, category: Category) -> list[Suggestion]:
    cells = (
        BoardCell.objects.filter(area_path__startswith=area.path, status__in=WANTED)
        .exclude(category=category)
        .select_related("area", "area__parent", "category")
        .order_by(*BOARD_ORDER)[:50]
    )
    seen: set[int] = set()
    found = []
    for cell in cells:  # one suggestion per category: its most pressing line
        if cell.category_id not in seen:
            seen.add(cell.category_id)
            found.append(_suggestion(cell))
    return found[:3]


def _advice_message(*, status: str, what: str, area: Area, gap_text: str, by_notice: bool) -> str:
    values = {"what": what, "area": area.name, "gap": gap_text}
    if status in WANTED:
        return _("%(what)s is still needed in %(area)s: %(gap)s missing.") % values
    if status == BoardStatus.OVERSUPPLIED:
        return _("%(area)s has received too much %(what)s. Please do not send more.") % values
    if status == BoardStatus.ENOUGH and by_notice:
        return _("%(area)s has asked donors not to send more %(what)s.") % values
    if status == BoardStatus.ENOUGH:
        return _("%(area)s already has enough %(what)s: everything its verified needs asked for is pledged.") % values
    return _("No verified need in %(area)s asks for %(what)s.") % values


def area_wanted(*, area: Area, limit: int = 3) -> list[BoardLine]:
    """What ``area`` still misses most, for a donor who has not chosen an item yet."""
    cells = board_cells(filters=BoardFilters(area=area.code))
    return board_lines(cells.filter(status__in=WANTED)[:limit])


def offer_advice(*, area: Area, item: CatalogueItem | None = None, category: Category | None = None) -> Advice:
    """Is what a donor or delegation offers still needed in ``area`` (a commune or a province)?

    If it is not (enough, too much, or nobody asked for it there), the advice names up to five
    communes where the same item (or category) is still missing, the same province first, and
    in any case up to three other categories the area still misses (cash for house repair…).
    """
    if item is None and category is None:
        raise ValueError("offer_advice needs an item or a category")
    _fresh()
    category = item.category if item is not None else category
    assert category is not None
    notices = [
        n for n in _active_notices(Area.objects.filter(path__startswith=area.path).values_list("pk", flat=True))
        if n.category_id == category.pk or (item is not None and n.item_id == item.pk)
    ]
    if item is not None:
        figures = item_figures(area=area, item=item).get(item.pk, Figures())
        unit = item.unit
        what = item.name
    else:
        cells = list(BoardCell.objects.filter(area_path__startswith=area.path, category=category))
        units = {c.unit for c in cells if c.unit}
        unit = units.pop() if len(units) == 1 else ""  # several units: no single quantity to show
        figures = Figures(
            needed=sum((c.needed for c in cells), ZERO), pledged=sum((c.pledged for c in cells), ZERO),
            delivered=sum((c.delivered for c in cells), ZERO), confirmed=sum((c.confirmed for c in cells), ZERO),
            gap=sum((c.gap for c in cells), ZERO), waiting=sum(c.waiting for c in cells),
            top_urgency=URGENT_FROM_RANK if any(c.status == BoardStatus.URGENT for c in cells) else 0,
        )
        what = category.name
    by_notice = notice_status(n.reason for n in notices)
    if by_notice is not None and area.level == AreaLevel.COMMUNE:
        status: str = by_notice
    elif figures.needed <= 0:
        status = by_notice or NOT_ASKED
    else:
        status = figures_status(figures)
    gap_text = quantity_text(figures.gap, unit) if unit else ""
    elsewhere: list[Suggestion] = []
    if status not in WANTED:
        if item is not None:
            stopped = set(
                SupplyNotice.objects.filter(active=True)
                .filter(Q(item=item) | Q(category=category))
                .values_list("area_id", flat=True)
            )
            elsewhere = _elsewhere_for_item(area=area, item=item, stopped=stopped)
        else:
            elsewhere = _elsewhere_for_category(area=area, category=category)
    return Advice(
        status=status,
        status_label=status_label(status),
        message=_advice_message(status=status, what=what, area=area, gap_text=gap_text, by_notice=by_notice is not None),
        subject=what,
        area_code=area.code,
        area_name=area.name,
        figures=figures,
        unit=unit,
        notices=[public_notice(n) for n in notices],
        elsewhere=elsewhere,
        instead=_instead(area=area, category=category),
    )


def advice_item_for(*, need_item_id: int) -> tuple[Area, CatalogueItem] | None:
    """The commune and catalogue item of a published need's item (what the pledge form offers)."""
    found = (
        NeedItem.objects.filter(pk=need_item_id, need__status__in=PUBLIC_STATUSES)
        .select_related("need__area", "item__category")
        .first()
    )
    return (found.need.area, found.item) if found is not None else None


# ---- officers ------------------------------------------------------------------------------


def notices_for_officer(*, user: Any) -> QuerySet[SupplyNotice]:
    """Every notice, active or withdrawn, of the communes in the user's official scopes."""
    scopes = officer_scopes(user=user)
    if not scopes:
        return SupplyNotice.objects.none()
    condition = Q()
    for scope in scopes:
        condition |= Q(area__path__startswith=scope.path)
    return (
        SupplyNotice.objects.filter(condition)
        .select_related("area", "category", "item", "created_by", "withdrawn_by")
        .order_by("-active", "-created_at", "-pk")
    )


def notice_get_for_officer(*, user: Any, code: str) -> SupplyNotice:
    """The notice if its commune is in the user's scope; 404 otherwise, so outsiders learn nothing."""
    from django.http import Http404

    notice = notices_for_officer(user=user).filter(code=code.strip().upper()).first()
    if notice is None:
        raise Http404
    return notice


def board_cells_for_officer(*, user: Any) -> list[BoardLine]:
    """The board lines of the user's communes that the figures call enough: candidates for a
    notice (the board already shows them as enough; a notice can say why, or say "too much")."""
    _fresh()
    scopes = officer_scopes(user=user)
    if not scopes:
        return []
    condition = Q()
    for scope in scopes:
        condition |= Q(area_path__startswith=scope.path)
    cells = (
        BoardCell.objects.filter(condition, status=BoardStatus.ENOUGH)
        .select_related("area", "area__parent", "category")
        .order_by("area_path", "category__position", "unit")[:50]
    )
    return board_lines(cells)
