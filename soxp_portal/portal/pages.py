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
from soxp_portal.portal.compare import PriceSource, compare_page, default_price
from soxp_portal.portal.forms import CompareForm
from soxp_portal.rules import window
from soxp_portal.rules.decision_support import DEFAULT_GROWTH_RATE, ILLUSTRATIVE_GROWTH_RATES
from soxp_portal.rules.vesting import VestingEvent, vesting_schedule_for
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
        .select_related("plan")
        .order_by("grant_date", "grant_id")
    )
    terms = offer.terms
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
            NewOption(grant, vesting_schedule_for(terms, grant.shares, grant.grant_date))
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


def _growth_links(path: str, price: Decimal | None, growth: Decimal) -> list[dict[str, Any]]:
    """The illustrative growth rates, each a link to the page at that rate and the same price."""
    links = []
    for rate in ILLUSTRATIVE_GROWTH_RATES:
        query = {"growth": format_percent(rate).removesuffix("%")}
        if price is not None:
            query["price"] = format_price_input(price)
        links.append({"rate": rate, "url": f"{path}?{urlencode(query)}", "is_current": rate == growth})
    return links


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
    """Keep against exchange at an assumed new exercise price and growth rate (slides 11 and 15).

    The assumptions come from the query string; a bad one is named in `errors` and the page shows the
    defaults: the real new exercise price once known, else the administrator's reference price, and
    50% growth.
    """
    now = timezone.now()
    status = employee_status(offer, employee, now=now)
    price, source = default_price(offer)
    growth = DEFAULT_GROWTH_RATE
    form = CompareForm(query or None)
    errors: list[str] = []
    if form.is_bound and not form.is_valid():
        errors = [
            f"{form[name].label}, “{form.data.get(name, '')}”: {' '.join(problems)}"
            for name, problems in form.errors.items()
        ]
    elif form.is_bound:
        if form.cleaned_data["price"] is not None:
            price, source = form.cleaned_data["price"], PriceSource.EMPLOYEE
        if form.cleaned_data["growth"] is not None:
            growth = form.cleaned_data["growth"] / 100
    shown = CompareForm(
        initial={
            "price": format_price_input(price) if price is not None else "",
            "growth": format_percent(growth).removesuffix("%"),
        }
    )
    page = None
    if price is not None and status.can_take_part:
        page = compare_page(status, price=price, growth=growth, volatility=offer.volatility)
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
        growth_links=_growth_links(links.compare, price, growth),
        page=page,
    )
