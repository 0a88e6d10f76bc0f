"""Officer screens for needs: record, edit, verify, history. Thin: forms in, services do the work."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cuutro.accounts.selectors import is_officer, officer_communes, officer_scopes
from cuutro.audit.selectors import audit_history
from cuutro.needs import selectors, services
from cuutro.needs.choices import VULNERABILITY_FLAGS, OfficerSort
from cuutro.needs.forms import (
    NeedForm,
    NeedItemFormSet,
    PhotosForm,
    ReasonForm,
    attach_service_errors,
    initial_from_need,
    need_data_from_forms,
)
from cuutro.needs.models import NeedStatus
from cuutro.needs.permissions import can_verify
from cuutro.needs.priority import flags_of


def officer_required(view: Any) -> Any:
    """Logged in and holding at least one official role; others get 403, not a login loop."""

    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_officer(user=request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


TRANSITION_MESSAGES = {
    "submit": gettext_lazy("Need %(code)s was sent for verification."),
    "verify": gettext_lazy("Need %(code)s is verified and now public."),
    "reject": gettext_lazy("Need %(code)s was returned to its author."),
    "cancel": gettext_lazy("Need %(code)s was cancelled."),
}


@officer_required
def officer_home(request: HttpRequest) -> HttpResponse:
    filters = selectors.NeedFilters(
        q=request.GET.get("q", ""), status=request.GET.get("status", ""), sort=request.GET.get("sort", "")
    )
    page = Paginator(selectors.need_search_for_officer(user=request.user, filters=filters), 20).get_page(
        request.GET.get("page")
    )
    queue = selectors.verification_queue(user=request.user)
    return render(
        request,
        "needs/officer_home.html",
        {
            "queue": queue[:50],
            "queue_count": queue.count(),
            "counts": selectors.officer_status_counts(user=request.user),
            "page": page,
            "filters": filters,
            "querystring": urlencode({"q": filters.q, "status": filters.status, "sort": filters.sort}),
            "statuses": NeedStatus.choices,
            "sorts": OfficerSort.choices,
            "scopes": officer_scopes(user=request.user),
            # A commune officer sees only their commune: the column would repeat it on every row.
            "single_commune": len(officer_communes(user=request.user)) == 1,
        },
    )


@officer_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    communes = officer_communes(user=request.user)
    form = NeedForm(request.POST or None, communes=communes)
    items = NeedItemFormSet(request.POST or None, prefix="items")
    photos_form = PhotosForm(request.POST or None, request.FILES or None)
    general_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and items.is_valid() and photos_form.is_valid():
        try:
            need = services.need_create(
                actor=request.user,
                data=need_data_from_forms(form, items),
                submit="submit" in request.POST,
                photos=photos_form.cleaned_data.get("photos") or [],
            )
        except ValidationError as exc:
            general_errors = attach_service_errors(exc, form, items, photos_form)
        else:
            if need.status == NeedStatus.SUBMITTED:
                messages.success(request, str(TRANSITION_MESSAGES["submit"]) % {"code": need.code})
            else:
                messages.success(request, _("Need %(code)s was saved as a draft.") % {"code": need.code})
            return redirect("needs:officer_need", code=need.code)
    return render(
        request,
        "needs/need_form.html",
        {"form": form, "items": items, "photos_form": photos_form, "general_errors": general_errors, "need": None},
    )


@officer_required
@require_http_methods(["GET", "POST"])
def need_edit(request: HttpRequest, code: str) -> HttpResponse:
    need = selectors.need_get_for_officer(user=request.user, code=code)
    if need.status not in services.EDITABLE_STATUSES:
        messages.error(request, services.need_state_error(need, "edit").message)
        return redirect("needs:officer_need", code=need.code)
    initial, initial_items = initial_from_need(need)
    communes = officer_communes(user=request.user)
    form = NeedForm(request.POST or None, initial=initial, communes=communes, editing=True)
    items = NeedItemFormSet(request.POST or None, initial=initial_items, prefix="items")
    photos_form = PhotosForm(request.POST or None, request.FILES or None)
    general_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and items.is_valid() and photos_form.is_valid():
        try:
            need = services.need_update(
                actor=request.user,
                need=need,
                data=need_data_from_forms(form, items),
                submit="submit" in request.POST,
                photos=photos_form.cleaned_data.get("photos") or [],
            )
        except ValidationError as exc:
            general_errors = attach_service_errors(exc, form, items, photos_form)
        except services.NeedStateError as exc:
            general_errors = [exc.message]
        else:
            messages.success(request, _("Need %(code)s was saved.") % {"code": need.code})
            return redirect("needs:officer_need", code=need.code)
    return render(
        request,
        "needs/need_form.html",
        {"form": form, "items": items, "photos_form": photos_form, "general_errors": general_errors, "need": need},
    )


@officer_required
def officer_need(request: HttpRequest, code: str) -> HttpResponse:
    need = selectors.need_get_for_officer(user=request.user, code=code)
    beneficiary = getattr(need, "beneficiary", None)
    return render(
        request,
        "needs/officer_need.html",
        {
            "need": need,
            "public": selectors.need_public_view(need),
            "beneficiary": beneficiary,
            "vulnerabilities": [VULNERABILITY_FLAGS[flag] for flag in flags_of(beneficiary)],
            "history": audit_history(target=need),
            "photos": need.photos.all(),
            "can_verify": can_verify(user=request.user, need=need),
            "is_creator": need.created_by_id == request.user.pk,
            "editable": need.status in services.EDITABLE_STATUSES,
            "reason_form": ReasonForm(),
        },
    )




@officer_required
@require_POST
def need_transition(request: HttpRequest, code: str, action: str) -> HttpResponse:
    if action not in services.NEED_TRANSITIONS:
        raise Http404
    need = selectors.need_get_for_officer(user=request.user, code=code)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.NEED_TRANSITIONS[action](actor=request.user, need=need, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except services.NeedStateError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(TRANSITION_MESSAGES[action]) % {"code": need.code})
    if action == "verify" or action == "reject":
        return redirect("needs:officer_home")
    return redirect("needs:officer_need", code=need.code)


@officer_required
def need_photo(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """Evidence photos may show people and homes: served only to officers in scope."""
    need = selectors.need_get_for_officer(user=request.user, code=code)
    photo = need.photos.filter(pk=pk).first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response
