"""The offer, the census (plans, employees, grants) and the election history.

Models hold fields, constraints and small values derived from their own row. The offer's
rules live in ``soxp_portal.rules``; ``adapters.py`` turns these rows into rule inputs.
"""

from __future__ import annotations

import enum
import zoneinfo
from datetime import date, datetime
from decimal import Decimal
from functools import cache, cached_property
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from soxp_portal.offers.limits import MAX_CLIFF_MONTHS, MAX_INSTALLMENTS
from soxp_portal.rules import window
from soxp_portal.rules.terms import AwardType, GrantDateRule, OfferTerms, PricingBasis, RatioStage, Rounding
from soxp_portal.rules.vesting import AssumedVesting


@cache
def known_time_zones() -> frozenset[str]:
    """The zones of the system's database, read once: listing them walks the whole zoneinfo tree."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(f"{value!r} is not a known time zone (for example America/Los_Angeles).")


def validate_countries(value: str) -> None:
    for code in value.split(","):
        if not (len(code.strip()) == 2 and code.strip().isalpha() and code.strip().isupper()):
            raise ValidationError(f"{code.strip()!r} is not a two-letter country code (ISO 3166-1, e.g. US).")


def validate_award_by_country(value: Any) -> None:
    """A mapping of work country (two letters) to the award its employees receive instead."""
    if not isinstance(value, dict):
        raise ValidationError('Awards by country are a mapping of country code to award, e.g. {"GB": "rsu"}.')
    for country, award in value.items():
        validate_countries(country)
        if award not in AwardType:
            choices = ", ".join(repr(choice.value) for choice in AwardType)
            raise ValidationError(f"{country}: {award!r} is not an award type (one of {choices}).")


def validate_contacts(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, dict) and item.get("name") for item in value):
        raise ValidationError('Contacts are a list of {"name", "phone", "email"} entries, each with a name.')


class PlanManager(models.Manager["Plan"]):
    def get_by_natural_key(self, name: str) -> Plan:
        return self.get(name=name)


class Plan(models.Model):
    """A stock option plan under which grants were made (2000 Stock Option Plan, ...)."""

    name = models.CharField(max_length=200, unique=True)

    objects = PlanManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


#: The highest yearly volatility an offer may assume: 500% (5.0), far beyond any listed stock's.
MAX_VOLATILITY = Decimal(5)
#: The highest yearly risk-free rate an offer may assume: 25% (0.25). Negative rates are refused: the
#: Compare page's model does not need them for a US offer.
MAX_RISK_FREE_RATE = Decimal("0.25")


class OfferPhase(enum.StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    EXPIRED = "expired"  # past the deadline, not yet closed by the administrator
    CLOSED = "closed"


class OfferManager(models.Manager["Offer"]):
    def get_by_natural_key(self, slug: str) -> Offer:
        return self.get(slug=slug)


class Offer(models.Model):
    """One exchange offer. Every date, ratio and price of the offer is a field here, never code."""

    class PricingBasisChoice(models.TextChoices):
        CLOSE_BEFORE_GRANT_DATE = (
            PricingBasis.CLOSE_BEFORE_GRANT_DATE.value,
            "Closing price on the last trading day before the new grant date",
        )
        FMV_ON_GRANT_DATE = PricingBasis.FMV_ON_GRANT_DATE.value, "Fair market value on the new grant date"

    class RoundingChoice(models.TextChoices):
        UP = Rounding.UP.value, "Up to a whole share"
        DOWN = Rounding.DOWN.value, "Down to a whole share"
        NEAREST = Rounding.NEAREST.value, "To the nearest whole share, a half rounding up"

    class OptionType(models.TextChoices):
        NSO = "NSO", "Non-qualified stock option (NSO)"
        ISO = "ISO", "Incentive stock option (ISO)"

    class AwardTypeChoice(models.TextChoices):
        OPTION = AwardType.OPTION.value, "New stock options"
        RSU = AwardType.RSU.value, "Restricted stock units (RSUs)"

    class GrantDateRuleChoice(models.TextChoices):
        AFTER_GAP = GrantDateRule.AFTER_GAP.value, "The first business day after the gap"
        AT_CLOSE = GrantDateRule.AT_CLOSE.value, "At the close, on the expiration date"

    class RatioStageChoice(models.TextChoices):
        PRELIMINARY = RatioStage.PRELIMINARY.value, "Preliminary"
        FINAL = RatioStage.FINAL.value, "Final"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    company_name = models.CharField(max_length=200)

    opens_at = models.DateTimeField(help_text="When employees may start to elect.")
    expires_at = models.DateTimeField(
        help_text="The deadline: an election counts only if received before it."
    )
    original_expires_at = models.DateTimeField(
        help_text="The deadline first announced, before any extension."
    )
    time_zone = models.CharField(
        max_length=64, default="America/Los_Angeles", validators=[validate_time_zone]
    )

    eligible_countries = models.CharField(
        max_length=200, default="US", validators=[validate_countries], help_text="Comma-separated ISO codes."
    )
    hire_cutoff_date = models.DateField()
    hire_cutoff_inclusive = models.BooleanField(
        default=False,
        help_text="Off: hired strictly before the cut-off date (the presentation). "
        "On: hired on or before it (the Offer to Exchange).",
    )
    price_threshold = models.DecimalField(max_digits=12, decimal_places=4, validators=[MinValueValidator(0)])
    price_threshold_inclusive = models.BooleanField(
        default=True,
        help_text="On: an exercise price equal to the threshold is eligible (the presentation, 'or higher'). "
        "Off: only prices above it (the Offer to Exchange).",
    )
    lookback_start = models.DateField(
        null=True, blank=True, help_text="First grant date of the lookback window (inclusive)."
    )
    lookback_end = models.DateField(
        null=True,
        blank=True,
        help_text="Last grant date of the lookback window (inclusive); empty means no end.",
    )
    covered_plans = models.ManyToManyField(
        Plan, related_name="offers", blank=True, help_text="Old plans whose grants may be tendered."
    )

    exchange_ratio = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0.000001")), MaxValueValidator(1)],
        help_text="New shares per tendered share, rounded per grant; the ratio at every price when the "
        "offer has no price bands.",
    )
    rounding = models.CharField(
        max_length=8,
        choices=RoundingChoice.choices,
        default=RoundingChoice.UP,
        help_text="How each grant's new shares are rounded to a whole share.",
    )
    ratio_stage = models.CharField(
        max_length=12,
        choices=RatioStageChoice.choices,
        default=RatioStageChoice.FINAL,
        help_text="Preliminary ratios are announced and may still change; final ones are those the "
        "exchange is made at.",
    )
    ratios_set_at = models.DateTimeField(
        null=True, blank=True, help_text="When the ratios were last set from value in the console."
    )
    award_type = models.CharField(
        max_length=8,
        choices=AwardTypeChoice.choices,
        default=AwardTypeChoice.OPTION,
        help_text="What employees receive for tendered options, unless their work country receives another "
        "award.",
    )
    award_by_country = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_award_by_country],
        help_text='Work countries whose employees receive another award, e.g. {"GB": "rsu"}.',
    )
    grant_date_rule = models.CharField(
        max_length=12,
        choices=GrantDateRuleChoice.choices,
        default=GrantDateRuleChoice.AFTER_GAP,
        help_text="When the new award is granted: after the gap below, or at the close.",
    )
    new_grant_delay_months = models.PositiveSmallIntegerField(default=6)
    new_grant_delay_days = models.PositiveSmallIntegerField(default=1)
    pricing_basis = models.CharField(
        max_length=32, choices=PricingBasisChoice.choices, default=PricingBasisChoice.CLOSE_BEFORE_GRANT_DATE
    )
    new_exercise_price = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Entered by the administrator once the pricing date's price is known.",
    )
    new_option_type = models.CharField(max_length=3, choices=OptionType.choices, default=OptionType.NSO)
    new_option_plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The plan the new options are granted under.",
    )
    new_term_years = models.PositiveSmallIntegerField(default=10)
    vesting_cliff_months = models.PositiveSmallIntegerField(default=6)
    vesting_cliff_fraction = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.5"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of the new option that vests at the cliff (0.5 = 50%).",
    )
    vesting_monthly_installments = models.PositiveSmallIntegerField(default=24)

    contacts = models.JSONField(default=list, blank=True, validators=[validate_contacts])
    # Decision support (slides 11 and 15): illustrations for the Compare page, not terms of the offer.
    reference_price = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text="The share price used to illustrate the new options' exercise price; the real price "
        "is set on the new grant date.",
    )
    volatility = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(MAX_VOLATILITY)],
        help_text="Yearly volatility of the share price as a fraction (0.80 = 80%), the administrator's "
        "assumption for the band around the growth paths.",
    )
    risk_free_rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_RISK_FREE_RATE)],
        help_text="Yearly risk-free interest rate as a fraction (0.04 = 4%), continuously compounded: the "
        "administrator's assumption for the options' model values on the Compare page.",
    )
    # The current grants' vesting schedule, which the census does not hold: the administrator's assumption
    # for what keeping would have vested during the gap. All three are set or none is.
    current_vesting_cliff_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_CLIFF_MONTHS)],
        help_text="Months from a current grant's grant date to its first vesting (the cliff), as assumed.",
    )
    current_vesting_cliff_fraction = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of a current grant assumed to vest at the cliff (0.25 = 25%).",
    )
    current_vesting_installments = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_INSTALLMENTS)],
        help_text="Equal monthly parts in which the rest of a current grant is assumed to vest after "
        "the cliff.",
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the administrator closed the offer."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OfferManager()

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("opens_at")), name="offer_expires_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(original_expires_at__gt=F("opens_at")), name="offer_original_expiry_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(exchange_ratio__gt=0) & Q(exchange_ratio__lte=1), name="offer_ratio_in_range"
            ),
            models.CheckConstraint(
                condition=Q(lookback_end__isnull=True) | Q(lookback_end__gte=F("lookback_start")),
                name="offer_lookback_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(lookback_end__isnull=True) | Q(lookback_start__isnull=False),
                name="offer_lookback_end_needs_start",
            ),
            models.CheckConstraint(
                condition=Q(reference_price__isnull=True) | Q(reference_price__gt=0),
                name="offer_reference_price_positive",
            ),
            models.CheckConstraint(
                condition=Q(volatility__isnull=True)
                | (Q(volatility__gt=0) & Q(volatility__lte=MAX_VOLATILITY)),
                name="offer_volatility_in_range",
            ),
            models.CheckConstraint(
                condition=Q(risk_free_rate__isnull=True)
                | (Q(risk_free_rate__gte=0) & Q(risk_free_rate__lte=MAX_RISK_FREE_RATE)),
                name="offer_risk_free_rate_in_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    current_vesting_cliff_months__isnull=True,
                    current_vesting_cliff_fraction__isnull=True,
                    current_vesting_installments__isnull=True,
                )
                | Q(
                    current_vesting_cliff_months__isnull=False,
                    current_vesting_cliff_fraction__isnull=False,
                    current_vesting_installments__isnull=False,
                    current_vesting_cliff_months__gte=0,
                    current_vesting_cliff_months__lte=MAX_CLIFF_MONTHS,
                    current_vesting_cliff_fraction__gte=0,
                    current_vesting_cliff_fraction__lte=1,
                    current_vesting_installments__gte=0,
                    current_vesting_installments__lte=MAX_INSTALLMENTS,
                ),
                name="offer_current_vesting_all_or_none_in_range",
            ),
            models.CheckConstraint(
                condition=Q(current_vesting_installments__isnull=True)
                | ~Q(current_vesting_installments=0)
                | Q(current_vesting_cliff_fraction=1),
                name="offer_current_vesting_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def clean(self) -> None:
        if self.opens_at and self.expires_at and self.expires_at <= self.opens_at:
            raise ValidationError({"expires_at": "The deadline must be after the opening."})
        if self.lookback_end and not self.lookback_start:
            raise ValidationError({"lookback_start": "A lookback window with an end needs a start."})
        if self.lookback_start and self.lookback_end and self.lookback_end < self.lookback_start:
            raise ValidationError({"lookback_end": "The lookback window must end on or after its start."})

    @property
    def current_grant_vesting(self) -> AssumedVesting | None:
        """The vesting schedule the administrator assumes for the current grants; None when not set."""
        months, fraction = self.current_vesting_cliff_months, self.current_vesting_cliff_fraction
        installments = self.current_vesting_installments
        if months is None or fraction is None or installments is None:
            return None
        return AssumedVesting(cliff_months=months, cliff_fraction=fraction, installments=installments)

    @cached_property
    def terms(self) -> OfferTerms:
        from soxp_portal.offers.adapters import offer_terms

        return offer_terms(self)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        """Reloads the row and forgets the terms read from the old one (a deadline may have moved)."""
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("terms", None)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def was_extended(self) -> bool:
        return self.expires_at != self.original_expires_at

    def phase(self, now: datetime | None = None) -> OfferPhase:
        if self.closed_at is not None:
            return OfferPhase.CLOSED
        return OfferPhase(window.phase(self.terms, now or timezone.now()).value)

    def cancellation_date(self) -> date:
        return window.cancellation_date(self.terms)

    def new_grant_date(self) -> date:
        return window.new_grant_date(self.terms)

    def pricing_date(self) -> date:
        return window.pricing_date(self.terms)


#: A band's ratio, new shares per tendered share, is at most this.
MAX_BAND_RATIO = Decimal(10)


class PriceBandManager(models.Manager["PriceBand"]):
    def get_by_natural_key(self, offer_slug: str, award_type: str, position: int) -> PriceBand:
        return self.get(offer__slug=offer_slug, award_type=award_type, position=position)


class PriceBand(models.Model):
    """One band of exercise prices of an offer and its ratio (issue 15; rules.terms.PriceBand).

    The ratio is stated as the offer states it, `ratio_new` new shares for `ratio_tendered` tendered
    ("1 for 1.88"), so that it is exact. Overlaps and gaps between bands are refused by the console's
    form and by the action, which see every band at once; the database holds each row's own limits.
    """

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="price_bands")
    position = models.PositiveSmallIntegerField(help_text="The band's place, lowest prices first.")
    lower = models.DecimalField(max_digits=12, decimal_places=4, validators=[MinValueValidator(0)])
    lower_inclusive = models.BooleanField(
        default=True, help_text="On: a price equal to the lower end is in the band ('or higher')."
    )
    upper = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, help_text="Empty: no top ('and above')."
    )
    upper_inclusive = models.BooleanField(
        default=False, help_text="On: a price equal to the upper end is in the band ('up to')."
    )
    ratio_new = models.DecimalField(
        max_digits=9, decimal_places=6, help_text="New shares for `ratio_tendered` tendered shares."
    )
    ratio_tendered = models.DecimalField(max_digits=9, decimal_places=6, default=Decimal(1))
    award_type = models.CharField(
        max_length=8,
        choices=Offer.AwardTypeChoice.choices,
        default=Offer.AwardTypeChoice.OPTION,
        help_text="The award this band's ratio gives; an offer granting two kinds states bands for each.",
    )
    # The new award's vesting for this band: all three set, or none (the offer's).
    vesting_cliff_months = models.PositiveSmallIntegerField(null=True, blank=True)
    vesting_cliff_fraction = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    vesting_monthly_installments = models.PositiveSmallIntegerField(null=True, blank=True)

    # A fixture's band is found again by its offer, award and place, so loading it twice updates it.
    objects = PriceBandManager()

    class Meta:
        ordering = ["offer", "award_type", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "award_type", "position"], name="priceband_unique_position"
            ),
            models.CheckConstraint(condition=Q(lower__gte=0), name="priceband_lower_not_negative"),
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(upper__gt=F("lower")), name="priceband_lower_below_upper"
            ),
            models.CheckConstraint(
                condition=Q(ratio_new__gt=0)
                & Q(ratio_tendered__gt=0)
                & Q(ratio_new__lte=F("ratio_tendered") * MAX_BAND_RATIO),
                name="priceband_ratio_in_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    vesting_cliff_months__isnull=True,
                    vesting_cliff_fraction__isnull=True,
                    vesting_monthly_installments__isnull=True,
                )
                | Q(
                    vesting_cliff_months__isnull=False,
                    vesting_cliff_fraction__isnull=False,
                    vesting_monthly_installments__isnull=False,
                ),
                name="priceband_vesting_all_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer.slug} {self.award_type} band {self.position}"

    def natural_key(self) -> tuple[str, str, int]:
        return (*self.offer.natural_key(), self.award_type, self.position)

    natural_key.dependencies = ["offers.offer"]  # type: ignore[attr-defined]


class Employee(models.Model):
    """One person of the census, linked to the login account they sign in with."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        LEAVE = "leave", "On leave"
        TERMINATED = "terminated", "Terminated"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employee", null=True, blank=True
    )
    employee_id = models.CharField(max_length=64, unique=True)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.EmailField(unique=True)
    hire_date = models.DateField()
    work_country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. US.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    termination_date = models.DateField(null=True, blank=True)
    is_executive_officer = models.BooleanField(default=False)
    is_director = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed: the latest change is half of the census digest every read of the stored verdicts checks.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["last_name", "first_name", "employee_id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="terminated") | Q(termination_date__isnull=False),
                name="employee_terminated_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.employee_id})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Grant(models.Model):
    """One stock option grant as the census reports it."""

    class OptionType(models.TextChoices):
        ISO = "ISO", "Incentive stock option (ISO)"
        NSO = "NSO", "Non-qualified stock option (NSO)"

    grant_id = models.CharField(max_length=64, unique=True)
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="grants")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="grants")
    option_type = models.CharField(max_length=3, choices=OptionType.choices)
    grant_date = models.DateField()
    shares_granted = models.PositiveIntegerField()
    shares_exercised = models.PositiveIntegerField(default=0)
    shares_cancelled = models.PositiveIntegerField(default=0)
    exercise_price = models.DecimalField(max_digits=12, decimal_places=4, validators=[MinValueValidator(0)])
    expiration_date = models.DateField()
    performance_condition = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed: the latest change is half of the census digest every read of the stored verdicts checks.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["grant_date", "grant_id"]
        constraints = [
            models.CheckConstraint(condition=Q(shares_granted__gt=0), name="grant_shares_granted_positive"),
            models.CheckConstraint(
                condition=Q(shares_exercised__gte=0) & Q(shares_cancelled__gte=0),
                name="grant_shares_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(shares_granted__gte=F("shares_exercised") + F("shares_cancelled")),
                name="grant_exercised_and_cancelled_within_granted",
            ),
            models.CheckConstraint(condition=Q(exercise_price__gte=0), name="grant_price_not_negative"),
            models.CheckConstraint(
                condition=Q(expiration_date__gt=F("grant_date")), name="grant_expires_after_grant_date"
            ),
        ]

    def __str__(self) -> str:
        return self.grant_id

    @property
    def outstanding_shares(self) -> int:
        return self.shares_granted - self.shares_exercised - self.shares_cancelled


