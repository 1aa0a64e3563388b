"""What happens to an offer after its deadline: acceptance, cancellation, letters, new grants.

The close is a sequence of explicit steps taken by a stock administrator (``actions.py``). Each step
leaves rows behind, so every later page, letter and export reads what was decided, never a fresh
computation that might disagree with it:

- ``Closing`` holds when each step was taken and by whom (one per offer).
- ``Tender`` is the outcome for one participant: accepted, or rejected with the reason (decision 7).
- ``AcceptedGrant`` is one old grant taken in an accepted tender: the shares cancelled and the new
  shares promised for it, with its performance condition, which carries over to the new option.
- ``PromiseLetter`` is the promise-to-grant PDF sent to an accepted participant (slide 12).
- ``NewGrant`` is the option granted on the new grant date for one accepted grant.
- ``StepRun`` is one request to take a long step of the close (accept, cancel, new grants, a price
  correction), carried out by a background task; ``ExportFile`` is one export file made by a task. Both
  are ``BackgroundRun``s: queued, running, done or failed, with who asked, when, the progress and the
  error (``runs.py`` keeps them).
- ``ClosePreviewRun`` is the pre-close reconciliation worked out by a task (``preview.py``), with what it
  was worked out from; ``ClosePreviewRow`` one election whose basis changed, as it found it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from soxp_portal.offers.models import Election, Employee, Grant, Offer, Plan

#: A run waiting for a worker or being carried out by one: at most one such run of a kind at a time.
ACTIVE_STATES = ("queued", "running")


class Closing(models.Model):
    """The close of one offer: each step's time and actor, empty until the step is taken."""

    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="closing")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancellation_date = models.DateField(
        null=True, blank=True, help_text="The date the tendered options were cancelled as of."
    )
    letters_requested_at = models.DateTimeField(null=True, blank=True)
    letters_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new_grants_created_at = models.DateTimeField(null=True, blank=True)
    new_grants_created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new_grant_date = models.DateField(
        null=True, blank=True, help_text="The date the new options were granted."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(accepted_at__isnull=False),
                name="closing_cancel_after_accept",
            ),
            models.CheckConstraint(
                condition=Q(letters_requested_at__isnull=True) | Q(accepted_at__isnull=False),
                name="closing_letters_after_accept",
            ),
            models.CheckConstraint(
                condition=Q(new_grants_created_at__isnull=True) | Q(cancelled_at__isnull=False),
                name="closing_grants_after_cancel",
            ),
        ]

    def __str__(self) -> str:
        return f"Close of {self.offer}"


class Tender(models.Model):
    """The outcome of one participant's final election when the offer closed."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Not accepted"

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="tenders")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="tenders")
    election = models.OneToOneField(Election, on_delete=models.PROTECT, related_name="tender")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.TextField(blank=True, help_text="Why the tender was not accepted, in plain words.")
    decided_at = models.DateTimeField()
    forfeited_on = models.DateField(
        null=True, blank=True, help_text="Employment ended on this day, before the new grant date."
    )
    forfeit_reason = models.TextField(blank=True)
    forfeit_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["offer", "employee__last_name", "employee__first_name", "employee__employee_id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "employee"], name="tender_once_per_employee"),
            models.CheckConstraint(
                condition=Q(outcome="accepted") | Q(reason__gt=""), name="tender_rejection_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(forfeited_on__isnull=True) | Q(outcome="accepted"),
                name="tender_only_accepted_forfeited",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee}: {self.get_outcome_display()}"

    @property
    def is_accepted(self) -> bool:
        return self.outcome == self.Outcome.ACCEPTED

    @property
    def is_forfeited(self) -> bool:
        return self.forfeited_on is not None


class AcceptedGrant(models.Model):
    """One old grant taken in an accepted tender, and what the participant is promised for it."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="accepted_grants")
    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="accepted_in")
    shares = models.PositiveIntegerField(help_text="Outstanding shares taken and cancelled.")
    new_shares = models.PositiveIntegerField(
        help_text="Shares of the new option (or RSUs) promised for them, at the grant's band's ratio."
    )
    award_type = models.CharField(
        max_length=8,
        choices=Offer.AwardTypeChoice.choices,
        default=Offer.AwardTypeChoice.OPTION,
        help_text="The award the participant receives for it, by their work country when accepted.",
    )
    performance_condition = models.TextField(blank=True, help_text="Carried over to the new option.")

    class Meta:
        ordering = ["tender", "grant__grant_date", "grant__grant_id"]
        constraints = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="accepted_grant_shares_positive"),
            models.CheckConstraint(condition=Q(new_shares__gt=0), name="accepted_grant_new_shares_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.grant.grant_id}: {self.shares} -> {self.new_shares}"


def letter_path(letter: PromiseLetter, filename: str) -> str:
    return f"letters/{letter.tender.offer.slug}/{filename}"


class PromiseLetter(models.Model):
    """The promise-to-grant letter of one accepted tender (slide 12), rendered once and kept."""

    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="letter")
    pdf = models.FileField(upload_to=letter_path)
    sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tender"]

    def __str__(self) -> str:
        return f"Promise to grant for {self.tender.employee}"


