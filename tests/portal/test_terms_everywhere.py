"""Every term of an offer, changed, changes every page, email and PDF that states it (issue 10).

The terms are data: nothing of one offer is written in code or templates. Each case changes one term of
soxp-2003, the offer the slide 9 employee is in, makes an election under it (so that the Election Form
and its confirmation email are of the changed offer), and reads every place an employee meets the
terms: the overview, My options (and a grant's every vesting date there), Compare, the election and review pages, How the exchange works and
its PDF, the Election Form, the confirmation email and the reminder email.

Each case says what each place that states the term says before the change and after it, and what
must be gone from every place after it: a term written into a template, or computed beside the rules,
would stay behind and fail the case.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from soxp_portal.documents.elections import election_document, render_document
from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.models import Election, Employee, Offer, Plan
from soxp_portal.offers.queries import employee_status, offer_summary
from soxp_portal.offers.reminders import reminder_message
from soxp_portal.offers.tasks import confirmation_message, contact_lines
from tests.documents.pdf_text import pdf_text
from tests.portal.conftest import url

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    words = re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&amp;", "&").replace("&quot;", '"')
    return " ".join(words.split())


def folded(text: str) -> str:
    return " ".join(text.split())


def read_everything(client: Client, employee: Employee) -> dict[str, str]:
    """Every place the employee meets the offer's terms, as text, after an election tendering every
    eligible grant under the offer as it now stands."""
    offer = Offer.objects.get(slug="soxp-2003")
    status = employee_status(offer, employee, now=timezone.now())
    tendered = {item.grant.grant_id: item.grant.outstanding_shares for item in status.eligible_grants}
    version = Election.objects.filter(offer=offer, employee=employee).count()
    election = submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=version,
        submission_token=uuid.uuid4(),
    )
    document = election_document(election)
    form = render_document(document)
    email = confirmation_message(election, document, form)
    context = {"summary": offer_summary(offer), "contacts": contact_lines(offer)}
    reminder = reminder_message(offer, employee, portal_url="https://portal.example.com/", context=context)
    choices = {f"tender-{grant_id}": str(shares) for grant_id, shares in tendered.items()}
    review = client.post(url("elect", offer), {**choices, "expected_version": version + 1})
    assert review.status_code == 200, "the review of a valid election"

    def page(name: str, query: str = "") -> str:
        response = client.get(url(name, offer) + query)
        assert response.status_code == 200
        return visible_text(response.content.decode())

    return {
        "overview": page("offer"),
        "my options": page("grants"),
        "my options, every vesting date of G-1001": page("grants", "?vesting=G-1001"),
        "compare": page("compare"),
        "election": page("elect"),
        "review": visible_text(review.content.decode()),
        "how it works": page("how-it-works"),
        "how it works PDF": pdf_text(client.get(url("how-it-works-pdf", offer)).content),
        "election form PDF": pdf_text(form),
        "confirmation email": folded(f"{email.subject} {email.body}"),
        "reminder email": folded(f"{reminder.subject} {reminder.body}"),
    }


HOW_IT_WORKS = ("how it works", "how it works PDF")


def fields(**values: Any) -> Callable[[Offer], None]:
    def change(offer: Offer) -> None:
        Offer.objects.filter(pk=offer.pk).update(**values)

    return change


def both(before: str, after: str, *surfaces: str) -> dict[str, tuple[str, str]]:
    """The same words before and after in each of `surfaces`."""
    return dict.fromkeys(surfaces, (before, after))


@dataclass(frozen=True)
class TermChange:
    """One term changed: what each place that states it says before and after, and what must be gone."""

    term: str
    change: Callable[[Offer], None]
    stated: dict[str, tuple[str, str]]
    gone: tuple[str, ...] = field(default=())


CASES = [
    TermChange(
        "exchange ratio",
        fields(exchange_ratio=Decimal("0.5")),
        {
            "overview": ("0.75 new share per share tendered", "0.5 new share per share tendered"),
            "my options": ("Exchange ratio 0.75,", "Exchange ratio 0.5,"),
            "election": (
                "1,000 shares outstanding → 750 new shares",
                "1,000 shares outstanding → 500 new shares",
            ),
            "review": ("Total 2,300 1,725", "Total 2,300 1,150"),
            **both("0.75 of a new share (75%)", "0.5 of a new share (50%)", *HOW_IT_WORKS),
            "election form PDF": ("Total 2,300 1,725", "Total 2,300 1,150"),
            "confirmation email": (
                "2,300 shares tendered -> 1,725 new shares",
                "2,300 shares tendered -> 1,150 new shares",
            ),
        },
        gone=("0.75", "1,725"),
    ),
    TermChange(
        "price threshold and its reading",
        fields(price_threshold=Decimal("2.00"), price_threshold_inclusive=False),
        {
            "my options": (
                "Exercise price $2.18 is below the $3.01 threshold.",
                "Exercise price $2.18 is above the $2.00 threshold.",
            ),
            "review": ("You keep, unchanged: G-1003.", "Total 2,800 2,100"),
            **both(
                "exercise price is $3.01 or higher: a grant priced at exactly $3.01 is eligible",
                "exercise price is above $2.00: a grant priced at exactly $2.00 is not eligible",
                *HOW_IT_WORKS,
            ),
            "election form PDF": ("Total 2,300 1,725", "Total 2,800 2,100"),
            "confirmation email": (
                "2,300 shares tendered -> 1,725 new shares",
                "2,800 shares tendered -> 2,100 new shares",
            ),
        },
        gone=("$3.01", "or higher", "at or above"),
    ),
    TermChange(
        "hire cut-off and its reading",
        fields(hire_cutoff_date=date(2002, 12, 31), hire_cutoff_inclusive=True),
        both(
            "hired before December 19, 2002: someone hired on December 19, 2002 itself may not take part",
            "hired on or before December 31, 2002: someone hired on December 31, 2002 itself may take part",
            *HOW_IT_WORKS,
        ),
        gone=("December 19, 2002 itself", "itself may not take part", "hired before"),
    ),
    TermChange(
        "lookback window",
        fields(lookback_start=date(2002, 5, 1), lookback_end=None),
        both(
            "lookback window (June 19, 2002 to December 19, 2002)",
            "lookback window (on or after May 1, 2002)",
            "my options",
            "election",
            *HOW_IT_WORKS,
            "election form PDF",
        ),
        gone=("June 19, 2002",),
    ),
    TermChange(
        "no lookback rule",
        fields(lookback_start=None, lookback_end=None),
        {
            "my options": ("in the lookback window", "Exercise price $0.40 is below the $3.01 threshold."),
            **both("must all be tendered too", "This offer has no lookback rule", *HOW_IT_WORKS),
            "election form PDF": ("Total 2,300 1,725", "Total 1,800 1,350"),
            "confirmation email": ("G-1004 (lookback)", "1,800 shares tendered -> 1,350 new shares"),
        },
        gone=("lookback window", "(lookback)", "LOOKBACK"),
    ),
    TermChange(
        "deadline",
        fields(
            expires_at=datetime(2003, 1, 25, 5, 0, tzinfo=UTC),
            original_expires_at=datetime(2003, 1, 25, 5, 0, tzinfo=UTC),
        ),
        {
            "overview": (
                "Deadline: January 20, 2003 at 9:00 PM PST",
                "Deadline: January 24, 2003 at 9:00 PM PST",
            ),
            "my options": ("expected on July 21, 2003", "expected on July 25, 2003"),
            "compare": ("(expected to be July 18, 2003)", "(expected to be July 24, 2003)"),
            "election": (
                "Deadline: January 20, 2003 at 9:00 PM PST",
                "Deadline: January 24, 2003 at 9:00 PM PST",
            ),
            "review": (
                "Deadline: January 20, 2003 at 9:00 PM PST",
                "Deadline: January 24, 2003 at 9:00 PM PST",
            ),
            **both(
                "before January 20, 2003 at 9:00 PM PST",
                "before January 24, 2003 at 9:00 PM PST",
                *HOW_IT_WORKS,
            ),
            "election form PDF": ("July 21, 2003 (expected)", "July 25, 2003 (expected)"),
            "confirmation email": (
                "the deadline, January 20, 2003 at 9:00 PM PST",
                "the deadline, January 24, 2003 at 9:00 PM PST",
            ),
            "reminder email": (
                "before January 20, 2003 at 9:00 PM PST",
                "before January 24, 2003 at 9:00 PM PST",
            ),
        },
        gone=("January 20, 2003", "July 21, 2003", "July 18, 2003", "January 21, 2004", "Jan 21, 2004"),
    ),
    TermChange(
        "time zone",
        fields(time_zone="America/New_York"),
        {
            **both(
                "Deadline: January 20, 2003 at 9:00 PM PST",
                "Deadline: January 21, 2003 at 12:00 AM EST",
                "overview",
                "election",
                "review",
            ),
            **both(
                "Deadline January 20, 2003 at 9:00 PM PST",
                "Deadline January 21, 2003 at 12:00 AM EST",
                "my options",
                "compare",
            ),
            **both(
                "before January 20, 2003 at 9:00 PM PST",
                "before January 21, 2003 at 12:00 AM EST",
                *HOW_IT_WORKS,
            ),
            "election form PDF": (
                "January 10, 2003 at 10:00:00 AM PST",
                "January 10, 2003 at 1:00:00 PM EST",
            ),
            "confirmation email": (
                "January 10, 2003 at 10:00:00 AM PST",
                "January 10, 2003 at 1:00:00 PM EST",
            ),
            "reminder email": (
                "before January 20, 2003 at 9:00 PM PST",
                "before January 21, 2003 at 12:00 AM EST",
            ),
        },
        gone=("PST", "January 20, 2003"),
    ),
    TermChange(
        "eligible countries",
        fields(eligible_countries="CA,US"),
        {
            "compare": (
                "employed in the United States then",
                "employed in a country the offer covers (CA, US) then",
            ),
            "review": (
                "employed in the United States on the new grant date",
                "employed in a country the offer covers (CA, US) on the new grant date",
            ),
            **both(
                "who work in the United States",
                "who work in a country the offer covers (CA, US)",
                *HOW_IT_WORKS,
            ),
            "election form PDF": (
                "Lantronix, Inc. in the United States on the new grant date",
                "Lantronix, Inc. in a country the offer covers (CA, US) on the new grant date",
            ),
        },
        gone=("United States",),
    ),
    TermChange(
        "company",
        fields(company_name="Acme Networks, Inc."),
        both(
            "Lantronix, Inc.",
            "Acme Networks, Inc.",
            "overview",
            "my options",
            "compare",
            "election",
            "review",
            *HOW_IT_WORKS,
            "election form PDF",
            "confirmation email",
            "reminder email",
        ),
        gone=("Lantronix",),
    ),
    TermChange(
        "opening",
        fields(opens_at=datetime(2002, 12, 20, 8, 0, tzinfo=UTC)),
        both("(December 19, 2002 at 12:00 AM PST)", "(December 20, 2002 at 12:00 AM PST)", *HOW_IT_WORKS),
        gone=("December 19, 2002 at 12:00 AM",),
    ),
    TermChange(
        "new grant delay",
        # January 20 + 7 months and 3 days is Saturday August 23, 2003: the next business day is the 25th.
        fields(new_grant_delay_months=7, new_grant_delay_days=3),
        {
            "overview": ("Expected new grant date July 21, 2003", "Expected new grant date August 25, 2003"),
            "my options": ("expected on July 21, 2003", "expected on August 25, 2003"),
            **both(
                "at least 6 months and 1 day",
                "at least 7 months and 3 days",
                "review",
                *HOW_IT_WORKS,
                "election form PDF",
            ),
            "confirmation email": ("granted on July 21, 2003", "granted on August 25, 2003"),
        },
        gone=("6 months and 1 day", "July 21, 2003"),
    ),
    TermChange(
        "pricing basis",
        fields(pricing_basis="fmv_on_grant_date"),
        {
            **both(
                "the closing price of the common stock on the last trading day before the new grant date",
                "the fair market value of the common stock on the new grant date",
                "my options",
                "compare",
                "review",
            ),
            **both(
                "closing price of Lantronix, Inc. common stock on the last trading day before the new grant date "
                "(expected July 18, 2003)",
                "fair market value of Lantronix, Inc. common stock on the new grant date (priced on July 21, 2003)",
                *HOW_IT_WORKS,
                "election form PDF",
            ),
        },
        gone=("closing price", "last trading day", "July 18, 2003"),
    ),
    TermChange(
        "vesting",
        fields(
            vesting_cliff_months=12, vesting_cliff_fraction=Decimal("0.25"), vesting_monthly_installments=36
        ),
        {
            "my options": (
                "300 on Jan 21, 2004, then 12 or 13 a month; all 600 by Jan 21, 2006",
                "150 on Jul 21, 2004, then 12 or 13 a month; all 600 by Jul 21, 2007",
            ),
            "my options, every vesting date of G-1001": (
                "Jan 21, 2004: 300 (total 300)",
                "Jul 21, 2004: 150 (total 150)",
            ),
            "review": (
                "50% vests 6 months after the new grant date; the rest vests in 24 equal monthly parts",
                "25% vests 12 months after the new grant date; the rest vests in 36 equal monthly parts",
            ),
            **both(
                "50% on the 6-month anniversary of the new grant date (January 21, 2004), then 50% in 24 equal "
                "monthly installments",
                "25% on the 12-month anniversary of the new grant date (July 21, 2004), then 75% in 36 equal "
                "monthly installments",
                *HOW_IT_WORKS,
                "election form PDF",
            ),
        },
        gone=(
            "6-month",
            "50% vests",
            "50% on the",
            "24 equal monthly",
            "January 21, 2004",
            "Jan 21, 2004",
            "vested on January 21, 2006",
        ),
    ),
    TermChange(
        "new option: type, plan and term",
        lambda offer: Offer.objects.filter(pk=offer.pk).update(
            new_option_type="ISO",
            new_option_plan=Plan.objects.get(name="1994 Non Statutory Option Plan"),
            new_term_years=7,
        ),
        {
            "my options": (
                "New options: Non-qualified stock option (NSO) under the 2000 Stock Option Plan, expiring 10 years",
                "New options: Incentive stock option (ISO) under the 1994 Non Statutory Option Plan, expiring 7 years",
            ),
            "review": (
                "non-qualified stock option (NSO) under the 2000 Stock Option Plan, expiring 10 years",
                "incentive stock option (ISO) under the 1994 Non Statutory Option Plan, expiring 7 years",
            ),
            **both(
                "Option type Non-qualified stock option (NSO)",
                "Option type Incentive stock option (ISO), granted under the 1994 Non Statutory Option Plan.",
                *HOW_IT_WORKS,
                "election form PDF",
            ),
        },
        gone=("on-qualified", "NSO", "10 years", "July 21, 2013"),
    ),
    TermChange(
        "old plans covered",
        lambda offer: offer.covered_plans.remove(
            Plan.objects.get(name="Premise Systems, Inc. 2001 Stock Plan")
        ),
        both(
            "Lightwave Communications, Inc. 2001 Stock Plan; Premise Systems, Inc. 2001 Stock Plan.",
            "1994 Non Statutory Option Plan; 2000 Stock Option Plan; Lightwave Communications, Inc. 2001 Stock Plan.",
            *HOW_IT_WORKS,
        ),
        gone=("Premise",),
    ),
]


def test_every_case_changes_a_term_the_explanation_states() -> None:
    assert len({case.term for case in CASES}) == len(CASES)
    for case in CASES:
        assert set(HOW_IT_WORKS) <= case.stated.keys(), (
            f"How the exchange works states every term: {case.term}"
        )


def test_each_place_states_each_term_as_the_offer_has_it(sam_client, offer, slide_9_employee) -> None:
    """The cases' "before" words are there, so their "after" and "gone" checks mean something."""
    texts = read_everything(sam_client, slide_9_employee)
    missing = [
        (case.term, surface, before)
        for case in CASES
        for surface, (before, _after) in case.stated.items()
        if before not in texts[surface]
    ]
    assert missing == []
    never_there = [
        (case.term, words)
        for case in CASES
        for words in case.gone
        if not any(words in text for text in texts.values())
    ]
    assert never_there == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.term)
def test_changing_a_term_changes_every_place_that_states_it(
    sam_client, offer, slide_9_employee, case
) -> None:
    case.change(offer)

    texts = read_everything(sam_client, slide_9_employee)

    not_changed = [
        (surface, after) for surface, (_before, after) in case.stated.items() if after not in texts[surface]
    ]
    assert not_changed == []
    left_behind = [
        (surface, words) for surface, text in texts.items() for words in case.gone if words in text
    ]
    assert left_behind == []
