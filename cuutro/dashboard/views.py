"""Web pages of the area dashboard, for the province relief committee and administrators (their
whole province) and commune officers (their own commune). Thin: the selectors read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from cuutro.coordination.models import BoardStatus
from cuutro.dashboard import selectors
from cuutro.geo.models import Area
from cuutro.needs.views import officer_required
from cuutro.templatetags.cuutro import qty

# Communes shown unfolded, the most pressing first; the others open with a tap.
OPEN_COMMUNES = 10


def _roots(request: HttpRequest) -> list[Area]:
    """The areas the page covers: the user's scopes, or the one in scope ``?area=`` names (404
    otherwise, so an officer learns nothing of another commune)."""
    roots = selectors.dashboard_roots(user=request.user, code=request.GET.get("area", ""))
    if not roots:
        raise Http404
    return roots


def _status_label(status: str) -> str:
    return str(BoardStatus(status).label) if status in BoardStatus.values else _("Nothing on the board")


def _map_points(rows: list[selectors.CommuneRow]) -> list[dict[str, Any]]:
    """One marker per commune with a point, coloured by its most pressing status; the popup's
    lines are written here so the script only shows text."""
    points = []
    for row in rows:
        if row.point is None:
            continue
        lines = [
            _status_label(row.worst),
            ngettext("%(n)s delegation expected today", "%(n)s delegations expected today", len(row.today)) % {"n": qty(len(row.today))},
            ngettext("%(n)s delegation in the next 7 days", "%(n)s delegations in the next 7 days", len(row.week))
            % {"n": qty(len(row.week))},
            ngettext("%(n)s line still needed", "%(n)s lines still needed", len(row.wanted)) % {"n": qty(len(row.wanted))},
            ngettext("%(n)s late pledge", "%(n)s late pledges", row.overdue) % {"n": qty(row.overdue)},
            ngettext("%(n)s open need", "%(n)s open needs", row.open_needs) % {"n": qty(row.open_needs)},
        ]
        if row.clashes:
            lines.append(_("Two delegations on the same day"))
        points.append(
            {
                "lat": row.point[0],
                "lng": row.point[1],
                "name": row.name,
                "status": row.worst,
                "lines": lines,
                "url": f"{reverse('dashboard:home')}?area={row.code}",
            }
        )
    return points


@officer_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    roots = _roots(request)
    data = selectors.dashboard(roots=roots, today=timezone.localdate())
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "data": data,
            "open_communes": OPEN_COMMUNES,
            "narrowed": bool(request.GET.get("area", "").strip()),
            "points": _map_points(data.rows),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


@officer_required
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    """The late pledges of the dashboard's area (or of one commune), the longest late first."""
    roots = _roots(request)
    today = timezone.localdate()
    pledges = selectors.overdue_pledges(roots=roots, today=today)
    return render(
        request,
        "dashboard/overdue.html",
        {
            "roots": roots,
            "area_code": request.GET.get("area", "").strip(),
            "rows": [{"pledge": p, "days_late": (today - p.expected_on).days} for p in pledges],
            "limit": selectors.OVERDUE_LIST_LIMIT,
        },
    )
