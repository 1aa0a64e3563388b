"""Exports of one offer for the stock plan administrator (URLs under /console/offers/<slug>/exports/)."""

from django.urls import path

from soxp_portal.console import exports_views

urlpatterns = [
    path("", exports_views.index, name="exports"),
    path("<slug:key>.<slug:fmt>", exports_views.download, name="export-download"),
]