class TenderableHolding(models.Model):
    """An employee's grants that may be tendered in one offer, judged when the census or the terms last
    changed (``offers/verdicts.py``): how many, and their outstanding shares.

    A row exists only for an employee who meets every requirement but employment and holds at least one
    grant that may be tendered. Employment is the one requirement that depends on the day, so it is not
    stored: a reader applies the day from the employee's termination date (``adapters.employed_on``).
    """

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    grants = models.PositiveIntegerField()
    shares = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offer", "employee"], name="tenderable_holding_once_per_offer"),
            models.CheckConstraint(condition=Q(grants__gt=0), name="tenderable_holding_has_grants"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} in offer {self.offer_id}: {self.grants} grant(s), {self.shares} shares"


class JudgedCensus(models.Model):
    """What an offer's stored verdicts (``TenderableHolding``) were judged from: digests of the offer's
    terms and of the census (its counts and latest changes) as they stood. The verdicts are read only
    while both digests still match; any other change is judged again first."""

    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, primary_key=True, related_name="+")
    terms_digest = models.CharField(max_length=64)
    census_digest = models.CharField(max_length=64)
    judged_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Census judged for offer {self.offer_id} at {self.judged_at:%Y-%m-%d %H:%M:%S} UTC"


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Refuses bulk updates and deletes: history rows are written once and kept."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{self.model.__name__} rows are append-only and cannot be updated.")

    def delete(self) -> NoReturn:
        raise TypeError(f"{self.model.__name__} rows are append-only and cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{type(self).__name__} rows are append-only and cannot be deleted.")


