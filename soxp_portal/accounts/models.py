"""Login accounts. People sign in with their email address; there is no separate user name."""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models, router, transaction


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)  # None gives an unusable password
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves in a transaction, so that the ``role.changed`` event written after a change of
        ``is_staff`` or ``is_superuser`` (``audit.signals``) commits or rolls back with it."""
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
            super().save(*args, **kwargs)

    def clean(self) -> None:
        """Emails are stored in lower case (sign-in lower-cases what is typed), from any form."""
        super().clean()
        self.email = self.email.lower()


class PasswordResetRequest(models.Model):
    """One request for a password-reset email, kept for an hour to limit how many are sent.

    The address asked for is kept only as a digest: the table says how often an account was asked
    for, not who the employees are.
    """

    email_digest = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    requested_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["email_digest", "requested_at"]),
            models.Index(fields=["ip_address", "requested_at"]),
            models.Index(fields=["requested_at"]),
        ]

    def __str__(self) -> str:
        return f"Password reset asked at {self.requested_at:%Y-%m-%d %H:%M:%S} UTC from {self.ip_address}"
