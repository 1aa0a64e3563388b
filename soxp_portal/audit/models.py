"""The audit trail: one append-only, hash-chained row per thing that happened.

Rows are written only by ``soxp_portal.audit.log.record`` and never changed or removed: the model
and its queryset refuse (``AppendOnlyModel`` from ``offers``), a PostgreSQL trigger refuses raw SQL
too (migration 0002), and ``soxp_portal.audit.verify`` walks the hash chain to prove nobody got
round either. Who, whom and which offer are kept twice: as foreign keys for queries, and as text
snapshots (``actor_email``, ``employee_number``) so the record still reads correctly after an
account or a census row changes.
"""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.db import models
from django.db.models import Q

from soxp_portal.offers.models import AppendOnlyModel, Employee, Offer
from soxp_portal.rules.wording import format_instant


class AuditEventType(models.TextChoices):
    """What happened. The dotted value is what is stored and hashed, so it must never change."""

    ELECTION_SUBMITTED = "election.submitted", "Election submitted"
    ELECTION_MODIFIED = "election.modified", "Election modified"
    ELECTION_WITHDRAWN = "election.withdrawn", "Election withdrawn"
    ELECTION_REFUSED = "election.refused", "Election refused"
    OFFER_CREATED = "offer.created", "Offer created"
    OFFER_EDITED = "offer.edited", "Offer edited"
    OFFER_EXTENDED = "offer.extended", "Offer extended"
    OFFER_RATIOS_SET = "offer.ratios_set", "Exchange ratios set"
    OFFER_CLOSED = "offer.closed", "Offer closed"
    CENSUS_IMPORTED = "census.imported", "Census imported"
    INVITATION_SENT = "invitation.sent", "Invitation sent"
    TENDERS_ACCEPTED = "tenders.accepted", "Tenders accepted"
    GRANTS_CANCELLED = "grants.cancelled", "Tendered grants cancelled"
    LETTERS_ISSUED = "letters.issued", "Promise-to-grant letters issued"
    REMINDERS_SENT = "reminders.sent", "Reminders sent"
    TERMINATION_RECORDED = "termination.recorded", "Termination recorded"
    NEW_GRANTS_CREATED = "new_grants.created", "New grants created"
    NEW_GRANTS_PRICE_CORRECTED = "new_grants.price_corrected", "New grants' exercise price corrected"
    EXPORT_DOWNLOADED = "export.downloaded", "Export downloaded"
    AUTH_SIGNED_IN = "auth.signed_in", "Signed in"
    AUTH_SIGN_IN_FAILED = "auth.sign_in_failed", "Sign-in failed"
    AUTH_LOCKED_OUT = "auth.locked_out", "Locked out"
    ROLE_CHANGED = "role.changed", "Role changed"
    ACCESS_REFUSED = "access.refused", "Access refused (403)"
    CSRF_FAILED = "csrf.failed", "Form refused: CSRF check failed"
    PASSWORD_RESET_REQUESTED = "password.reset_requested", "Password reset requested"
    PASSWORD_CHANGED = "password.changed", "Password changed"
    CONSOLE_REFUSED = "console.refused", "Console action refused"
    DOCUMENT_DOWNLOADED = "document.downloaded", "Document downloaded by the employee"
    REPEATS_SUMMARISED = "audit.repeats_summarised", "Repeated events summarised"
    AUTH_SSO_REFUSED = "auth.sso_refused", "Single sign-on refused"
    SECOND_FACTOR_ENROLLED = "second_factor.enrolled", "Second factor enrolled"
    SECOND_FACTOR_RECOVERY_CODE_USED = "second_factor.recovery_code_used", "Recovery code used"
    SECOND_FACTOR_RESET = "second_factor.reset", "Second factor reset"


#: The refusals, which the auditor's events page can show together ("Every refusal").
REFUSAL_EVENT_TYPES = frozenset(
    {
        AuditEventType.ELECTION_REFUSED,
        AuditEventType.AUTH_SIGN_IN_FAILED,
        AuditEventType.AUTH_LOCKED_OUT,
        AuditEventType.AUTH_SSO_REFUSED,
        AuditEventType.ACCESS_REFUSED,
        AuditEventType.CSRF_FAILED,
        AuditEventType.CONSOLE_REFUSED,
    }
)


class AuditChannel(models.TextChoices):
    """How the action reached us. The first three match ``Election.Channel``; blank means not applicable."""

    WEB = "web", "Online"
    FAX = "fax", "Fax"
    HAND = "hand", "By hand"
    SYSTEM = "system", "System"


class AuditEvent(AppendOnlyModel):
    """One event of the chain. ``hash`` is the SHA-256 of every other field (``chain.canonical_content``)."""

    sequence = models.BigIntegerField(
        unique=True, editable=False, help_text="Position in the chain: 1, 2, 3... with no gaps."
    )
    event_type = models.CharField(max_length=64, choices=AuditEventType.choices)
    at = models.DateTimeField(help_text="When it happened: the `now` of the action (UTC).")
    recorded_at = models.DateTimeField(help_text="Server time the event was written.")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who did it; empty for an anonymous request such as a failed sign-in.",
    )
    actor_email = models.CharField(max_length=254, blank=True, help_text="The actor's email at the time.")
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    employee_number = models.CharField(
        max_length=64, blank=True, help_text="The employee's census id at the time."
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    on_behalf = models.BooleanField(
        default=False, help_text="An administrator acted for the employee (paper election, fax)."
    )
    channel = models.CharField(max_length=8, choices=AuditChannel.choices, blank=True)

    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)
    request_id = models.CharField(max_length=128, blank=True)

    subject_type = models.CharField(
        max_length=100, blank=True, help_text="Model label of what the event is about, e.g. offers.Election."
    )
    subject_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(
        default=dict, blank=True, help_text="What changed: JSON-safe before/after values."
    )

    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        get_latest_by = "sequence"
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_event_subject")]
        constraints = [
            models.CheckConstraint(condition=Q(sequence__gte=1), name="audit_event_sequence_positive"),
            # Two events linking to the same predecessor would be a fork; the database refuses it
            # even if a writer ever bypassed the chain lock in log.record.
            models.UniqueConstraint(fields=["previous_hash"], name="audit_event_one_successor"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.event_type}, {format_instant(self.at, UTC, seconds=True)}"


class RepeatWindow(models.Model):
    """How often one kind of event came from one source in the current window (``audit.repeats``).

    A source is the signed-in user, or the client address when nobody is signed in, on one URL pattern
    (so ``/console/offers/a/`` and ``/console/offers/b/`` count together). The first
    ``AUDIT_REPEAT_LIMIT`` events of a window are recorded one by one; the rest are only counted here,
    and when the window has ended one ``audit.repeats_summarised`` event records how many there were.
    A working table, not part of the trail: rows are deleted once their window is summarised.
    """

    key = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the kind, the source and the URL pattern."
    )
    event_type = models.CharField(max_length=64, help_text="The dotted type, e.g. access.refused.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    route = models.CharField(max_length=300, help_text="The URL pattern, e.g. console/offers/<slug:slug>/.")
    window_ends_at = models.DateTimeField(db_index=True)
    recorded = models.PositiveIntegerField(default=0, help_text="Events recorded one by one in this window.")
    suppressed = models.PositiveIntegerField(
        default=0, help_text="Events counted, not recorded, in this window."
    )
    first_suppressed_at = models.DateTimeField(null=True, blank=True)
    last_suppressed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.event_type} on {self.route}: {self.recorded} recorded, {self.suppressed} counted"
