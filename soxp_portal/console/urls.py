"""The stock administrator's console. Each area has its own URL module, all in the `console` namespace."""

from django.urls import include, path

from soxp_portal.console import views

app_name = "console"

urlpatterns = [
    path("", views.offers, name="home"),
    path("offers/<slug:slug>/", include("soxp_portal.console.urls_watch")),
    path("offers/<slug:slug>/close/", include("soxp_portal.console.urls_closing")),
    path("offers/<slug:slug>/exports/", include("soxp_portal.console.urls_exports")),
    path("", include("soxp_portal.console.urls_setup")),
    path("audit/", include("soxp_portal.console.urls_audit")),
]
