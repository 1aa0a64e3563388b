"""Second factors of the staff logins: who has set up their app, and resetting it for someone who lost it."""

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import ROLE_GROUP_NAMES
from soxp_portal.accounts.two_factor import reset_second_factor
from soxp_portal.console.views import staff_required


def _staff_logins() -> "list[User]":
    """Every login that needs a second factor to sign in by password (two_factor.needs_second_factor)."""
    return list(
        User.objects.filter(Q(is_superuser=True) | Q(is_staff=True) | Q(groups__name__in=ROLE_GROUP_NAMES))
        .distinct()
        .annotate(
            is_enrolled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            recovery_codes_left=Count(
                "staticdevice__token_set", filter=Q(staticdevice__confirmed=True), distinct=True
            ),
        )
        .prefetch_related("groups")
        .order_by("email")
    )


@staff_required
def second_factors(request: HttpRequest) -> HttpResponse:
    return render(request, "console/setup/second_factors.html", {"logins": _staff_logins()})


@require_POST
@staff_required
def second_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    login = get_object_or_404(User, pk=pk)
    try:
        removed = reset_second_factor(login, actor=request.user, request=request)  # type: ignore[arg-type]
    except ValueError as error:
        messages.error(request, str(error))
    else:
        if removed:
            messages.success(
                request,
                f"The second factor of {login.email} is reset: they set up their app again at their next "
                "sign-in by password, and get new recovery codes.",
            )
        else:
            messages.info(request, f"{login.email} had no second factor set up; nothing to reset.")
    return redirect("console:second-factors")
