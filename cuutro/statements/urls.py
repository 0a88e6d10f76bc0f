from django.urls import path

from cuutro.statements import views

app_name = "statements"
urlpatterns = [
    path("", views.statements_home, name="home"),
    path("review/", views.review_queue, name="review"),
    path("review/<int:seq>/explain/", views.review_explain, name="explain"),
    path("review/<int:seq>/<str:action>/", views.review_decide, name="decide"),
]
