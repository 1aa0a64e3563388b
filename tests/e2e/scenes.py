"""The data the browser tests show, made through the factories and the actions."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.closing.actions import accept_tenders, cancel_tendered_grants, create_new_grants
from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.models import Election, Employee, Offer
from tests.factories import EmployeeFactory, GrantFactory, OfferFactory, UserFactory

#: Inside the 2003 offer's window, after its deadline (2003-01-21 05:00 UTC), and its new grant date.
DURING_2003 = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
AFTER_2003 = datetime(2003, 1, 21, 6, 0, tzinfo=UTC)
NEW_GRANT_DAY_2003 = datetime(2003, 7, 21, 17, 0, tzinfo=UTC)


def member_of(role: Role, email: str) -> User:
    user = UserFactory(email=email)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


def eligible_employee(employee_id: str, first_name: str, **fields: object) -> Employee:
    """An employee with one grant, still outstanding long after today (eligible in both offers)."""
    employee = EmployeeFactory(employee_id=employee_id, first_name=first_name, **fields)
    GrantFactory(
        grant_id=f"G-{employee_id}",
        employee=employee,
        expiration_date=timezone.now().date() + timedelta(days=3650),
    )
    return employee


def elect(
    offer: Offer, employee: Employee, tendered: dict[str, int], *, now: datetime | None = None
) -> Election:
    return submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=0,
        submission_token=uuid.uuid4(),
        now=now,
    )


@dataclass
class Console:
    """What the console shows: the open offer with an election, an offer still to open, a closed one, and
    one whose new grants are made (the closing price may still be corrected)."""

    open_offer: Offer
    upcoming: Offer
    closed: Offer
    granted: Offer
    admin: User
    auditor: User
    sam: Employee  # slide 9: elected in the open offer
    alice: Employee  # eligible, no election yet: the paper election form


def build_console(open_offer: Offer, soxp_2003: Offer, slide_9_employee: Employee) -> Console:
    """Sam elects in the open offer; Bob elected in the 2003 offer, whose tenders are then accepted."""
    admin = member_of(Role.STOCK_ADMINISTRATOR, "ada.admin@example.com")
    now = timezone.now()
    scene = Console(
        open_offer=open_offer,
        upcoming=OfferFactory(
            slug="next",
            opens_at=now + timedelta(days=30),
            expires_at=now + timedelta(days=60),
            hire_cutoff_date=now.date() + timedelta(days=30),
        ),
        closed=soxp_2003,
        granted=twin_of(soxp_2003, "granted"),
        admin=admin,
        auditor=member_of(Role.AUDITOR, "aldo.auditor@example.com"),
        sam=slide_9_employee,
        alice=eligible_employee("E-ALICE", "Alice"),
    )
    elect(open_offer, slide_9_employee, {"G-1001": 800, "G-1002": 1000, "G-1004": 500})
    bob = eligible_employee("E-BOB", "Bob")
    elect(soxp_2003, bob, {"G-E-BOB": 1000}, now=DURING_2003)
    accept_tenders(soxp_2003, actor=admin, now=AFTER_2003)
    carol = eligible_employee("E-CAROL", "Carol")
    elect(scene.granted, carol, {"G-E-CAROL": 1000}, now=DURING_2003)
    accept_tenders(scene.granted, actor=admin, now=AFTER_2003)
    cancel_tendered_grants(scene.granted, actor=admin, now=AFTER_2003)
    create_new_grants(scene.granted, closing_price=Decimal("1.25"), actor=admin, now=NEW_GRANT_DAY_2003)
    return scene


def twin_of(offer: Offer, slug: str) -> Offer:
    """An offer on the same terms under another slug (its own tenders: a grant is accepted in one offer)."""
    twin = Offer.objects.get(pk=offer.pk)
    twin.pk, twin.slug, twin.name = None, slug, f"{offer.name} ({slug})"
    twin._state.adding = True
    twin.save()
    twin.covered_plans.set(offer.covered_plans.all())
    return twin
