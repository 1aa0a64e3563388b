"""Changes of role (role groups, is_staff, is_superuser): one ``role.changed`` event each, however made,
in the transaction of the change."""

from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role, is_auditor
from soxp_portal.audit.middleware import RequestIdMiddleware
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.audit.signals import role_change
from soxp_portal.offers.models import Employee
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NO_ROLES = {"groups": [], "is_staff": False, "is_superuser": False}
FAILING_RECORD = mock.patch("soxp_portal.audit.signals.record", side_effect=RuntimeError("disk full"))


def role_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=AuditEventType.ROLE_CHANGED).order_by("sequence"))


def group(role: Role) -> Group:
    return Group.objects.get_or_create(name=role.value)[0]


@pytest.fixture
def user(db: None) -> User:
    return UserFactory(email="carol@example.com")


def test_adding_a_role_group_in_code_writes_one_event_with_the_roles_before_and_after(user: User) -> None:
    user.groups.add(group(Role.AUDITOR))

    [event] = role_events()
    assert (event.actor, event.subject_type, event.subject_id) == (None, "accounts.User", str(user.pk))
    assert event.channel == "system"
    assert (event.ip_address, event.user_agent, event.request_id) == (None, "", "")
    assert event.data == {
        "email": "carol@example.com",
        "roles": {"before": NO_ROLES, "after": {**NO_ROLES, "groups": ["Auditors"]}},
        "groups_added": ["Auditors"],
        "groups_removed": [],
        "via": "system",
    }


def test_removing_and_clearing_role_groups_are_recorded(user: User) -> None:
    user.groups.add(group(Role.AUDITOR), group(Role.STOCK_ADMINISTRATOR))
    user.groups.remove(group(Role.AUDITOR))
    user.groups.clear()

    events = role_events()
    assert [(e.data["groups_added"], e.data["groups_removed"]) for e in events] == [
        (["Auditors", "Stock administrators"], []),
        ([], ["Auditors"]),
        ([], ["Stock administrators"]),
    ]
    assert events[-1].data["roles"]["after"] == NO_ROLES


def test_adding_members_from_the_group_side_writes_one_event_per_member(user: User, alice: Employee) -> None:
    auditors = group(Role.AUDITOR)
    auditors.user_set.add(user, alice.user)
    auditors.user_set.clear()

    events = role_events()
    assert [(e.data["email"], e.data["groups_added"], e.data["groups_removed"]) for e in events] == [
        ("carol@example.com", ["Auditors"], []),
        (alice.user.email, ["Auditors"], []),
        ("carol@example.com", [], ["Auditors"]),
        (alice.user.email, [], ["Auditors"]),
    ]
    assert events[1].employee == alice


def test_a_group_that_is_not_a_role_and_a_group_already_held_write_nothing(user: User) -> None:
    user.groups.add(Group.objects.create(name="Book club"))
    user.groups.add(group(Role.AUDITOR))
    user.groups.add(group(Role.AUDITOR))

    assert len(role_events()) == 1


def test_setting_the_flags_on_save_is_recorded_and_other_saves_are_not(user: User) -> None:
    user.first_name = "Carol"
    user.save()
    user.is_staff = True
    user.save()
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    user.save(update_fields=["last_login"])

    events = role_events()
    assert [(e.data.get("is_staff"), e.data.get("is_superuser")) for e in events] == [
        ({"before": False, "after": True}, None),
        (None, {"before": False, "after": True}),
    ]
    assert events[1].data["roles"] == {
        "before": {**NO_ROLES, "is_staff": True},
        "after": {**NO_ROLES, "is_staff": True, "is_superuser": True},
    }


def test_a_new_superuser_is_recorded_as_gaining_both_flags(db: None) -> None:
    root = User.objects.create_superuser("root@example.com", "correct-horse-battery")

    [event] = role_events()
    assert event.subject_id == str(root.pk)
    assert event.data["roles"]["after"] == {"groups": [], "is_staff": True, "is_superuser": True}


def test_a_new_login_without_a_role_is_not_a_role_change(db: None) -> None:
    UserFactory(email="plain@example.com")
    assert role_events() == []


def test_the_role_check_sees_the_change_at_once(user: User) -> None:
    assert not is_auditor(user)  # caches the role names on the object
    user.groups.add(group(Role.AUDITOR))
    assert is_auditor(user)


