"""No input ends in a 5xx (issue 11, item 4): every form of the portal and the console, posted hostile values.

Every URL of the project (the URLconf walked; Django's admin aside) is here, as a ``Case`` (a form or a
query, whose fields are fuzzed) or a ``Page`` (no form: its path arguments and query string are
fuzzed). A view added without either fails ``test_every_url_has_a_hostile_case``.

A form is posted as the role that uses it, at a time its view does something (the offer open, past its
deadline, on the new grant date...), in a state where its action can run. Then:

- once as valid (the control: it must answer below 400, or the rest means little);
- every field at once set to each of ``AT_ONCE`` (empty, 10,000 characters, NUL, a huge number, a
  year-9999 date, a list where a scalar is expected);
- each field on its own, the others valid, set to every value of its kind (``candidates``): empty,
  absent, a list, NUL, 10,000 characters, unicode with HTML and SQL fragments, numbers (1e308,
  99999999999999999999, -1, NaN, Infinity...), dates (9999-12-31, 0000-01-01, 0001-01-01, February
  30...), other employees' ids and unknown grants where the field takes one; files that are empty, not
  what they claim, or hostile in every cell. Where the field belongs to a known form, it is posted once
  for each different thing the field makes of the values (what it cleans them to, or its refusal): the
  view reads only the cleaned value, so two values that clean alike take the same path through it.
  That keeps about 780 requests fast; a field the view reads some other way gets every value.

Every answer must be below 500: a 4xx, a redirect, or the form again with a message. The run is on
SQLite; ``PostgresGuard`` also fails a request that writes (or queries) what PostgreSQL would refuse:
a NUL, ``\u0000`` in JSON, a string longer than its column, a number too big for it. Each request runs
in a savepoint rolled back after it, and the client's cookies are put back, so every request meets the
same rows and the same session.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django import forms
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms.formsets import ManagementForm
from django.http import QueryDict
from django.test import Client, override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils.datastructures import MultiValueDict
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from soxp_portal.accounts.invitations import invitation_token_generator
from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.accounts.second_factor_views import CodeForm
from soxp_portal.closing.actions import accept_tenders, cancel_tendered_grants, create_new_grants
from soxp_portal.closing.models import ClosePreviewRun, ExportFile, StepRun
from soxp_portal.console import forms_closing, forms_setup, forms_watch
from soxp_portal.console.audit_views import DeadlineWindowForm, EventFilterForm
from soxp_portal.offers.actions import add_offer_document, submit_election
from soxp_portal.offers.models import Election, Employee, Offer, OfferDocument, PriceBand
from soxp_portal.offers.queries import employee_status
from soxp_portal.portal import forms as portal_forms
from tests.conftest import create_slide_9_employee, load_soxp_2003
from tests.factories import EmployeeFactory, GrantFactory, UserFactory
from tests.offers.census_data import EMPLOYEES_HEADER, GRANTS_HEADER, employees_csv, grants_csv
from tests.postgres_guard import PostgresGuard

PACIFIC = "America/Los_Angeles"
#: soxp-2003: opens 2002-12-19, deadline 2003-01-20 9:00 PM Pacific, new grant date 2003-07-21.
BEFORE_OPENING = datetime(2002, 12, 1, 18, 0, tzinfo=UTC)
OPEN = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
AFTER_DEADLINE = datetime(2003, 1, 21, 17, 0, tzinfo=UTC)
NEW_GRANT_DAY = datetime(2003, 7, 21, 16, 0, tzinfo=UTC)
SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

#: A list where a scalar is expected: the field is posted twice. A form's single-value field reads the last,
#: the hostile text, so for it this is the same post as that text (and made once).
MULTI = ("1", "Ω≈ç√ 🙂 \u202e\ufeff <script>alert(1)</script> '; DROP TABLE offers_offer; --")
#: The field left out of the post altogether.
ABSENT = object()
LONG = "x" * 10_000
NUL = "a\x00b"
HOSTILE_TEXT = MULTI[1]
NUMBERS = ["1e308", "99999999999999999999", "-1", "0", "NaN", "Infinity", "1,5"]
#: A field the view reads beyond the form's (a grant that is not the employee's, a hostile field name):
#: the name is the hostile part, so a few values do.
EXTRA_VALUES = ["1000", "-1", MULTI]
DATES = [
    "9999-12-31",
    "9999-12-31T23:59",
    "0001-01-01",
    "0001-01-01T00:00",
    "0000-01-01",
    "2003-02-30",
    "31/12/2003",
    "2003-01-10T25:61",
]
AT_ONCE = ["", LONG, NUL, "99999999999999999999", "9999-12-31T23:59", MULTI]
#: A query string a page without a form is fetched with: the parameters the console's pages read, and more.
HOSTILE_QUERY = [
    ("page", "1"),
    ("page", "99999999999999999999"),
    ("tz", NUL),
    ("q", LONG),
    ("format", "csv"),
    ("shown", HOSTILE_TEXT),
    ("next", "//evil.example"),
]
#: Hostile path arguments, as they arrive in a URL (percent-encoded).
PATH_VALUES = [
    "%00",
    "~AA",  # an identifier's encoded form (base64url) of a NUL
    "x" * 300,
    "%27%3B%20DROP%20TABLE%20x%3B--",
    "%F0%9F%99%82",
    "99999999999999999999",
    "-1",
]


@dataclass
class World:
    offer: Offer  # soxp-2003, open on OPEN; Sam's election in force, Bob without one
    accepted: Offer  # the same terms, its tenders accepted (for cancel, letters, terminations)
    cancelled: Offer  # accepted and cancelled (for the new grants)
    granted: Offer  # the new grants made at $12.50 (for the correction)
    admin: User
    auditor: User
    sam: Employee
    bob: Employee
    erin: Employee  # invited, never signed in
    sam_election: Election
    document: OfferDocument
    run: StepRun  # a step of hostile-running's close whose worker stopped (to restart)
    made: ExportFile  # a spreadsheet file of hostile-granted, made (to download)
    stopped_file: ExportFile  # another, whose worker stopped (to restart)
    plan: ClosePreviewRun  # soxp-2003's close preview, whose worker stopped (replaced when asked again)
    roles: dict[str, User | None] = field(default_factory=dict)


def member_of(role: Role, email: str) -> User:
    user = UserFactory(email=email)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


def person(employee_id: str, grant_id: str) -> Employee:
    employee = EmployeeFactory(employee_id=employee_id, first_name="Pat", last_name=employee_id)
    GrantFactory(grant_id=grant_id, employee=employee, exercise_price=Decimal("6.00"))
    return employee


def elect(offer: Offer, employee: Employee, tendered: dict[str, int]) -> Election:
    return submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=0,
        submission_token=uuid.uuid4(),
        now=OPEN,
    )


def copy_of(offer: Offer, slug: str) -> Offer:
    twin = Offer.objects.get(pk=offer.pk)
    twin.pk, twin.slug, twin.name = None, slug, f"Offer {slug}"
    twin._state.adding = True
    twin.save()
    twin.covered_plans.set(offer.covered_plans.all())
    return twin


def build_world() -> World:
    with time_machine.travel(OPEN, tick=False):
        offer = load_soxp_2003()
        admin = member_of(Role.STOCK_ADMINISTRATOR, "ada.admin@example.com")
        sam, bob = create_slide_9_employee(), person("E-BOB", "G-BOB")
        erin = person("E-ERIN", "G-ERIN")
        erin.user.set_unusable_password()
        erin.user.save()
        sam_election = elect(offer, sam, SLIDE_9)
        twins = {
            slug: copy_of(offer, slug)
            for slug in ("hostile-accepted", "hostile-cancelled", "hostile-granted", "hostile-running")
        }
        for slug, twin in twins.items():
            participant = person(f"E-{slug.upper()}", f"G-{slug.upper()}")
            elect(twin, participant, {f"G-{slug.upper()}": 1000})
        document = add_offer_document(
            offer, title="Offer to Exchange", content=PDF, filename="offer.pdf", actor=admin
        )
    for slug, twin in twins.items():
        accept_tenders(twin, actor=admin, now=AFTER_DEADLINE)
        if slug != "hostile-accepted":
            cancel_tendered_grants(twin, actor=admin, now=AFTER_DEADLINE)
    create_new_grants(
        twins["hostile-granted"], closing_price=Decimal("12.50"), actor=admin, now=NEW_GRANT_DAY
    )
    auditor = member_of(Role.AUDITOR, "aldo.auditor@example.com")
    stopped = {"state": "running", "attempts": 1, "started_at": OPEN, "heartbeat_at": OPEN}
    run = StepRun.objects.create(
        offer=twins["hostile-running"],
        step=StepRun.Step.ACCEPT,
        requested_by=admin,
        requested_at=OPEN,
        **stopped,
    )
    granted = {"offer": twins["hostile-granted"], "fmt": "xlsx", "requested_by": admin, "requested_at": OPEN}
    made = ExportFile(export="elections", state="done", as_of=NEW_GRANT_DAY, done=1, **granted)
    made.file.save("elections.xlsx", ContentFile(b"PK\x03\x04 a workbook"), save=False)
    made.save()
    stopped_file = ExportFile.objects.create(export="vesting", **granted, **stopped)
    plan = ClosePreviewRun.objects.create(offer=offer, requested_by=admin, requested_at=OPEN, **stopped)
    return World(
        offer=offer,
        accepted=twins["hostile-accepted"],
        cancelled=twins["hostile-cancelled"],
        granted=twins["hostile-granted"],
        admin=admin,
        auditor=auditor,
        sam=sam,
        bob=bob,
        erin=erin,
        sam_election=sam_election,
        document=document,
        run=run,
        made=made,
        stopped_file=stopped_file,
        plan=plan,
        roles={"anonymous": None, "employee": sam.user, "admin": admin, "auditor": auditor},
    )


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's uploads (the document the set-up posts), kept for all its tests."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def built_world(module_transaction: None, django_db_blocker, media_root: Path) -> World:
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        return build_world()


@pytest.fixture
def world(built_world: World, db: None, settings, media_root: Path) -> World:
    settings.MEDIA_ROOT = media_root
    settings.AXES_ENABLED = False  # a lock-out after five wrong passwords would hide the sign-in form
    return copy.deepcopy(built_world)


# The cases ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A form (or a query): who sends it, when, where, its valid values, and the form they belong to."""

    role: str
    clock: datetime
    path: Callable[[World], str]
    data: Callable[[World], dict[str, Any]]
    #: "post", "get", or "post-query": a POST whose fields are its URL's query string (the audit CSVs,
    #: which take the filters of the page they are asked from).
    method: str = "post"
    #: The forms the fields belong to, unbound: what a field makes of each value decides which to post.
    forms: Callable[[World], list[forms.BaseForm]] = lambda w: []
    #: Uploaded files: field -> valid contents (``hostile_files`` gives the others).
    files: Callable[[World], dict[str, bytes]] = lambda w: {}
    #: Fields kept valid throughout (which of a page's forms is posted): another case fuzzes them.
    fixed: tuple[str, ...] = ()
    #: Fields the view reads that are not among the valid values: each is tried on its own too.
    extra: tuple[str, ...] = ()
    #: More values for some fields: other employees' ids, unknown grants.
    more: Callable[[World], dict[str, list[str]]] = lambda w: {}
    #: Post one value the field refuses by itself (the form shown again without it); False where another
    #: case already takes that path through the same form (the terms, created and edited).
    one_refused: bool = True
    #: A request made first, as the person would (the link of a password reset, before its form).
    prepare: Callable[[Client, World], None] | None = None
    #: The URL's arguments (``args``) at the positions a person could type (``hostile``), made hostile in
    #: turn: an employee id, a reset link's uid and token.
    args: Callable[[World], list[str]] = lambda w: []
    hostile: tuple[int, ...] = ()


