from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cuutro.accounts.models import Organisation
from cuutro.funds.services import MovementData, Target
from cuutro.needs.selectors import catalogue

WHAT_CHOICES = [
    ("money_out", _("Money given out (with its document)")),
    ("goods_out", _("Goods handed out")),
    ("goods_in", _("Goods received")),
]
TARGET_CHOICES = [
    (Target.NEED, _("A need (household or community), by its code")),
    (Target.ORGANISATION, _("An organisation")),
    (Target.PURCHASE, _("A supplier or giver, by name")),
]


class MovementForm(forms.Form):
    """Raw text in, the service decides: its messages land next to the fields."""

    what = forms.ChoiceField(label=_("What happened?"), choices=WHAT_CHOICES, widget=forms.RadioSelect, initial="money_out")
    target = forms.ChoiceField(label=_("To or from whom?"), choices=TARGET_CHOICES, widget=forms.RadioSelect, initial=Target.NEED)
    need = forms.CharField(label=_("Need code"), required=False, help_text=_("e.g. HGĐ-7K3F9. The public sees only the code."))
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name"), required=False, empty_label=_("– choose –")
    )
    payee = forms.CharField(label=_("Name of the supplier or giver"), required=False, max_length=200)
    amount = forms.CharField(label=_("Amount (đồng)"), required=False, help_text=_("e.g. 3.000.000"))
    item = forms.ChoiceField(label=_("Item"), required=False)
    quantity = forms.CharField(label=_("Quantity"), required=False)
    booked_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("What it was for (public)"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(
        label=_("Document: decision, invoice or signed list (PDF or photo)"), required=False,
        help_text=_("Kept for officials and auditors; the public sees its fingerprint."),
    )

    def __init__(self, *args: Any, money_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if money_only:  # saying what a bank debit paid for: money, and only that
            for name in ("what", "item", "quantity"):
                del self.fields[name]
            return
        item = self.fields["item"]
        assert isinstance(item, forms.ChoiceField)
        item.choices = [("", "—")] + [(i.code, f"{i.name} ({i.get_unit_display()})") for i in catalogue() if not i.is_cash]
        self.fields["booked_on"].initial = timezone.localdate()

    def movement(self) -> tuple[MovementData, str]:
        d = self.cleaned_data
        goods = d.get("what", "money_out") != "money_out"
        organisation = d.get("organisation")
        data = MovementData(
            target=d["target"],
            booked_on=d["booked_on"],
            description=d["description"],
            amount=None if goods else d.get("amount"),
            item_code=(d.get("item") or "") if goods else "",
            quantity=d.get("quantity") if goods else None,
            need_code=d.get("need") or "",
            organisation_id=organisation.pk if organisation else None,
            payee=d.get("payee") or "",
        )
        return data, "in" if d.get("what") == "goods_in" else "out"
