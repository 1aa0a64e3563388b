"""What the overview, My options and Compare pages show of one offer to one employee.

The employee's own pages (``portal.views``) and the stock administrator's read-only preview of them
(``console.preview``) build their context here, so the preview shows what the employee will see. Only
the links between the pages differ (:class:`PageLinks`), and the preview names the employee it shows
(``preview_of``), which the templates read to leave out everything that would make or show an election.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from soxp_portal.closing.models import AcceptedGrant, NewGrant, PromiseLetter, Tender
from soxp_portal.offers.models import Employee, Offer
from soxp_portal.offers.queries import EmployeeStatus, election_in_force, employee_status, offer_summary
from soxp_portal.portal.awards import new_award
from soxp_portal.portal.compare import Assumptions, PriceSource, SpotSource, compare_page, default_price
from soxp_portal.portal.forms import CompareForm
from soxp_portal.rules import window
from soxp_portal.rules.corporate_actions import ReverseSplit
from soxp_portal.rules.decision_support import DEFAULT_GROWTH_RATE, ILLUSTRATIVE_GROWTH_RATES
from soxp_portal.rules.vesting import VestingEvent, award_schedule, award_vesting
from soxp_portal.rules.wording import format_percent, format_price_input


@dataclass(frozen=True)
class PageLinks:
    """Where the overview, My options and Compare pages of the offer are for the reader."""

    overview: str
    grants: str
    compare: str


def employee_links(offer: Offer) -> PageLinks:
    """The employee's own pages."""
    return PageLinks(
        overview=reverse("portal:offer", args=[offer.slug]),
        grants=reverse("portal:grants", args=[offer.slug]),
        compare=reverse("portal:compare", args=[offer.slug]),
    )


