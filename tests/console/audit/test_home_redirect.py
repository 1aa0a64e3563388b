"""The home page sends an auditor who is not a stock administrator to the audit trail."""

import pytest
from django.test import Client

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from tests.console.audit.conftest import member_of

pytestmark = pytest.mark.django_db


def test_an_auditor_lands_on_the_audit_events(auditor_client: Client) -> None:
    response = auditor_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/console/audit/"


def test_an_auditor_who_is_also_a_stock_administrator_lands_on_the_console(
    client: Client, auditor: User
) -> None:
    auditor.groups.add(*member_of(Role.STOCK_ADMINISTRATOR, "other@example.com").groups.all())
    client.force_login(auditor)
    assert client.get("/")["Location"] == "/console/"


def test_a_stock_administrator_still_lands_on_the_console(client: Client, stock_admin: User) -> None:
    client.force_login(stock_admin)
    assert client.get("/")["Location"] == "/console/"
