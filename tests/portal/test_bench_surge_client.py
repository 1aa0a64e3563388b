"""bench/surge.py's client fills the portal's forms as a browser does: if the pages change, this fails
rather than the benchmark measuring refusals."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django.test import Client

from soxp_portal.offers.models import Election, Employee, Offer
from tests.portal.conftest import url

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def surge():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("surge", BENCH / "surge.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def test_the_whole_submission_as_the_bench_sends_it(
    surge, sam_client: Client, offer: Offer, slide_9_employee: Employee
) -> None:
    form = sam_client.get(url("elect", offer))
    fields = surge.form_fields(form.content.decode(), first_choice=True)
    assert {name for name in fields if name.startswith("tender-")} == {
        "tender-G-1001",
        "tender-G-1002",
        "tender-G-1004",
    }
    review = sam_client.post(url("elect", offer), fields)
    assert review.status_code == 200
    signed = surge.confirm_fields(review.content.decode(), slide_9_employee.full_name)
    assert {"ack_terms", "ack_cancellation", "ack_condition", "ack_blackout", "submission_token"} <= set(
        signed
    )
    done = sam_client.post(url("confirm", offer), signed)
    assert done.status_code == 302
    election = Election.objects.get(employee=slide_9_employee)
    assert done["Location"].rstrip("/").endswith(election.confirmation_number)
    tendered = {tender.grant.grant_id for tender in election.tendered_grants.select_related("grant")}
    assert tendered == {"G-1001", "G-1002", "G-1004"}  # Exchange, each grant's first choice


def test_the_sign_in_form_as_the_bench_reads_it(surge, client: Client) -> None:
    fields = surge.form_fields(client.get("/accounts/login/").content.decode(), first_choice=False)
    assert fields["csrfmiddlewaretoken"]


def test_the_reference_views_answer(surge, sam_client: Client, offer: Offer, settings) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        settings.ROOT_URLCONF = "surge_urls"
        assert sam_client.get("/bench/a/").status_code == 200
        assert offer.name in sam_client.get(f"/bench/b/{offer.pk}/").content.decode()
        floor = sam_client.get("/bench/c/")
        assert floor.status_code == 200
        assert "<h1>Sam</h1>" in floor.content.decode()
        assert sam_client.get(url("offer", offer)).status_code == 200  # the portal's own pages too
    finally:
        sys.path.remove(str(BENCH))
