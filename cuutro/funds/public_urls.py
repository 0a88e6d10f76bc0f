from django.urls import path

from cuutro.funds import views

# Public documents of the money; included at /reports/ with the "funds" namespace's siblings.
urlpatterns = [
    path("funds/<slug:code>.pdf", views.fund_report, name="fund_report"),
    path("receipts/<int:seq>.pdf", views.receipt, name="receipt"),
    path("entries/<int:seq>/", views.entry_public, name="entry_public"),
]
