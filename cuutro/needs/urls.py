from django.urls import path

from cuutro.needs import views

app_name = "needs"
urlpatterns = [
    path("", views.officer_home, name="officer_home"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/<str:code>/", views.officer_need, name="officer_need"),
    path("needs/<str:code>/edit/", views.need_edit, name="need_edit"),
    path("needs/<str:code>/photos/<int:pk>/", views.need_photo, name="need_photo"),
    path("needs/<str:code>/<str:action>/", views.need_transition, name="need_transition"),
]
