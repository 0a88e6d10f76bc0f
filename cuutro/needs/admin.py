from django.contrib import admin

from cuutro.needs.models import Campaign, CatalogueItem, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "position"]
    list_editable = ["position"]


@admin.register(CatalogueItem)
class CatalogueItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "category", "unit", "active"]
    list_filter = ["category", "unit", "active"]
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "starts_on", "ends_on", "active"]
    list_filter = ["active"]
    autocomplete_fields = ["area"]


# Needs and beneficiaries are deliberately not in the admin: every change to them must go through
# the services (scope checks, four-eyes verification, audit log), which the admin would bypass.
