"""The auditor's pages (URLs under /console/audit/)."""

from django.urls import path

from soxp_portal.console import audit_views

urlpatterns = [
    path("", audit_views.events, name="audit-events"),
    path("events.csv", audit_views.events_csv, name="audit-events-csv"),
    path("events/<int:sequence>/", audit_views.event, name="audit-event"),
    path("employees/<identifier:employee_id>/", audit_views.employee, name="audit-employee"),
    path("offers/<slug:slug>/deadline/", audit_views.deadline, name="audit-deadline"),
    path("offers/<slug:slug>/deadline.csv", audit_views.deadline_csv, name="audit-deadline-csv"),
    path("chain/", audit_views.chain, name="audit-chain"),
]
