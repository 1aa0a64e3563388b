"""Django's admin site behind the portal's own sign-in, so that it cannot be a way around the second
factor: its login page sends people to ``accounts:login``, and a session signed in by password alone
is sent to the second step before any admin page."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from soxp_portal.accounts.two_factor import session_lacks_second_factor


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not session_lacks_second_factor(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        if not request.user.is_authenticated:
            return redirect_to_login(next_url)
        if session_lacks_second_factor(request):
            return redirect_to_login(next_url, reverse("accounts:second-factor"))
        raise PermissionDenied("Django's admin site is for superusers and staff.")
