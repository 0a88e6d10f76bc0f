"""Reads of the area dashboard: for each commune of an official's area, the delegations expected
today and in the next days, what is still missing or already enough (the supply–need board's
lines and notices), late pledges and the verified needs waiting longest.

A province has about a hundred communes, so every figure comes from one grouped query over the
whole area (or from the board's maintained lines), never from one query per commune: the page
costs the same number of queries for one commune as for a hundred.

What the figures mean
---------------------
* **expected**: delegations with a stop assigned (or already checked in) in the commune on the
  day, of a delegation that is not cancelled: the stops the shared calendar shows as assigned
  (``delegations.selectors.calendar``). Suggested stops are not expected yet.
* **two on one day**: two or more such delegations in one commune on one day, the calendar's
  conflict.
* **gaps, enough, too much**: the board's lines and statuses (``coordination.selectors``), and
  the commune's active "please do not send more" notices.
* **late pledges**: pledged or on the way, and the expected date has passed, as on the officers'
  deliveries page (``pledges.selectors.officer_deliveries``); ``manage.py expire_pledges`` expires
  them ``PLEDGE_EXPIRY_DAYS`` later.
* **open needs**: verified or partly pledged needs, still taking pledges; the ones waiting
  longest are the earliest verified.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from cuutro.accounts.selectors import area_in_scope, officer_scopes
from cuutro.coordination.models import SEVERITY, BoardStatus
from cuutro.coordination.selectors import (
    WANTED,
    BoardFilters,
    BoardLine,
    PublicNotice,
    board_cells,
    board_lines,
    notices_public,
    status_label,
)
from cuutro.delegations.models import ASSIGNED_STOP_STATUSES, PLANNED_STATUSES, Stop
from cuutro.geo.models import Area, AreaLevel
from cuutro.geo.selectors import area_get
from cuutro.needs.choices import OPEN_STATUSES, PUBLIC_STATUSES
from cuutro.needs.models import Need
from cuutro.pledges.choices import UNDELIVERED_STATUSES
from cuutro.pledges.models import Pledge

WEEK_DAYS = 7  # "this week": today and the six days after it
TOP_GAPS = 3  # the most pressing board lines shown per commune
LONGEST_WAITING = 3  # open needs shown per commune, the earliest verified first
OVERDUE_LIST_LIMIT = 300
NOTICE_LIMIT = 1_000
# A commune's marker: the middle of its needs' points, to about 1 km (a household's public
# blur), so that a commune with one located need never shows where that household lives.
POINT_PRECISION = Decimal("0.01")
NO_STATUS = "none"  # a commune with no line on the board


# ---- whose dashboard -----------------------------------------------------------------------


def dashboard_roots(*, user: Any, code: str = "") -> list[Area] | None:
    """The areas a user's dashboard covers: their official scopes (a province for the province
    committee and administrators, their commune for a commune officer), or the one area ``code``
    names when it lies in them. None when ``code`` names nothing the user may see."""
    scopes = list({a.pk: a for a in officer_scopes(user=user)}.values())
    code = code.strip()[:32]
    if not code:
        # A commune inside the user's province would be counted twice.
        return [a for a in scopes if not any(o.pk != a.pk and o.contains(a) for o in scopes)]
    area = area_get(code=code)
    if area is None or area.level == AreaLevel.VILLAGE or not area_in_scope(user=user, area=area):
        return None
    return [area]


def _under(field_name: str, roots: Iterable[Area]) -> Q:
    """Rows whose area path (``field_name``) lies under one of ``roots``; none without roots."""
    condition = Q(pk__in=[])
    for root in roots:
        condition |= Q(**{f"{field_name}__startswith": root.path})
    return condition


# ---- the figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """A delegation expected in a commune: who, and on which days of the week."""

    code: str
    organisation_name: str
    days: tuple[date, ...]


@dataclass(frozen=True)
class WaitingNeed:
    code: str
    urgency: str
    urgency_label: str
    verified_on: date | None
    days_waiting: int


@dataclass
class CommuneRow:
    code: str
    name: str
    today: list[Expected] = field(default_factory=list)
    week: list[Expected] = field(default_factory=list)
    clashes: list[date] = field(default_factory=list)  # days with two or more delegations
    lines: list[BoardLine] = field(default_factory=list)  # the board's lines, most pressing first
    notices: list[PublicNotice] = field(default_factory=list)
    overdue: int = 0
    open_needs: int = 0
    waiting_longest: list[WaitingNeed] = field(default_factory=list)
    point: tuple[float, float] | None = None

    @property
    def wanted(self) -> list[BoardLine]:
        return [line for line in self.lines if line.status in WANTED]

    @property
    def top_gaps(self) -> list[BoardLine]:
        return self.wanted[:TOP_GAPS]

    @property
    def urgent_lines(self) -> int:
        return sum(1 for line in self.lines if line.status == BoardStatus.URGENT)

    @property
    def settled(self) -> list[tuple[str, str, str]]:
        """(category, status, status label) of the lines that are enough or too much, once each."""
        seen: dict[tuple[str, str], str] = {}
        for line in self.lines:
            if line.status not in WANTED:
                seen.setdefault((line.category_name, line.status), line.status_label)
        return [(category, status, label) for (category, status), label in seen.items()]

    @property
    def worst(self) -> str:
        """The most pressing status of its lines, or "none"."""
        statuses = [BoardStatus(line.status) for line in self.lines]
        return min(statuses, key=lambda s: SEVERITY[s]).value if statuses else NO_STATUS

    @property
    def worst_label(self) -> str:
        return status_label(self.worst) if self.worst != NO_STATUS else ""

    @property
    def busy(self) -> bool:
        """Anything going on: arrivals, gaps, notices, late pledges or open needs."""
        return bool(self.week or self.wanted or self.notices or self.overdue or self.open_needs)

    def sort_key(self) -> tuple[int, int, int, str]:
        severity = SEVERITY[BoardStatus(self.worst)] if self.worst != NO_STATUS else len(SEVERITY)
        return (severity, -self.urgent_lines, -self.overdue, self.name)


@dataclass(frozen=True)
class Headline:
    open_needs: int
    urgent_lines: int
    delegations_today: int
    delegations_week: int
    overdue: int
    clashes: int  # commune-days with two or more delegations


@dataclass(frozen=True)
class Dashboard:
    roots: list[Area]
    today: date
    week_end: date
    headline: Headline
    rows: list[CommuneRow]


def _overdue_pledges(roots: list[Area], today: date) -> QuerySet[Pledge]:
    # The deliveries page's "late" list (pledges.selectors.officer_deliveries): still to be
    # delivered, expected before today.
    return Pledge.objects.filter(_under("need__area_path", roots), status__in=UNDELIVERED_STATUSES, expected_on__lt=today)


def _open_needs(roots: list[Area]) -> QuerySet[Need]:
    return Need.objects.filter(_under("area_path", roots), status__in=OPEN_STATUSES)


def _waiting_longest(roots: list[Area], today: date) -> dict[str, list[WaitingNeed]]:
    """The earliest verified open needs of each commune (one query: a row number per commune)."""
    ranked = (
        _open_needs(roots)
        .annotate(rank=Window(RowNumber(), partition_by=[F("area_id")], order_by=[F("verified_at").asc(nulls_last=True), F("pk").asc()]))
        .filter(rank__lte=LONGEST_WAITING)
        .values_list("area__code", "code", "urgency", "verified_at")
        .order_by("area__code", "rank")
    )
    labels = dict(Need._meta.get_field("urgency").flatchoices)
    found: dict[str, list[WaitingNeed]] = defaultdict(list)
    for area_code, code, urgency, verified_at in ranked:
        verified_on = verified_at.date() if verified_at is not None else None
        found[area_code].append(
            WaitingNeed(
                code=code,
                urgency=urgency,
                urgency_label=str(labels.get(urgency, urgency)),
                verified_on=verified_on,
                days_waiting=(today - verified_on).days if verified_on is not None else 0,
            )
        )
    return found


def _points(roots: list[Area]) -> dict[str, tuple[float, float]]:
    """Where to put each commune on the map: the middle of its published needs' points, rounded
    to about 1 km (officials only: raw points, averaged in the database)."""
    rows = (
        Need.objects.filter(_under("area_path", roots), status__in=PUBLIC_STATUSES, latitude__isnull=False, longitude__isnull=False)
        .values("area__code")
        .annotate(lat=Avg("latitude"), lng=Avg("longitude"))
        .order_by()
    )
    return {
        row["area__code"]: (
            float(Decimal(row["lat"]).quantize(POINT_PRECISION, ROUND_HALF_UP)),
            float(Decimal(row["lng"]).quantize(POINT_PRECISION, ROUND_HALF_UP)),
        )
        for row in rows
    }


def _arrivals(roots: list[Area], today: date, week_end: date) -> tuple[dict[str, dict[date, dict[str, str]]], dict[str, str]]:
    """commune code → day → {delegation code: organisation} for the week, and the communes'
    names: one query for the whole area."""
    stops = (
        Stop.objects.filter(
            _under("commune__path", roots),
            on_date__range=(today, week_end),
            status__in=ASSIGNED_STOP_STATUSES,
            delegation__status__in=PLANNED_STATUSES,
        )
        .values_list("commune__code", "commune__name", "on_date", "delegation__code", "delegation__organisation__name")
        .order_by("on_date", "delegation__code")
    )
    found: dict[str, dict[date, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    names: dict[str, str] = {}
    for commune_code, commune_name, on_date, code, organisation in stops:
        found[commune_code][on_date][code] = organisation
        names[commune_code] = commune_name
    return found, names


def dashboard(*, roots: list[Area], today: date) -> Dashboard:
    """The dashboard of the communes under ``roots``: one row per commune with anything going on,
    the most pressing first, and the area's headline figures."""
    week_end = today + timedelta(days=WEEK_DAYS - 1)
    rows: dict[str, CommuneRow] = {}

    def row(code: str, name: str) -> CommuneRow:
        found = rows.get(code)
        if found is None:
            found = rows[code] = CommuneRow(code=code, name=name)
        return found

    by_commune, names = _arrivals(roots, today, week_end)
    today_codes: set[str] = set()
    week_codes: set[str] = set()
    clashes = 0
    for commune_code, days in by_commune.items():
        target = row(commune_code, names[commune_code])
        visits: dict[str, list[date]] = defaultdict(list)
        organisations: dict[str, str] = {}
        for on_date in sorted(days):
            for code, organisation in days[on_date].items():
                visits[code].append(on_date)
                organisations[code] = organisation
            if len(days[on_date]) > 1:
                target.clashes.append(on_date)
        target.week = [Expected(code, organisations[code], tuple(d)) for code, d in visits.items()]
        target.today = [e for e in target.week if today in e.days]
        week_codes.update(visits)
        today_codes.update(e.code for e in target.today)
        clashes += len(target.clashes)

    # The board: its lines (fresh), then the officers' active notices.
    for root in roots:
        for line in board_lines(board_cells(filters=BoardFilters(area=root.code))):
            row(line.area_code, line.area_name).lines.append(line)
        for notice in notices_public(area=root, limit=NOTICE_LIMIT):
            row(notice.area_code, notice.area_name).notices.append(notice)

    # Late pledges and open needs, counted per commune.
    overdue = _overdue_pledges(roots, today).values_list("need__area__code", "need__area__name").annotate(n=Count("pk")).order_by()
    for code, name, n in overdue:
        row(code, name).overdue = n
    open_counts = _open_needs(roots).values_list("area__code", "area__name").annotate(n=Count("pk")).order_by()
    for code, name, n in open_counts:
        row(code, name).open_needs = n
    for code, waiting in _waiting_longest(roots, today).items():
        if code in rows:
            rows[code].waiting_longest = waiting
    for code, point in _points(roots).items():
        if code in rows:
            rows[code].point = point

    shown = sorted((r for r in rows.values() if r.busy), key=CommuneRow.sort_key)
    headline = Headline(
        open_needs=sum(r.open_needs for r in rows.values()),
        urgent_lines=sum(r.urgent_lines for r in rows.values()),
        delegations_today=len(today_codes),
        delegations_week=len(week_codes),
        overdue=sum(r.overdue for r in rows.values()),
        clashes=clashes,
    )
    return Dashboard(roots=roots, today=today, week_end=week_end, headline=headline, rows=shown)


def overdue_pledges(*, roots: list[Area], today: date) -> list[Pledge]:
    """The late pledges under ``roots``, the longest late first (for the dashboard's list)."""
    return list(
        _overdue_pledges(roots, today)
        .select_related("need__area", "need_item__item", "organisation", "donor")
        .order_by("expected_on", "pk")[:OVERDUE_LIST_LIMIT]
    )
