"""Pledge forms. They only collect input; the rules (quantities, dates, phones, who may do what)
live in ``services`` so the web and the API refuse exactly the same things with the same words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cuutro.accounts.models import Organisation
from cuutro.needs.choices import quantity_text
from cuutro.needs.selectors import PublicNeedItem
from cuutro.pledges.choices import EvidenceKind, ShowAs
from cuutro.pledges.services import HandoverData, PledgeData


def _organisation_field(organisations: Sequence[Organisation], *, empty: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("On behalf of"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", empty), *((o.pk, o.name) for o in organisations)],
    )


class PledgeForm(forms.Form):
    # Every item of the need is a valid choice, so that one pledged out in the meantime gets
    # the service's clear "nothing remains" message; the page offers only those with some left.
    need_item = forms.TypedChoiceField(label=_("What will you bring?"), coerce=int, widget=forms.RadioSelect)
    quantity = forms.CharField(
        label=_("How much?"),
        required=False,
        help_text=_("In the unit shown next to the item. Money is in đồng."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    expected_on = forms.DateField(
        label=_("When will you deliver it?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    show_as = forms.ChoiceField(label=_("How should the public see who gave?"), widget=forms.RadioSelect)
    contact_name = forms.CharField(label=_("Contact person"), required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        required=False,
        help_text=_("Only the commune officers of this need see your name and phone, to arrange the hand-over."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    note = forms.CharField(label=_("Note to the commune (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, items: Sequence[PublicNeedItem], organisations: Sequence[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        item_field: forms.TypedChoiceField = self.fields["need_item"]  # type: ignore[assignment]
        item_field.choices = [(i.id, f"{i.item_name} ({quantity_text(i.remaining, i.unit)})") for i in items]
        show_as: forms.ChoiceField = self.fields["show_as"]  # type: ignore[assignment]
        show_as.choices = [(value, label) for value, label in ShowAs.choices if organisations or value != ShowAs.ORGANISATION]
        if organisations:
            self.fields["organisation"] = _organisation_field(organisations, empty=_("– nobody: I give on my own –"))

    def pledge_data(self) -> PledgeData:
        d = self.cleaned_data
        return PledgeData(
            need_item_id=d["need_item"],
            quantity=d.get("quantity") or "",
            contact_name=d.get("contact_name") or "",
            contact_phone=d.get("contact_phone") or "",
            expected_on=d.get("expected_on"),
            show_as=d["show_as"],
            organisation_id=d.get("organisation"),
            note=d.get("note") or "",
        )


class HandoverForm(forms.Form):
    contact_name = forms.CharField(label=_("Contact person"), required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"), required=False, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})
    )
    message = forms.CharField(
        label=_("Why do you want to take it over?"),
        required=False,
        help_text=_("For example: you can reach the village and they cannot. The donor reads this."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, organisations: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations:
            self.fields["organisation"] = _organisation_field(organisations, empty=_("– myself –"))

    def handover_data(self) -> HandoverData:
        d = self.cleaned_data
        return HandoverData(
            contact_name=d.get("contact_name") or "",
            contact_phone=d.get("contact_phone") or "",
            organisation_id=d.get("organisation"),
            message=d.get("message") or "",
        )


class ConfirmForm(forms.Form):
    evidence = forms.FileField(
        label=_("Photo of the hand-over or of the signed receipt"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    evidence_kind = forms.ChoiceField(
        label=_("What does the photo show?"), required=False, choices=EvidenceKind.choices, widget=forms.RadioSelect
    )
    acknowledged = forms.BooleanField(label=_("The recipient acknowledged receipt"), required=False)
    received_by = forms.CharField(
        label=_("Received by (optional)"),
        required=False,
        help_text=_("Private: only officers see it, never the public."),
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
