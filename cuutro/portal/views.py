"""Public pages. They read through the needs selectors' public functions only, so personal data
cannot reach them. Every page renders fully without JavaScript."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cuutro.accounts.selectors import is_officer
from cuutro.geo.models import AreaLevel
from cuutro.geo.selectors import area_get, communes_in, provinces
from cuutro.lib.public_cache import cache_public
from cuutro.needs import selectors as needs
from cuutro.needs.choices import OPEN_FILTER, OPEN_STATUSES, PUBLIC_STATUSES, NeedKind, PublicSort, Urgency
from cuutro.pledges.choices import UNDELIVERED_STATUSES
from cuutro.pledges.selectors import pledges_public_for_need
from cuutro.portal.exports import csv_stream

EXPORT_MAX_ROWS = 50_000


def _filters(request: HttpRequest) -> needs.NeedFilters:
    get = request.GET
    # The commune select wins over the province select when both are given.
    area = get.get("commune", "").strip() or get.get("province", "").strip() or get.get("area", "").strip()
    return needs.NeedFilters(
        q=get.get("q", "").strip()[:200],
        area=area,
        category=get.get("category", "").strip(),
        status=get.get("status", "").strip(),
        urgency=get.get("urgency", "").strip(),
        kind=get.get("kind", "").strip(),
        campaign=get.get("campaign", "").strip(),
        sort=get.get("sort", "").strip(),
    )


def _filter_context(request: HttpRequest, filters: needs.NeedFilters) -> dict[str, Any]:
    province_code = request.GET.get("province", "").strip()
    selected = area_get(code=filters.area) if filters.area else None
    if selected is not None and selected.level == AreaLevel.COMMUNE and selected.parent:
        province_code = selected.parent.code
    province = area_get(code=province_code) if province_code else None
    return {
        "filters": filters,
        "provinces": provinces(),
        "province_code": province_code,
        "communes": communes_in(area=province) if province else [],
        "commune_code": request.GET.get("commune", "").strip(),
        "categories": needs.categories(),
        "urgencies": Urgency.choices,
        "kinds": NeedKind.choices,
        "statuses": [(OPEN_FILTER, _("Still open for pledges")), *((s.value, s.label) for s in PUBLIC_STATUSES)],
        "campaigns": needs.campaigns_active(),
        "querystring": paging_querystring(request),
    }


def paging_querystring(request: HttpRequest) -> str:
    """The page's filters as a query string without "page", for the pager's links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_GET
@cache_public
def home(request: HttpRequest) -> HttpResponse:
    campaigns = list(needs.campaigns_active()[:4])
    return render(
        request,
        "portal/home.html",
        {
            "totals": needs.public_totals(),
            "campaigns": [(c, needs.public_totals(campaign=c)) for c in campaigns],
            "urgent": needs.need_list_public(filters=needs.NeedFilters())[0:6],
            "categories": needs.categories(),
            "provinces": provinces(),
        },
    )


@require_GET
@cache_public
def need_search(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    # The lazy list offers what Paginator uses (count() and slices), not the full protocol.
    results: Any = needs.need_list_public(filters=filters)
    page = Paginator(results, settings.CUUTRO_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**_filter_context(request, filters), "page": page, "results": page.object_list, "sorts": PublicSort.choices}
    # htmx swaps #search-area out of this same full page, so the page also works without JavaScript.
    return render(request, "portal/search.html", context)


def _points_url(filters: needs.NeedFilters) -> str:
    """The API only knows ``area``: the page's province/commune selects are resolved into it."""
    params = {name: value for name, value in asdict(filters).items() if value}
    url = reverse("api-v1:needs_points")
    return f"{url}?{urlencode(params)}" if params else url


@require_GET
@cache_public
def need_map(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    return render(
        request,
        "portal/map.html",
        {
            **_filter_context(request, filters),
            "points_url": _points_url(filters),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


@require_GET
@cache_public
def need_detail(request: HttpRequest, code: str) -> HttpResponse:
    need = needs.need_get_public(code=code)
    if need is None:
        raise Http404
    view = needs.need_public_view(need)
    if view.code != code:
        return redirect("portal:need_detail", code=view.code, permanent=True)
    # Cached for every anonymous visitor: nothing here may depend on who is asking.
    return render(
        request,
        "portal/need_detail.html",
        {
            "need": view,
            "pledges": pledges_public_for_need(need_id=need.pk),
            "taking_pledges": view.status in OPEN_STATUSES,
            "handover_statuses": [s.value for s in UNDELIVERED_STATUSES],
        },
    )


EXPORT_COLUMNS = [
    "code", "province", "commune", "village", "kind", "urgency", "status", "campaign",
    "item", "item_name", "unit", "quantity", "remaining", "verified_at", "description",
]


def _export_rows(filters: needs.NeedFilters) -> Any:
    qs = needs.need_search_public(filters=filters)[:EXPORT_MAX_ROWS]
    for need in qs.iterator(chunk_size=500):
        view = needs.need_public_view(need)
        for item in view.items:
            yield [
                view.code, view.province_name, view.commune_name, view.village_name, view.kind, view.urgency,
                view.status, view.campaign_name, item.item_code, item.item_name, item.unit, item.quantity,
                item.remaining, view.verified_at.isoformat() if view.verified_at else "", view.description,
            ]


@require_GET
def need_export(request: HttpRequest) -> StreamingHttpResponse:
    """The search results as CSV, one row per need item: for journalists and auditors."""
    response = StreamingHttpResponse(
        csv_stream(EXPORT_COLUMNS, _export_rows(_filters(request))), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cuutro-needs-{stamp}.csv"'
    return response


@require_GET
def set_language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch language with a plain link: no form, so public pages carry no CSRF cookie and can
    be cached for every visitor."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
    )
    return response


def after_login(request: HttpRequest) -> HttpResponse:
    if is_officer(user=request.user):
        return redirect("needs:officer_home")
    return redirect("portal:home")


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for the load balancer; also the trivial view the benchmark uses as its ceiling."""
    return HttpResponse("ok", content_type="text/plain")