class NewGrant(models.Model):
    """The new award granted for one accepted grant on the new grant date: an option (with its type,
    exercise price and expiration) or restricted stock units (none of the three: RSUs are not bought)."""

    accepted_grant = models.OneToOneField(AcceptedGrant, on_delete=models.PROTECT, related_name="new_grant")
    grant_id = models.CharField(max_length=64, unique=True)
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="new_grants")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    award_type = models.CharField(
        max_length=8, choices=Offer.AwardTypeChoice.choices, default=Offer.AwardTypeChoice.OPTION
    )
    option_type = models.CharField(
        max_length=3, choices=Offer.OptionType.choices, blank=True, help_text="Empty for RSUs."
    )
    grant_date = models.DateField()
    shares = models.PositiveIntegerField(help_text="Shares under the option, or units of an RSU award.")
    exercise_price = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, help_text="Empty for RSUs."
    )
    expiration_date = models.DateField(null=True, blank=True, help_text="Empty for RSUs.")
    performance_condition = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["employee", "grant_id"]
        constraints = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="new_grant_shares_positive"),
            models.CheckConstraint(condition=Q(exercise_price__gte=0), name="new_grant_price_not_negative"),
            models.CheckConstraint(
                condition=Q(expiration_date__gt=models.F("grant_date")), name="new_grant_expires_after_grant"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        award_type="option",
                        exercise_price__isnull=False,
                        expiration_date__isnull=False,
                        option_type__gt="",
                    )
                    | Q(
                        award_type="rsu",
                        exercise_price__isnull=True,
                        expiration_date__isnull=True,
                        option_type="",
                    )
                ),
                name="new_grant_price_iff_option",
            ),
        ]

    def __str__(self) -> str:
        return self.grant_id

    @property
    def is_rsu(self) -> bool:
        return self.award_type == Offer.AwardTypeChoice.RSU