@dataclass(frozen=True)
class Page:
    """A URL without a form: fetched with a hostile query string, and with each argument made hostile."""

    role: str
    clock: datetime
    args: Callable[[World], list[str]]
    #: The argument positions a person could type (every one but a fixed offer slug, say).
    hostile: tuple[int, ...] = (0,)
    method: str = "get"
    #: False for a PDF or a download, slow to make and with nothing to read from a query string.
    fetch_valid: bool = True


def console(name: str, *args: str) -> str:
    return reverse(f"console:{name}", args=list(args))


def portal(name: str, offer: Offer, *args: str) -> str:
    return reverse(f"portal:{name}", args=[offer.slug, *args])


def status_of(w: World, employee: Employee):
    return employee_status(w.offer, employee, now=OPEN)


def tenders(w: World) -> dict[str, str]:
    return {"tender-G-1001": "800", "tender-G-1002": "1000", "tender-G-1004": "500"}


def acknowledged() -> dict[str, str]:
    return {name: "on" for name, _text in portal_forms.ACKNOWLEDGEMENTS}


def give_bands(offer: Offer) -> None:
    """Two price bands, so that the ratios page proposes and saves (its offer is open: set as rows)."""
    PriceBand.objects.create(
        offer=offer,
        position=1,
        lower=Decimal(0),
        upper=Decimal(5),
        ratio_new=1,
        ratio_tendered=Decimal("1.5"),
    )
    PriceBand.objects.create(offer=offer, position=2, lower=Decimal(5), ratio_new=1, ratio_tendered=2)
    offer.refresh_from_db()


