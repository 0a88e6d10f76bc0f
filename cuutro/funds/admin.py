from django.contrib import admin

from cuutro.audit.admin import ReadOnlyAdmin
from cuutro.funds.models import Fund, LedgerEntry


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    """Funds are set up by the province administrator (bank account details, receiving window)."""

    list_display = ["code", "name", "bank", "account_number", "opens_on", "closes_on", "is_default"]
    search_fields = ["code", "name", "account_number"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """Append-only: entries are written by imports and disbursements, corrected by reversals."""

    list_display = ["seq", "fund", "kind", "direction", "amount", "booked_on", "counterparty", "reference"]
    list_filter = ["fund", "kind", "direction"]
    search_fields = ["counterparty", "memo", "reference", "bank_ref"]
    exclude = ["search_key"]
