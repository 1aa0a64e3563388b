"""roles: is_stock_administrator / is_auditor, and the employee_required / role_required decorators."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.test import Client

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import (
    Role,
    employee_of,
    is_auditor,
    is_stock_administrator,
    role_required,
)
from soxp_portal.accounts.two_factor import PENDING
from soxp_portal.offers.models import Employee
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EMPLOYEE_PAGE = "/test/employee/"
ADMINISTRATOR_PAGE = "/test/administrator/"
CONSOLE_PAGE = "/test/console/"


def member_of(role: Role, **fields: object) -> User:
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def administrator(db: None) -> User:
    return member_of(Role.STOCK_ADMINISTRATOR, email="admin@example.com")


@pytest.fixture
def auditor(db: None) -> User:
    return member_of(Role.AUDITOR, email="auditor@example.com")


@pytest.fixture
def superuser(db: None) -> User:
    return UserFactory(email="root@example.com", is_superuser=True, is_staff=True)


def test_role_checks(administrator: User, auditor: User, superuser: User, alice: Employee) -> None:
    assert is_stock_administrator(administrator)
    assert not is_auditor(administrator)
    assert is_auditor(auditor)
    assert not is_stock_administrator(auditor)
    assert is_stock_administrator(superuser)
    assert is_auditor(superuser)
    assert not is_stock_administrator(alice.user)
    assert not is_auditor(alice.user)
    assert not is_stock_administrator(AnonymousUser())
    assert not is_auditor(AnonymousUser())


def test_inactive_member_holds_no_role(db: None) -> None:
    assert not is_stock_administrator(member_of(Role.STOCK_ADMINISTRATOR, is_active=False))


def test_employee_of(alice: Employee, administrator: User) -> None:
    assert employee_of(alice.user) == alice
    assert employee_of(administrator) is None
    assert employee_of(AnonymousUser()) is None


def test_role_required_needs_roles() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        role_required()
    with pytest.raises(TypeError, match="not a Role"):
        role_required("Stock administrators")  # type: ignore[arg-type]


# employee_required


def test_employee_page_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get(EMPLOYEE_PAGE + "?tab=grants")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/test/employee/%3Ftab%3Dgrants"


def test_employee_page_works_for_the_employee(client: Client, alice: Employee) -> None:
    client.force_login(alice.user)
    response = client.get(EMPLOYEE_PAGE)
    assert response.status_code == 200
    assert response.content.decode() == "employee E-ALICE"


def test_employee_page_is_403_for_a_login_without_employee_record(
    client: Client, administrator: User
) -> None:
    client.force_login(administrator)
    assert client.get(EMPLOYEE_PAGE).status_code == 403


def test_employee_page_is_403_for_a_superuser_without_employee_record(
    client: Client, superuser: User
) -> None:
    client.force_login(superuser)
    assert client.get(EMPLOYEE_PAGE).status_code == 403


# role_required


def test_role_page_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get(ADMINISTRATOR_PAGE)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/test/administrator/"


@pytest.mark.parametrize(
    ("who", "page", "status"),
    [
        ("administrator", ADMINISTRATOR_PAGE, 200),
        ("administrator", CONSOLE_PAGE, 200),
        ("auditor", ADMINISTRATOR_PAGE, 403),
        ("auditor", CONSOLE_PAGE, 200),
        ("employee", ADMINISTRATOR_PAGE, 403),
        ("employee", CONSOLE_PAGE, 403),
        ("superuser", ADMINISTRATOR_PAGE, 200),
        ("superuser", CONSOLE_PAGE, 200),
    ],
)
def test_role_pages(
    client: Client,
    request: pytest.FixtureRequest,
    alice: Employee,
    who: str,
    page: str,
    status: int,
) -> None:
    user = alice.user if who == "employee" else request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(page).status_code == status


def test_role_page_after_sign_in_comes_back(client: Client, administrator: User) -> None:
    """Through the second factor, which the password hands the page on to (test_second_factor.py)."""
    response = client.get(ADMINISTRATOR_PAGE, follow=True)
    response = client.post(
        response.redirect_chain[-1][0], {"username": administrator.email, "password": "correct-horse-battery"}
    )
    assert response.url == "/accounts/two-factor/"
    assert client.session[PENDING]["next"] == ADMINISTRATOR_PAGE
