from django.contrib import admin
from django.urls import include, path

from soxp_portal.portal import views as portal_views

#: Every 403 is the portal's page, and audited (soxp_portal.errors).
handler403 = "soxp_portal.errors.permission_denied"
#: A session that could not be saved (the database gone mid-request) is the 500 page, as a 503.
handler400 = "soxp_portal.errors.bad_request"

urlpatterns = [
    path("accounts/", include("soxp_portal.accounts.urls")),
    path("admin/", admin.site.urls),
    path("console/", include("soxp_portal.console.urls")),
    path("", portal_views.home, name="home"),
    path("", include("soxp_portal.portal.urls")),
]