def terms(w: World, *, slug: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "2004 Stock Option Exchange Program",
        "company_name": "Lantronix, Inc.",
        "time_zone": PACIFIC,
        "opens_at": "2002-12-19T00:00",
        "expires_at": "2003-01-20T21:00",
        "eligible_countries": "US",
        "hire_cutoff_date": "2002-12-19",
        "hire_cutoff_inclusive": "False",
        "price_threshold": "3.01",
        "price_threshold_inclusive": "True",
        "lookback_start": "2002-06-19",
        "lookback_end": "2002-12-19",
        "covered_plans": [str(pk) for pk in w.offer.covered_plans.values_list("pk", flat=True)],
        "exchange_ratio": "0.75",
        "rounding": "up",
        "award_type": "option",
        "award_by_country": "",
        "grant_date_rule": "after_gap",
        "new_grant_delay_months": "6",
        "new_grant_delay_days": "1",
        "pricing_basis": "close_before_grant_date",
        "new_option_type": "NSO",
        "new_option_plan": str(w.offer.new_option_plan_id),
        "new_term_years": "10",
        "vesting_cliff_months": "6",
        "vesting_cliff_fraction": "0.5",
        "vesting_monthly_installments": "24",
        # one price band over every price, its own vesting given (the formset's fields are posted too)
        "bands-TOTAL_FORMS": "1",
        "bands-INITIAL_FORMS": "0",
        "bands-0-award_type": "option",
        "bands-0-lower": "0",
        "bands-0-lower_inclusive": "on",
        "bands-0-upper": "",
        "bands-0-ratio_new": "1",
        "bands-0-ratio_tendered": "1.88",
        "bands-0-vesting_cliff_months": "12",
        "bands-0-vesting_cliff_fraction": "0.5",
        "bands-0-vesting_monthly_installments": "12",
    }
    return data if slug is None else {"slug": slug, **data}


def terms_forms(offer: Offer | None = None) -> list[forms.BaseForm]:
    return [
        forms_setup.OfferTermsForm(instance=offer),
        forms_setup.PriceBandForm(prefix="bands-0"),
        ManagementForm(prefix="bands"),
    ]


#: The audit events page's filters, valid: as the page takes them and as its CSV download carries them.
EVENT_FILTERS = {
    "employee": "E1001",
    "event_type": "election.submitted",
    "channel": "web",
    "since": "2003-01-01T00:00:00",
    "until": "2003-01-31T00:00:00",
    "tz": "utc",
}


def delivery(version: int, received_at: str = "2003-01-09T15:15") -> dict[str, str]:
    return {
        "channel": "fax",
        "received_at": received_at,
        "expected_version": str(version),
        "submission_token": str(uuid.uuid4()),
    }


def terminated(client: Client, w: World) -> None:
    """The accepted participant's termination recorded, for the correction to correct."""
    data = {"employee_id": "E-HOSTILE-ACCEPTED", "termination_date": "2003-03-14"}
    response = client.post(console("close-termination", w.accepted.slug), data)
    assert response.status_code == 302


def reset_link(client: Client, w: World) -> None:
    """The reset link's token moves into the session, as when the email's link is opened."""
    token = default_token_generator.make_token(w.bob.user)
    client.get(reverse("accounts:password-reset-confirm", args=[uid(w.bob.user), token]))


def invitation_link(client: Client, w: World) -> None:
    token = invitation_token_generator.make_token(w.erin.user)
    client.get(reverse("accounts:invitation", args=[uid(w.erin.user), token]))


def pending_sign_in(client: Client, w: World) -> None:
    """The auditor's password typed: the second step (a code, or the app's enrolment) is pending."""
    response = client.post(
        reverse("accounts:login"), {"username": w.auditor.email, "password": "correct-horse-battery"}
    )
    assert response["Location"] == reverse("accounts:second-factor")


def uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


NEW_PASSWORD = {
    "new_password1": "An unguessable passphrase 2003",
    "new_password2": "An unguessable passphrase 2003",
}

