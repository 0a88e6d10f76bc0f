from django.urls import path

from cuutro.delegations import views

app_name = "delegations"
urlpatterns = [
    # Public: the shared calendar and map of delegations
    path("delegations/", views.calendar, name="calendar"),
    # Organisations: register, follow, hand over
    path("delegations/mine/", views.mine, name="mine"),
    path("delegations/new/", views.delegation_new, name="new"),
    # The stop's QR code: a commune officer records the arrival
    path("delegations/check-in/<str:token>/", views.check_in, name="check_in"),
    path("delegations/<str:code>/", views.delegation_detail, name="detail"),
    path("delegations/<str:code>/do/<str:action>/", views.delegation_action, name="action"),
    path("delegations/<str:code>/stops/<str:stop>/qr/", views.stop_qr, name="stop_qr"),
    path("delegations/<str:code>/stops/<str:stop>/handover/", views.handover, name="handover"),
    # Officials: answer delegations with a route
    path("officer/delegations/", views.officer_list, name="officer_list"),
    path("officer/delegations/allocate/", views.allocate, name="allocate"),
    path("officer/delegations/<str:code>/route/", views.route, name="route"),
]
