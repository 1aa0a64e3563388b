"""The second step of a password sign-in for the staff roles: a code from the app, or the enrolment.

A wrong code is a failed sign-in: it is audited (``auth.sign_in_failed``) and counted by django-axes
with the password failures of the same account and address, so the lock-out (429) ends guessing here
as it does on the password form.
"""

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from soxp_portal.accounts import two_factor
from soxp_portal.accounts.two_factor import Pending

WRONG_CODE = "That code is not right. Type the six digits your app shows now, or one of your recovery codes."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "spellcheck": "false",
            }
        ),
    )


def _start_again(request: HttpRequest) -> HttpResponse:
    messages.warning(request, "Your sign-in has timed out. Sign in again with your email and password.")
    return redirect("accounts:login")


def _locked_out(request: HttpRequest, pending: Pending) -> bool:
    """True when axes holds this account and address locked: its middleware then answers 429."""
    credentials = {"username": pending.user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        request.axes_locked_out = True  # type: ignore[attr-defined]
        request.axes_credentials = credentials  # type: ignore[attr-defined]
        return True
    return False


def _wrong_code(request: HttpRequest, pending: Pending, form: CodeForm) -> None:
    user_login_failed.send(
        sender=__name__,
        credentials={"username": pending.user.email, "step": "second factor"},
        request=request,
    )
    form.add_error("code", WRONG_CODE)
    wait = two_factor.throttled_for(pending.user)
    if wait:
        form.add_error("code", f"After several wrong codes, wait {wait} seconds before the next one.")


def _done(pending: Pending) -> HttpResponse:
    return redirect(pending.next_url or "home")


def second_factor(request: HttpRequest) -> HttpResponse:
    pending = two_factor.pending_of(request)
    if pending is None:
        return _start_again(request)
    if not two_factor.is_enrolled(pending.user):
        query = request.META.get("QUERY_STRING", "")
        return redirect(reverse("accounts:second-factor-enrol") + (f"?{query}" if query else ""))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and not _locked_out(request, pending) and form.is_valid():
        if two_factor.verify_code(pending.user, form.cleaned_data["code"], request=request) is not None:
            two_factor.complete_sign_in(request, pending)
            left = two_factor.recovery_codes_left(pending.user)
            if left < two_factor.RECOVERY_CODE_COUNT:
                messages.info(request, f"You have {left} recovery code(s) left.")
            return _done(pending)
        _wrong_code(request, pending, form)
    return render(request, "accounts/second_factor.html", {"form": form, "email": pending.user.email})


def enrol(request: HttpRequest) -> HttpResponse:
    pending = two_factor.pending_of(request)
    if pending is None:
        return _start_again(request)
    if two_factor.is_enrolled(pending.user):
        return redirect("accounts:second-factor")
    device = two_factor.enrolment_device(pending.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and not _locked_out(request, pending) and form.is_valid():
        try:
            codes = two_factor.confirm_enrolment(pending.user, device.pk, form.cleaned_data["code"])
        except two_factor.CodeRefused:
            _wrong_code(request, pending, form)
        else:
            two_factor.complete_sign_in(request, pending)
            request.session[two_factor.RECOVERY_CODES_TO_SHOW] = {"codes": codes, "next": pending.next_url}
            return redirect("accounts:recovery-codes")
    context = {
        "form": form,
        "email": pending.user.email,
        "qr_code": two_factor.qr_code_svg(device),
        "secret": two_factor.secret_of(device),
    }
    return render(request, "accounts/second_factor_enrol.html", context)


@require_GET
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once, right after enrolment; afterwards the page says they were."""
    shown = request.session.pop(two_factor.RECOVERY_CODES_TO_SHOW, None)
    context = {"codes": shown["codes"] if shown else [], "next_url": (shown or {}).get("next") or "/"}
    return render(request, "accounts/recovery_codes.html", context)
