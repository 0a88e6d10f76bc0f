"""Reads of needs.

Public reads return ``PublicNeed`` objects built by ``need_public_view``: the one function that
decides what of a need the public may see. Nothing here that serves the public touches the
``Beneficiary`` table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Count, Prefetch, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.http import Http404

from cuutro.accounts.selectors import officer_scopes
from cuutro.audit.models import AuditEvent
from cuutro.geo.models import Area
from cuutro.lib.codes import code_key
from cuutro.lib.public_cache import cached_value
from cuutro.lib.text import search_terms
from cuutro.needs.choices import OPEN_FILTER, OfficerSort, PublicSort
from cuutro.needs.models import (
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    Campaign,
    CatalogueItem,
    Category,
    Need,
    NeedItem,
    NeedKind,
    NeedStatus,
)
from cuutro.needs.permissions import AUTHOR_ACTIONS
from cuutro.needs.priority import Breakdown, PriorityPart
from cuutro.needs.services import SEARCH_WORD_RE

# Household points are rounded to about a kilometre in public: an exact point is an address.
PUBLIC_HOUSEHOLD_POINT = Decimal("0.01")
# A search query longer than this is cut, then only its first words are searched for.
SEARCH_MAX_CHARS = 200
SEARCH_MAX_WORDS = 8


@dataclass(frozen=True)
class PublicNeedItem:
    id: int  # what a pledge names (``need_item`` in the API)
    item_code: str
    item_name: str
    category_code: str
    unit: str
    unit_label: str
    quantity: Decimal
    remaining: Decimal
    pledged: Decimal
    delivered: Decimal
    confirmed: Decimal


@dataclass(frozen=True)
class PublicNeed:
    code: str
    kind: str
    kind_label: str
    urgency: str
    urgency_label: str
    status: str
    status_label: str
    description: str
    commune_code: str
    commune_name: str
    province_code: str
    province_name: str
    village_name: str
    campaign_code: str
    campaign_name: str
    latitude: Decimal | None
    longitude: Decimal | None
    verified_at: Any
    items: tuple[PublicNeedItem, ...]
    damage_level: str
    damage_label: str
    priority: int  # the stored score search sorts by
    priority_parts: tuple[PriorityPart, ...]  # what it adds up, each with its words (``label``)


def _public_point(
    *, kind: str, latitude: Decimal | None, longitude: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """The point the public may see: the one place where household points are blurred."""
    if latitude is None or longitude is None:
        return None, None
    if kind == NeedKind.HOUSEHOLD:
        return (
            latitude.quantize(PUBLIC_HOUSEHOLD_POINT, ROUND_HALF_UP),
            longitude.quantize(PUBLIC_HOUSEHOLD_POINT, ROUND_HALF_UP),
        )
    return latitude, longitude


def need_public_point(need: Need) -> tuple[float, float] | None:
    """The need's point as the public sees it (households blurred), or None."""
    latitude, longitude = _public_point(kind=need.kind, latitude=need.latitude, longitude=need.longitude)
    return None if latitude is None or longitude is None else (float(latitude), float(longitude))


def need_public_view(need: Need) -> PublicNeed:
    """What the public may see of a need. Expects the relations from ``_public_base``."""
    province = need.area.parent
    latitude, longitude = _public_point(kind=need.kind, latitude=need.latitude, longitude=need.longitude)
    return PublicNeed(
        code=need.code,
        kind=need.kind,
        kind_label=str(need.get_kind_display()),
        urgency=need.urgency,
        urgency_label=str(need.get_urgency_display()),
        status=need.status,
        status_label=str(need.get_status_display()),
        description=need.description,
        commune_code=need.area.code,
        commune_name=need.area.name,
        province_code=province.code if province else "",
        province_name=province.name if province else "",
        village_name=need.village.name if need.village else "",
        campaign_code=need.campaign.code if need.campaign else "",
        campaign_name=need.campaign.name if need.campaign else "",
        latitude=latitude,
        longitude=longitude,
        verified_at=need.verified_at,
        items=tuple(
            PublicNeedItem(
                id=ni.pk,
                item_code=ni.item.code,
                item_name=ni.item.name,
                category_code=ni.item.category.code,
                unit=ni.item.unit,
                unit_label=str(ni.item.get_unit_display()),
                quantity=ni.quantity,
                remaining=ni.remaining,
                pledged=ni.quantity_pledged,
                delivered=ni.quantity_delivered,
                confirmed=ni.quantity_confirmed,
            )
            for ni in need.items.all()
        ),
        damage_level=need.damage_level,
        damage_label=str(need.get_damage_level_display()),
        priority=need.priority,
        priority_parts=need_priority_breakdown(need).parts,
    )


