"""Forms of the officers' notice page. They only collect input; ``services`` decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cuutro.coordination.models import NoticeReason
from cuutro.coordination.services import NoticeData
from cuutro.geo.models import Area
from cuutro.needs.models import CatalogueItem, Category


def subject_choices(categories: Sequence[Category], items: Sequence[CatalogueItem]) -> list[Any]:
    """One select: each category as a whole ("category:cash"), then its items ("item:rice")."""
    choices: list[Any] = [("", _("– choose –"))]
    for category in categories:
        own = [(f"item:{i.code}", i.name) for i in items if i.category_id == category.pk]
        choices.append((category.name, [(f"category:{category.code}", _("All of “%(name)s”") % {"name": category.name}), *own]))
    return choices


class NoticeForm(forms.Form):
    area = forms.ChoiceField(label=_("Commune"))
    subject = forms.ChoiceField(label=_("Do not send more of"))
    reason = forms.ChoiceField(label=_("Why"), choices=NoticeReason.choices, widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Message to donors (optional, public)"),
        required=False,
        max_length=500,
        help_text=_("For example: what to send instead. Everyone can read it: no names, no phone numbers."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, communes: Sequence[Area], categories: Sequence[Category], items: Sequence[CatalogueItem], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        area: forms.ChoiceField = self.fields["area"]  # type: ignore[assignment]
        area.choices = [(c.code, c.name) for c in communes]
        if len(communes) == 1:
            area.initial = communes[0].code
        subject: forms.ChoiceField = self.fields["subject"]  # type: ignore[assignment]
        subject.choices = subject_choices(categories, items)

    def notice_data(self) -> NoticeData:
        d = self.cleaned_data
        kind, _sep, code = d["subject"].partition(":")
        return NoticeData(
            area_code=d["area"],
            reason=d["reason"],
            category_code=code if kind == "category" else "",
            item_code=code if kind == "item" else "",
            message=d.get("message") or "",
        )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why are you withdrawing it?"), max_length=500)
