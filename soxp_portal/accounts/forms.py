"""Sign-in and password forms: Django's own, with our labels and messages."""

import unicodedata
from collections.abc import Iterator

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm, UsernameField

from soxp_portal.accounts.models import User

WRONG_CREDENTIALS = (
    "Your email or password is not right. Check both and try again, "
    "or choose “Forgot your password?” to set a new one."
)


class SignInForm(AuthenticationForm):
    """Email and password. The email is lower-cased before authenticating, as stored by the census
    import and the user manager, so "Alice@Example.com" signs in as alice@example.com and the
    lockout counts her attempts together however she types it.

    An inactive login or one with no usable password gets the same message as a wrong password,
    so the form never tells a stranger which addresses have an account.
    """

    username = UsernameField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {"invalid_login": WRONG_CREDENTIALS, "inactive": WRONG_CREDENTIALS}

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


def _same_email(first: str, second: str) -> bool:
    return unicodedata.normalize("NFKC", first).casefold() == unicodedata.normalize("NFKC", second).casefold()


class ResetPasswordForm(PasswordResetForm):
    """Django's reset form, which also reaches active logins with no usable password yet.

    Django skips those (they might sign in elsewhere, through single sign-on). Here such a login
    is an employee whose invitation has not been used, so the reset link is how they get a new one.
    """

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def get_users(self, email: str) -> Iterator[User]:
        active_users = User._default_manager.filter(email__iexact=email, is_active=True)
        return (user for user in active_users if _same_email(email, user.email))


class ChoosePasswordForm(SetPasswordForm):
    """A new password, typed twice; the password validators apply."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].widget.attrs["autofocus"] = True
        self.fields["new_password2"].label = "New password again"