def need_priority_breakdown(need: Need) -> Breakdown:
    """The stored score and its parts: the same numbers search sorted by. Public by construction:
    the parts say "vulnerable household", never which of its private flags applies."""
    return Breakdown.from_stored(total=need.priority, parts=need.priority_parts)


def _with_relations(qs: QuerySet[Need]) -> QuerySet[Need]:
    return qs.select_related("area", "area__parent", "village", "campaign").prefetch_related(
        Prefetch("items", queryset=NeedItem.objects.select_related("item", "item__category").order_by("pk"))
    )


def _public_base() -> QuerySet[Need]:
    return Need.objects.filter(status__in=PUBLIC_STATUSES)


@dataclass(frozen=True)
class NeedFilters:
    q: str = ""
    area: str = ""  # any area code: province, commune or village
    category: str = ""
    status: str = ""
    urgency: str = ""
    kind: str = ""
    campaign: str = ""
    sort: str = ""  # a PublicSort (public) or OfficerSort (officers); empty or unknown: the default


# Every order ends on the primary key, so pages never repeat or skip a need with an equal score.
PUBLIC_ORDERS: dict[str, tuple[str, ...]] = {
    PublicSort.PRIORITY: ("-priority", "-verified_at", "-pk"),
    PublicSort.URGENCY: ("-urgency_rank", "-verified_at", "-pk"),
    PublicSort.NEWEST: ("-verified_at", "-pk"),
}
OFFICER_ORDERS: dict[str, tuple[str, ...]] = {
    OfficerSort.UPDATED: ("-updated_at", "-pk"),
    OfficerSort.PRIORITY: ("-priority", "-updated_at", "-pk"),
}


def public_order(sort: str) -> tuple[str, ...]:
    return PUBLIC_ORDERS.get(sort, PUBLIC_ORDERS[PublicSort.PRIORITY])


def _apply_filters(qs: QuerySet[Need], filters: NeedFilters) -> QuerySet[Need]:
    if filters.area:
        area = Area.objects.filter(code=filters.area).only("path", "level").first()
        if area is None:
            return qs.none()
        qs = qs.filter(area_path__startswith=area.path) if area.level != "village" else qs.filter(village=area)
    if filters.category:
        qs = qs.filter(pk__in=NeedItem.objects.filter(item__category__code=filters.category).values("need_id"))
    if filters.status == OPEN_FILTER:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.urgency:
        qs = qs.filter(urgency=filters.urgency)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.campaign:
        qs = qs.filter(campaign__code=filters.campaign)
    # Anyone can type anything: "a-" * 3000 became 3000 LIKE terms ("Expression tree is too large"
    # on SQLite) and 100k characters one LIKE pattern that SQLite refuses. Bound both.
    q = filters.q[:SEARCH_MAX_CHARS]
    key = code_key(q)
    # Split like the stored key (words only) and match each as a whole word (see _search_key).
    terms = SEARCH_WORD_RE.findall(" ".join(search_terms(q)))[:SEARCH_MAX_WORDS]
    if terms:
        if connection.vendor == "postgresql":
            # Same meaning as the LIKE below, served by the GIN index of migration 0004.
            text = Q(RawSQL("search_tsv @@ plainto_tsquery('simple', %s)", [" ".join(terms)], output_field=BooleanField()))
        else:
            text = Q()
            for term in terms:
                text &= Q(search_key__contains=f" {term} ")
        # A pasted code (with or without Đ) finds its need directly.
        qs = qs.filter(text | Q(code_key=key)) if key else qs.filter(text)
    return qs


def _public_status_filter(status: str) -> bool:
    return not status or status == OPEN_FILTER or status in PUBLIC_STATUSES


def need_search_public(*, filters: NeedFilters) -> QuerySet[Need]:
    """Published needs matching the filters, highest priority first unless another sort is
    asked for. Status filter: public ones only."""
    if not _public_status_filter(filters.status):
        return Need.objects.none()
    return _with_relations(_apply_filters(_public_base(), filters).order_by(*public_order(filters.sort)))


