"""manage.py send_invitations: invites the employees who have never signed in and have no password."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from soxp_portal.offers.models import Employee
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_invitations", *args, stdout=out)
    return out.getvalue()


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def signed_in(db: None) -> Employee:
    employee = EmployeeFactory(employee_id="E-SEEN")
    employee.user.last_login = timezone.now()
    employee.user.save(update_fields=["last_login"])
    return employee


@pytest.fixture
def others(db: None) -> None:
    """Logins the default run skips: a password set but never used, an inactive one, a staff login,
    a terminated employee."""
    EmployeeFactory(employee_id="E-HAS-PASSWORD")
    inactive = EmployeeFactory(employee_id="E-INACTIVE", user__is_active=False)
    inactive.user.set_unusable_password()
    inactive.user.save()
    staff = UserFactory(email="staff@example.com", is_staff=True)
    staff.set_unusable_password()
    staff.save()
    gone = EmployeeFactory(employee_id="E-GONE", status="terminated", termination_date=timezone.localdate())
    gone.user.set_unusable_password()
    gone.user.save()


def test_invites_only_who_has_never_signed_in_and_has_no_password(
    awaiting: Employee, signed_in: Employee, others: None
) -> None:
    output = run()
    assert "Sent 1 invitation(s)." in output
    assert recipients() == [awaiting.user.email]


def test_nobody_to_invite(signed_in: Employee) -> None:
    assert "Sent 0 invitation(s)." in run()
    assert mail.outbox == []


def test_all_includes_who_has_signed_in(awaiting: Employee, signed_in: Employee) -> None:
    assert "Sent 2 invitation(s)." in run("--all")
    assert recipients() == sorted([awaiting.user.email, signed_in.user.email])


def test_email_limits_the_run_and_reports_skips(
    awaiting: Employee, signed_in: Employee, alice: Employee
) -> None:
    alice.user.set_unusable_password()
    alice.user.save()
    output = run("--email", awaiting.user.email.upper(), signed_in.user.email)
    assert "Sent 1 invitation(s)." in output
    assert f"Skipped {signed_in.user.email}" in output
    assert recipients() == [awaiting.user.email]


def test_email_can_be_repeated_and_combined_with_all(awaiting: Employee, signed_in: Employee) -> None:
    output = run("--email", awaiting.user.email, "--email", signed_in.user.email, "--all")
    assert "Sent 2 invitation(s)." in output


def test_unknown_email_is_an_error_and_sends_nothing(awaiting: Employee) -> None:
    with pytest.raises(CommandError, match=re.escape("nobody@example.com")):
        run("--email", awaiting.user.email, "nobody@example.com")
    assert mail.outbox == []


def test_base_url_is_used_in_the_links(awaiting: Employee) -> None:
    run("--base-url", "https://soxp.example.com")
    assert "https://soxp.example.com/accounts/invitation/" in mail.outbox[0].body