CASES: dict[str, tuple[Case, ...]] = {
    "accounts:second-factor": (
        Case(
            "anonymous",
            OPEN,
            lambda w: reverse("accounts:second-factor"),
            lambda w: {"code": "123456"},
            forms=lambda w: [CodeForm()],
            prepare=pending_sign_in,
        ),
    ),
    "accounts:second-factor-enrol": (
        Case(
            "anonymous",
            OPEN,
            lambda w: reverse("accounts:second-factor-enrol"),
            lambda w: {"code": "123456"},
            forms=lambda w: [CodeForm()],
            prepare=pending_sign_in,
        ),
    ),
    "console:second-factor-reset": (
        Case(
            "admin",
            OPEN,
            lambda w: console("second-factor-reset", str(w.auditor.pk)),
            lambda w: {},
            args=lambda w: [str(w.auditor.pk)],
            hostile=(0,),
        ),
    ),
    "accounts:login": (
        Case(
            "anonymous",
            OPEN,
            lambda w: reverse("accounts:login"),
            lambda w: {"username": "e1001@example.com", "password": "correct-horse-battery", "next": "/"},
        ),
    ),
    "accounts:logout": (
        Case("employee", OPEN, lambda w: reverse("accounts:logout"), lambda w: {"next": "/"}),
    ),
    "accounts:password-reset": (
        Case(
            "anonymous",
            OPEN,
            lambda w: reverse("accounts:password-reset"),
            lambda w: {"email": "e-bob@example.com"},
        ),
    ),
    "accounts:password-reset-confirm": (
        Case(
            "anonymous",
            OPEN,
            lambda w: reverse("accounts:password-reset-confirm", args=[uid(w.bob.user), "set-password"]),
            lambda w: NEW_PASSWORD,
            prepare=reset_link,
            args=lambda w: [uid(w.bob.user), "token"],
            hostile=(0, 1),
        ),
    ),
    "accounts:invitation": (
        Case(
            "anonymous",
            OPEN,
            lambda w: reverse("accounts:invitation", args=[uid(w.erin.user), "set-password"]),
            lambda w: NEW_PASSWORD,
            prepare=invitation_link,
            args=lambda w: [uid(w.erin.user), "token"],
            hostile=(0, 1),
        ),
    ),
    "portal:compare": (
        Case(
            "employee",
            OPEN,
            lambda w: portal("compare", w.offer),
            lambda w: {
                "price": "1.50",
                "growth": "25",
                "spot": "1.75",
                "volatility": "60",
                "rate": "4",
                "split": "3",
            },
            method="get",
            forms=lambda w: [portal_forms.CompareForm()],
        ),
    ),
    "portal:compare-pdf": (
        Case(
            "employee",
            OPEN,
            lambda w: portal("compare-pdf", w.offer),
            lambda w: {
                "price": "1.50",
                "growth": "25",
                "spot": "1.75",
                "volatility": "60",
                "rate": "4",
                "split": "3",
            },
            method="get",
            forms=lambda w: [portal_forms.CompareForm()],
        ),
    ),
    "portal:elect": (
        Case(
            "employee",
            OPEN,
            lambda w: portal("elect", w.offer),
            lambda w: {**tenders(w), "expected_version": "1"},
            forms=lambda w: [portal_forms.TenderForm(status=status_of(w, w.sam))],
            extra=(
                "tender-G-BOB",
                "tender-G-NOPE",
                "tender-G-1003",
                f"tender-{LONG}",
                "tender-\x00",
                "change",
            ),
        ),
    ),
    "portal:confirm": (
        Case(
            "employee",
            OPEN,
            lambda w: portal("confirm", w.offer),
            lambda w: {
                **tenders(w),
                "expected_version": "1",
                "submission_token": str(uuid.uuid4()),
                "signature": "Sam Slide",
                **acknowledged(),
            },
            forms=lambda w: [portal_forms.ConfirmElectionForm(status=status_of(w, w.sam))],
            extra=("tender-G-BOB", "tender-G-NOPE", "tender-G-1003", f"tender-{LONG}", "tender-\x00"),
        ),
    ),
    "portal:withdraw": (
        Case(
            "employee",
            OPEN,
            lambda w: portal("withdraw", w.offer),
            lambda w: {
                "expected_version": "1",
                "submission_token": str(uuid.uuid4()),
                "confirm": "on",
                "signature": "Sam Slide",
            },
            forms=lambda w: [portal_forms.WithdrawForm()],
        ),
    ),
    "console:employees": (
        Case(
            "admin",
            OPEN,
            lambda w: console("employees", w.offer.slug),
            lambda w: {"q": "Slide", "standing": "", "page": "1"},
            method="get",
            forms=lambda w: [forms_watch.EmployeeSearchForm()],
        ),
    ),
    "console:paper-election": (
        Case(
            "admin",
            OPEN,
            lambda w: console("paper-election", w.offer.slug, "E-BOB"),
            lambda w: {"tender-G-BOB": "1000", "signature": w.bob.full_name, **delivery(0)},
            forms=lambda w: [forms_watch.PaperElectionForm(status=status_of(w, w.bob), zone=w.offer.zone)],
            extra=("tender-G-1001", "tender-G-NOPE", f"tender-{LONG}"),
            args=lambda w: [w.offer.slug, "E-BOB"],
            hostile=(1,),
        ),
    ),
    "console:paper-withdrawal": (
        Case(
            "admin",
            OPEN,
            lambda w: console("paper-withdrawal", w.offer.slug, "E1001"),
            # Received no earlier than Sam's election (at the clock's time), so that it takes effect.
            lambda w: {"signature": "Sam Slide", **delivery(1, received_at="2003-01-10T10:00")},
            forms=lambda w: [forms_watch.PaperWithdrawalForm(zone=w.offer.zone)],
            args=lambda w: [w.offer.slug, "E1001"],
            hostile=(1,),
        ),
    ),
    "console:preview": (
        Case(
            "admin",
            OPEN,
            lambda w: console("preview", w.offer.slug),
            lambda w: {"employee": "E1001"},
            method="get",
            forms=lambda w: [forms_watch.PreviewForm()],
            more=lambda w: {"employee": ["E-BOB", "e1001", "E1001 "]},
        ),
    ),
    "console:preview-compare": (
        Case(
            "admin",
            OPEN,
            lambda w: console("preview-compare", w.offer.slug, "E1001"),
            lambda w: {"price": "1.50", "growth": "25"},
            method="get",
            forms=lambda w: [portal_forms.CompareForm()],
            args=lambda w: [w.offer.slug, "E1001"],
            hostile=(1,),
        ),
    ),
    "console:reminders": (
        Case("admin", OPEN, lambda w: console("reminders", w.offer.slug), lambda w: {}, extra=("batch",)),
    ),
    "console:reminders-send": (
        Case(
            "admin",
            OPEN,
            lambda w: console("reminders-send", w.offer.slug),
            lambda w: {"batch": str(uuid.uuid4())},
            forms=lambda w: [forms_watch.ReminderForm()],
        ),
    ),
    "console:close": (
        Case(
            "admin",
            AFTER_DEADLINE,
            lambda w: console("close", w.offer.slug),
            lambda w: {"page": "1"},
            method="get",
        ),
    ),
    "console:close-accept": (
        Case(
            "admin",
            AFTER_DEADLINE,
            lambda w: console("close-accept", w.offer.slug),
            lambda w: {"reviewed": "on"},
            forms=lambda w: [forms_closing.AcceptForm()],
        ),
    ),
    "console:close-cancel": (
        Case(
            "admin",
            AFTER_DEADLINE,
            lambda w: console("close-cancel", w.accepted.slug),
            lambda w: {},
            extra=("x",),
        ),
    ),
    "console:close-letters": (
        Case(
            "admin",
            AFTER_DEADLINE,
            lambda w: console("close-letters", w.accepted.slug),
            lambda w: {},
            extra=("x",),
        ),
    ),
    "console:close-termination": (
        Case(
            "admin",
            AFTER_DEADLINE,
            lambda w: console("close-termination", w.accepted.slug),
            lambda w: {"employee_id": "E-HOSTILE-ACCEPTED", "termination_date": "2003-03-14"},
            forms=lambda w: [forms_closing.TerminationForm()],
            more=lambda w: {"employee_id": ["E1001", "E-BOB", "E-HOSTILE-GRANTED"]},
        ),
    ),
    "console:close-termination-correct": (
        Case(
            "admin",
            AFTER_DEADLINE,
            lambda w: console("close-termination-correct", w.accepted.slug, "E-HOSTILE-ACCEPTED"),
            lambda w: {"action": "date", "termination_date": "2003-04-30", "reason": "Typed wrong."},
            forms=lambda w: [forms_closing.TerminationCorrectionForm()],
            prepare=terminated,
            args=lambda w: [w.accepted.slug, "E-HOSTILE-ACCEPTED"],
            hostile=(1,),
        ),
    ),
    "console:close-new-grants": (
        Case(
            "admin",
            NEW_GRANT_DAY,
            lambda w: console("close-new-grants", w.cancelled.slug),
            lambda w: {"closing_price": "1.25", "confirmed": "True"},
            forms=lambda w: [forms_closing.NewGrantsForm(offer=w.cancelled)],
        ),
    ),
    "console:close-correct-price": (
        Case(
            "admin",
            NEW_GRANT_DAY,
            lambda w: console("close-correct-price", w.granted.slug),
            lambda w: {"closing_price": "1.25", "reason": "Typed 12.50 for 1.25.", "confirmed": "True"},
            forms=lambda w: [forms_closing.PriceCorrectionForm(offer=w.granted)],
        ),
    ),
    "console:close-tenders": (
        Case(
            "admin",
            AFTER_DEADLINE,
            lambda w: console("close-tenders", w.accepted.slug),
            lambda w: {"q": "Pat", "shown": "accepted", "page": "1"},
            method="get",
            forms=lambda w: [forms_closing.TenderSearchForm()],
        ),
    ),
    "console:close-granted": (
        Case(
            "admin",
            NEW_GRANT_DAY,
            lambda w: console("close-granted", w.granted.slug),
            lambda w: {"page": "1"},
            method="get",
        ),
    ),
    "console:offer-create": (
        Case(
            "admin",
            BEFORE_OPENING,
            lambda w: console("offer-create"),
            lambda w: terms(w, slug="soxp-2004"),
            forms=lambda w: terms_forms(),
        ),
    ),
    "console:offer-edit": (
        Case(
            "admin",
            BEFORE_OPENING,
            lambda w: console("offer-edit", w.offer.slug),
            lambda w: terms(w, slug=None),
            forms=lambda w: terms_forms(w.offer),
            one_refused=False,
        ),
    ),
    "console:offer-ratios": (
        Case(
            "admin",
            OPEN,
            lambda w: console("offer-ratios", w.offer.slug),
            lambda w: {
                "share_price": "4.20",
                "volatility_percent": "55",
                "risk_free_rate_percent": "2.5",
                "new_term_years": "4",
                "old_term_years": "3",
                "old_term_option_2": "5",
                "target_percent": "90",
                "stage": "preliminary",
                "action": "save",
                "expected_option_1": "1.02",
                "expected_option_2": "2.31",
            },
            forms=lambda w: [forms_setup.RatiosForm(offer=w.offer)],
            prepare=lambda client, w: give_bands(w.offer),
        ),
    ),
    "console:offer-extend": (
        Case(
            "admin",
            OPEN,
            lambda w: console("offer-extend", w.offer.slug),
            lambda w: {
                "new_expires_at": "2003-01-24T21:00",
                "reason": "The deadline falls on a holiday.",
                "announcement": "The deadline is now Friday, January 24.",
                "confirmed": "True",
            },
            forms=lambda w: [forms_setup.ExtensionForm(offer=w.offer, now=OPEN)],
        ),
    ),
    "console:offer-documents": (
        Case(
            "admin",
            OPEN,
            lambda w: console("offer-documents", w.offer.slug),
            lambda w: {
                "form": "contacts",
                "form-TOTAL_FORMS": "2",
                "form-INITIAL_FORMS": "0",
                "form-MIN_NUM_FORMS": "0",
                "form-MAX_NUM_FORMS": "20",
                "form-0-name": "Stock Administration",
                "form-0-role": "Questions about the offer",
                "form-0-phone": "(949) 453-3990",
                "form-0-fax": "(949) 453-3995",
                "form-0-email": "stock@example.com",
            },
            forms=lambda w: [forms_setup.ContactForm(prefix="form-0"), ManagementForm(prefix="form")],
            fixed=("form-MIN_NUM_FORMS", "form-MAX_NUM_FORMS"),  # a formset does not read them from the post
        ),
        Case(
            "admin",
            OPEN,
            lambda w: console("offer-documents", w.offer.slug),
            lambda w: {"form": "document", "title": "Offer to Exchange"},
            forms=lambda w: [forms_setup.DocumentForm()],
            files=lambda w: {"file": PDF},
            fixed=("form",),
        ),
        Case(
            "admin",
            OPEN,
            lambda w: console("offer-documents", w.offer.slug),
            lambda w: {
                "form": "decision-support",
                "reference_price": "1.75",
                "volatility_percent": "60",
                "risk_free_rate_percent": "4",
                "current_vesting_cliff_months": "6",
                "current_vesting_cliff_percent": "50",
                "current_vesting_installments": "30",
            },
            forms=lambda w: [forms_setup.DecisionSupportForm(offer=w.offer)],
            fixed=("form",),
        ),
    ),
    "console:census": (
        Case(
            "admin",
            OPEN,
            lambda w: console("census"),
            lambda w: {},
            files=lambda w: {"employees": employees_csv(), "grants": grants_csv()},
        ),
    ),
    "console:census-confirm": (
        Case(
            "admin",
            OPEN,
            lambda w: console("census-confirm"),
            lambda w: {"upload": str(uuid.uuid4())},
            forms=lambda w: [forms_setup.CensusConfirmForm()],
        ),
    ),
    "console:invitations": (
        Case(
            "admin",
            OPEN,
            lambda w: console("invitations"),
            lambda w: {"count": "1"},
            forms=lambda w: [forms_setup.InvitationsForm()],
        ),
    ),
    "console:audit-events": (
        Case(
            "auditor",
            OPEN,
            lambda w: console("audit-events"),
            lambda w: {**EVENT_FILTERS, "page": "1", "format": "html"},
            method="get",
            forms=lambda w: [EventFilterForm(zone_name=PACIFIC)],
        ),
    ),
    "console:audit-deadline": (
        Case(
            "auditor",
            OPEN,
            lambda w: console("audit-deadline", w.offer.slug),
            lambda w: {"window": "60", "tz": "utc", "page": "1", "format": "html"},
            method="get",
            forms=lambda w: [DeadlineWindowForm()],
        ),
    ),
    "console:audit-events-csv": (
        Case(
            "auditor",
            OPEN,
            lambda w: console("audit-events-csv"),
            lambda w: dict(EVENT_FILTERS),
            method="post-query",
            forms=lambda w: [EventFilterForm(zone_name=PACIFIC)],
        ),
    ),
    "console:audit-deadline-csv": (
        Case(
            "auditor",
            OPEN,
            lambda w: console("audit-deadline-csv", w.offer.slug),
            lambda w: {"window": "60", "tz": "utc"},
            method="post-query",
            forms=lambda w: [DeadlineWindowForm()],
        ),
    ),
}

