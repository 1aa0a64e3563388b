"""Passwords are stored with Argon2id at the stated settings; an older PBKDF2 hash still signs in and is
stored again with Argon2id at that sign-in."""

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import Client
from django.urls import reverse

from soxp_portal.accounts.hashers import PortalArgon2PasswordHasher
from soxp_portal.offers.models import Employee

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_hasher")]

PASSWORD = "correct-horse-battery"


def test_a_new_password_is_argon2id_with_19_mib_2_passes_1_lane() -> None:
    encoded = make_password(PASSWORD)
    assert isinstance(identify_hasher(encoded), PortalArgon2PasswordHasher)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_pbkdf2_password_signs_in_and_is_stored_again_as_argon2id(client: Client, alice: Employee) -> None:
    user = alice.user
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(PASSWORD)


def test_a_wrong_password_against_a_pbkdf2_hash_changes_nothing(client: Client, alice: Employee) -> None:
    user = alice.user
    user.password = stored = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": "wrong-" + PASSWORD}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password == stored
