from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("cuutro.portal.urls")),
    path("", include("cuutro.pledges.urls")),
    path("", include("cuutro.coordination.urls")),
    path("", include("cuutro.delegations.urls")),
    path("officer/funds/", include("cuutro.funds.urls")),
    path("officer/statements/", include("cuutro.statements.urls")),
    path("officer/dashboard/", include("cuutro.dashboard.urls")),
    path("reports/", include(("cuutro.funds.public_urls", "funds"), namespace="reports")),
    path("officer/", include("cuutro.needs.urls")),
    path("accounts/", include("cuutro.accounts.urls")),
    path("api/v1/", include("cuutro.api.urls")),
    path("admin/", admin.site.urls),
]

