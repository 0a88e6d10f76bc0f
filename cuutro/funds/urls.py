from django.urls import path

from cuutro.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.officer_funds, name="officer_funds"),
    path("<slug:code>/record/", views.movement_new, name="movement_new"),
    path("documents/<int:seq>/", views.entry_document, name="entry_document"),
]
