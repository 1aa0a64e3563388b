"""The audit trail in Django's admin: read-only, because the trail is append-only.

Nobody, not even a superuser, may add, change or delete an event here; the only writer is
``soxp_portal.audit.log.record``.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from soxp_portal.audit.models import AuditEvent, RepeatWindow


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = (
        "sequence",
        "at",
        "event_type",
        "actor_email",
        "employee_number",
        "channel",
        "on_behalf",
        "subject_type",
        "subject_id",
    )
    list_filter = ("event_type", "channel", "on_behalf")
    search_fields = ("=employee_number", "actor_email")
    ordering = ("-sequence",)
    # The trail grows to millions of rows: no second COUNT(*) for the unfiltered total.
    show_full_result_count = False
    fields = (
        ("sequence", "event_type"),
        ("at", "recorded_at"),
        ("actor", "actor_email"),
        ("employee", "employee_number"),
        "offer",
        ("on_behalf", "channel"),
        ("ip_address", "request_id"),
        "user_agent",
        ("subject_type", "subject_id"),
        "data",
        "previous_hash",
        "hash",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RepeatWindow)
class RepeatWindowAdmin(admin.ModelAdmin[RepeatWindow]):
    """The limit's counts of repeated events (``audit.repeats``), for reading only."""

    list_display = ("event_type", "route", "user", "ip_address", "recorded", "suppressed", "window_ends_at")
    list_filter = ("event_type",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