PAGES: dict[str, Page] = {
    "accounts:signed-out": Page("anonymous", OPEN, lambda w: [], hostile=()),
    # Single sign-on is not configured in this world (404); tests/accounts/test_sso.py sends the callback
    # hostile answers with a provider running.
    "accounts:sso-start": Page("anonymous", OPEN, lambda w: [], hostile=()),
    "accounts:sso-callback": Page("anonymous", OPEN, lambda w: [], hostile=()),
    "accounts:recovery-codes": Page("admin", OPEN, lambda w: [], hostile=()),
    "console:second-factors": Page("admin", OPEN, lambda w: [], hostile=()),
    "home": Page("employee", OPEN, lambda w: [], hostile=()),
    "accounts:password-reset-done": Page("anonymous", OPEN, lambda w: [], hostile=()),
    "accounts:password-reset-complete": Page("anonymous", OPEN, lambda w: [], hostile=()),
    "portal:offer": Page("employee", OPEN, lambda w: [w.offer.slug]),
    "portal:grants": Page("employee", OPEN, lambda w: [w.offer.slug]),
    "portal:how-it-works": Page("employee", OPEN, lambda w: [w.offer.slug]),
    "portal:how-it-works-pdf": Page("employee", OPEN, lambda w: [w.offer.slug], fetch_valid=False),
    "portal:history": Page("employee", OPEN, lambda w: [w.offer.slug]),
    "portal:election": Page(
        "employee", OPEN, lambda w: [w.offer.slug, w.sam_election.confirmation_number], hostile=(1,)
    ),
    "portal:election-pdf": Page(
        "employee",
        OPEN,
        lambda w: [w.offer.slug, w.sam_election.confirmation_number],
        hostile=(1,),
        fetch_valid=False,
    ),
    "portal:document": Page(
        "employee", OPEN, lambda w: [w.offer.slug, str(w.document.pk)], hostile=(1,), fetch_valid=False
    ),
    "portal:promise-letter": Page("employee", OPEN, lambda w: [w.offer.slug, "1"], hostile=(1,)),
    "console:home": Page("admin", OPEN, lambda w: [], hostile=()),
    "console:dashboard": Page("admin", OPEN, lambda w: [w.offer.slug]),
    "console:employee": Page("admin", OPEN, lambda w: [w.offer.slug, "E1001"], hostile=(1,)),
    "console:election-pdf": Page(
        "admin",
        OPEN,
        lambda w: [w.offer.slug, "E1001", w.sam_election.confirmation_number],
        hostile=(1, 2),
        fetch_valid=False,
    ),
    "console:confirmation-resend": Page(
        "admin",
        OPEN,
        lambda w: [w.offer.slug, "E1001", w.sam_election.confirmation_number],
        hostile=(1, 2),
        method="post",
    ),
    "console:confirmations": Page("admin", OPEN, lambda w: [w.offer.slug], hostile=()),
    "console:confirmations-resend": Page("admin", OPEN, lambda w: [w.offer.slug], hostile=(), method="post"),
    "console:preview-overview": Page("admin", OPEN, lambda w: [w.offer.slug, "E1001"], hostile=(1,)),
    "console:preview-grants": Page("admin", OPEN, lambda w: [w.offer.slug, "E1001"], hostile=(1,)),
    "console:close-letter": Page(
        "admin", AFTER_DEADLINE, lambda w: [w.accepted.slug, "E-HOSTILE-ACCEPTED"], hostile=(1,)
    ),
    "console:exports": Page("admin", NEW_GRANT_DAY, lambda w: [w.granted.slug]),
    "console:close-run": Page(
        "admin", AFTER_DEADLINE, lambda w: [w.run.offer.slug, str(w.run.pk)], hostile=(1,)
    ),
    "console:close-preview-run": Page(
        "admin", AFTER_DEADLINE, lambda w: [w.offer.slug, str(w.plan.pk)], hostile=(1,)
    ),
    "console:close-preview": Page(
        "admin", AFTER_DEADLINE, lambda w: [w.offer.slug], hostile=(), method="post"
    ),
    "console:close-run-restart": Page(
        "admin", AFTER_DEADLINE, lambda w: [w.run.offer.slug, str(w.run.pk)], hostile=(1,), method="post"
    ),
    "console:export-file": Page(
        "admin", NEW_GRANT_DAY, lambda w: [w.granted.slug, str(w.made.pk)], hostile=(1,)
    ),
    "console:export-file-download": Page(
        "admin",
        NEW_GRANT_DAY,
        lambda w: [w.granted.slug, str(w.made.pk)],
        hostile=(1,),
        method="post",
        fetch_valid=False,
    ),
    "console:export-file-restart": Page(
        "admin",
        NEW_GRANT_DAY,
        lambda w: [w.granted.slug, str(w.stopped_file.pk)],
        hostile=(1,),
        method="post",
    ),
    "console:export-download": Page(
        "admin",
        NEW_GRANT_DAY,
        lambda w: [w.granted.slug, "new-grants", "csv"],
        hostile=(1, 2),
        fetch_valid=False,
    ),
    "console:offer-document": Page(
        "admin", OPEN, lambda w: [w.offer.slug, str(w.document.pk)], hostile=(1,), fetch_valid=False
    ),
    "console:offer-how-it-works-pdf": Page("admin", OPEN, lambda w: [w.offer.slug], fetch_valid=False),
    "console:offer-document-delete": Page(
        "admin", OPEN, lambda w: [w.offer.slug, str(w.document.pk)], hostile=(1,), method="post"
    ),
    "console:census-errors": Page("admin", OPEN, lambda w: [str(uuid.uuid4())], fetch_valid=False),
    "console:audit-event": Page("auditor", OPEN, lambda w: ["1"]),
    "console:audit-employee": Page("auditor", OPEN, lambda w: ["E1001"]),
    "console:audit-chain": Page("auditor", OPEN, lambda w: [], hostile=()),
}

