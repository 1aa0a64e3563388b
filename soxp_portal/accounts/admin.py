from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse

from soxp_portal.accounts.models import PasswordResetRequest, User
from soxp_portal.audit.signals import role_change


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "last_login")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """A saved change form is one change of roles (flags and groups together): one ``role.changed``
        event, in the form's transaction. Adding a login sets no role (its form has no such field)."""
        user = (
            self.get_object(request, unquote(object_id)) if object_id and request.method == "POST" else None
        )
        if user is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with role_change(user, actor=request.user, request=request, via=f"admin: {request.path}"):  # type: ignore[arg-type]
            return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(PasswordResetRequest)
class PasswordResetRequestAdmin(admin.ModelAdmin):
    """The last hour's requests for a reset email, as the throttle counts them; read-only."""

    list_display = ("requested_at", "ip_address", "email_digest")
    list_filter = ("requested_at",)
    search_fields = ("ip_address",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PasswordResetRequest | None = None) -> bool:
        return False
