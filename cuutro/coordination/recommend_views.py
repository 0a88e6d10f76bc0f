"""The recommendations page: say what you bring, see which needs to cover, pledge them at once.

GET shows the offer form and, once an offer is given, the recommended needs (public: anyone may
look). POST pledges the ticked lines (logged in), all or nothing, through
``recommend.recommendation_pledge``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from cuutro.accounts.selectors import user_organisations
from cuutro.coordination import recommend, selectors
from cuutro.geo.models import Area
from cuutro.geo.selectors import area_get
from cuutro.lib.forms import attach_errors, parse_id
from cuutro.needs.forms import item_choices
from cuutro.pledges.choices import ShowAs

OFFER_ROWS = 4


def _area_choices() -> list[Any]:
    """Provinces and their communes that have open needs now (a donor picks where to help)."""
    groups: dict[Area, list[Area]] = {}
    for commune in selectors.communes_with_open_needs():
        if commune.parent is not None:
            groups.setdefault(commune.parent, []).append(commune)
    choices: list[Any] = [("", _("Anywhere"))]
    for province in sorted(groups, key=lambda area: area.name):
        options = [(province.code, _("All of %(province)s") % {"province": province.name})]
        options += [(c.code, c.name) for c in groups[province]]
        choices.append((province.name, options))
    return choices


class OfferForm(forms.Form):
    """What you bring (a few item rows) and where you want to help."""

    area = forms.ChoiceField(label=gettext_lazy("Where do you want to help?"), required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = item_choices()
        for n in range(OFFER_ROWS):
            self.fields[f"item_{n}"] = forms.ChoiceField(label=gettext_lazy("Item"), choices=items, required=False)
            self.fields[f"quantity_{n}"] = forms.CharField(
                label=gettext_lazy("How much?"), required=False, max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )  # fmt: skip
        area: forms.ChoiceField = self.fields["area"]  # type: ignore[assignment]
        area.choices = _area_choices()

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"item_{n}"], self[f"quantity_{n}"]) for n in range(OFFER_ROWS)]

    def offer_rows(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return [(d.get(f"item_{n}") or "", d.get(f"quantity_{n}") or "") for n in range(OFFER_ROWS)]

    def point(self) -> tuple[float, float] | None:
        lat, lon = self.cleaned_data.get("lat"), self.cleaned_data.get("lon")
        return (lat, lon) if lat is not None and lon is not None else None


class ContactForm(forms.Form):
    show_as = forms.ChoiceField(label=gettext_lazy("How should the public see who gave?"), widget=forms.RadioSelect)
    organisation = forms.TypedChoiceField(label=gettext_lazy("On behalf of"), required=False, coerce=int, empty_value=None)
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), required=False, max_length=150)
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"), required=False, max_length=20,
        help_text=gettext_lazy("Only the commune officers of these needs see your name and phone, to arrange the hand-over."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )  # fmt: skip
    expected_on = forms.DateField(
        label=gettext_lazy("When will you deliver?"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        show_as: forms.ChoiceField = self.fields["show_as"]  # type: ignore[assignment]
        show_as.choices = [(value, label) for value, label in ShowAs.choices if organisations or value != ShowAs.ORGANISATION]
        organisation: forms.TypedChoiceField = self.fields["organisation"]  # type: ignore[assignment]
        organisation.choices = [("", _("– myself –")), *((o.pk, o.name) for o in organisations)]
        if not organisations:
            del self.fields["organisation"]

    def contact(self) -> recommend.Contact:
        d = self.cleaned_data
        return recommend.Contact(
            contact_name=d.get("contact_name") or "", contact_phone=d.get("contact_phone") or "",
            expected_on=d.get("expected_on"), show_as=d.get("show_as") or ShowAs.ANONYMOUS, organisation_id=d.get("organisation"),
        )  # fmt: skip


def _chosen_lines(request: HttpRequest) -> list[tuple[int, Decimal | str]]:
    lines: list[tuple[int, Decimal | str]] = []
    for value in request.POST.getlist("line")[: recommend.MAX_LINES + 1]:
        pk = parse_id(value)
        if pk is not None:
            lines.append((pk, request.POST.get(f"qty_{pk}", "").strip()[:20]))
    return lines


@require_http_methods(["GET", "POST"])
def recommend_page(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    offer_form = OfferForm(source or None)
    organisations = user_organisations(user=request.user) if request.user.is_authenticated else []
    initial = {"show_as": ShowAs.ORGANISATION if organisations else ShowAs.ANONYMOUS,
               "organisation": organisations[0].pk if len(organisations) == 1 else ""}  # fmt: skip
    contact_form = ContactForm(request.POST if request.method == "POST" else None, organisations=organisations, initial=initial)
    result, offer_errors, pledge_errors = None, [], []
    if offer_form.is_bound and offer_form.is_valid():
        try:
            offer = recommend.parse_offer(offer_form.offer_rows())
        except ValidationError as exc:
            offer_errors = exc.messages
        else:
            area_code = offer_form.cleaned_data.get("area") or ""
            area = area_get(code=area_code) if area_code else None
            result = recommend.recommend(offer=offer, area=area, point=offer_form.point())
    if request.method == "POST" and result is not None:
        if not request.user.is_authenticated:
            keep = {k: str(v) for k, v in request.POST.items() if k in offer_form.fields and v}
            back = f"{reverse('coordination:recommend')}?{urlencode(keep)}"
            return redirect(f"{reverse('accounts:login')}?{urlencode({'next': back})}")
        if contact_form.is_valid():
            try:
                pledges = recommend.recommendation_pledge(
                    actor=request.user, lines=_chosen_lines(request), contact=contact_form.contact()
                )
            except ValidationError as exc:
                pledge_errors = attach_errors(exc, contact_form)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d pledge made: %(codes)s. Deliver it as agreed and mark it delivered.",
                        "%(n)d pledges made: %(codes)s. Deliver them as agreed and mark each delivered.",
                        len(pledges),
                    )
                    % {"n": len(pledges), "codes": ", ".join(p.code for p in pledges)},
                )
                return redirect("pledges:mine")
    return render(
        request,
        "coordination/recommend.html",
        {"form": offer_form, "contact_form": contact_form, "result": result, "offer_errors": offer_errors,
         "pledge_errors": pledge_errors, "chosen": {str(pk) for pk, _q in _chosen_lines(request)} if request.method == "POST" else None},
    )  # fmt: skip
