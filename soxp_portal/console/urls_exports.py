"""Exports of one offer for the stock plan administrator (URLs under /console/offers/<slug>/exports/)."""

from django.urls import path

from soxp_portal.console import exports_views

urlpatterns = [
    path("", exports_views.index, name="exports"),
    path("<slug:key>.<slug:fmt>", exports_views.download, name="export-download"),
    path("files/<int:file_id>/", exports_views.export_file, name="export-file"),
    path("files/<int:file_id>/download/", exports_views.export_file_download, name="export-file-download"),
    path("files/<int:file_id>/restart/", exports_views.export_file_restart, name="export-file-restart"),
]
