"""How the exchange works: the offer explained from its terms, with the reader's own grant, read back from
the PDF (and from the explanation itself where the PDF adds nothing)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from soxp_portal.documents.how_it_works import Explanation, explanation, render_explanation
from soxp_portal.offers.models import Employee, Offer, OfferDocument, Plan
from soxp_portal.offers.queries import employee_status
from tests.documents.pdf_text import pdf_pages, pdf_text
from tests.factories import EmployeeFactory, GrantFactory

pytestmark = pytest.mark.django_db

#: 10:00 AM Pacific on January 10, 2003: the 2003 offer is open.
DURING = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)

#: The multiplication sign of the worked examples.
TIMES = "\u00d7"

#: The questions, in the order of the presentation's slides 4 to 25.
QUESTIONS = [
    "How does the exchange work?",
    "Why is the company offering the exchange?",
    "Who can take part?",
    "Which options can I exchange?",
    "What happens to the options I exchange?",
    "How many new options will I receive?",
    "What will the exercise price of the new options be?",
    "How do keeping and exchanging compare?",
    "When do I get the new options?",
    "Why are the new options granted later?",
    "When will the new options vest?",
    "What if the share price grows?",
    "What else should I know about the new options?",
    "What happens if I do not take part?",
    "How do I take part?",
    "What if I change my mind?",
    "How can I see my current grants?",
    "What else is important?",
    "What if I leave before the new grant date?",
    "Does the company recommend taking part?",
    "Which document governs?",
    "Who do I ask?",
]


def explained_for(offer: Offer, employee: Employee | None, now: datetime = DURING) -> Explanation:
    status = employee_status(offer, employee, now=now) if employee is not None else None
    return explanation(offer, status, now=now)


def text_of(explained: Explanation) -> str:
    """Every string the explanation holds, in order, on one line (what the page and the PDF place)."""
    parts = [explained.subtitle, *explained.standing]
    for section in explained.sections:
        parts += [section.heading, *section.paragraphs]
        parts += [f"{fact.label} {fact.text}" for fact in section.facts]
        parts += [section.example_heading, *section.example, *section.items]
        parts += [f"{row.vest_date}: {row.shares} (total {row.cumulative})" for row in section.schedule]
    for question in explained.questions:
        parts += [question.question, *question.answer, *question.items]
        parts += [f"{fact.label} {fact.text}" for fact in question.facts]
    return " ".join(" ".join(parts).split())


def test_slide_9_pdf_uses_the_employees_largest_grant_and_their_dates(
    soxp_2003: Offer, slide_9_employee: Employee
) -> None:
    text = pdf_text(render_explanation(explained_for(soxp_2003, slide_9_employee)))

    assert "How the Exchange Works" in text
    assert "Written for Dana Whitfield (E1001) on January 10, 2003" in text
    assert "You hold 3 grants that can be exchanged: G-1001, G-1002 and G-1004." in text
    # The worked example: slide 9's 1,000 shares at $4.50, the largest eligible grant.
    assert (
        "Your largest eligible grant, G-1002, granted on March 5, 2001 at $4.50, has 1,000 outstanding shares."
        in text
    )
    assert f"1,000 {TIMES} 0.75 = 750 new shares." in text
    assert (
        f"a grant of 1,001 shares would give 1,001 {TIMES} 0.75 = 750.75, rounded up to 751 new shares"
        in text
    )
    assert "600 + 750 + 375 = 1,725 new shares for the 2,300 shares you hold in them" in text
    assert "Your grants under this rule: G-1004." in text
    # The new option's dates, from the expected new grant date.
    assert "expected on July 21, 2003" in text
    assert "expected July 18, 2003" in text
    assert "to July 21, 2013" in text
    assert (
        "Nothing is vested on July 21, 2003. 375 shares vest on January 21, 2004; then 15 or 16 a month from "
        "February 21, 2004, until all 750 are vested on January 21, 2006." in text
    )
    assert "January 21, 2004: 375 (total 375)" in text
    assert "February 21, 2004: 15 (total 390)" in text
    assert "January 21, 2006: 16 (total 750)" in text
    # The deadline in the offer's time zone, and the contacts.
    assert "counts only if the portal receives it before January 20, 2003 at 9:00 PM PST." in text
    assert "cancellation date: January 20, 2003 if the offer is not extended" in text
    assert "Vincent J. Roth, Elections (fax or by hand): 949-450-7219, fax 949-450-7229" in text
    assert "Linda Duffy, Questions and account access: 949-453-7123" in text


def test_pdf_states_each_term_with_its_reading(soxp_2003: Offer, slide_9_employee: Employee) -> None:
    text = pdf_text(render_explanation(explained_for(soxp_2003, slide_9_employee)))

    assert (
        "who work in the United States and were hired before December 19, 2002: someone hired on "
        "December 19, 2002 itself may not take part" in text
    )
    assert "Directors of the company and its executive officers may not take part." in text
    assert "exercise price is $3.01 or higher: a grant priced at exactly $3.01 is eligible" in text
    assert (
        "expires on or before the cancellation date (January 20, 2003) has nothing left to exchange" in text
    )
    assert "Granted under one of these plans: 1993 Incentive Stock Option Plan; 1994 Non Statutory" in text
    assert "all of its outstanding shares, or none of them" in text
    assert (
        "if you tender any grant at all, the grants you hold dated in the lookback window (June 19, 2002 to "
        "December 19, 2002) must all be tendered too" in text
    )
    assert "0.75 of a new share (75%), counted grant by grant and rounded up to a whole share" in text
    assert "at least 6 months and 1 day after the cancellation date" in text
    assert (
        "closing price of Lantronix, Inc. common stock on the last trading day before the new grant date"
        in text
    )
    assert (
        "Non-qualified stock option (NSO), even where a cancelled grant was an incentive stock option" in text
    )
    assert "50% on the 6-month anniversary of the new grant date (January 21, 2004)" in text
    assert (
        "still employed by Lantronix, Inc. in the United States on the new grant date, July 21, 2003" in text
    )
    assert (
        "no other stock option grant from Lantronix, Inc. before the new grant date (July 21, 2003)" in text
    )
    assert (
        "by fax to Vincent J. Roth (fax 949-450-7229) or Michael Oswald (fax 949-450-7229), or by hand"
        in text
    )


def test_every_page_has_the_reference_footer(soxp_2003: Offer, slide_9_employee: Employee) -> None:
    pages = pdf_pages(render_explanation(explained_for(soxp_2003, slide_9_employee)))
    for number, page in enumerate(pages, start=1):
        assert f"How the exchange works · soxp-2003 · Page {number} of {len(pages)}" in page


def test_questions_follow_the_presentations_order(soxp_2003: Offer, slide_9_employee: Employee) -> None:
    explained = explained_for(soxp_2003, slide_9_employee)
    assert [question.question for question in explained.questions] == QUESTIONS
    assert all(question.answer or question.facts for question in explained.questions)
    text = pdf_text(render_explanation(explained))
    positions = [text.index(question) for question in QUESTIONS]
    assert positions == sorted(positions)


def test_answers_are_filled_from_the_terms_and_the_readers_grant(
    soxp_2003: Offer, slide_9_employee: Employee
) -> None:
    answers = {
        q.question: " ".join([*q.answer, *(f.text for f in q.facts), *q.items])
        for q in explained_for(soxp_2003, slide_9_employee).questions
    }

    assert (
        f"Your grant G-1002: 1,000 {TIMES} 0.75 = 750 new shares."
        in answers["How many new options will I receive?"]
    )
    assert (
        "The new option for your grant G-1002 would be fully vested on January 21, 2006"
        in answers["What if the share price grows?"]
    )
    assert (
        "From the opening of the offer (December 19, 2002 at 12:00 AM PST)"
        in answers["What if I change my mind?"]
    )
    assert "expected on July 21, 2003" in answers["When do I get the new options?"]
    assert "10 years from the new grant date" in answers["What else should I know about the new options?"]
    assert "Michael Oswald" in answers["Who do I ask?"]
    assert "at least 6 months and 1 day" in answers["Why are the new options granted later?"]


def test_a_tie_for_the_largest_grant_goes_to_the_earlier_grant(soxp_2003: Offer) -> None:
    employee = EmployeeFactory(employee_id="E-TIE")
    GrantFactory(employee=employee, grant_id="G-LATER", grant_date=date(2001, 6, 1), shares_granted=400)
    GrantFactory(employee=employee, grant_id="G-EARLIER", grant_date=date(2000, 6, 1), shares_granted=400)
    GrantFactory(employee=employee, grant_id="G-SMALL", grant_date=date(1999, 6, 1), shares_granted=100)

    text = text_of(explained_for(soxp_2003, employee))

    assert "Your largest eligible grant, G-EARLIER" in text
    assert f"400 {TIMES} 0.75 = 300 new shares." in text


def test_an_ineligible_reader_may_read_it_with_a_generic_example(soxp_2003: Offer) -> None:
    director = EmployeeFactory(employee_id="E-DIR", is_director=True)
    GrantFactory(employee=director, shares_granted=2000, exercise_price=Decimal("9.00"))

    explained = explained_for(soxp_2003, director)
    text = text_of(explained)

    assert explained.standing == (
        "You are not eligible for this offer because you are a director of the company, and directors may "
        "not take part in the offer.",
    )
    assert "so this example uses a grant of 1,000 outstanding shares" in text
    assert f"1,000 {TIMES} 0.75 = 750 new shares." in text
    assert "Vesting of the example's new option (750 shares)" in text
    assert "until all 750 are vested on January 21, 2006" in text
    assert "All your eligible grants together" not in text
    assert "Your grants under this rule" not in text


def test_every_reason_a_reader_may_not_take_part_is_listed(soxp_2003: Offer) -> None:
    officer = EmployeeFactory(employee_id="E-BOTH", is_director=True, is_executive_officer=True)

    assert explained_for(soxp_2003, officer).standing == (
        "You are not eligible for this offer because:",
        "you are a director of the company, and directors may not take part in the offer;",
        "you are an executive officer of the company, and executive officers may not take part in the offer.",
    )


def test_an_eligible_reader_without_an_exchangeable_grant_is_told_so(soxp_2003: Offer) -> None:
    employee = EmployeeFactory(employee_id="E-UNDER")
    GrantFactory(employee=employee, grant_date=date(2001, 1, 5), exercise_price=Decimal("2.00"))

    explained = explained_for(soxp_2003, employee)

    assert explained.standing == (
        "None of your grants can be exchanged in this offer; My options says why for each.",
    )
    assert "You hold no grant that can be exchanged in this offer" in text_of(explained)


def test_without_a_reader_it_explains_the_offer_to_anyone(soxp_2003: Offer) -> None:
    explained = explained_for(soxp_2003, None)
    text = text_of(explained)

    assert explained.standing == ()
    assert explained.subtitle.startswith("Written on January 10, 2003, from the offer's terms")
    assert f"Take a grant of 1,000 outstanding shares. 1,000 {TIMES} 0.75 = 750 new shares." in text
    assert "Your largest" not in text
    assert "Your grant" not in text
    assert "Your example" not in text


def test_the_rounding_is_illustrated_only_where_the_ratio_leaves_a_fraction(
    soxp_2003: Offer, slide_9_employee: Employee
) -> None:
    soxp_2003.exchange_ratio = Decimal("0.5")
    soxp_2003.save()
    assert f"1,001 {TIMES} 0.5 = 500.5, rounded up to 501 new shares" in text_of(
        explained_for(Offer.objects.get(pk=soxp_2003.pk), slide_9_employee)
    )
    soxp_2003.exchange_ratio = Decimal(1)
    soxp_2003.save()
    text = text_of(explained_for(Offer.objects.get(pk=soxp_2003.pk), slide_9_employee))
    assert f"1,000 {TIMES} 1 = 1,000 new shares." in text
    assert "Rounding:" not in text


def test_an_offer_without_a_lookback_rule_says_so(soxp_2003: Offer, slide_9_employee: Employee) -> None:
    soxp_2003.lookback_start = soxp_2003.lookback_end = None
    soxp_2003.save()

    text = text_of(explained_for(Offer.objects.get(pk=soxp_2003.pk), slide_9_employee))

    assert "This offer has no lookback rule: you choose each grant on its own." in text
    assert "lookback window" not in text
    assert "Your grants under this rule" not in text


def test_paper_elections_are_explained_only_where_someone_takes_faxes(
    soxp_2003: Offer, slide_9_employee: Employee
) -> None:
    soxp_2003.contacts = [{"name": "Pat Admin", "role": "Stock administration", "email": "pat@example.com"}]
    soxp_2003.save()
    text = text_of(explained_for(Offer.objects.get(pk=soxp_2003.pk), slide_9_employee))
    assert "paper election" not in text
    assert "Pat Admin, Stock administration: pat@example.com" in text

    soxp_2003.contacts = []
    soxp_2003.save()
    assert "ask: Your stock administrator." in text_of(
        explained_for(Offer.objects.get(pk=soxp_2003.pk), None)
    )


def test_the_plans_covered_are_named_or_said_to_be_all(soxp_2003: Offer) -> None:
    soxp_2003.covered_plans.set([Plan.objects.get(name="2000 Stock Option Plan")])
    assert "Granted under the 2000 Stock Option Plan." in text_of(
        explained_for(Offer.objects.get(pk=soxp_2003.pk), None)
    )
    soxp_2003.covered_plans.clear()
    assert "Granted under any of the company's stock option plans." in text_of(
        explained_for(Offer.objects.get(pk=soxp_2003.pk), None)
    )


def test_the_deadline_section_follows_the_offers_phase(soxp_2003: Offer) -> None:
    before = text_of(explained_for(soxp_2003, None, now=soxp_2003.opens_at - timedelta(days=1)))
    assert "The offer opens on December 19, 2002 at 12:00 AM PST." in before
    during = text_of(explained_for(soxp_2003, None))
    assert "The offer opens on" not in during
    assert "final" not in during
    after = text_of(explained_for(soxp_2003, None, now=soxp_2003.expires_at))
    assert "The deadline has passed: the elections on record are final." in after


def test_an_extended_offer_says_what_was_first_announced(soxp_2003: Offer) -> None:
    soxp_2003.expires_at = datetime(2003, 1, 25, 5, 0, tzinfo=UTC)  # January 24, 2003, 9:00 PM Pacific
    soxp_2003.save()

    text = text_of(explained_for(Offer.objects.get(pk=soxp_2003.pk), None))

    assert "before January 24, 2003 at 9:00 PM PST" in text
    assert "the deadline first announced was January 20, 2003 at 9:00 PM PST" in text
    assert "expected on July 25, 2003" in text


def test_the_posted_documents_are_named_as_the_ones_that_govern(soxp_2003: Offer) -> None:
    assert "They will be posted on the portal's overview." in text_of(explained_for(soxp_2003, None))
    for title in ("Offer to Exchange", "Election Form (paper)"):
        document = OfferDocument(offer=soxp_2003, title=title)
        document.file.save(f"{title}.pdf", ContentFile(b"%PDF-1.4"), save=True)

    explained = explained_for(soxp_2003, None)

    assert "The documents posted for this offer: Election Form (paper); Offer to Exchange." in text_of(
        explained
    )
    assert [link.label for link in explained.documents] == ["Election Form (paper)", "Offer to Exchange"]
