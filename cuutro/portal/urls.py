from django.urls import path

from cuutro.portal import ledger_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("needs/", views.need_search, name="need_search"),
    path("needs/map/", views.need_map, name="need_map"),
    path("needs/export.csv", views.need_export, name="need_export"),
    path("needs/<str:code>/", views.need_detail, name="need_detail"),
    path("funds/", ledger_views.fund_list, name="fund_list"),
    path("funds/<slug:code>/", ledger_views.fund_detail, name="fund_detail"),
    path("funds/<slug:code>/ledger.<str:fmt>", ledger_views.fund_export, name="fund_export"),
    path("ledger/", ledger_views.ledger_search, name="ledger"),
    path("ledger/entries/<int:seq>/", ledger_views.ledger_entry, name="ledger_entry"),
    path("ledger/trace/", ledger_views.ledger_trace, name="ledger_trace"),
    path("ledger/head/", ledger_views.ledger_head, name="ledger_head"),
    path("ledger/chain.py", ledger_views.chain_script, name="chain_script"),
    path("ledger/ledger.<str:fmt>", ledger_views.ledger_export, name="ledger_export"),
    path("welcome/", views.after_login, name="after_login"),
    path("lang/<str:code>/", views.set_language, name="set_language"),
]
