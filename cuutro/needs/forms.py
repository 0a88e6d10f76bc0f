"""Officer forms. They only collect input; the rules live in ``services._clean`` so the web and
the API refuse exactly the same things with the same messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from cuutro.geo.models import Area
from cuutro.geo.selectors import villages_of
from cuutro.needs.choices import VULNERABILITY_FLAGS
from cuutro.needs.models import DamageLevel, Need, NeedKind, Urgency
from cuutro.needs.selectors import campaigns_active, catalogue
from cuutro.needs.services import BeneficiaryData, NeedData, NeedItemData


def item_choices() -> list[tuple[str, Any]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for item in catalogue():
        groups.setdefault(item.category.name, []).append((item.code, f"{item.name} ({item.get_unit_display()})"))
    return [("", _("– choose an item –")), *groups.items()]


class NeedForm(forms.Form):
    area = forms.ChoiceField(label=_("Commune / ward"))
    village = forms.ChoiceField(label=_("Village / hamlet (optional)"), required=False)
    kind = forms.ChoiceField(label=_("Who needs help?"), choices=NeedKind.choices, widget=forms.RadioSelect)
    urgency = forms.ChoiceField(label=_("How urgent?"), choices=Urgency.choices, widget=forms.RadioSelect)
    # Not required: left empty (an old bookmark, a script) it means no damage.
    damage_level = forms.ChoiceField(
        label=_("How badly is the house or building damaged?"),
        help_text=_("Choose what you saw on the ground. More damage raises the need's priority."),
        choices=DamageLevel.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=DamageLevel.NONE,
    )
    description = forms.CharField(
        label=_("What happened and what is needed"),
        help_text=_("This text is public. Do not write names, ID numbers or phone numbers here."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )
    campaign = forms.ChoiceField(label=_("Relief campaign (optional)"), required=False)
    latitude = forms.CharField(label=_("Latitude"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    longitude = forms.CharField(label=_("Longitude"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    full_name = forms.CharField(label=_("Full name of the head of household / contact person"), required=False, max_length=150)
    id_number = forms.CharField(
        label=_("ID number (CCCD/CMND)"), required=False, max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    address = forms.CharField(label=_("Exact address"), required=False, max_length=255)
    household_size = forms.IntegerField(label=_("People in household"), required=False, min_value=1, max_value=99)
    # The household's vulnerabilities: private, one box per VULNERABILITY_FLAGS entry.
    poor_household = forms.BooleanField(label=VULNERABILITY_FLAGS["poor_household"], required=False)
    near_poor_household = forms.BooleanField(label=VULNERABILITY_FLAGS["near_poor_household"], required=False)
    elderly_alone = forms.BooleanField(label=VULNERABILITY_FLAGS["elderly_alone"], required=False)
    disability = forms.BooleanField(label=VULNERABILITY_FLAGS["disability"], required=False)
    young_children = forms.BooleanField(label=VULNERABILITY_FLAGS["young_children"], required=False)
    pregnant = forms.BooleanField(label=VULNERABILITY_FLAGS["pregnant"], required=False)

    def __init__(self, *args: Any, communes: list[Area], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The kind is part of the need's public code (HGĐ-, CĐ-, CS-) and cannot change.
            self.fields["kind"].disabled = True
        area_field: forms.ChoiceField = self.fields["area"]  # type: ignore[assignment]
        area_field.choices = [(a.code, a.name) for a in communes]
        if len(communes) == 1:
            area_field.initial = communes[0].code
        village_field: forms.ChoiceField = self.fields["village"]  # type: ignore[assignment]
        village_field.choices = [("", _("– not given –")), *(
            (v.code, f"{v.name} – {v.parent.name if v.parent else ''}") for v in villages_of(communes=communes)
        )]
        campaign_field: forms.ChoiceField = self.fields["campaign"]  # type: ignore[assignment]
        campaign_field.choices = [("", _("– none –")), *((c.code, c.name) for c in campaigns_active())]

    def vulnerability_fields(self) -> list[forms.BoundField]:
        return [self[flag] for flag in VULNERABILITY_FLAGS]


class NeedItemForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"), required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), required=False, min_value=0, max_digits=16, decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = item_choices()  # type: ignore[attr-defined]


NeedItemFormSet = formset_factory(NeedItemForm, extra=0, min_num=3, max_num=20)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(PhotosField, self).clean(f, initial) for f in files]


class PhotosForm(forms.Form):
    photos = PhotosField(label=_("Evidence photos (optional)"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


def need_data_from_forms(form: NeedForm, items: Any) -> NeedData:
    d = form.cleaned_data
    return NeedData(
        area_code=d["area"],
        village_code=d.get("village") or None,
        kind=d["kind"],
        urgency=d["urgency"],
        description=d["description"],
        campaign_code=d.get("campaign") or None,
        latitude=d.get("latitude") or None,
        longitude=d.get("longitude") or None,
        items=[
            NeedItemData(item_code=f.cleaned_data["item"], quantity=f.cleaned_data.get("quantity") or "")
            for f in items.forms
            if f.cleaned_data.get("item")
        ],
        beneficiary=BeneficiaryData(
            full_name=d.get("full_name") or "",
            id_number=d.get("id_number") or "",
            phone=d.get("phone") or "",
            address=d.get("address") or "",
            household_size=d.get("household_size"),
            **{flag: bool(d.get(flag)) for flag in VULNERABILITY_FLAGS},
        ),
        damage_level=d.get("damage_level") or DamageLevel.NONE,
    )


def initial_from_need(need: Need) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    beneficiary = getattr(need, "beneficiary", None)
    initial = {
        "area": need.area.code,
        "village": need.village.code if need.village else "",
        "kind": need.kind,
        "urgency": need.urgency,
        "description": need.description,
        "campaign": need.campaign.code if need.campaign else "",
        "latitude": need.latitude or "",
        "longitude": need.longitude or "",
        "damage_level": need.damage_level,
    }
    if beneficiary is not None:
        initial.update(
            full_name=beneficiary.full_name,
            id_number=beneficiary.id_number,
            phone=beneficiary.phone,
            address=beneficiary.address,
            household_size=beneficiary.household_size,
            **{flag: getattr(beneficiary, flag) for flag in VULNERABILITY_FLAGS},
        )
    items = [{"item": ni.item.code, "quantity": ni.quantity} for ni in need.items.all()]
    return initial, items


SERVICE_FIELD_MAP = {
    "beneficiary.full_name": "full_name",
    "beneficiary.id_number": "id_number",
    "beneficiary.phone": "phone",
    "beneficiary.household_size": "household_size",
    "location": "latitude",
}


def attach_service_errors(exc: ValidationError, form: NeedForm, items: Any, photos_form: PhotosForm) -> list[str]:
    """Put the service's field errors next to the right inputs; return those with no place."""
    leftovers: list[str] = []
    # Service errors name item lines by their position among the filled lines.
    filled = [f for f in items.forms if f.cleaned_data.get("item")]
    for key, messages in exc.message_dict.items():
        parts = key.split(".")
        if parts[0] == "items" and len(parts) == 3 and int(parts[1]) < len(filled):
            for message in messages:
                filled[int(parts[1])].add_error(parts[2], message)
        elif key == "photos":
            photos_form.add_error("photos", messages)
        elif SERVICE_FIELD_MAP.get(key, key) in form.fields:
            for message in messages:
                form.add_error(SERVICE_FIELD_MAP.get(key, key), message)
        else:
            leftovers += messages
    return leftovers
