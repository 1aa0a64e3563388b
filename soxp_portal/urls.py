from django.contrib import admin
from django.urls import include, path

from soxp_portal.portal import views as portal_views

urlpatterns = [
    path("accounts/", include("soxp_portal.accounts.urls")),
    path("admin/", admin.site.urls),
    path("console/", include("soxp_portal.console.urls")),
    path("", portal_views.home, name="home"),
    path("", include("soxp_portal.portal.urls")),
]