class BackgroundRun(models.Model):
    """Work a background task does for an administrator: who asked and when, where it stands, its
    progress (``done`` of ``total``, in the words of ``stage``) and, if it failed, why.

    ``heartbeat_at`` is renewed every few seconds while a worker carries the run out (``runs.Progress``),
    so a run whose worker died is told from one that is slow. ``attempts`` counts the workers that took
    it up: a worker writes to the run only while the attempt it claimed is the latest.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    origin = models.JSONField(
        default=dict, blank=True, help_text="The client address, user agent and request id of the request."
    )
    restarted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    restarted_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(max_length=200, blank=True)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)


class StepRun(BackgroundRun):
    """One request to take a long step of the close, carried out by a task (``closing.background``).

    At most one run of an offer is queued or running at a time (the steps go in order, and each takes
    the close's lock): the database refuses a second.
    """

    class Step(models.TextChoices):
        ACCEPT = "accept", "Accepting the tenders"
        CANCEL = "cancel", "Cancelling the tendered grants"
        NEW_GRANTS = "new-grants", "Making the new grants"
        PRICE_CORRECTION = "price-correction", "Correcting the exercise price"

    step = models.CharField(max_length=32, choices=Step.choices)
    closing_price = models.CharField(
        max_length=40,
        blank=True,
        help_text="The closing price as entered, its exact decimal text (new grants, a price correction).",
    )
    reason = models.TextField(blank=True, help_text="Why the price is corrected.")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer"], condition=Q(state__in=ACTIVE_STATES), name="step_run_one_active_per_offer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} ({self.get_state_display().lower()})"

    @property
    def price(self) -> Decimal | None:
        """The closing price entered, as the Decimal the administrator typed (trailing zeros kept)."""
        return Decimal(self.closing_price) if self.closing_price else None


def export_file_path(export_file: ExportFile, filename: str) -> str:
    return f"exports/{export_file.offer.slug}/{filename}"


class ExportFile(BackgroundRun):
    """An export written to a file by a task (``closing.exports.files``), offered for download once done.

    ``as_of`` is when its rows were read; ``exercise_price`` the new options' exercise price it states
    (None when it states none), so a file made before a price correction is not handed out after it.
    """

    export = models.CharField(max_length=64)
    fmt = models.CharField(max_length=8)
    as_of = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=export_file_path, blank=True, max_length=300)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    exercise_price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "export", "fmt"],
                condition=Q(state__in=ACTIVE_STATES),
                name="export_file_one_active_per_export",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.export}.{self.fmt} ({self.get_state_display().lower()})"


class ClosePreviewRun(BackgroundRun):
    """The pre-close reconciliation worked out by a task (``closing.preview``): what accepting the
    tenders would do, as it stood when the run read the census and the elections.

    The changed elections (``ClosePreviewRow``) are written as the run goes, the totals when it is done;
    the page shows a run's plan only once it is done. The
    digests say what it was worked out from, taken before it read anything: a change made since (a census
    import, a paper election keyed in, a change of the offer's terms) no longer matches them, and the
    page says the plan is out of date. At most one run of an offer is queued or running at a time.
    """

    census_digest = models.CharField(max_length=64, blank=True)
    terms_digest = models.CharField(max_length=64, blank=True)
    elections_digest = models.CharField(max_length=64, blank=True)
    as_of = models.DateTimeField(
        null=True, blank=True, help_text="When the run read the census and elections."
    )
    accepted = models.PositiveIntegerField(default=0)
    not_accepted = models.PositiveIntegerField(default=0)
    shares = models.PositiveBigIntegerField(default=0)
    new_shares = models.PositiveBigIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0, help_text="Elections whose basis changed.")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer"],
                condition=Q(state__in=ACTIVE_STATES),
                name="close_preview_one_active_per_offer",
            ),
        ]

    def __str__(self) -> str:
        return f"Close preview of offer {self.offer_id} ({self.get_state_display().lower()})"

    @property
    def participants(self) -> int:
        return self.accepted + self.not_accepted


class ClosePreviewRow(models.Model):
    """One election whose basis changed, as a preview run found it: who, what changed, what the accept
    would do. Plain values, so the page reads them as the run wrote them."""

    run = models.ForeignKey(ClosePreviewRun, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField(help_text="The row's place in the list (by name).")
    employee_id = models.CharField(max_length=64)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    election_version = models.PositiveIntegerField()
    notes = models.JSONField(default=list, help_text="What changed since the election, in words.")
    accepted = models.BooleanField()
    outcome = models.TextField(help_text="What the accept would do, in words.")
    shares = models.PositiveBigIntegerField(default=0)
    new_shares = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="close_preview_row_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} in preview run {self.run_id}"