class PublicNeedList:
    """Published needs matching the filters as a lazy, sliceable sequence of ``PublicNeed``.

    Django's Paginator and the API slice it. A slice first fetches only the ids of its page (the
    sort touches the needs table alone), then loads those few needs with their relations; the
    count is cached per public data version, as it repeats the whole search.
    """

    def __init__(self, filters: NeedFilters) -> None:
        self.filters = filters
        self._count: int | None = None

    def _matching(self) -> QuerySet[Need]:
        if not _public_status_filter(self.filters.status):
            return Need.objects.none()
        return _apply_filters(_public_base(), self.filters)

    def count(self) -> int:
        if self._count is None:
            key = replace(self.filters, sort="")  # the order does not change the count
            self._count = cached_value(f"need-count:{key!r}", lambda: self._matching().count())
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[PublicNeed]:
        if not isinstance(window, slice):
            raise TypeError("PublicNeedList supports slices only")
        ids = list(self._matching().order_by(*public_order(self.filters.sort)).values_list("pk", flat=True)[window])
        loaded = {n.pk: n for n in _with_relations(Need.objects.filter(pk__in=ids))}
        return [need_public_view(loaded[pk]) for pk in ids if pk in loaded]


def need_list_public(*, filters: NeedFilters) -> PublicNeedList:
    return PublicNeedList(filters)


def need_get_public(*, code: str) -> Need | None:
    key = code_key(code)
    return _with_relations(_public_base()).filter(code_key=key).first()


def need_points_public(*, filters: NeedFilters, limit: int = 5000) -> list[dict[str, Any]]:
    """Points for the public map (rounded for households), in the search's order: when there are
    more than ``limit``, the highest priorities are the ones shown."""
    rows = (
        _apply_filters(_public_base(), filters)
        .filter(latitude__isnull=False)
        .order_by(*public_order(filters.sort))
        .values("code", "kind", "urgency", "latitude", "longitude")[:limit]
    )
    points = []
    for row in rows:
        lat, lng = _public_point(kind=row["kind"], latitude=row["latitude"], longitude=row["longitude"])
        if lat is None or lng is None:  # never: filtered above; this keeps the type checker sure
            continue
        points.append({"code": row["code"], "urgency": row["urgency"], "lat": float(lat), "lng": float(lng)})
    return points


def need_points_public_by_area(*, areas: list[Area], per_area: int = 200) -> dict[int, list[tuple[float, float]]]:
    """Area id → the public points (households blurred) of its published needs, the highest
    priorities first and at most ``per_area`` each: one query for all the areas, not one each."""
    rows = (
        _public_base()
        .filter(area__in=areas, latitude__isnull=False, longitude__isnull=False)
        .order_by(*public_order(""))
        .values_list("area_id", "kind", "latitude", "longitude")
    )
    points: dict[int, list[tuple[float, float]]] = {}
    for area_id, kind, latitude, longitude in rows:
        own = points.setdefault(area_id, [])
        lat, lng = _public_point(kind=kind, latitude=latitude, longitude=longitude)
        if len(own) < per_area and lat is not None and lng is not None:
            own.append((float(lat), float(lng)))
    return points


@dataclass(frozen=True)
class Amount:
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class CategoryFigures:
    """One category's figures in one unit (đồng, sheets, kg…): what published needs ask for,
    what is still missing, and how far the pledges have come."""

    unit: str
    needed: Decimal
    remaining: Decimal
    pledged: Decimal
    delivered: Decimal
    confirmed: Decimal


@dataclass(frozen=True)
class CategoryTotal:
    category: Category
    figures: list[CategoryFigures]

    @property
    def amounts(self) -> list[Amount]:
        """What is still needed, one amount per unit."""
        return [Amount(f.remaining, f.unit) for f in self.figures if f.remaining > 0]


@dataclass(frozen=True)
class PublicTotals:
    open_needs: int  # still taking pledges
    households: int  # households among them
    communes: int  # communes with open needs
    households_helped: int  # households that received something the commune confirmed
    needs_closed: int  # everything confirmed received
    by_category: list[CategoryTotal]


