"""The employee pages are tested on soxp-2003 with the clock frozen inside its window."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from soxp_portal.offers.models import Employee, Offer

#: 2003-01-10 10:00 Pacific: the 2003 offer is open.
DURING_OFFER = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)


@pytest.fixture
def during_offer() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(DURING_OFFER, tick=False) as traveller:
        yield traveller


@pytest.fixture
def offer(soxp_2003: Offer, during_offer: time_machine.Traveller) -> Offer:
    return soxp_2003


@pytest.fixture
def sam_client(client: Client, slide_9_employee: Employee) -> Client:
    """Signed in as the slide 9 employee."""
    client.force_login(slide_9_employee.user)
    return client


def url(name: str, offer: Offer, *args: str) -> str:
    from django.urls import reverse

    return reverse(f"portal:{name}", args=[offer.slug, *args])


SLIDE_9_CHOICES = {"tender-G-1001": "800", "tender-G-1002": "1000", "tender-G-1004": "500"}
ACKS = {"ack_terms": "on", "ack_cancellation": "on", "ack_condition": "on", "ack_blackout": "on"}


def confirm_data(version: int = 0, choices=None, **extra):
    """The signed review form of the slide 9 employee (every grant tendered unless `choices` say otherwise)."""
    return {
        **(SLIDE_9_CHOICES if choices is None else choices),
        "expected_version": version,
        "submission_token": str(uuid.uuid4()),
        "signature": "Sam Slide",
        **ACKS,
        **extra,
    }
