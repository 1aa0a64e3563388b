"""The extension page: a later deadline, its effect and the drafted notice, then the confirmation."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Announcement, Offer

pytestmark = pytest.mark.django_db


def extend_url(offer: Offer) -> str:
    return reverse("console:offer-extend", args=[offer.slug])


def test_the_page_shows_the_deadline_and_why_the_ratio_cannot_change(
    staff_client, soxp_2003, extension_day
) -> None:
    html = staff_client.get(extend_url(soxp_2003)).content.decode()
    assert "January 20, 2003 at 9:00 PM PST" in html
    assert "10 more business days" in html
    assert "The ratio is locked once the offer opens" in html


def test_the_preview_shows_the_effect_and_the_notice_and_changes_nothing(
    staff_client, soxp_2003, slide_9_employee, extension_day
) -> None:
    response = staff_client.post(
        extend_url(soxp_2003), {"new_expires_at": "2003-01-24T21:00", "reason": "Holiday on the deadline day"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("January 24, 2003", "July 25, 2003", "July 24, 2003", "July 21, 2003", "July 18, 2003"):
        assert text in html
    # The notice's deadline, 9:00 a.m. Eastern the day after MLK Day, in the offer's zone as the whole page.
    assert "Release by <strong>January 21, 2003 at 6:00 AM PST</strong>: 9:00 a.m. Eastern" in html
    assert "EST" not in html
    assert "As of January 20, 2003 at 12:00 PM PST, options to purchase 0 shares had been tendered" in html
    assert "about 0% of the options eligible for exchange" in html
    assert "You may now make, change or withdraw your election until January 24, 2003 at 9:00 PM PST" in html
    assert 'name="confirmed" value="True"' in html
    assert Offer.objects.get(pk=soxp_2003.pk).expires_at == datetime(2003, 1, 21, 5, 0, tzinfo=UTC)
    assert not Announcement.objects.exists()


def test_confirming_extends_the_offer(staff_client, admin, soxp_2003, extension_day) -> None:
    response = staff_client.post(
        extend_url(soxp_2003),
        {
            "new_expires_at": "2003-01-24T21:00",
            "reason": "Holiday on the deadline day",
            "announcement": "The deadline is now Friday, January 24.",
            "confirmed": "True",
        },
    )
    assert response["Location"] == reverse("console:dashboard", args=[soxp_2003.slug])
    assert Offer.objects.get(pk=soxp_2003.pk).expires_at == datetime(2003, 1, 25, 5, 0, tzinfo=UTC)
    assert Announcement.objects.get().body == "The deadline is now Friday, January 24."
    assert AuditEvent.objects.get(event_type="offer.extended").actor == admin


def test_confirming_without_an_announcement_is_refused(staff_client, soxp_2003, extension_day) -> None:
    data = {"new_expires_at": "2003-01-24T21:00", "reason": "r", "announcement": "", "confirmed": "True"}
    response = staff_client.post(extend_url(soxp_2003), data)
    assert response.status_code == 200
    assert "Write the announcement employees will read." in response.content.decode()
    assert not Announcement.objects.exists()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("2003-01-17T21:00", "its deadline can only be extended"),
        ("2003-01-20T09:00", "is in the past"),
        ("2003-01-20T21:00", "The deadline is already"),
        ("", "This field is required"),
        ("9999-12-31T23:59", "New deadline must be from January 1, 1990 to December 31, 2100"),
        ("0001-01-01T00:00", "New deadline must be from January 1, 1990 to December 31, 2100"),
        ("2003-12-20T00:01", "at most 366 days after the opening, so no later than December 20, 2003"),
    ],
)
def test_a_deadline_that_cannot_be_is_refused_with_the_reason(
    staff_client, soxp_2003, extension_day, typed, error
) -> None:
    response = staff_client.post(
        extend_url(soxp_2003), {"new_expires_at": typed, "reason": "r", "confirmed": "True"}
    )
    assert response.status_code == 200
    assert any(error in message for message in response.context["form"].errors["new_expires_at"])
    assert Offer.objects.get(pk=soxp_2003.pk).expires_at == datetime(2003, 1, 21, 5, 0, tzinfo=UTC)
    assert not AuditEvent.objects.filter(event_type="offer.extended").exists()
