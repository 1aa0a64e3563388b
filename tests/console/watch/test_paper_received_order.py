"""A paper form received before the version on record: the administrator is told why before anything
is saved, may keep it as evidence, and every page then shows the version in force, not the last entered."""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from soxp_portal.offers.models import Election, Employee, Offer
from tests.console.watch.conftest import submit, url, withdraw
from tests.console.watch.test_paper_election import paper
from tests.documents.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

#: January 9, 2003 at 2:00 PM and 3:10 PM Pacific; the clock stands at January 10 (conftest).
AT_1400 = datetime(2003, 1, 9, 22, 0, tzinfo=UTC)
AT_1510 = datetime(2003, 1, 9, 23, 10, tzinfo=UTC)


@pytest.fixture
def withdrawn(offer: Offer, slide_9_employee: Employee) -> Election:
    """Sam elected online at 2:00 PM and withdrew online at 3:10 PM."""
    submit(offer, slide_9_employee, {"G-1001": 800, "G-1002": 1000, "G-1004": 500}, now=AT_1400)
    return withdraw(offer, slide_9_employee, version=1, now=AT_1510)


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_paper_form_says_which_receipt_times_cannot_take_effect(
    admin_client: Client, offer: Offer, withdrawn: Election
) -> None:
    page = words(admin_client.get(url("paper-election", offer, "E1001")).content.decode())
    assert (
        f"In force: version 2 ({withdrawn.confirmation_number}), a withdrawal received January 9, 2003 at 3:10:00 PM PST"
        in page
    )
    assert (
        "a form received before January 9, 2003 at 3:10:00 PM PST cannot take effect, and can only be kept "
        "as evidence" in page
    )
    assert 'name="evidence_only"' not in page


def test_a_fax_received_before_the_withdrawal_is_explained_and_nothing_is_saved(
    admin_client: Client, offer: Offer, withdrawn: Election
) -> None:
    response = admin_client.post(url("paper-election", offer, "E1001"), paper("2003-01-09T14:10", version=2))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was recorded." in html
    assert "before the withdrawal already on record (version 2" in words(html)
    assert 'name="evidence_only"' in html
    assert "Record it as evidence only: it does not take effect" in html
    assert Election.objects.count() == 2


def test_kept_as_evidence_every_page_shows_the_withdrawal_in_force(
    client: Client,
    admin,
    auditor,
    offer: Offer,
    slide_9_employee: Employee,
    withdrawn: Election,
    django_capture_on_commit_callbacks,
) -> None:
    client.force_login(admin)
    form = paper("2003-01-09T14:10", version=2, evidence_only="on")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("paper-election", offer, "E1001"), form)
    evidence = Election.objects.get(version=3)
    assert response.status_code == 302
    assert not evidence.takes_effect

    page = words(client.get(response["Location"]).content.decode())
    assert (
        "recorded as version 3, received January 9, 2003 at 2:10:00 PM PST. It is kept as evidence only: the version in force stays."
        in page
    )
    assert "Withdrawn" in page
    assert re.search(r"3 evidence only .*2 in force", page)

    # The employee: not participating; the fax is in the history, marked, and its form says why.
    client.force_login(slide_9_employee.user)
    overview = words(client.get(reverse("portal:offer", args=[offer.slug])).content.decode())
    assert "Withdrawn You withdrew your election." in overview
    assert f"Confirmation {withdrawn.confirmation_number}" in overview
    history = words(client.get(reverse("portal:history", args=[offer.slug])).content.decode())
    assert re.search(
        r"3 not in force Received before a version already on record: kept as evidence only\.", history
    )
    assert re.search(r"2 in force", history)
    shown = words(
        client.get(
            reverse("portal:election", args=[offer.slug, evidence.confirmation_number])
        ).content.decode()
    )
    assert "Not in force This form was received before a version that was already on record." in shown
    pdf = client.post(reverse("portal:election-pdf", args=[offer.slug, evidence.confirmation_number]))
    # A confirmation number may wrap at its hyphen ("G4X93-" at a line's end): pdf_text folds the line
    # break into a space there.
    number = re.escape(withdrawn.confirmation_number).replace(r"\-", r"-\s?")
    assert re.search(rf"Not in force: it was received before confirmation {number} ", pdf_text(pdf.content))
    assert "Your election in force is unchanged." in mail.outbox[-1].body

    # The auditor: the timeline marks the withdrawal in force and the fax as evidence.
    client.force_login(auditor)
    timeline = words(client.get(reverse("console:audit-employee", args=["E1001"])).content.decode())
    assert re.search(r"v2 in force", timeline)
    assert re.search(r"v3 evidence only", timeline)
