"""The list of exports the console offers, each with when it becomes available and why not before.

An export is available once the step that produces its rows has been taken; until then the exports
page says which step is missing, in the administrator's words, and the download is refused with the
same sentence. Availability is decided here, once, for the page and the download alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from soxp_portal.closing.exports import tables
from soxp_portal.closing.exports.summary import summary_table
from soxp_portal.closing.exports.writers import Table
from soxp_portal.closing.models import Closing
from soxp_portal.offers.models import Offer
from soxp_portal.rules.terms import AwardType, GrantDateRule
from soxp_portal.rules.wording import format_date, format_instant

TABULAR = ("csv", "xlsx")


@dataclass(frozen=True)
class Situation:
    """What the exports depend on: the offer, its close so far (None before step 1), and the time."""

    offer: Offer
    closing: Closing | None
    now: datetime

    @property
    def is_past_deadline(self) -> bool:
        return self.now >= self.offer.expires_at

    @property
    def is_accepted(self) -> bool:
        return self.closing is not None and self.closing.accepted_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.closing is not None and self.closing.cancelled_at is not None

    @property
    def has_new_grants(self) -> bool:
        return self.closing is not None and self.closing.new_grants_created_at is not None


def _not_before_deadline(situation: Situation) -> str | None:
    if situation.is_past_deadline:
        return None
    deadline = format_instant(situation.offer.expires_at, situation.offer.zone)
    return f"Elections are final only after the deadline, {deadline}; until then employees may change them."


def _not_before_acceptance(situation: Situation) -> str | None:
    if situation.is_accepted:
        return None
    return "The final figures exist once the tenders are accepted (the first step of the close)."


def _not_before_cancellation(situation: Situation) -> str | None:
    if situation.is_cancelled:
        return None
    return (
        "Nothing is cancelled yet: this is ready once the tendered grants are cancelled "
        "(the second step of the close)."
    )


def _grants_rsus(situation: Situation) -> bool:
    return AwardType.RSU in situation.offer.terms.award_types


def _not_before_new_grants(situation: Situation) -> str | None:
    if situation.has_new_grants:
        return None
    day = format_date(situation.offer.new_grant_date())
    if _grants_rsus(situation) or situation.offer.terms.grant_date_rule is GrantDateRule.AT_CLOSE:
        what = "new awards" if _grants_rsus(situation) else "new options"
        return f"The {what} are granted on {day}; this is ready once they are made (step 3 of the close)."
    return f"The new options are granted on {day}; this is ready once they are made (the close's last step)."


def _always(situation: Situation) -> str | None:
    return None


@dataclass(frozen=True)
class Export:
    """One export: its URL key, what it is, its formats, and why it is not available yet (or None)."""

    key: str
    title: str
    description: str
    formats: tuple[str, ...]
    unavailable: Callable[[Situation], str | None]
    table: Callable[[Situation], Table] | None = None
    note: Callable[[Situation], str] | None = None
    #: The file states the new options' exercise price: downloading it once they are made makes the
    #: price final (``closing.queries.price_correction``).
    carries_exercise_price: bool = False
    #: The description for an offer granting RSUs (issue 15); "" where `description` fits every offer.
    rsu_description: str = ""

    def describe(self, situation: Situation) -> str:
        """What the file holds, for this offer: its RSU wording when it grants RSUs."""
        if self.rsu_description and _grants_rsus(situation):
            return self.rsu_description
        return self.description


def _eligibility_note(situation: Situation) -> str:
    if not situation.is_cancelled:
        return ""
    return (
        "The census now shows the cancelled grants with no outstanding shares; the summary gives the "
        "eligible figures as they stood at expiration."
    )


def _ocf_note(situation: Situation) -> str:
    if situation.has_new_grants:
        return "Holds the cancellations and the new grants."
    return "Holds the cancellations only for now; the new grants are added once they are made."


EXPORTS: tuple[Export, ...] = (
    Export(
        "eligibility",
        "Eligibility report",
        "One row per grant of every employee: eligible or not, required (lookback), outstanding shares, "
        "new shares if exchanged, and the reason in words.",
        TABULAR,
        _always,
        lambda s: tables.eligibility_table(s.offer, now=s.now),
        _eligibility_note,
    ),
    Export(
        "elections",
        "Final elections",
        "Each employee's election in force: kind, channel, time received (UTC and the offer's time), "
        "confirmation number, version, and the grants and shares tendered.",
        TABULAR,
        _not_before_deadline,
        lambda s: tables.elections_table(s.offer),
    ),
    Export(
        "summary",
        "Summary for the final report",
        "The figures of the final amendment: eligible holders and options, participants, options "
        "tendered, accepted and not accepted, new options promised, forfeited and granted, and the net "
        "reduction of options outstanding.",
        TABULAR,
        _not_before_acceptance,
        lambda s: summary_table(s.offer, s.closing),  # type: ignore[arg-type]
        carries_exercise_price=True,
        rsu_description="The figures of the final amendment: eligible holders and options, participants, "
        "options tendered, accepted and not accepted, new options and RSUs promised, forfeited and granted "
        "(options and RSUs apart), and the net reduction of options outstanding.",
    ),
    Export(
        "cancellations",
        "Cancellations",
        "Every grant accepted for exchange, with the shares cancelled and the cancellation date: to "
        "cancel them in the stock plan system.",
        TABULAR,
        _not_before_cancellation,
        lambda s: tables.cancellations_table(s.offer, s.closing),  # type: ignore[arg-type]
        rsu_description="Every grant accepted for exchange, with the shares cancelled, the cancellation "
        "date and the security type of its new award (option or RSU): to cancel them in the stock plan "
        "system.",
    ),
    Export(
        "new-grants",
        "New grants",
        "Every new option: grant id, holder, plan, NSO, grant date, shares, exercise price, expiration, "
        "performance condition, the grant it replaces, and the outline of its vesting.",
        TABULAR,
        _not_before_new_grants,
        lambda s: tables.new_grants_table(s.offer),
        carries_exercise_price=True,
        rsu_description="Every new award: grant id, holder, plan, security type (option or RSU), grant "
        "date, shares or units, and for an option its type, exercise price and expiration (an RSU has "
        "none), the performance condition, the grant it replaces, and the outline of its vesting (its price "
        "band's).",
    ),
    Export(
        "vesting",
        "Vesting of the new grants",
        "One row per vesting event of every new option (grant id, date, shares, cumulative shares): the "
        "schedule file a stock plan system loads beside the new grants.",
        TABULAR,
        _not_before_new_grants,
        lambda s: tables.vesting_table(s.offer),
        rsu_description="One row per vesting event of every new option and RSU award (grant id, date, "
        "shares or units, cumulative): the schedule file a stock plan system loads beside the new grants.",
    ),
    Export(
        "ocf-transactions",
        "Open Cap Format transactions",
        "The close-out for a cap table system: an OCF transactions file with an equity compensation "
        "cancellation per cancelled grant and an issuance per new option.",
        ("json",),
        _not_before_cancellation,
        note=_ocf_note,
        carries_exercise_price=True,
        rsu_description="The close-out for a cap table system: an OCF transactions file with an equity "
        "compensation cancellation per cancelled grant and an issuance per new award (compensation type "
        "RSU, without exercise price or expiration, for RSUs).",
    ),
    Export(
        "ocf-vesting-terms",
        "Open Cap Format vesting terms",
        "The new options' vesting terms (cliff, then monthly), which the OCF issuances refer to.",
        ("json",),
        _not_before_new_grants,
        rsu_description="The new awards' vesting terms (cliff, then monthly; one per distinct vesting, "
        "price bands may have their own), which the OCF issuances refer to.",
    ),
)
EXPORTS_BY_KEY = {export.key: export for export in EXPORTS}
#: The exports whose download makes the new options' exercise price final.
PRICE_EXPORTS = frozenset(export.key for export in EXPORTS if export.carries_exercise_price)