#: Census files that are not CSV at all; ``census_rows`` adds rows whose every cell is hostile.
CENSUS_FILES: dict[str, bytes] = {
    "empty": b"",
    "NUL bytes": b"\x00" * 64,
    "binary": bytes(range(256)) * 4,
    "not UTF-8": b"employee_id\n\xe9\xff\n",
    "header only": b"employee_id,first_name\n",
}
CENSUS_VALUES = [
    LONG,
    NUL,
    HOSTILE_TEXT.replace('"', ""),
    "99999999999999999999",
    "1e308",
    "9999-12-31",
    "0000-01-01",
    "-1",
]
#: Documents: what is not a PDF, and a PDF under names a storage must not take as they are.
PDF_FILES: dict[str, tuple[str, bytes]] = {
    "empty": ("offer.pdf", b""),
    "not a PDF": ("offer.pdf", b"hello"),
    "a PDF's first bytes, then junk": ("offer.pdf", b"%PDF-" + bytes(range(256))),
    "a 300-character name": ("x" * 300 + ".pdf", PDF),
    "a path for a name": ("../../../etc/offer.pdf", PDF),
    "a hostile name": (HOSTILE_TEXT + ".pdf", PDF),
}


def census_rows(header: str) -> dict[str, bytes]:
    """A file of `header`'s columns whose one row holds a hostile value in every cell, for each value."""
    cells = len(header.split(","))
    return {
        f"every cell {shown(value)}": f"{header}\n{','.join([f'"{value}"'] * cells)}\n".encode()
        for value in CENSUS_VALUES
    }


