from django.contrib import admin

from cuutro.geo.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level"]
    search_fields = ["code", "name", "search_key"]
    readonly_fields = ["path"]
    autocomplete_fields = ["parent", "successors"]
