"""Password rules beyond Django's own."""

from django.core.exceptions import ValidationError

from soxp_portal.accounts.models import User


class EmailLocalPartValidator:
    """Refuses a password that contains the part of the login's email before the "@".

    Django's similarity check compares the password with the whole address and with its words
    ("sam", "slide"), so "sam.slide" or "Sam.Slide2026" for sam.slide@example.com passed it: the
    first thing anyone who knows an employee's address would try.
    """

    #: Shorter local parts ("al@…") occur inside too many good passwords to refuse them.
    MIN_LENGTH = 4

    def validate(self, password: str, user: User | None = None) -> None:
        email = getattr(user, "email", "") or ""
        local_part = email.partition("@")[0].casefold()
        if len(local_part) >= self.MIN_LENGTH and local_part in password.casefold():
            raise ValidationError(
                "Your password can't contain the first part of your email address.",
                code="password_contains_email",
            )

    def get_help_text(self) -> str:
        return "Your password can't contain the first part of your email address."
