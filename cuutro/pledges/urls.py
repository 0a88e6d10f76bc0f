from django.urls import path

from cuutro.pledges import views

app_name = "pledges"
urlpatterns = [
    # Donors and organisations
    path("pledges/", views.my_pledges, name="mine"),
    path("pledges/new/<str:need_code>/", views.pledge_new, name="new"),
    path("pledges/<str:code>/", views.pledge_detail, name="detail"),
    path("pledges/<str:code>/slip/", views.pledge_slip, name="slip"),
    path("pledges/<str:code>/handover/", views.handover_new, name="handover_new"),
    path("pledges/<str:code>/do/<str:action>/", views.pledge_action, name="action"),
    path("handovers/<int:pk>/<str:answer>/", views.handover_answer, name="handover_answer"),
    # Commune officers
    path("officer/deliveries/", views.officer_deliveries, name="officer_deliveries"),
    path("officer/deliveries/<str:code>/", views.pledge_confirm, name="confirm"),
    path("officer/deliveries/<str:code>/evidence/", views.confirmation_evidence, name="evidence"),
]
