"""create_administrator: the first stock administrator, from the command line, audited."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role, is_stock_administrator
from soxp_portal.audit.models import AuditEvent
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "stock-option-tender-2003"


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_administrator", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the person types at the two password prompts."""
    answers = [PASSWORD, PASSWORD]
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


@pytest.mark.usefixtures("production_hasher")
def test_creates_the_first_administrator_with_a_typed_password(typed) -> None:
    assert "Created ada@example.com" in run("Ada@Example.com")
    user = User.objects.get(email="ada@example.com")
    assert user.check_password(PASSWORD)
    assert user.password.startswith("pbkdf2_sha256$")
    assert user.is_staff
    assert not user.is_superuser
    assert is_stock_administrator(user)
    assert Group.objects.filter(name=Role.STOCK_ADMINISTRATOR.value).count() == 1
    event = AuditEvent.objects.get(event_type="role.changed")
    assert event.actor is None
    assert event.subject_id == str(user.pk)
    assert event.data["role"] == "Stock administrators"
    assert event.data["account_created"] is True
    assert event.data["sign_in_changed"] is True
    assert PASSWORD not in str(event.data)


def test_reads_the_password_from_the_environment_for_scripts(monkeypatch) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)
    run("ada@example.com", "--password-from-env", "ADMIN_PASSWORD")
    assert User.objects.get(email="ada@example.com").check_password(PASSWORD)


def test_promotes_an_existing_login_and_keeps_its_password() -> None:
    employee = EmployeeFactory(email="erin@example.com")
    assert "Promoted erin@example.com" in run("erin@example.com")
    user = User.objects.get(pk=employee.user.pk)
    assert user.check_password("correct-horse-battery")
    assert user.is_staff
    assert is_stock_administrator(user)
    event = AuditEvent.objects.get(event_type="role.changed")
    assert event.employee == employee
    assert event.data["is_staff"] == {"before": False, "after": True}
    assert event.data["sign_in_changed"] is False


def test_running_it_again_changes_nothing() -> None:
    UserFactory(email="ada@example.com")
    run("ada@example.com")
    assert "already a stock administrator" in run("ada@example.com")
    assert AuditEvent.objects.filter(event_type="role.changed").count() == 1


@pytest.mark.parametrize(
    ("answers", "error"),
    [(["one-password-2003", "another-password-2003"], "differ"), (["short", "short"], "too short")],
)
def test_a_bad_password_creates_nothing(monkeypatch, answers, error) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    with pytest.raises(CommandError, match=error):
        run("ada@example.com")
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_missing_environment_variable_or_bad_email_is_refused(monkeypatch) -> None:
    monkeypatch.delenv("NO_SUCH_VARIABLE", raising=False)
    with pytest.raises(CommandError, match="NO_SUCH_VARIABLE"):
        run("ada@example.com", "--password-from-env", "NO_SUCH_VARIABLE")
    with pytest.raises(CommandError, match="not a valid email"):
        run("not-an-email")
    assert not User.objects.exists()