def page_context(
    offer: Offer,
    status: EmployeeStatus,
    *,
    now: datetime,
    links: PageLinks,
    preview_of: Employee | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """What every employee page shows: the offer, its phase, the employee's status (the menu offers
    Election only to someone with a grant to tender) and the links between the pages.

    `preview_of` is the employee whose pages a stock administrator is previewing, None on the employee's
    own pages.
    """
    return {
        "offer": offer,
        "summary": offer_summary(offer),
        "phase": window.phase(offer.terms, now).value if offer.closed_at is None else "closed",
        "is_open": offer.closed_at is None and window.is_open(offer.terms, now),
        "status": status,
        "links": links,
        "preview_of": preview_of,
        # The employee's new award in words: bands, ratios, RSUs or options, the grant date rule, the stage.
        "new_award": new_award(offer.terms, status.award),
        # Lazy: queried only by the pages that list the offer's documents (the overview, the review).
        "documents": offer.documents.all(),
        **extra,
    }


@dataclass(frozen=True)
class NewOption:
    """A new option granted to the employee, with its vesting schedule."""

    grant: NewGrant
    schedule: list[VestingEvent]


@dataclass(frozen=True)
class TenderOutcome:
    """What the close of the offer did with the employee's final election, as their offer page shows it.

    Read from the rows the close steps left (``closing.models``), never recomputed.
    """

    tender: Tender
    lines: list[AcceptedGrant]
    #: The date the tendered options were cancelled as of; None until that step is taken.
    cancellation_date: date | None
    #: The date of the new grants once made, else the expected one (it follows any extension).
    new_grant_date: date
    is_granted: bool
    letter: PromiseLetter | None
    new_options: list[NewOption]

    @property
    def shares_cancelled(self) -> int:
        return sum(line.shares for line in self.lines)

    @property
    def new_shares(self) -> int:
        return sum(line.new_shares for line in self.lines)


def tender_outcome(offer: Offer, employee: Employee) -> TenderOutcome | None:
    """The outcome of the employee's tender in `offer`, or None when they had no tender (no election,
    a withdrawal, or the tenders are not yet accepted)."""
    tender = Tender.objects.filter(offer=offer, employee=employee).select_related("letter").first()
    if tender is None:
        return None
    closing = getattr(offer, "closing", None)
    lines = list(
        tender.accepted_grants.select_related("grant").order_by("grant__grant_date", "grant__grant_id")
    )
    new_grants = (
        NewGrant.objects.filter(accepted_grant__tender=tender)
        .select_related("plan", "accepted_grant__grant")
        .order_by("grant_date", "grant_id")
    )
    terms = offer.terms
    award = terms.award_for(employee.work_country)
    is_granted = closing is not None and closing.new_grants_created_at is not None
    return TenderOutcome(
        tender=tender,
        lines=lines,
        cancellation_date=closing.cancellation_date if closing and closing.cancelled_at else None,
        new_grant_date=(
            closing.new_grant_date if is_granted and closing.new_grant_date else offer.new_grant_date()
        ),
        is_granted=is_granted,
        letter=getattr(tender, "letter", None),
        new_options=[
            NewOption(
                grant,
                list(
                    award_schedule(
                        award_vesting(terms, grant.accepted_grant.grant.exercise_price, award),
                        grant.shares,
                        grant.grant_date,
                    )
                ),
            )
            for grant in new_grants
        ],
    )


def overview_context(
    offer: Offer, employee: Employee, *, links: PageLinks, preview_of: Employee | None = None
) -> dict[str, Any]:
    """The overview: the offer's state, the employee's election in force or the close's outcome,
    announcements published so far, contacts and documents."""
    now = timezone.now()
    return page_context(
        offer,
        employee_status(offer, employee, now=now),
        now=now,
        links=links,
        preview_of=preview_of,
        election=election_in_force(offer, employee),
        outcome=tender_outcome(offer, employee) if offer.closed_at is not None else None,
        announcements=offer.announcements.filter(published_at__lte=now),
    )


def grants_context(
    offer: Offer,
    employee: Employee,
    query: QueryDict,
    *,
    links: PageLinks,
    preview_of: Employee | None = None,
) -> dict[str, Any]:
    """My options: every grant the employee holds, judged for the offer.

    Each eligible grant's new option is summarised in a line (what vests at the cliff, the monthly part,
    the last date); its every vesting date is listed for the grant the query string names
    (``?vesting=<grant id>``), a link from that line. Listing every date of every grant cost a page of
    256 grants about 6,400 formatted dates and 13,000 numbers (docs/performance.md).
    """
    now = timezone.now()
    return page_context(
        offer,
        employee_status(offer, employee, now=now),
        now=now,
        links=links,
        preview_of=preview_of,
        vesting_shown=query.get("vesting", ""),
    )


def _growth_words(growth: Decimal) -> str:
    """ "grows 50% a year", "falls 10% a year" or "stays the same", for the growth path's heading."""
    if growth > 0:
        return f"grows {format_percent(growth)} a year"
    return f"falls {format_percent(-growth)} a year" if growth < 0 else "stays the same"


def compare_context(
    offer: Offer,
    employee: Employee,
    query: QueryDict,
    *,
    links: PageLinks,
    preview_of: Employee | None = None,
) -> dict[str, Any]:
    """Keep against exchange at the employee's assumptions (slides 11 and 15, model values, the gap).

    The assumptions come from the query string; a bad one is named in `errors` and the page shows the
    defaults: the real new exercise price once known, else the administrator's reference price; 50%
    growth; today's share price the same as that price; the administrator's volatility and risk-free
    rate (0% when unset); no split. The PDF (``documents.compare``) reads the same context.
    """
    now = timezone.now()
    status = employee_status(offer, employee, now=now)
    form = CompareForm(query or None)
    errors: list[str] = []
    typed: dict[str, Any] = {}
    if form.is_bound and not form.is_valid():
        errors = [
            f"{form[name].label}, “{form.data.get(name, '')}”: {' '.join(problems)}"
            for name, problems in form.errors.items()
        ]
    elif form.is_bound:
        typed = {name: value for name, value in form.cleaned_data.items() if value is not None}
    assumptions = _assumptions(offer, typed)
    # What the employee typed, as typed: the PDF link and the growth links pass on exactly that, so the
    # PDF shows the same assumptions from the same sources; a default is never sent back as "typed".
    typed_query = _typed_query(typed)
    shown = CompareForm(initial={**_form_values(assumptions), **typed_query})
    page = None
    if assumptions is not None and status.can_take_part:
        page = compare_page(status, assumptions, today=timezone.localtime(now, offer.zone).date())
    price, source = (assumptions.price, assumptions.source) if assumptions else default_price(offer)
    growth = assumptions.growth if assumptions else typed.get("growth", DEFAULT_GROWTH_RATE * 100) / 100
    return page_context(
        offer,
        status,
        now=now,
        links=links,
        preview_of=preview_of,
        form=shown,
        errors=errors,
        price=price,
        source=source.value,
        growth=growth,
        growth_words=_growth_words(growth),
        growth_links=_growth_links(links.compare, typed_query, growth),
        pdf_query=urlencode(typed_query),
        placeholders=_placeholders(offer, assumptions),
        assumptions=assumptions,
        page=page,
    )


def _assumptions(offer: Offer, typed: dict[str, Any]) -> Assumptions | None:
    """The employee's assumptions, each typed one over its default; None while there is no price."""
    price, source = default_price(offer)
    if "price" in typed:
        price, source = typed["price"], PriceSource.EMPLOYEE
    if price is None:
        return None
    volatility = typed["volatility"] / 100 if "volatility" in typed else offer.volatility
    rate = typed["rate"] / 100 if "rate" in typed else offer.risk_free_rate
    return Assumptions(
        price=price,
        source=source,
        growth=typed["growth"] / 100 if "growth" in typed else DEFAULT_GROWTH_RATE,
        spot=typed.get("spot", price),
        spot_source=SpotSource.EMPLOYEE if "spot" in typed else SpotSource.ASSUMED,
        volatility=volatility,
        volatility_is_offers="volatility" not in typed and volatility is not None,
        rate=rate if rate is not None else Decimal(0),
        rate_is_offers="rate" not in typed and rate is not None,
        split=ReverseSplit(typed.get("split", 1)),
    )


def _form_values(assumptions: Assumptions | None) -> dict[str, str]:
    """The price and the growth as the form shows them even when not typed (the other assumptions show
    their defaults as placeholders, so that a default is not sent back as if the employee had typed it)."""
    values = {
        "growth": format_percent(assumptions.growth if assumptions else DEFAULT_GROWTH_RATE).removesuffix("%")
    }
    if assumptions is not None:
        values["price"] = format_price_input(assumptions.price)
    return values


def _typed_query(typed: dict[str, Any]) -> dict[str, str]:
    """What the employee typed, cleaned and written back as the form reads it ("$2.00" is "2.00")."""
    query = {}
    for name, value in typed.items():
        if name in {"price", "spot"}:
            query[name] = format_price_input(value)
        elif name == "split":
            query[name] = str(value)
        else:
            query[name] = f"{value.normalize():f}"
    return query


def _placeholders(offer: Offer, assumptions: Assumptions | None) -> dict[str, str]:
    """The defaults of today's price, the volatility, the rate and the split, shown in empty fields."""
    return {
        "spot": format_price_input(assumptions.price) if assumptions else "",
        "volatility": format_percent(offer.volatility).removesuffix("%")
        if offer.volatility is not None
        else "",
        "rate": format_percent(offer.risk_free_rate or Decimal(0)).removesuffix("%"),
        "split": "1",
    }


def _growth_links(path: str, typed: dict[str, str], growth: Decimal) -> list[dict[str, Any]]:
    """The illustrative growth rates, each a link to the page at that rate and the same other assumptions."""
    links = []
    for rate in ILLUSTRATIVE_GROWTH_RATES:
        query = {**typed, "growth": format_percent(rate).removesuffix("%")}
        links.append({"rate": rate, "url": f"{path}?{urlencode(query)}", "is_current": rate == growth})
    return links
