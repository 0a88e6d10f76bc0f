from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cuutro.accounts.models import Organisation
from cuutro.funds.selectors import SEARCH_MAX_CHARS, LedgerFilters, parse_amount
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


# ---- the public ledger's filters (the portal's pages and the API read them with this form) ----

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]


class AmountField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(required=False, max_length=40, widget=widget, **kwargs)

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        amount = parse_amount(text)
        if amount is None:
            raise forms.ValidationError(_("Enter an amount in đồng, e.g. 500.000."))
        return amount


class LastDigitsField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6})
        super().__init__(required=False, max_length=40, widget=widget, **kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        digits = "".join(ch for ch in text if ch.isdigit())
        if text and len(digits) < 3:
            raise forms.ValidationError(_("Enter at least the last 3 digits of the account."))
        return digits[-4:]  # accounts are published masked: only the last four remain


def date_field(label: Any) -> forms.DateField:
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, required=False, input_formats=DATE_FORMATS, widget=widget)


class LedgerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name or memo (accents optional)"), required=False, strip=True,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. nguyen van an")}),
    )
    amount = AmountField(label=_("Amount (đồng, exact)"))
    date_from = date_field(_("From"))
    date_to = date_field(_("To"))
    reference = forms.CharField(
        label=_("Transfer reference"), required=False, max_length=40, strip=True,
        widget=forms.TextInput(attrs={"placeholder": "CT 7K3F9Q", "autocapitalize": "characters"}),
    )
    account = LastDigitsField(label=_("Last digits of the account"))
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("In and out")), ("in", _("Money in")), ("out", _("Money out"))]
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> LedgerFilters:
        data = self.cleaned_data
        return LedgerFilters(
            q=(data.get("q") or "")[:SEARCH_MAX_CHARS],
            amount=data.get("amount"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            reference=data.get("reference") or "",
            account=data.get("account") or "",
            direction=data.get("direction") or "",
        )