class Election(AppendOnlyModel):
    """One version of an employee's election in an offer. The version in force is the last one
    received before the deadline: the latest version that took effect.

    A new election replaces the one in force (a modification) and a withdrawal returns the employee
    to "not participating"; both are new rows, so the history is never rewritten. A paper form keyed
    in after a version that was received later than it is kept as evidence and never takes effect.
    """

    class Kind(models.TextChoices):
        ELECTION = "election", "Election to exchange"
        WITHDRAWAL = "withdrawal", "Withdrawal"

    class Channel(models.TextChoices):
        WEB = "web", "Online"
        FAX = "fax", "Fax"
        HAND = "hand", "By hand"

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="elections")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="elections")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    received_at = models.DateTimeField(
        help_text="Server time the election was received (for paper: the fax's time)."
    )
    recorded_at = models.DateTimeField(help_text="Server time the election was entered in the portal.")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmation_number = models.CharField(max_length=32, unique=True)
    signature = models.CharField(max_length=300, blank=True, help_text="The full name the employee typed.")
    submission_token = models.UUIDField(
        null=True,
        blank=True,
        help_text="Sent with the form; a second post of the same form is the same election.",
    )
    takes_effect = models.BooleanField(
        default=True,
        help_text=(
            "False for a paper form received before a version already on record: the last election "
            "received governs, so it is kept as evidence and is never in force."
        ),
    )

    class Meta:
        ordering = ["offer", "employee", "version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(fields=["offer", "employee", "version"], name="election_version_unique"),
            models.UniqueConstraint(
                fields=["employee", "submission_token"], name="election_submission_token_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="election_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.confirmation_number}: {self.get_kind_display()} v{self.version} by {self.employee}"

    @property
    def is_on_behalf(self) -> bool:
        return self.channel != self.Channel.WEB

    @property
    def is_participating(self) -> bool:
        return self.kind == self.Kind.ELECTION


class TenderedGrant(AppendOnlyModel):
    """A grant tendered in one election version, with what it would yield, as it stood then."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="tendered_grants")
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="+")
    shares_tendered = models.PositiveIntegerField()
    new_shares = models.PositiveIntegerField()

    class Meta:
        ordering = ["election", "grant__grant_date", "grant__grant_id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "grant"], name="tendered_grant_once_per_election"),
            models.CheckConstraint(condition=Q(shares_tendered__gt=0), name="tendered_shares_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.grant_id}: {self.shares_tendered} -> {self.new_shares}"


class ConfirmationEmail(models.Model):
    """The confirmation email an election version is owed: an outbox row, written in the election's own
    transaction, so an election never exists without it and a rolled-back one never owes one.

    The task worker delivers it (``offers.confirmations``). A row is *owed* while it has neither been
    sent nor given up; it is *due* once ``next_attempt_at`` has passed. A worker that claims it moves
    ``next_attempt_at`` to the end of its lease, so a worker that dies leaves it due again later; a
    failed attempt moves it to the retry's time. After the last attempt it is *failed*: shown to the
    administrator on the employee's page, who may send it again.
    """

    election = models.OneToOneField(
        Election, on_delete=models.PROTECT, primary_key=True, related_name="confirmation_email"
    )
    owed_since = models.DateTimeField(help_text="When the election was recorded (server clock).")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Attempts claimed by a worker so far.")
    next_attempt_at = models.DateTimeField(
        help_text="Due from this time: the retry's time after a failure, the lease's end while claimed."
    )
    last_error = models.TextField(blank=True, help_text="Why the last attempt failed; empty once sent.")
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last attempt failed and the worker gave up."
    )

    class Meta:
        ordering = ["owed_since", "pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="confirmation_owed_due",
            ),
            models.Index(
                fields=["failed_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=False),
                name="confirmation_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"Confirmation email of {self.election_id}: {self.state}"

    @property
    def state(self) -> str:
        """ "sent", "failed" or "owed"."""
        if self.sent_at is not None:
            return "sent"
        return "failed" if self.failed_at is not None else "owed"


class Announcement(models.Model):
    """A notice shown to employees on the portal's home page, such as an extension of the deadline."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(max_length=200)
    body = models.TextField()
    published_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title


def offer_document_path(document: OfferDocument, filename: str) -> str:
    return f"offers/{document.offer.slug}/{filename}"


class OfferDocument(models.Model):
    """A document of the offer that employees read: the Offer to Exchange, the presentation, forms."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=offer_document_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class RatioSetting(AppendOnlyModel):
    """One setting of an offer's band ratios from value (``offers.actions.set_band_ratios``), kept as the
    record of what was assumed and how each ratio was worked out: the valuation inputs, each band's
    Black-Scholes working, the ratios before and after and the stage. Written once, never changed."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="ratio_settings")
    stage = models.CharField(max_length=12, choices=Offer.RatioStageChoice.choices)
    stage_before = models.CharField(max_length=12, choices=Offer.RatioStageChoice.choices)
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField(help_text="The valuation inputs, decimals as strings.")
    working = models.JSONField(help_text="Each band's working: representative price, d1, d2, values, ratio.")
    bands_before = models.JSONField()
    bands_after = models.JSONField()
    announcement = models.OneToOneField(
        Announcement, on_delete=models.PROTECT, null=True, blank=True, related_name="ratio_setting"
    )

    class Meta:
        ordering = ["offer", "set_at", "pk"]
        get_latest_by = "set_at"

    def __str__(self) -> str:
        return f"{self.offer.slug}: {self.stage} ratios set {self.set_at:%Y-%m-%d %H:%M} UTC"


class RatioChangeEmail(models.Model):
    """The email an employee is owed when a ratio setting changes what their election in force gives
    (an outbox row, written in the setting's own transaction), with the figures it states: each tendered
    grant's new shares before and after, and the totals. ``offers.ratio_emails`` delivers it."""

    setting = models.ForeignKey(RatioSetting, on_delete=models.PROTECT, related_name="emails")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="+")
    figures = models.JSONField(help_text="Per grant: id, price, tendered, new before and after; totals.")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        help_text="Due from this time: the retry's time after a failure, the lease's end while claimed."
    )
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["setting", "employee"]
        constraints = [
            models.UniqueConstraint(fields=["setting", "employee"], name="ratio_email_once_per_setting"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(sent_at__isnull=True), name="ratio_email_owed"
            ),
        ]

    def __str__(self) -> str:
        return f"Ratio change email to {self.employee_id} ({'sent' if self.sent_at else 'owed'})"
