"""create_administrator: the first stock administrator, from the command line, audited.

The role works in the console: it gives no staff status, so Django's admin site stays closed, unless
``--superuser`` asks for it.
"""

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
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert not user.is_staff
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
    assert not user.is_staff
    assert is_stock_administrator(user)
    event = AuditEvent.objects.get(event_type="role.changed")
    assert event.employee == employee
    assert event.data["groups_added"] == ["Stock administrators"]
    assert "is_staff" not in event.data
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


@pytest.fixture
def portal_urls(settings) -> None:
    """The portal's own URLs, with the console and the admin site (tests/accounts/urls.py has neither)."""
    settings.ROOT_URLCONF = "soxp_portal.urls"


@pytest.mark.usefixtures("portal_urls")
def test_the_administrator_works_in_the_console_and_the_admin_site_stays_closed(typed, client) -> None:
    assert "/admin/ stays closed (--superuser opens it)" in run("ada@example.com")
    client.force_login(User.objects.get(email="ada@example.com"))
    assert client.get("/console/").status_code == 200
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.usefixtures("portal_urls")
def test_superuser_asked_for_opens_the_admin_site_and_is_audited(typed, client) -> None:
    assert "a superuser too, with Django's admin site at /admin/" in run("root@example.com", "--superuser")
    user = User.objects.get(email="root@example.com")
    assert user.is_staff
    assert user.is_superuser
    event = AuditEvent.objects.get(event_type="role.changed")
    assert event.data["superuser_asked"] is True
    assert event.data["roles"]["after"]["is_superuser"] is True
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/console/").status_code == 200


def test_superuser_promotes_an_existing_administrator_once() -> None:
    UserFactory(email="ada@example.com")
    run("ada@example.com")
    assert "a superuser too" in run("ada@example.com", "--superuser")
    assert "already a stock administrator" in run("ada@example.com", "--superuser")
    events = AuditEvent.objects.filter(event_type="role.changed").order_by("sequence")
    assert [event.data.get("is_superuser") for event in events] == [None, {"before": False, "after": True}]


def test_an_existing_staff_login_keeps_its_staff_status() -> None:
    UserFactory(email="ops@example.com", is_staff=True)
    assert "it keeps the staff status it had" in run("ops@example.com")
    assert User.objects.get(email="ops@example.com").is_staff


def test_the_help_says_the_role_gives_no_admin_site_and_names_the_flag() -> None:
    from soxp_portal.accounts.management.commands.create_administrator import Command

    parser = Command().create_parser("manage.py", "create_administrator")
    text = parser.format_help()
    assert "gives no access to Django's admin site (/admin/) unless --superuser is given" in " ".join(
        text.split()
    )
    assert "--superuser" in text