def test_during_a_request_the_actor_and_the_request_are_recorded(user: User, admin_user: User) -> None:
    def view(request):
        user.groups.add(group(Role.STOCK_ADMINISTRATOR))
        return HttpResponse()

    request = RequestFactory().post(
        "/somewhere/",
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT="Browser/2",
        HTTP_X_REQUEST_ID="req-roles-1",
    )
    request.user = admin_user
    RequestIdMiddleware(view)(request)

    [event] = role_events()[-1:]
    assert (event.actor, event.channel) == (admin_user, "web")
    assert (event.ip_address, event.user_agent, event.request_id) == (
        "198.51.100.4",
        "Browser/2",
        "req-roles-1",
    )
    assert event.data["via"] == "POST /somewhere/"


def admin_form(user: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "date_joined_0": "2003-01-02",
        "date_joined_1": "09:00:00",
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [],
    }
    for name in ("is_staff", "is_superuser"):
        if getattr(user, name):
            data[name] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_admin_form_writes_one_event_for_flags_and_groups_changed_together(
    user: User, admin_user: User
) -> None:
    client = Client(
        REMOTE_ADDR="192.0.2.9", HTTP_USER_AGENT="AdminBrowser/1", HTTP_X_REQUEST_ID="req-admin-7"
    )
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    before = AuditEvent.objects.count()

    response = client.post(url, admin_form(user, is_staff="on", groups=[group(Role.STOCK_ADMINISTRATOR).pk]))

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.is_staff
    assert user.groups.filter(name=Role.STOCK_ADMINISTRATOR.value).exists()
    [event] = AuditEvent.objects.order_by("sequence")[before:]
    assert event.event_type == AuditEventType.ROLE_CHANGED
    assert (event.actor, event.subject_id, event.channel) == (admin_user, str(user.pk), "web")
    assert (event.ip_address, event.user_agent, event.request_id) == (
        "192.0.2.9",
        "AdminBrowser/1",
        "req-admin-7",
    )
    assert event.data["roles"] == {
        "before": NO_ROLES,
        "after": {"groups": ["Stock administrators"], "is_staff": True, "is_superuser": False},
    }
    assert event.data["via"] == f"admin: {url}"


def test_an_admin_save_that_changes_no_role_writes_no_role_event(user: User, admin_user: User) -> None:
    client = Client()
    client.force_login(admin_user)

    client.post(reverse("admin:accounts_user_change", args=[user.pk]), admin_form(user, first_name="Caro"))

    user.refresh_from_db()
    assert user.first_name == "Caro"
    assert [e for e in role_events() if e.subject_id == str(user.pk)] == []


def test_create_administrator_writes_one_event_for_the_group_and_the_superuser_flags(monkeypatch) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "stock-option-tender-2003")
    call_command(
        "create_administrator",
        "ada@example.com",
        "--password-from-env",
        "ADMIN_PASSWORD",
        "--superuser",
        stdout=StringIO(),
    )

    [event] = role_events()
    assert event.actor is None
    assert event.data["roles"] == {
        "before": NO_ROLES,
        "after": {"groups": ["Stock administrators"], "is_staff": True, "is_superuser": True},
    }
    assert event.data["via"] == "command: manage.py create_administrator"


def test_a_failure_after_a_group_change_leaves_neither_the_change_nor_the_event(user: User) -> None:
    auditors = group(Role.AUDITOR)
    # Django adds the membership in an atomic block of its own (joining the caller's, as here).
    with FAILING_RECORD, pytest.raises(RuntimeError, match="disk full"), transaction.atomic():
        user.groups.add(auditors)

    assert not user.groups.exists()
    assert role_events() == []


def test_a_failure_after_a_flag_change_leaves_neither_the_change_nor_the_event(user: User) -> None:
    user.is_superuser = True
    with FAILING_RECORD, pytest.raises(RuntimeError, match="disk full"):
        user.save()

    assert not User.objects.get(pk=user.pk).is_superuser
    assert role_events() == []


def test_a_rolled_back_role_change_takes_its_event_with_it(user: User) -> None:
    auditors = group(Role.AUDITOR)

    def change_then_fail() -> None:
        with transaction.atomic():
            with role_change(user, via="test"):
                user.is_staff = True
                user.save()
                user.groups.add(auditors)
            assert len(role_events()) == 1
            raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError, match="a later step failed"):
        change_then_fail()

    assert not User.objects.get(pk=user.pk).is_staff
    assert User.objects.get(pk=user.pk).groups.count() == 0
    assert role_events() == []
