"""What an employee who cannot take part reads: why, spoken to them, and no way into a dead end.

The administrator reads the same reasons in the third person (the console's employee page and the
eligibility report): each audience has its own wording from ``rules.eligibility``.
"""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from soxp_portal.accounts.roles import Role
from soxp_portal.offers.models import Employee
from tests.console.watch.conftest import member_of
from tests.factories import EmployeeFactory, GrantFactory
from tests.portal.conftest import url

pytestmark = pytest.mark.django_db

CENSUS = "the company's employee records (the census)"


def text(page: str) -> str:
    """The page's words with tags dropped, entities read and spaces folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def signed_in(client, **fields):
    employee = EmployeeFactory(employee_id="E-GONE", first_name="Terry", last_name="Gone", **fields)
    GrantFactory(employee=employee, grant_id="G-GONE", exercise_price=Decimal("6.00"))
    client.force_login(employee.user)
    return client


@pytest.mark.parametrize("page", ["offer", "grants", "compare"])
def test_a_terminated_employee_reads_when_the_census_says_their_employment_ended(client, offer, page) -> None:
    terry = signed_in(client, status=Employee.Status.TERMINATED, termination_date=date(2002, 11, 20))
    words = text(terry.get(url(page, offer)).content.decode())
    assert (
        f"You are not eligible for this offer because your employment ended on November 20, 2002, "
        f"according to {CENSUS}."
    ) in words
    assert "Not employed on" not in words
    assert "January 10, 2003" not in words  # the day judged (today) is not what the employee needs


def test_several_reasons_are_each_listed_after_because(client, offer) -> None:
    many = signed_in(client, work_country="GB", is_director=True)
    words = text(many.get(url("offer", offer)).content.decode())
    assert (
        f"You are not eligible for this offer because: {CENSUS} show you working in GB, and the offer is "
        "open only to employees working in the United States; you are a director of the company, and "
        "directors may not take part in the offer."
    ) in words


def test_each_grant_of_an_ineligible_employee_says_why_to_them(client, offer) -> None:
    officer = signed_in(client, is_executive_officer=True)
    words = text(officer.get(url("grants", offer)).content.decode())
    assert "Not eligible This grant cannot be exchanged because you are not eligible for this offer." in words
    assert "The employee" not in words
    assert "Executive officers may not take part" not in words


def test_the_administrator_reads_the_reasons_in_the_third_person(client, offer) -> None:
    signed_in(client, status=Employee.Status.TERMINATED, termination_date=date(2002, 11, 20))
    client.force_login(member_of(Role.STOCK_ADMINISTRATOR))
    page = client.get(reverse("console:employee", args=[offer.slug, "E-GONE"])).content.decode()
    words = text(page)
    assert "Not employed on January 10, 2003." in words
    assert "The employee is not eligible for this offer: not employed on January 10, 2003." in words
    assert "You are not eligible" not in words
    assert "your employment" not in words


@pytest.mark.parametrize("page", ["offer", "grants", "compare", "history", "elect"])
def test_the_menu_offers_no_election_to_someone_who_cannot_take_part(client, offer, page) -> None:
    officer = signed_in(client, is_executive_officer=True)
    html = officer.get(url(page, offer)).content.decode()
    assert f'href="{url("elect", offer)}">Election</a>' not in html
    assert f'href="{url("history", offer)}">History</a>' in html


def test_the_menu_offers_no_election_when_no_grant_can_be_exchanged(client, offer) -> None:
    employee = EmployeeFactory()
    GrantFactory(employee=employee, exercise_price=Decimal("2.00"))
    client.force_login(employee.user)
    html = client.get(url("offer", offer)).content.decode()
    assert f'href="{url("elect", offer)}">Election</a>' not in html
    assert "None of your grants can be exchanged in this offer." in html


@pytest.mark.parametrize("page", ["offer", "grants", "compare", "history"])
def test_the_menu_offers_the_election_to_someone_who_can_take_part(sam_client, offer, page) -> None:
    html = sam_client.get(url(page, offer)).content.decode()
    assert f'href="{url("elect", offer)}">Election</a>' in html
