from django.urls import path

from cuutro.dashboard import views

app_name = "dashboard"
urlpatterns = [
    # Officials: the area dashboard (optionally ?area=CODE) and its list of late pledges
    path("", views.dashboard, name="home"),
    path("overdue/", views.overdue, name="overdue"),
]
