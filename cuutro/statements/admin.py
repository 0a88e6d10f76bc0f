from django.contrib import admin

from cuutro.audit.admin import ReadOnlyAdmin
from cuutro.statements.models import ReviewItem, StatementImport


@admin.register(StatementImport)
class StatementImportAdmin(ReadOnlyAdmin):
    """Imports are made by the import page or ``manage.py import_statement``; never edited."""

    list_display = ["imported_at", "fund", "file_name", "layout", "rows_read", "rows_new", "rows_duplicate", "review_items"]
    list_filter = ["fund", "layout"]


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    """Decided on the review page (with a reason and an audit event), not here."""

    list_display = ["entry", "fund", "reason", "status", "resolution", "decided_by", "decided_at"]
    list_filter = ["fund", "reason", "status"]