def hostile_files(name: str) -> dict[str, tuple[str, bytes]]:
    if name == "file":
        return PDF_FILES
    header = EMPLOYEES_HEADER if name == "employees" else GRANTS_HEADER
    return {label: (f"{name}.csv", body) for label, body in {**CENSUS_FILES, **census_rows(header)}.items()}


# Running a case -------------------------------------------------------------------------------------


def url_names() -> set[str]:
    """Every URL name of the project, namespaced, Django's admin left out."""

    def walk(patterns: list[Any], namespace: str | None) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name != "admin":
                    yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return set(walk(get_resolver().url_patterns, None))


def shown(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}…({len(text)} chars)"


def kind(value: Any) -> str:
    text = value[0] if isinstance(value, list) and value else value
    if not isinstance(text, str):
        return "text"
    if len(text) >= 10 and text[:4].isdigit() and text[4:5] == "-":
        return "date"
    if text and text.replace(".", "", 1).replace("-", "", 1).isdigit():
        return "number"
    return "text"


def candidates(name: str, valid: Any, more: list[str]) -> list[Any]:
    values: list[Any] = [ABSENT, "", MULTI, NUL, LONG, HOSTILE_TEXT, *more]
    if kind(valid) in ("number", "date") or name.startswith("tender-"):
        values += NUMBERS
    if kind(valid) == "date":
        values += DATES
    return values


