from django.urls import path

from cuutro.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("needs/", views.need_search, name="need_search"),
    path("needs/map/", views.need_map, name="need_map"),
    path("needs/export.csv", views.need_export, name="need_export"),
    path("needs/<str:code>/", views.need_detail, name="need_detail"),
    path("welcome/", views.after_login, name="after_login"),
    path("lang/<str:code>/", views.set_language, name="set_language"),
]
