"""Second factors of the staff logins: the list, and an administrator resetting another's (audited)."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from soxp_portal.accounts.models import User
from soxp_portal.audit.models import AuditEvent, AuditEventType
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("console:second-factors")


def enrolled(user: User, codes: int = 10) -> User:
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    for number in range(codes):
        StaticToken.objects.create(device=recovery, token=f"code{number:04d}")
    return user


def reset_url(user: User) -> str:
    return reverse("console:second-factor-reset", args=[user.pk])


def test_the_page_lists_staff_logins_and_their_second_factor(staff_client: Client, admin, auditor) -> None:
    enrolled(auditor, codes=7)
    EmployeeFactory(email="not-staff@example.com")
    html = staff_client.get(PAGE).content.decode()
    assert "auditor@example.com" in html
    assert "admin@example.com" in html
    assert "not-staff@example.com" not in html
    assert "Not set up yet" in html
    assert ">7</td>" in html
    assert html.count("Reset second factor") == 1  # the auditor's; not one's own
    assert "You (ask another administrator)" in html


def test_an_administrator_resets_anothers_second_factor_and_it_is_audited(
    staff_client: Client, admin, auditor
) -> None:
    enrolled(auditor)
    response = staff_client.post(reset_url(auditor), follow=True)
    assert "The second factor of auditor@example.com is reset" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=auditor).exists()
    assert not StaticToken.objects.filter(device__user=auditor).exists()
    event = AuditEvent.objects.get(event_type=AuditEventType.SECOND_FACTOR_RESET)
    assert event.actor == admin
    assert event.subject_id == str(auditor.pk)
    assert event.data == {"email": "auditor@example.com", "devices_removed": 2}


def test_the_reset_login_enrols_again_at_its_next_sign_in(staff_client: Client, auditor) -> None:
    enrolled(auditor)
    staff_client.post(reset_url(auditor))
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": auditor.email, "password": "correct-horse-battery"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/accounts/two-factor/enrol/"
    assert "Set up your authenticator app" in response.content.decode()


def test_an_administrator_cannot_reset_their_own(staff_client: Client, admin) -> None:
    enrolled(admin)
    response = staff_client.post(reset_url(admin), follow=True)
    assert "cannot reset their own" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin).exists()
    assert not AuditEvent.objects.filter(event_type=AuditEventType.SECOND_FACTOR_RESET).exists()


def test_who_may_reset(client: Client, auditor) -> None:
    enrolled(auditor)
    assert client.post(reset_url(auditor))["Location"].startswith("/accounts/login/")
    client.force_login(auditor)
    assert client.get(PAGE).status_code == 403
    assert client.post(reset_url(auditor)).status_code == 403
    client.force_login(EmployeeFactory().user)
    assert client.post(reset_url(auditor)).status_code == 403
    assert TOTPDevice.objects.filter(user=auditor).exists()


def test_reset_is_post_only(staff_client: Client, auditor) -> None:
    assert staff_client.get(reset_url(auditor)).status_code == 405


def test_an_unknown_login_is_404(staff_client: Client) -> None:
    assert staff_client.post(reverse("console:second-factor-reset", args=[999999])).status_code == 404
