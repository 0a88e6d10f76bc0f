"""Web pages of coordination: the public "what is needed most now" board, a commune's section,
the advice fragment the pledge form loads, and the officers' notices. Thin: selectors read,
services write. Public pages render fully without JavaScript."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cuutro.accounts.selectors import officer_communes
from cuutro.coordination import selectors, services
from cuutro.coordination.forms import NoticeForm, WithdrawForm
from cuutro.coordination.models import BoardStatus
from cuutro.geo.models import Area, AreaLevel
from cuutro.geo.selectors import area_get, communes_in, provinces
from cuutro.lib.forms import attach_errors, parse_id
from cuutro.lib.public_cache import cache_public, cached_value
from cuutro.needs import selectors as needs
from cuutro.needs.models import CatalogueItem, Category
from cuutro.needs.views import officer_required

BOARD_PAGE_SIZE = 30


def _board_filters(request: HttpRequest) -> tuple[selectors.BoardFilters, str, str]:
    """The filters, and the province and commune the selects show."""
    get = request.GET
    commune_code = get.get("commune", "").strip()[:32]
    province_code = get.get("province", "").strip()[:32]
    area = commune_code or province_code
    selected = area_get(code=area) if area else None
    if selected is not None and selected.level == AreaLevel.COMMUNE and selected.parent is not None:
        province_code = selected.parent.code
    status = get.get("status", "").strip()
    filters = selectors.BoardFilters(
        area=area, category=get.get("category", "").strip()[:50], status=status if status in BoardStatus.values else ""
    )
    return filters, province_code, commune_code


def _cached(name: str, compute: Any) -> Any:
    """A public fragment or value, shared by every visitor (logged in or not) until public data
    changes: the board changes only with needs, pledges and notices, whose services bump the
    public data version (``lib.public_cache``). Keyed by language, as the fragments are text."""
    return cached_value(f"board:{get_language()}:{name}", compute)


def _board_area(filters: selectors.BoardFilters, province_code: str, commune_code: str, number: str) -> str:
    lines: Any = selectors.board_list(filters=filters)  # offers what Paginator uses
    page = Paginator(lines, BOARD_PAGE_SIZE).get_page(number)
    province = area_get(code=province_code) if province_code else None
    commune = selectors.commune_get(code=commune_code) if commune_code else None
    # The pager keeps the filters it understood, nothing else (no junk in links or cache keys).
    params = {"province": province_code, "commune": commune_code, "category": filters.category, "status": filters.status}
    return render_to_string(
        "coordination/_board_area.html",
        {
            "page": page,
            "lines": page.object_list,
            "filters": filters,
            "provinces": provinces(),
            "province_code": province_code,
            "communes": communes_in(area=province) if province else [],
            "commune_code": commune_code,
            "commune": commune,
            "categories": needs.categories(),
            "statuses": BoardStatus.choices,
            "notices": selectors.notices_public(area=commune or province, limit=10),
            "querystring": urlencode({k: v for k, v in params.items() if v}),
        },
    )


@require_GET
@cache_public
def board(request: HttpRequest) -> HttpResponse:
    """What is needed most now, by commune and category."""
    filters, province_code, commune_code = _board_filters(request)
    number = request.GET.get("page", "").strip()[:8]
    area = _cached(
        f"area:{filters!r}:{province_code}:{commune_code}:{number}",
        lambda: _board_area(filters, province_code, commune_code, number),
    )
    return render(request, "coordination/board.html", {"board_area": mark_safe(area)})  # noqa: S308 (our own template's output)


@require_GET
@cache_public
def commune(request: HttpRequest, code: str) -> HttpResponse:
    """One commune's section: what it still needs, and what it asks donors not to send."""
    area = selectors.commune_get(code=code)
    if area is None:
        raise Http404
    body = _cached(
        f"commune:{area.code}",
        lambda: render_to_string("coordination/_commune.html", {"board": selectors.commune_board(area=area)}),
    )
    return render(request, "coordination/commune.html", {"area": area, "body": mark_safe(body)})  # noqa: S308


@require_GET
def advice(request: HttpRequest) -> HttpResponse:
    """The htmx fragment a pledge or delegation form loads: is what I offer still needed here?

    ``need_item`` (a published need's item, as the pledge form sends it), or ``area`` with
    ``item`` or ``category`` codes. Not marked for the middleware's cache (its keys know no
    ``item``); the fragment itself is cached under exactly what it answers."""
    get = request.GET
    area = item = category = None
    need_item = parse_id(get.get("need_item", ""))
    if need_item is not None:
        found = selectors.advice_item_for(need_item_id=need_item)
        if found is not None:
            area, item = found
    if area is None:
        area = area_get(code=get.get("area", "").strip()[:32])
        item = needs.catalogue().filter(code=get.get("item", "").strip()[:50]).first()
        category = needs.categories().filter(code=get.get("category", "").strip()[:50]).first()
    if area is None:
        return HttpResponse("")
    return HttpResponse(
        _cached(
            f"advice:{area.code}:{item.code if item else ''}:{category.code if category else ''}",
            lambda: _advice_fragment(area=area, item=item, category=category),
        )
    )


def _advice_fragment(*, area: Area, item: CatalogueItem | None, category: Category | None) -> str:
    if item is None and category is None:
        # Only the area: what it still misses, so a donor can choose.
        wanted = selectors.area_wanted(area=area)
        return render_to_string("coordination/_advice.html", {"area": area, "advice": None, "wanted": wanted})
    result = selectors.offer_advice(area=area, item=item, category=category)
    return render_to_string("coordination/_advice.html", {"area": area, "advice": result, "wanted": []})


# ---- officers ------------------------------------------------------------------------------


@officer_required
@require_http_methods(["GET", "POST"])
def officer_notices(request: HttpRequest) -> HttpResponse:
    communes = officer_communes(user=request.user)
    form = NoticeForm(
        request.POST or None,
        communes=communes,
        categories=list(needs.categories()),
        items=list(needs.catalogue()),
        initial={"reason": "enough"},
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_post(actor=request.user, data=form.notice_data())
        except ValidationError as exc:
            errors = attach_errors(exc, form)
        else:
            messages.success(
                request,
                _("Notice %(code)s is public: donors are asked not to send more %(what)s to %(area)s.")
                % {"code": notice.code, "what": notice.subject, "area": notice.area.name},
            )
            return redirect("coordination:officer_notices")
    return render(
        request,
        "coordination/officer_notices.html",
        {
            "form": form,
            "errors": errors,
            "notices": selectors.notices_for_officer(user=request.user)[:100],
            "enough": selectors.board_cells_for_officer(user=request.user),
            "withdraw_form": WithdrawForm(),
        },
    )


@officer_required
@require_POST
def notice_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    notice = selectors.notice_get_for_officer(user=request.user, code=code)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you withdraw notice %(code)s.") % {"code": notice.code})
        return redirect("coordination:officer_notices")
    try:
        services.notice_withdraw(actor=request.user, notice=notice, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Notice %(code)s is withdrawn.") % {"code": notice.code})
    return redirect("coordination:officer_notices")
