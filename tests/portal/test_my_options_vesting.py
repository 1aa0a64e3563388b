"""My options states each new option's vesting in one line; every date of one grant is one link away
(``?vesting=<grant id>``), on the employee's page and in the administrator's preview alike."""

import re

import pytest
from django.test import Client

from soxp_portal.offers.models import Offer
from tests.portal.conftest import url
from tests.portal.test_terms_everywhere import visible_text

pytestmark = pytest.mark.django_db

#: Slide 9's G-1001: 800 shares outstanding, 600 new shares, half at the six-month cliff.
G_1001_LINE = "Vesting of the new option (600 shares) if exchanged: 300 on Jan 21, 2004, then 12 or 13 a month; all 600 by Jan 21, 2006."
EVERY_DATE_LINK = "Every vesting date of the new option for {}"


def every_date_lists(html: str) -> list[str]:
    return re.findall(r'aria-label="Every vesting date of the new option for ([^"]+)"', html)


def test_each_eligible_grant_states_its_vesting_in_one_line(sam_client: Client, offer: Offer) -> None:
    html = sam_client.get(url("grants", offer)).content.decode()
    text = visible_text(html)
    assert G_1001_LINE in text
    assert "375 on Jan 21, 2004, then 15 or 16 a month; all 750 by Jan 21, 2006." in text  # G-1002
    for grant_id in ("G-1001", "G-1002", "G-1004"):
        assert EVERY_DATE_LINK.format(grant_id) in text
        assert f'href="?vesting={grant_id}#grant-' in html
    assert EVERY_DATE_LINK.format("G-1003") not in text  # not eligible: no new option
    assert every_date_lists(html) == []
    assert "Feb 21, 2004: 12 (total 312)" not in text


def test_the_link_lists_every_vesting_date_of_that_grant(sam_client: Client, offer: Offer) -> None:
    html = sam_client.get(url("grants", offer) + "?vesting=G-1001").content.decode()
    assert every_date_lists(html) == ["G-1001"]
    listed = html[html.index('aria-label="Every vesting date of the new option for G-1001"') :]
    dates = re.findall(r"<li>([^<]+)</li>", listed[: listed.index("</ol>")])
    assert len(dates) == 25  # the cliff and 24 monthly parts
    assert dates[0] == "Jan 21, 2004: 300 (total 300)"
    assert dates[1] == "Feb 21, 2004: 12 (total 312)"
    assert dates[-1] == "Jan 21, 2006: 13 (total 600)"
    text = visible_text(html)
    assert G_1001_LINE in text  # the line stays above the list
    assert EVERY_DATE_LINK.format("G-1002") in text  # the other grants keep their link


@pytest.mark.parametrize("shown", ["G-1003", "G-NOT-MINE", "", "<script>", "G-1001\x00"])
def test_a_grant_without_a_new_option_or_not_the_employees_lists_nothing(
    sam_client: Client, offer: Offer, shown: str
) -> None:
    response = sam_client.get(url("grants", offer), {"vesting": shown})
    assert response.status_code == 200
    assert every_date_lists(response.content.decode()) == []


def test_the_preview_lists_them_as_the_employee_sees_them(
    admin_client: Client, offer: Offer, slide_9_employee
) -> None:
    from django.urls import reverse

    preview = reverse("console:preview-grants", args=[offer.slug, slide_9_employee.employee_id])
    html = admin_client.get(preview).content.decode()
    assert G_1001_LINE in visible_text(html)
    assert every_date_lists(html) == []
    html = admin_client.get(preview, {"vesting": "G-1002"}).content.decode()
    assert every_date_lists(html) == ["G-1002"]
    assert "Jan 21, 2004: 375 (total 375)" in html
