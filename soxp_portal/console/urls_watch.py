"""Watching one offer: dashboard, employees, paper elections (URLs under /console/offers/<slug>/)."""

from django.urls import path

from soxp_portal.console import watch

urlpatterns = [
    path("", watch.dashboard, name="dashboard"),
]
