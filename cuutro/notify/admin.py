from django.contrib import admin

from cuutro.audit.admin import ReadOnlyAdmin
from cuutro.notify.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "recipient", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["subject", "recipient__username"]