def judged(forms_: list[forms.BaseForm], name: str, value: Any) -> str | None:
    """What the field `name` of one of the forms makes of `value` by itself: "refused", or what it cleans
    it to; None when no form has the field (the view reads it some other way: post every value)."""
    for form in forms_:
        own = name.removeprefix(f"{form.prefix}-") if form.prefix else name
        if own not in form.fields:
            continue
        posted = QueryDict(mutable=True)
        if value is not ABSENT:
            posted.setlist(name, list(value) if isinstance(value, tuple) else [value])
        field_ = form.fields[own]
        try:
            return repr(field_.clean(field_.widget.value_from_datadict(posted, MultiValueDict(), name)))
        except ValidationError:
            return "refused"
        except Exception:  # the view will meet it too: post it and see
            return None
    return None


def with_value(data: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    changed = {key: item for key, item in data.items() if key != name}
    if value is not ABSENT:
        changed[name] = list(value) if isinstance(value, tuple) else value
    return changed


def uploads(files: dict[str, tuple[str, bytes]]) -> dict[str, SimpleUploadedFile]:
    return {name: SimpleUploadedFile(filename, body) for name, (filename, body) in files.items()}


def variants(case: Case, w: World) -> Iterator[tuple[str, dict[str, Any]]]:
    """The posts of a case: valid, every field at once hostile, then each field (and file) on its own.

    A field of a known form is posted once for each different thing it makes of the values (what it
    cleans them to, or its refusal): the view reads the cleaned value, so two values that clean alike
    take the same path through it.
    """
    base, more = case.data(w), case.more(w)
    files = {
        name: ("offer.pdf" if name == "file" else f"{name}.csv", body) for name, body in case.files(w).items()
    }
    yield "valid", {**base, **uploads(files)}
    names = [name for name in [*base, *case.extra] if name not in case.fixed]
    for value in AT_ONCE:
        hostile = list(value) if isinstance(value, tuple) else value
        yield f"every field {shown(value)}", {**base, **dict.fromkeys(names, hostile), **uploads(files)}
    forms_ = case.forms(w)
    for name in names:
        seen = set() if case.one_refused else {"refused"}
        values = candidates(name, base.get(name), more.get(name, [])) if name in base else EXTRA_VALUES
        for value in values:
            outcome = judged(forms_, name, value)
            if outcome is not None:
                if outcome in seen:
                    continue
                seen.add(outcome)
            yield f"{name}={shown(value)}", {**with_value(base, name, value), **uploads(files)}
    for name in files:
        for label, upload in hostile_files(name).items():
            yield f"{name} file: {label}", {**base, **uploads({**files, name: upload})}
        others = {key: upload for key, upload in files.items() if key != name}
        yield f"{name}: text, not a file", {**base, **uploads(others), name: HOSTILE_TEXT}


def send(client: Client, method: str, path: str, data: dict[str, Any], *, below: int = 500) -> str | None:
    """One request in a savepoint rolled back after it; what went wrong, or None for an answer below
    `below` (500; 400 for the valid post, which must work)."""
    cookies = copy.deepcopy(client.cookies)
    savepoint = transaction.atomic()
    savepoint._from_testcase = (
        True  # stands where the test's own transaction would: durable blocks nest in it
    )
    with savepoint:
        try:
            if method == "get":
                response = client.get(path, data)
            elif method == "post-query":  # a download button: a POST carrying its page's query string
                response = client.post(f"{path}?{urlencode(data, doseq=True)}")
            else:
                response = client.post(path, data)
        except Exception as error:  # a view's exception is what the test looks for
            outcome: str | None = f"raised {type(error).__name__}: {str(error)[:200]}"
        else:
            outcome = f"answered {response.status_code}" if response.status_code >= below else None
        transaction.set_rollback(True)
    client.cookies = cookies
    return outcome


def signed_in(role: str, w: World) -> Client:
    client = Client()
    user = w.roles[role]
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_form_never_answers_5xx(name: str, world: World) -> None:
    failures = []
    for number, case in enumerate(CASES[name]):
        with time_machine.travel(case.clock, tick=False):
            client = signed_in(case.role, world)
            if case.prepare is not None:
                case.prepare(client, world)
            path = case.path(world)
            with PostgresGuard():
                for label, data in variants(case, world):
                    outcome = send(client, case.method, path, data, below=400 if label == "valid" else 500)
                    if outcome is not None:
                        failures.append(f"{name} [{number}] {label}: {outcome}")
                for label, hostile_path in hostile_paths(case.hostile, case.args(world), name):
                    outcome = send(client, case.method, hostile_path, case.data(world))
                    if outcome is not None:
                        failures.append(f"{name} [{number}] {label}: {outcome}")
    assert not failures, "\n".join(failures)


#: Stand-ins each converter takes (a slug, a number, a uuid), swapped for the hostile text once reversed.
STAND_INS = ["STANDIN", "987654321", "12345678-1234-5678-1234-567812345678"]


def hostile_paths(positions: tuple[int, ...], args: list[str], name: str) -> Iterator[tuple[str, str]]:
    """The URL `name` with each of the arguments at `positions` made hostile in turn."""
    for position in positions:
        for stand_in in STAND_INS:
            try:
                path = reverse(name, args=[stand_in if i == position else arg for i, arg in enumerate(args)])
            except NoReverseMatch:
                continue
            break
        for value in PATH_VALUES:
            yield f"argument {position}={shown(value)}", path.replace(stand_in, value, 1)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_page_never_answers_5xx(name: str, world: World) -> None:
    page = PAGES[name]
    failures = []
    with time_machine.travel(page.clock, tick=False):
        client = signed_in(page.role, world)
        args = page.args(world)
        requests = list(hostile_paths(page.hostile, args, name))
        if page.fetch_valid:
            requests.append(
                ("a hostile query string", f"{reverse(name, args=args)}?{urlencode(HOSTILE_QUERY)}")
            )
        with PostgresGuard():
            for label, path in requests:
                outcome = send(client, page.method, path, {})
                if outcome is not None:
                    failures.append(f"{name} {label}: {outcome}")
    assert not failures, "\n".join(failures)


def test_every_url_has_a_hostile_case() -> None:
    """A view added without a case (a form) or a page (no form) here fails this test."""
    assert not set(CASES) & set(PAGES)
    assert url_names() == set(CASES) | set(PAGES)
