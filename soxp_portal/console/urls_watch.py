"""Watching one offer: dashboard, employees, paper elections (URLs under /console/offers/<slug>/)."""

from django.urls import path

from soxp_portal.console import watch

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
        "employees/<identifier:employee_id>/elections/<str:confirmation>/pdf/",
        watch.election_pdf,
        name="election-pdf",
    ),
    path("reminders/", watch.reminders, name="reminders"),
    path("reminders/send/", watch.reminders_send, name="reminders-send"),
]
