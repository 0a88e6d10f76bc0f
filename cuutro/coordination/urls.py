from django.urls import path

from cuutro.coordination import recommend_views, views

app_name = "coordination"
urlpatterns = [
    # The public board ("what is needed most now") and each commune's section
    path("needed/", views.board, name="board"),
    path("needed/advice/", views.advice, name="advice"),
    # "What should I bring, and where?": needs to cover with what a donor brings, pledged at once
    path("recommend/", recommend_views.recommend_page, name="recommend"),
    path("needed/<str:code>/", views.commune, name="commune"),
    # Commune officers: "please do not send more" notices
    path("officer/notices/", views.officer_notices, name="officer_notices"),
    path("officer/notices/<str:code>/withdraw/", views.notice_withdraw, name="notice_withdraw"),
]