def public_totals(*, campaign: Campaign | None = None) -> PublicTotals:
    needs = _public_base()
    if campaign is not None:
        needs = needs.filter(campaign=campaign)
    is_open = Q(status__in=OPEN_STATUSES)
    helped = Q(pk__in=NeedItem.objects.filter(quantity_confirmed__gt=0).values("need_id"))
    counts = needs.aggregate(
        open_needs=Count("pk", filter=is_open),
        households=Count("pk", filter=is_open & Q(kind=NeedKind.HOUSEHOLD)),
        communes=Count("area", distinct=True, filter=is_open),
        households_helped=Count("pk", filter=helped & Q(kind=NeedKind.HOUSEHOLD)),
        needs_closed=Count("pk", filter=Q(status=NeedStatus.CLOSED)),
    )
    rows = (
        NeedItem.objects.filter(need__in=needs)
        .values("item__category", "item__unit")
        .annotate(
            needed=Sum("quantity"),
            # Only open needs are "still needed"; a closed or fully pledged one has no gap.
            open_quantity=Sum("quantity", filter=Q(need__status__in=OPEN_STATUSES)),
            open_pledged=Sum("quantity_pledged", filter=Q(need__status__in=OPEN_STATUSES)),
            pledged_total=Sum("quantity_pledged"),
            delivered_total=Sum("quantity_delivered"),
            confirmed_total=Sum("quantity_confirmed"),
        )
        .order_by()
    )
    categories = {c.pk: c for c in Category.objects.all()}
    figures: dict[int, list[CategoryFigures]] = {}
    for row in sorted(rows, key=lambda r: r["item__unit"]):
        figures.setdefault(row["item__category"], []).append(
            CategoryFigures(
                unit=row["item__unit"],
                needed=Decimal(row["needed"] or 0),
                remaining=Decimal(row["open_quantity"] or 0) - Decimal(row["open_pledged"] or 0),
                pledged=Decimal(row["pledged_total"] or 0),
                delivered=Decimal(row["delivered_total"] or 0),
                confirmed=Decimal(row["confirmed_total"] or 0),
            )
        )
    by_category = [
        CategoryTotal(category=category, figures=figures[pk])
        for pk, category in sorted(categories.items(), key=lambda kv: (kv[1].position, kv[1].code))
        if pk in figures
    ]
    return PublicTotals(
        open_needs=counts["open_needs"],
        households=counts["households"],
        communes=counts["communes"],
        households_helped=counts["households_helped"],
        needs_closed=counts["needs_closed"],
        by_category=by_category,
    )


def campaigns_active() -> QuerySet[Campaign]:
    return Campaign.objects.filter(active=True).order_by("-starts_on")


def catalogue() -> QuerySet[CatalogueItem]:
    return CatalogueItem.objects.filter(active=True).select_related("category")


def categories() -> QuerySet[Category]:
    return Category.objects.all()


# ---- officers -----------------------------------------------------------------------------


def needs_in_scope(*, user: Any) -> QuerySet[Need]:
    """Every need, any status, that lies in one of the user's official scopes."""
    scopes = officer_scopes(user=user)
    if not scopes:
        return Need.objects.none()
    condition = Q()
    for scope in scopes:
        condition |= Q(area_path__startswith=scope.path)
    return Need.objects.filter(condition)


def need_get_for_officer(*, user: Any, code: str) -> Need:
    """The need if it lies in the user's scope; 404 otherwise, so outsiders learn nothing."""
    key = code_key(code)
    need = _with_relations(needs_in_scope(user=user)).select_related("created_by", "verified_by").filter(code_key=key).first()
    if need is None:
        raise Http404
    return need


def need_search_for_officer(*, user: Any, filters: NeedFilters) -> QuerySet[Need]:
    """Needs in the user's scope, last changed first (what an officer just worked on), or by
    priority with ``sort="priority"``."""
    order = OFFICER_ORDERS.get(filters.sort, OFFICER_ORDERS[OfficerSort.UPDATED])
    return _with_relations(_apply_filters(needs_in_scope(user=user), filters)).order_by(*order)


def verification_queue(*, user: Any) -> QuerySet[Need]:
    """Submitted needs in scope that this user may verify: not ones they recorded, edited or
    submitted themselves (see ``permissions.can_verify``). Most urgent, then oldest, first."""
    authored = (
        AuditEvent.objects.filter(actor=user, target_type="needs.need", action__in=AUTHOR_ACTIONS)
        .annotate(need_id=Cast("target_id", BigIntegerField()))
        .values("need_id")
    )
    return (
        _with_relations(
            needs_in_scope(user=user).filter(status=NeedStatus.SUBMITTED).exclude(created_by=user).exclude(pk__in=authored)
        )
        .select_related("created_by")  # the queue shows who recorded each need
        .order_by("-urgency_rank", "submitted_at", "pk")
    )


def officer_status_counts(*, user: Any) -> dict[str, int]:
    rows = needs_in_scope(user=user).values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}
