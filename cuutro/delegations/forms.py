"""Forms of the delegation pages. They only collect input; ``services`` decide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cuutro.accounts.models import Organisation
from cuutro.delegations.allocation import MAX_DAYS as MAX_ALLOCATION_DAYS
from cuutro.delegations.allocation import AcceptLine, AllocationParams
from cuutro.delegations.services import CargoData, DelegationData, HandoverData, StopData
from cuutro.geo.models import Area
from cuutro.lib.forms import parse_id
from cuutro.needs.selectors import PublicNeed

CARGO_ROWS = 6
DEFAULT_DISTANCE_WEIGHT = Decimal("0.5")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DelegationForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    origin = forms.CharField(label=_("Coming from"), max_length=200, required=False,
                             help_text=_("For example: Thành phố Hồ Chí Minh"))
    starts_on = forms.DateField(label=_("First day"), widget=DATE, required=False)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE, required=False)
    leader_name = forms.CharField(label=_("Leader"), max_length=150, required=False)
    leader_phone = forms.CharField(label=_("Leader's phone (never published)"), max_length=20, required=False)
    people = forms.IntegerField(label=_("People"), required=False)
    vehicles = forms.IntegerField(label=_("Vehicles"), required=False, initial=1)
    preferred_communes = forms.MultipleChoiceField(
        label=_("Communes you would like to visit"), widget=forms.CheckboxSelectMultiple, required=False
    )
    note = forms.CharField(
        label=_("Note to the officials (optional, never published)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, organisations: Sequence[Organisation], communes: Sequence[Area],
        item_choices: list[Any], **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation: forms.TypedChoiceField = self.fields["organisation"]  # type: ignore[assignment]
        organisation.choices = [(o.pk, o.name) for o in organisations]
        if len(organisations) == 1:
            organisation.initial = organisations[0].pk
        preferred: forms.MultipleChoiceField = self.fields["preferred_communes"]  # type: ignore[assignment]
        preferred.choices = [(c.code, c.name) for c in communes]
        for row in range(CARGO_ROWS):  # item_choices: needs.forms.item_choices(), read once per request
            self.fields[f"cargo-{row}-item"] = forms.ChoiceField(label=_("Item"), choices=item_choices, required=False)
            self.fields[f"cargo-{row}-quantity"] = forms.CharField(label=_("Quantity"), max_length=30, required=False)

    def cargo_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"cargo-{row}-item"], self[f"cargo-{row}-quantity"]) for row in range(CARGO_ROWS)]

    def delegation_data(self) -> DelegationData:
        d = self.cleaned_data
        cargo = [
            CargoData(item_code=d[f"cargo-{row}-item"], quantity=d[f"cargo-{row}-quantity"])
            for row in range(CARGO_ROWS)
            if d.get(f"cargo-{row}-item") or (d.get(f"cargo-{row}-quantity") or "").strip()
        ]
        return DelegationData(
            organisation_id=d.get("organisation"),
            origin=d.get("origin") or "",
            starts_on=d.get("starts_on"),
            ends_on=d.get("ends_on"),
            leader_name=d.get("leader_name") or "",
            leader_phone=d.get("leader_phone") or "",
            people=d.get("people"),
            vehicles=d.get("vehicles"),
            preferred_commune_codes=list(d.get("preferred_communes") or []),
            cargo=cargo,
            note=d.get("note") or "",
        )


def typed_values(form: forms.Form, data: Any) -> dict[str, Any]:
    """What was typed into ``form``'s fields, as initial values: the form is shown again as it
    was, without checking it (no red marks for what is not filled in yet)."""
    return {
        name: field.widget.value_from_datadict(data, {}, form.add_prefix(name))
        for name, field in form.fields.items()
        if field.widget.value_omitted_from_data(data, {}, form.add_prefix(name)) is False
    }


@dataclass
class RouteRow:
    """One line of the route form: a commune (fixed, or to choose) and its open needs."""

    prefix: str
    commune: Area | None  # None: the official chooses one of their communes
    needs: list[PublicNeed]
    on_date: date
    checked: bool
    need_codes: list[str]
    note: str = ""


class RouteForm(forms.Form):
    """Accept with a route, or suggest one: one row per commune, a day each, and optionally
    the needs the commune would like this delegation to cover."""

    reason = forms.CharField(
        label=_("Message to the delegation"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you suggest another place or day: say why."),
    )

    def __init__(self, *args: Any, rows: list[RouteRow], communes: Sequence[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            p = row.prefix
            if row.commune is not None:
                self.fields[f"{p}-use"] = forms.BooleanField(label=row.commune.name, required=False, initial=row.checked)
                self.fields[f"{p}-commune"] = forms.CharField(widget=forms.HiddenInput, initial=row.commune.code)
            else:
                self.fields[f"{p}-commune"] = forms.ChoiceField(
                    label=_("Another commune"), required=False,
                    choices=[("", _("– choose –")), *((c.code, c.name) for c in communes)],
                )
            self.fields[f"{p}-date"] = forms.DateField(label=_("Day"), widget=DATE, required=False, initial=row.on_date)
            self.fields[f"{p}-needs"] = forms.MultipleChoiceField(
                label=_("Needs to cover (optional)"), required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(n.code, n.code) for n in row.needs], initial=row.need_codes,
            )
            self.fields[f"{p}-note"] = forms.CharField(
                label=_("Message for this stop (optional)"), required=False, max_length=2000, initial=row.note,
                help_text=_("For example: where to meet, whom to ask for."),
            )

    def bound_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "row": row,
                "use": self[f"{row.prefix}-use"] if row.commune is not None else None,
                "commune": self[f"{row.prefix}-commune"],
                "date": self[f"{row.prefix}-date"],
                "needs": self[f"{row.prefix}-needs"],
                "note": self[f"{row.prefix}-note"],
            }
            for row in self.rows
        ]

    def stops(self) -> list[StopData]:
        d = self.cleaned_data
        found = []
        for row in self.rows:
            p = row.prefix
            code = d.get(f"{p}-commune") or ""
            if not code or (row.commune is not None and not d.get(f"{p}-use")):
                continue
            found.append(
                StopData(commune_code=code, on_date=d.get(f"{p}-date"), need_codes=list(d.get(f"{p}-needs") or []),
                         note=d.get(f"{p}-note") or "")
            )
        return found


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why?"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


def handover_lines(data: Any, *, need_item_ids: list[int]) -> list[HandoverData]:
    """The quantities typed next to each need (``q-<need item id>``); empty boxes are skipped."""
    return [
        HandoverData(need_item_id=pk, quantity=data.get(f"q-{pk}", "").strip())
        for pk in need_item_ids
        if data.get(f"q-{pk}", "").strip()
    ]


class AllocationForm(forms.Form):
    """The allocation run: which days, which area, how much distance counts."""

    date_from = forms.DateField(label=_("From"), widget=DATE)
    date_to = forms.DateField(
        label=_("To (optional)"), widget=DATE, required=False, help_text=_("Empty: only the first day's delegations.")
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    distance_weight = forms.DecimalField(
        label=_("Distance weight"), min_value=Decimal(0), max_value=Decimal(1000), max_digits=6, decimal_places=2,
        initial=DEFAULT_DISTANCE_WEIGHT,
        help_text=_(
            "Priority points that one kilometre of travel costs. With 0.5, a need 20 km away counts "
            "10 points less than the same need next door; 0 ignores distance."
        ),
    )

    def __init__(self, *args: Any, communes: Sequence[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area: forms.ChoiceField = self.fields["area"]  # type: ignore[assignment]
        area.choices = [("", _("All the communes you serve")), *((c.code, c.name) for c in communes)]
        self.communes = {c.code: c for c in communes}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start is not None:
            end = data["date_to"] = end or start
            if end < start:
                self.add_error("date_to", _("The last day cannot be before the first day."))
            elif (end - start).days >= MAX_ALLOCATION_DAYS:
                self.add_error("date_to", _("Choose at most %(days)d days.") % {"days": MAX_ALLOCATION_DAYS})
        return data

    def params(self) -> AllocationParams:
        d = self.cleaned_data
        return AllocationParams(
            date_from=d["date_from"], date_to=d["date_to"], area=self.communes.get(d.get("area") or ""),
            distance_weight=d["distance_weight"],
        )


def allocation_lines(data: Any) -> list[AcceptLine]:
    """The ticked lines of the proposal (``use`` = "<need item id>-<cargo line id>") with their
    quantity (``q-<key>``); unticked lines are left out."""
    found = []
    for key in dict.fromkeys(data.getlist("use")):
        need_item, _sep, cargo = (parse_id(part) for part in key.partition("-"))
        if need_item is None or cargo is None:
            continue
        found.append(AcceptLine(need_item_id=need_item, cargo_id=cargo, quantity=data.get(f"q-{key}", "").strip()))
    return found
