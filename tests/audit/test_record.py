"""record(): the one writer of the audit trail."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import RequestFactory

from soxp_portal.accounts.models import User
from soxp_portal.audit.chain import GENESIS_HASH, event_hash
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditChannel, AuditEvent, AuditEventType
from soxp_portal.offers.models import Election, Employee
from tests.audit.conftest import NOW
from tests.factories import ElectionFactory, OfferFactory

pytestmark = pytest.mark.django_db


def test_record_writes_one_event_with_every_field(stock_admin: User, alice: Employee) -> None:
    offer = OfferFactory()
    request = RequestFactory().post(
        "/console/paper-election/",
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64)",
        HTTP_X_REQUEST_ID="req-42",
    )

    with time_machine.travel(datetime(2003, 1, 10, 18, 5, tzinfo=UTC), tick=False):
        event = record(
            AuditEventType.ELECTION_SUBMITTED,
            actor=stock_admin,
            at=NOW,
            employee=alice,
            offer=offer,
            on_behalf=True,
            channel=AuditChannel.FAX,
            data={"price": Decimal("3.01"), "shares": 750, "received": NOW, "grants": ("G-1", "G-2")},
            request=request,
        )

    assert AuditEvent.objects.count() == 1
    stored = AuditEvent.objects.get()
    assert stored.pk == event.pk
    assert (stored.sequence, stored.event_type) == (1, "election.submitted")
    assert stored.at == NOW
    assert stored.recorded_at == datetime(2003, 1, 10, 18, 5, tzinfo=UTC)
    assert (stored.actor, stored.actor_email) == (stock_admin, "stock.admin@example.com")
    assert (stored.employee, stored.employee_number) == (alice, "E-ALICE")
    assert stored.offer == offer
    assert (stored.on_behalf, stored.channel) == (True, "fax")
    assert stored.ip_address == "203.0.113.7"
    assert stored.user_agent == "Mozilla/5.0 (X11; Linux x86_64)"
    assert stored.request_id == "req-42"
    assert stored.data == {
        "price": "3.01",
        "shares": 750,
        "received": "2003-01-10T18:00:00.123456Z",
        "grants": ["G-1", "G-2"],
    }
    assert stored.hash == event.hash == event_hash(stored)


def test_snapshots_survive_later_changes_to_the_account_and_the_census(
    stock_admin: User, alice: Employee
) -> None:
    record(AuditEventType.ROLE_CHANGED, actor=stock_admin, at=NOW, subject=alice)

    User.objects.filter(pk=stock_admin.pk).update(email="renamed@example.com")
    Employee.objects.filter(pk=alice.pk).update(employee_id="E-ALICE-2")

    event = AuditEvent.objects.get()
    assert (event.actor_email, event.employee_number) == ("stock.admin@example.com", "E-ALICE")


def test_subject_is_stored_by_label_and_pk_and_gives_the_employee_and_offer(stock_admin: User) -> None:
    election: Election = ElectionFactory()

    event = record(AuditEventType.ELECTION_WITHDRAWN, actor=stock_admin, at=NOW, subject=election)

    assert (event.subject_type, event.subject_id) == ("offers.Election", str(election.pk))
    assert event.employee == election.employee
    assert event.employee_number == election.employee.employee_id
    assert event.offer == election.offer


def test_explicit_employee_wins_over_the_subjects(stock_admin: User, bob: Employee) -> None:
    election: Election = ElectionFactory()

    event = record(AuditEventType.ELECTION_REFUSED, actor=stock_admin, at=NOW, subject=election, employee=bob)

    assert event.employee == bob


def test_anonymous_actor_is_recorded_without_a_user(db: None) -> None:
    request = RequestFactory().post("/accounts/sign-in/", REMOTE_ADDR="2001:DB8::1")

    event = record(
        AuditEventType.AUTH_SIGN_IN_FAILED,
        actor=AnonymousUser(),
        at=NOW,
        data={"email": "mallory@example.com"},
        request=request,
    )

    assert (event.actor, event.actor_email) == (None, "")
    assert event.ip_address == "2001:db8::1"
    assert event.data == {"email": "mallory@example.com"}
    assert event.request_id == ""
    assert AuditEvent.objects.get().hash == event_hash(AuditEvent.objects.get())


def test_behind_a_trusted_proxy_the_event_holds_the_clients_address(db: None, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")

    event = record(AuditEventType.EXPORT_DOWNLOADED, actor=None, at=NOW, request=request)

    assert event.ip_address == "198.51.100.7"


def test_request_id_set_by_the_middleware_is_preferred(db: None) -> None:
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="from-the-proxy")
    request.request_id = "set-by-middleware"  # type: ignore[attr-defined]

    event = record(AuditEventType.EXPORT_DOWNLOADED, actor=None, at=NOW, request=request)

    assert event.request_id == "set-by-middleware"


def test_unusable_request_details_are_dropped_not_stored(db: None) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="", HTTP_X_REQUEST_ID='has spaces; and quotes"', HTTP_USER_AGENT="x" * 5000
    )

    event = record(AuditEventType.EXPORT_DOWNLOADED, actor=None, at=NOW, request=request)

    assert (event.ip_address, event.request_id, len(event.user_agent)) == (None, "", 1000)


def test_at_is_stored_in_utc_to_the_microsecond(db: None) -> None:
    pacific = datetime(2003, 1, 20, 20, 59, 59, 999999, tzinfo=ZoneInfo("America/Los_Angeles"))

    record(AuditEventType.OFFER_CLOSED, actor=None, at=pacific)

    stored = AuditEvent.objects.get()
    assert stored.at == datetime(2003, 1, 21, 4, 59, 59, 999999, tzinfo=UTC)
    assert stored.at.utcoffset() == timedelta(0)


def test_first_event_links_to_the_genesis_hash_and_the_next_to_it(stock_admin: User) -> None:
    first = record(AuditEventType.OFFER_CREATED, actor=stock_admin, at=NOW)
    second = record(AuditEventType.OFFER_EXTENDED, actor=stock_admin, at=NOW + timedelta(days=4))

    assert first.previous_hash == GENESIS_HASH == "0" * 64
    assert second.previous_hash == first.hash
    assert (first.sequence, second.sequence) == (1, 2)
    assert len(first.hash) == len(second.hash) == 64
    assert first.hash != second.hash


def test_a_failure_after_record_in_the_same_transaction_leaves_no_event(stock_admin: User) -> None:
    def action_failing_after_its_event() -> None:
        with transaction.atomic():
            record(AuditEventType.OFFER_CLOSED, actor=stock_admin, at=NOW)
            raise RuntimeError("the action failed after writing its event")

    with pytest.raises(RuntimeError, match="the action failed"):
        action_failing_after_its_event()

    assert not AuditEvent.objects.exists()
    assert record(AuditEventType.OFFER_CLOSED, actor=stock_admin, at=NOW).sequence == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"at": datetime(2003, 1, 10, 18, 0)}, "naive"),
        ({"at": NOW, "channel": "carrier-pigeon"}, "Unknown audit channel"),
        ({"at": NOW, "data": {"ratio": 0.75}}, "Float"),
        ({"at": NOW, "data": {"new_password": "hunter2hunter2"}}, "credentials"),
        ({"at": NOW, "data": {"invitation": {"token": "abc"}}}, "credentials"),
    ],
)
def test_invalid_input_is_refused_and_nothing_is_written(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        record(AuditEventType.OFFER_EDITED, actor=None, **kwargs)  # type: ignore[arg-type]

    assert not AuditEvent.objects.exists()


def test_unknown_event_type_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match=r"election\.deleted"):
        record("election.deleted", actor=None, at=NOW)  # type: ignore[arg-type]


def test_an_unsaved_subject_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match="Save the Election"):
        record(AuditEventType.ELECTION_SUBMITTED, actor=None, at=NOW, subject=Election())


def test_at_in_another_offset_hashes_like_the_same_instant_in_utc(db: None) -> None:
    plus_two = NOW.astimezone(timezone(timedelta(hours=2)))

    event = record(AuditEventType.LETTERS_ISSUED, actor=None, at=plus_two, data={"on": date(2003, 7, 21)})

    assert event.at == NOW
    assert event.at.tzinfo == UTC
    assert event.hash == event_hash(AuditEvent.objects.get())


def test_an_event_reads_as_its_number_type_and_time_in_utc_to_the_second(db: None) -> None:
    event = record(
        AuditEventType.CENSUS_IMPORTED, actor=None, at=datetime(2003, 1, 10, 18, 0, 7, 123456, tzinfo=UTC)
    )
    assert str(event) == f"#{event.sequence} census.imported, January 10, 2003 at 6:00:07 PM UTC"
