"""EmailLocalPartValidator: a password may not contain the part of the email before the "@"."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from soxp_portal.accounts.models import User

SAM = User(email="sam.slide@example.com", first_name="Sam", last_name="Slide")


@pytest.mark.parametrize("password", ["sam.slide", "SAM.SLIDE", "Sam.Slide-2026!", "my sam.slide key"])
def test_a_password_containing_the_local_part_is_refused(password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=SAM)
    assert "can't contain the first part of your email address" in " ".join(refused.value.messages)


def test_a_password_unrelated_to_the_email_is_accepted() -> None:
    validate_password("tender-offer-for-2003", user=SAM)


def test_a_short_local_part_is_not_held_against_a_password() -> None:
    validate_password("tender-offer-for-al-2003", user=User(email="al@example.com"))
