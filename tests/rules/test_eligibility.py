"""Who may take part and which grants may be tendered, with the reasons (OFFER.md decisions 2, 7, 9)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from soxp_portal.rules.eligibility import (
    HOLDER_NOT_ELIGIBLE_FOR_EMPLOYEE,
    EmployeeEligibility,
    GrantEligibility,
    Reason,
    Requirement,
    can_accept_tender,
    employee_eligibility,
    grant_eligibility,
    hire_cutoff_in_words,
    hire_cutoff_reading,
    is_hired_in_time,
    is_lookback,
    judgement_day,
    keeps_promised_grant,
    meets_price_threshold,
    price_threshold_in_words,
    price_threshold_reading,
)
from soxp_portal.rules.facts import EmployeeFacts, GrantFacts
from soxp_portal.rules.terms import OfferTerms
from soxp_portal.rules.window import cancellation_date, new_grant_date

CANCELLATION = date(2003, 1, 20)
ELIGIBLE = EmployeeEligibility(is_eligible=True, reasons=())

MakeEmployee = Callable[..., EmployeeFacts]
MakeGrant = Callable[..., GrantFacts]


def judge(terms: OfferTerms, grant: GrantFacts) -> GrantEligibility:
    return grant_eligibility(terms, grant, ELIGIBLE)


# Slide 9: three eligible grants (one a lookback grant at $0.40) and one at $2.18.


@pytest.mark.parametrize(
    ("index", "eligible", "required", "reason"),
    [
        pytest.param(0, True, False, "Exercise price $6.00 is at or above the $3.01 threshold.", id="$6.00"),
        pytest.param(1, True, False, "Exercise price $4.50 is at or above the $3.01 threshold.", id="$4.50"),
        pytest.param(2, False, False, "Exercise price $2.18 is below the $3.01 threshold.", id="$2.18"),
        pytest.param(
            3,
            True,
            True,
            "Granted on July 1, 2002, in the lookback window (June 19, 2002 to December 19, 2002): "
            "eligible at any exercise price, and it must be tendered if any grant is tendered.",
            id="$0.40 lookback",
        ),
    ],
)
def test_slide_9_table(
    terms: OfferTerms,
    slide_9_grants: list[GrantFacts],
    index: int,
    eligible: bool,
    required: bool,
    reason: str,
) -> None:
    grant = slide_9_grants[index]
    result = judge(terms, grant)
    assert result == GrantEligibility(grant.grant_id, eligible, required, required, reason, reason)


def test_slide_9_outstanding_shares(slide_9_grants: list[GrantFacts]) -> None:
    assert [grant.outstanding_shares for grant in slide_9_grants] == [800, 1000, 500, 500]


# Employee eligibility: every failing reason, in plain words.


def test_alice_is_eligible(terms: OfferTerms, make_employee: MakeEmployee) -> None:
    assert employee_eligibility(terms, make_employee(), CANCELLATION) == ELIGIBLE


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param(
            {"status": "terminated", "termination_date": date(2003, 1, 10)},
            Reason(
                Requirement.EMPLOYED,
                "Not employed on January 20, 2003.",
                "your employment ended on January 10, 2003, according to the company's employee records "
                "(the census)",
            ),
            id="terminated",
        ),
        pytest.param(
            {"status": "terminated", "termination_date": None},
            Reason(
                Requirement.EMPLOYED,
                "Not employed on January 20, 2003.",
                "the company's employee records (the census) show your employment as ended, without a date",
            ),
            id="terminated without a date",
        ),
        pytest.param(
            {"work_country": "CA"},
            Reason(
                Requirement.WORK_COUNTRY,
                "Works in CA; the offer is open to employees working in US.",
                "the company's employee records (the census) show you working in CA, and the offer is open "
                "only to employees working in the United States",
            ),
            id="abroad",
        ),
        pytest.param(
            {"hire_date": date(2002, 12, 19)},
            Reason(
                Requirement.HIRED_IN_TIME,
                "Hired on December 19, 2002; the offer is open to employees hired before December 19, 2002.",
                "you were hired on December 19, 2002, and the offer is open only to employees hired before "
                "December 19, 2002",
            ),
            id="hired on the cut-off",
        ),
        pytest.param(
            {"is_director": True},
            Reason(
                Requirement.NOT_DIRECTOR,
                "Directors of the company may not take part in the offer.",
                "you are a director of the company, and directors may not take part in the offer",
            ),
            id="director",
        ),
        pytest.param(
            {"is_executive_officer": True},
            Reason(
                Requirement.NOT_EXECUTIVE_OFFICER,
                "Executive officers may not take part in the offer.",
                "you are an executive officer of the company, and executive officers may not take part in "
                "the offer",
            ),
            id="officer",
        ),
    ],
)
def test_employee_ineligible_with_reason_for_each_audience(
    terms: OfferTerms, make_employee: MakeEmployee, changes: dict[str, object], reason: Reason
) -> None:
    result = employee_eligibility(terms, make_employee(**changes), CANCELLATION)
    assert result == EmployeeEligibility(is_eligible=False, reasons=(reason,))


def test_employee_is_told_the_census_termination_date_not_the_day_judged(
    terms: OfferTerms, make_employee: MakeEmployee
) -> None:
    # On the portal the day judged is today; the employee reads when their employment ended.
    gone = make_employee(status="terminated", termination_date=date(2002, 11, 20))
    (reason,) = employee_eligibility(terms, gone, date(2003, 1, 10)).reasons
    assert reason.for_administrator == "Not employed on January 10, 2003."
    assert "January 10, 2003" not in reason.for_employee
    assert reason.for_employee.startswith("your employment ended on November 20, 2002")


def test_a_termination_date_after_the_day_judged_is_no_reason(
    terms: OfferTerms, make_employee: MakeEmployee
) -> None:
    leaving = make_employee(status="terminated", termination_date=date(2003, 1, 21))
    assert employee_eligibility(terms, leaving, CANCELLATION).is_eligible


def test_the_employee_wording_speaks_to_the_employee(terms: OfferTerms, make_employee: MakeEmployee) -> None:
    everything_wrong = make_employee(
        status="terminated",
        termination_date=date(2003, 1, 2),
        work_country="GB",
        hire_date=date(2003, 1, 1),
        is_director=True,
        is_executive_officer=True,
    )
    for reason in employee_eligibility(terms, everything_wrong, CANCELLATION).reasons:
        assert " you" in f" {reason.for_employee}"
        assert reason.for_employee[0].islower()
        assert not reason.for_employee.endswith(".")
        assert "employee is" not in reason.for_employee
        assert " you" not in f" {reason.for_administrator.lower()}"


def test_employee_ineligible_gets_every_reason_at_once(
    terms: OfferTerms, make_employee: MakeEmployee
) -> None:
    everything_wrong = make_employee(
        status="terminated",
        termination_date=date(2003, 1, 2),
        work_country="GB",
        hire_date=date(2003, 1, 1),
        is_director=True,
        is_executive_officer=True,
    )
    result = employee_eligibility(terms, everything_wrong, CANCELLATION)
    assert not result.is_eligible
    assert [reason.requirement for reason in result.reasons] == [
        Requirement.EMPLOYED,
        Requirement.WORK_COUNTRY,
        Requirement.HIRED_IN_TIME,
        Requirement.NOT_DIRECTOR,
        Requirement.NOT_EXECUTIVE_OFFICER,
    ]


@pytest.mark.parametrize("status", ["active", "leave"])
def test_employee_on_leave_is_employed(terms: OfferTerms, make_employee: MakeEmployee, status: str) -> None:
    assert employee_eligibility(terms, make_employee(status=status), CANCELLATION).is_eligible


def test_country_codes_are_compared_case_blind(terms: OfferTerms, make_employee: MakeEmployee) -> None:
    assert employee_eligibility(terms, make_employee(work_country="us"), CANCELLATION).is_eligible


# Where the documents disagree: each switch changes exactly the cases at its boundary.


@pytest.mark.parametrize(
    ("hire_date", "presentation", "offer_to_exchange"),
    [
        pytest.param(date(2002, 12, 18), True, True, id="day before the cut-off"),
        pytest.param(date(2002, 12, 19), False, True, id="on the cut-off"),
        pytest.param(date(2002, 12, 20), False, False, id="day after the cut-off"),
    ],
)
def test_hire_cutoff_switch(
    terms: OfferTerms,
    offer_to_exchange_terms: OfferTerms,
    make_employee: MakeEmployee,
    hire_date: date,
    presentation: bool,
    offer_to_exchange: bool,
) -> None:
    assert is_hired_in_time(terms, hire_date) is presentation
    assert is_hired_in_time(offer_to_exchange_terms, hire_date) is offer_to_exchange
    employee = make_employee(hire_date=hire_date)
    assert employee_eligibility(terms, employee, CANCELLATION).is_eligible is presentation
    assert (
        employee_eligibility(offer_to_exchange_terms, employee, CANCELLATION).is_eligible is offer_to_exchange
    )


def test_hire_cutoff_reason_in_the_inclusive_reading(
    offer_to_exchange_terms: OfferTerms, make_employee: MakeEmployee
) -> None:
    result = employee_eligibility(
        offer_to_exchange_terms, make_employee(hire_date=date(2002, 12, 20)), CANCELLATION
    )
    (reason,) = result.reasons
    assert reason.for_administrator == (
        "Hired on December 20, 2002; the offer is open to employees hired on or before December 19, 2002."
    )
    assert reason.for_employee == (
        "you were hired on December 20, 2002, and the offer is open only to employees hired on or before "
        "December 19, 2002"
    )


@pytest.mark.parametrize(
    ("price", "presentation", "offer_to_exchange"),
    [
        pytest.param(Decimal("3.00"), False, False, id="a cent below"),
        pytest.param(Decimal("3.01"), True, False, id="exactly $3.01"),
        pytest.param(Decimal("3.02"), True, True, id="a cent above"),
    ],
)
def test_price_threshold_switch(
    terms: OfferTerms,
    offer_to_exchange_terms: OfferTerms,
    make_grant: MakeGrant,
    price: Decimal,
    presentation: bool,
    offer_to_exchange: bool,
) -> None:
    assert meets_price_threshold(terms, price) is presentation
    assert meets_price_threshold(offer_to_exchange_terms, price) is offer_to_exchange
    grant = make_grant(exercise_price=price)
    assert judge(terms, grant).is_eligible is presentation
    assert judge(offer_to_exchange_terms, grant).is_eligible is offer_to_exchange


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        pytest.param(Decimal("3.01"), "Exercise price $3.01 is not above the $3.01 threshold.", id="at"),
        pytest.param(Decimal("3.02"), "Exercise price $3.02 is above the $3.01 threshold.", id="above"),
    ],
)
def test_price_reason_in_the_exclusive_reading(
    offer_to_exchange_terms: OfferTerms, make_grant: MakeGrant, price: Decimal, reason: str
) -> None:
    assert judge(offer_to_exchange_terms, make_grant(exercise_price=price)).reason == reason


@pytest.mark.parametrize(
    ("grant_date", "presentation", "offer_to_exchange"),
    [
        pytest.param(date(2002, 6, 18), False, False, id="day before the window"),
        pytest.param(date(2002, 6, 19), True, True, id="first day"),
        pytest.param(date(2002, 12, 19), True, True, id="last day of the presentation's window"),
        pytest.param(date(2002, 12, 20), False, True, id="day after it"),
        pytest.param(date(2003, 1, 5), False, True, id="during the offer"),
    ],
)
def test_lookback_end_switch(
    terms: OfferTerms,
    offer_to_exchange_terms: OfferTerms,
    make_grant: MakeGrant,
    grant_date: date,
    presentation: bool,
    offer_to_exchange: bool,
) -> None:
    assert is_lookback(terms, grant_date) is presentation
    assert is_lookback(offer_to_exchange_terms, grant_date) is offer_to_exchange
    one_dollar_grant = make_grant(grant_date=grant_date, exercise_price=Decimal("1.00"))
    for offer, expected in ((terms, presentation), (offer_to_exchange_terms, offer_to_exchange)):
        result = judge(offer, one_dollar_grant)
        assert (result.is_eligible, result.is_required) == (expected, expected)


def test_lookback_window_open_ended_in_words(
    offer_to_exchange_terms: OfferTerms, make_grant: MakeGrant
) -> None:
    result = judge(
        offer_to_exchange_terms, make_grant(grant_date=date(2003, 1, 5), exercise_price=Decimal("1.00"))
    )
    assert result.reason.startswith(
        "Granted on January 5, 2003, in the lookback window (on or after June 19, 2002)"
    )


def test_offer_without_lookback_rule(terms: OfferTerms) -> None:
    no_lookback = replace(terms, lookback_start=None, lookback_end=None)
    assert not is_lookback(no_lookback, date(2002, 7, 1))


def test_switches_leave_grants_away_from_every_boundary_unchanged(
    terms: OfferTerms, offer_to_exchange_terms: OfferTerms, slide_9_grants: list[GrantFacts]
) -> None:
    for grant in slide_9_grants:
        presentation, offer_to_exchange = judge(terms, grant), judge(offer_to_exchange_terms, grant)
        assert (presentation.is_eligible, presentation.is_required) == (
            offer_to_exchange.is_eligible,
            offer_to_exchange.is_required,
        )


# Decision 2: lookback grants are eligible at any price.


@pytest.mark.parametrize("price", [Decimal("0.40"), Decimal("2.18"), Decimal("3.01"), Decimal("12.00")])
def test_decision_2_lookback_grant_is_eligible_and_required_at_any_price(
    terms: OfferTerms, make_grant: MakeGrant, price: Decimal
) -> None:
    result = judge(terms, make_grant(grant_date=date(2002, 7, 1), exercise_price=price))
    assert result.is_eligible
    assert result.is_required


def test_decision_2_grant_below_threshold_outside_lookback_is_shown_with_reason(
    terms: OfferTerms, make_grant: MakeGrant
) -> None:
    result = judge(terms, make_grant(grant_date=date(2002, 2, 28), exercise_price=Decimal("2.18")))
    assert not result.is_eligible
    assert result.reason == "Exercise price $2.18 is below the $3.01 threshold."


# Decision 9: a grant expiring on or before the cancellation date is not eligible.


@pytest.mark.parametrize(
    ("expiration", "eligible"),
    [
        pytest.param(date(2003, 1, 19), False, id="day before the cancellation date"),
        pytest.param(date(2003, 1, 20), False, id="on the cancellation date"),
        pytest.param(date(2003, 1, 21), True, id="day after the cancellation date"),
    ],
)
def test_decision_9_grant_expiring_by_the_cancellation_date_is_not_eligible(
    terms: OfferTerms, make_grant: MakeGrant, expiration: date, eligible: bool
) -> None:
    result = judge(terms, make_grant(expiration_date=expiration))
    assert result.is_eligible is eligible
    if not eligible:
        assert "on or before the cancellation date (January 20, 2003)" in result.reason


def test_decision_9_extension_makes_a_grant_expire_before_cancellation(
    terms: OfferTerms, extended_terms: OfferTerms, make_grant: MakeGrant
) -> None:
    grant = make_grant(expiration_date=date(2003, 1, 22))
    assert judge(terms, grant).is_eligible
    assert not judge(extended_terms, grant).is_eligible


def test_decision_9_expired_lookback_grant_is_not_required(terms: OfferTerms, make_grant: MakeGrant) -> None:
    result = judge(terms, make_grant(grant_date=date(2002, 7, 1), expiration_date=date(2003, 1, 15)))
    assert (result.is_eligible, result.is_lookback, result.is_required) == (False, True, False)


# Outstanding shares and plans.


@pytest.mark.parametrize(
    ("exercised", "cancelled", "reason"),
    [
        pytest.param(
            1000,
            0,
            "No outstanding shares: 1,000 exercised and 0 cancelled of 1,000 granted.",
            id="exercised",
        ),
        pytest.param(
            0,
            1000,
            "No outstanding shares: 0 exercised and 1,000 cancelled of 1,000 granted.",
            id="forfeited",
        ),
        pytest.param(
            400, 600, "No outstanding shares: 400 exercised and 600 cancelled of 1,000 granted.", id="both"
        ),
    ],
)
def test_grant_with_zero_outstanding_shares_is_not_eligible(
    terms: OfferTerms, make_grant: MakeGrant, exercised: int, cancelled: int, reason: str
) -> None:
    result = judge(terms, make_grant(shares_exercised=exercised, shares_cancelled=cancelled))
    assert not result.is_eligible
    assert result.reason == reason


def test_grant_with_one_outstanding_share_is_eligible(terms: OfferTerms, make_grant: MakeGrant) -> None:
    assert judge(terms, make_grant(shares_exercised=999)).is_eligible


@pytest.mark.parametrize(
    ("plan", "eligible"),
    [
        pytest.param("2000 Stock Option Plan", True, id="2000 plan"),
        pytest.param("1993 Incentive Stock Option Plan", True, id="1993 plan"),
        pytest.param("Premise Systems, Inc. 2001 Stock Plan", True, id="assumed Premise plan"),
        pytest.param("2000 Employee Stock Purchase Plan", False, id="another plan"),
    ],
)
def test_covered_plan_against_other_plan(
    terms: OfferTerms, make_grant: MakeGrant, plan: str, eligible: bool
) -> None:
    result = judge(terms, make_grant(plan=plan))
    assert result.is_eligible is eligible
    if not eligible:
        assert (
            result.reason
            == "Granted under 2000 Employee Stock Purchase Plan, a plan this offer does not cover."
        )


def test_offer_without_plan_list_covers_every_plan(terms: OfferTerms, make_grant: MakeGrant) -> None:
    every_plan = replace(terms, covered_plans=frozenset())
    assert judge(every_plan, make_grant(plan="2000 Employee Stock Purchase Plan")).is_eligible


def test_grant_dated_before_hire_is_judged_like_any_other(
    terms: OfferTerms, make_employee: MakeEmployee, make_grant: MakeGrant
) -> None:
    # Options assumed in an acquisition may predate the hire (OFFER.md, grants.csv).
    employee = employee_eligibility(terms, make_employee(hire_date=date(2001, 6, 1)), CANCELLATION)
    grant = make_grant(plan="Lightwave Communications, Inc. 2001 Stock Plan", grant_date=date(2001, 3, 1))
    assert grant_eligibility(terms, grant, employee).is_eligible


# Order of checks: the first failing one gives the reason.


def test_ineligible_employee_makes_every_grant_ineligible_with_the_first_reason(
    terms: OfferTerms, make_employee: MakeEmployee, slide_9_grants: list[GrantFacts]
) -> None:
    employee = employee_eligibility(
        terms, make_employee(hire_date=date(2002, 12, 19), is_director=True), CANCELLATION
    )
    results = [grant_eligibility(terms, grant, employee) for grant in slide_9_grants]
    assert not any(result.is_eligible or result.is_required for result in results)
    assert results[0].reason == (
        "The employee is not eligible for this offer: hired on December 19, 2002; the offer is open to "
        "employees hired before December 19, 2002."
    )
    assert {result.reason_for_employee for result in results} == {HOLDER_NOT_ELIGIBLE_FOR_EMPLOYEE}
    assert results[3].is_lookback


def test_a_grants_own_reason_reads_the_same_for_both_audiences(
    terms: OfferTerms, slide_9_grants: list[GrantFacts], make_grant: MakeGrant
) -> None:
    expired = make_grant(expiration_date=CANCELLATION)
    for grant in [*slide_9_grants, expired]:
        result = judge(terms, grant)
        assert result.reason_for_employee == result.reason


@pytest.mark.parametrize(
    ("changes", "reason_start"),
    [
        pytest.param(
            {"plan": "Other Plan", "shares_exercised": 1000}, "Granted under Other Plan", id="plan first"
        ),
        pytest.param(
            {"shares_exercised": 1000, "expiration_date": CANCELLATION}, "No outstanding", id="then shares"
        ),
        pytest.param(
            {"expiration_date": CANCELLATION, "grant_date": date(2002, 7, 1)},
            "Expires on",
            id="expiry before lookback",
        ),
        pytest.param(
            {"grant_date": date(2002, 7, 1), "exercise_price": Decimal("0.40")},
            "Granted on",
            id="lookback before price",
        ),
    ],
)
def test_grant_checks_in_order(
    terms: OfferTerms, make_grant: MakeGrant, changes: dict[str, object], reason_start: str
) -> None:
    assert judge(terms, make_grant(**changes)).reason.startswith(reason_start)


# Decision 7: leaving during the offer, and before the new grant date.


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        pytest.param({}, True, id="still employed"),
        pytest.param({"status": "leave"}, True, id="on leave"),
        pytest.param(
            {"status": "terminated", "termination_date": date(2003, 1, 15)}, False, id="left during the offer"
        ),
        pytest.param(
            {"status": "terminated", "termination_date": date(2003, 1, 20)}, False, id="left on expiry day"
        ),
        pytest.param(
            {"status": "terminated", "termination_date": date(2003, 1, 21)}, True, id="left the day after"
        ),
        pytest.param({"status": "terminated", "termination_date": None}, False, id="terminated, no date"),
        pytest.param({"work_country": "IE"}, False, id="moved abroad"),
    ],
)
def test_decision_7_tender_accepted_only_if_still_employed_in_the_us_at_expiration(
    terms: OfferTerms, make_employee: MakeEmployee, changes: dict[str, object], accepted: bool
) -> None:
    assert can_accept_tender(terms, make_employee(**changes), cancellation_date(terms)) is accepted


@pytest.mark.parametrize(
    ("changes", "keeps"),
    [
        pytest.param({}, True, id="still employed"),
        pytest.param({"termination_date": date(2003, 3, 1)}, False, id="left after expiration"),
        pytest.param({"termination_date": date(2003, 7, 21)}, False, id="left on the new grant date"),
        pytest.param(
            {"status": "terminated", "termination_date": date(2003, 7, 22)},
            True,
            id="left after the new grant date",
        ),
        pytest.param({"work_country": "DE"}, False, id="moved abroad"),
    ],
)
def test_decision_7_promised_grant_needs_employment_in_the_us_on_the_new_grant_date(
    terms: OfferTerms, make_employee: MakeEmployee, changes: dict[str, object], keeps: bool
) -> None:
    grant_date = new_grant_date(terms)
    assert keeps_promised_grant(make_employee(**changes), grant_date, terms.eligible_countries) is keeps


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2003, 1, 6, 20, 0, tzinfo=UTC), date(2003, 1, 6)),
        # 2003-01-07 03:00 UTC is still the 6th in Pacific time.
        (datetime(2003, 1, 7, 3, 0, tzinfo=UTC), date(2003, 1, 6)),
        (datetime(2026, 11, 25, 12, 0, tzinfo=UTC), date(2003, 1, 20)),
    ],
)
def test_employment_is_judged_today_but_never_after_the_cancellation_date(
    terms: OfferTerms, now: datetime, expected: date
) -> None:
    assert judgement_day(terms, now) == expected


# The readings where the offer's documents disagree, in the words employees read (How the exchange works).


def test_hire_cutoff_in_words_follows_the_presentation_and_the_offer_to_exchange(
    terms: OfferTerms, offer_to_exchange_terms: OfferTerms
) -> None:
    assert hire_cutoff_in_words(terms) == "before December 19, 2002"
    assert hire_cutoff_reading(terms) == "someone hired on December 19, 2002 itself may not take part"
    assert hire_cutoff_in_words(offer_to_exchange_terms) == "on or before December 19, 2002"
    assert (
        hire_cutoff_reading(offer_to_exchange_terms)
        == "someone hired on December 19, 2002 itself may take part"
    )


def test_price_threshold_in_words_follows_the_presentation_and_the_offer_to_exchange(
    terms: OfferTerms, offer_to_exchange_terms: OfferTerms
) -> None:
    assert price_threshold_in_words(terms) == "$3.01 or higher"
    assert price_threshold_reading(terms) == "a grant priced at exactly $3.01 is eligible"
    assert price_threshold_in_words(offer_to_exchange_terms) == "above $3.01"
    assert (
        price_threshold_reading(offer_to_exchange_terms) == "a grant priced at exactly $3.01 is not eligible"
    )


@pytest.mark.parametrize("inclusive", [True, False])
def test_the_readings_in_words_say_what_the_rules_decide_on_the_boundary(
    terms: OfferTerms, inclusive: bool
) -> None:
    read = replace(terms, hire_cutoff_inclusive=inclusive, price_threshold_inclusive=inclusive)
    hired_on_the_day = is_hired_in_time(read, read.hire_cutoff_date)
    priced_at_the_threshold = meets_price_threshold(read, read.price_threshold)
    assert hire_cutoff_reading(read).endswith("itself may take part") is hired_on_the_day
    assert price_threshold_reading(read).endswith(" is eligible") is priced_at_the_threshold
