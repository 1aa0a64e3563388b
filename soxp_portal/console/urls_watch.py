"""Watching one offer: dashboard, employees, paper elections, the preview of the employee pages (URLs under
/console/offers/<slug>/)."""

from django.urls import path

from soxp_portal.console import preview, watch

urlpatterns = [
    path("", watch.dashboard, name="dashboard"),
    path("employees/", watch.employees, name="employees"),
    path("employees/<identifier:employee_id>/", watch.employee, name="employee"),
    path("employees/<identifier:employee_id>/paper-election/", watch.paper_election, name="paper-election"),
    path(
        "employees/<identifier:employee_id>/paper-withdrawal/",
        watch.paper_withdrawal,
        name="paper-withdrawal",
    ),
    path(
        "employees/<identifier:employee_id>/elections/<confirmation:confirmation>/pdf/",
        watch.election_pdf,
        name="election-pdf",
    ),
    path(
        "employees/<identifier:employee_id>/elections/<confirmation:confirmation>/resend/",
        watch.confirmation_resend,
        name="confirmation-resend",
    ),
    path("confirmations/", watch.confirmations, name="confirmations"),
    path("confirmations/resend/", watch.confirmations_resend, name="confirmations-resend"),
    path("preview/", preview.choose, name="preview"),
    path("employees/<identifier:employee_id>/preview/", preview.overview, name="preview-overview"),
    path("employees/<identifier:employee_id>/preview/grants/", preview.grants, name="preview-grants"),
    path("employees/<identifier:employee_id>/preview/compare/", preview.compare, name="preview-compare"),
    path("reminders/", watch.reminders, name="reminders"),
    path("reminders/send/", watch.reminders_send, name="reminders-send"),
]
