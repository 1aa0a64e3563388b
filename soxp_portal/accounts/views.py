"""Sign-in, sign-out, password reset and invitations: Django's auth views with our templates.

Lockout after repeated failures is django-axes' job: its backend refuses the attempt and its
middleware answers with ``accounts/locked_out.html`` (status 429).

Where a deployment turns sign-in by password off (``PASSWORD_SIGN_IN``), the password form refuses
(403) and the reset and invitation pages are not there (404): the sign-in page offers single sign-on
alone. Staff roles signing in by password continue to the second factor (``second_factor_views``).
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from soxp_portal.accounts import oidc
from soxp_portal.accounts.forms import ChoosePasswordForm, ResetPasswordForm, SignInForm
from soxp_portal.accounts.invitations import invitation_token_generator
from soxp_portal.accounts.models import User
from soxp_portal.accounts.templatetags.accounts_tags import duration_in_words
from soxp_portal.accounts.throttle import reset_email_allowed
from soxp_portal.accounts.two_factor import SIGN_IN_METHOD, Method, begin_pending, needs_second_factor
from soxp_portal.audit.models import AuditEventType
from soxp_portal.audit.repeats import record_repeatable
from soxp_portal.client import client_address

# Named explicitly because AxesStandaloneBackend is also configured: login() must know which backend
# vouched for the user when the invitation signs them in without authenticate().
MODEL_BACKEND = "soxp_portal.accounts.backends.ModelBackend"


class PasswordPagesMixin:
    """The page exists only where sign-in by password is on."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PASSWORD_SIGN_IN:
            raise Http404("Sign-in by password is turned off here.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class SignInView(auth_views.LoginView):
    """After sign-in: a safe ``?next=`` (same host only), else LOGIN_REDIRECT_URL."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "password_sign_in": settings.PASSWORD_SIGN_IN,
            "single_sign_on": oidc.is_configured(),
            "provider_name": settings.OIDC_PROVIDER_NAME,
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PASSWORD_SIGN_IN:
            raise PermissionDenied("Sign-in by password is turned off here; use single sign-on.")
        return super().post(request, *args, **kwargs)

    @transaction.atomic
    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        """Signs in: the new session, the last sign-in time and the ``auth.signed_in`` audit event are
        written in one transaction. (A refused attempt is audited in the form's validation, before.)

        A stock administrator, auditor or superuser is not signed in yet: the second step asks for a
        code from their app (or enrols one) first."""
        user = form.get_user()
        if needs_second_factor(user):
            begin_pending(self.request, user, backend=user.backend, next_url=self.get_success_url())
            return redirect("accounts:second-factor")
        response = super().form_valid(form)
        self.request.session[SIGN_IN_METHOD] = Method.PASSWORD
        return response


#: After signing out of a single sign-on session: the provider's end-session address, shown once.
END_SESSION_OFFER = "_soxp_end_session_url"


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView answers 405 to GET), so a link or an image cannot sign anyone out.

    After a single sign-on, the portal's session ends here as always; the person is still signed in at
    their identity provider, so where it has an end-session address the next page offers it."""

    next_page = reverse_lazy("accounts:login")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = request.session.get(oidc.ID_TOKEN_SESSION_KEY)
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out. Close the browser if this is a shared computer.")
        if id_token and oidc.is_configured():
            url = oidc.end_session_url(id_token, request.build_absolute_uri(reverse("accounts:login")))
            if url:
                request.session[END_SESSION_OFFER] = url
                return redirect("accounts:signed-out")
        return response


def signed_out(request: HttpRequest) -> HttpResponse:
    """The offer to sign out at the identity provider too (once; else the sign-in page)."""
    url = request.session.pop(END_SESSION_OFFER, None)
    if url is None:
        return redirect("accounts:login")
    return render(
        request,
        "accounts/signed_out.html",
        {"end_session_url": url, "provider_name": settings.OIDC_PROVIDER_NAME},
    )


class PasswordResetView(PasswordPagesMixin, auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = ResetPasswordForm
    email_template_name = "emails/accounts/password_reset.txt"
    subject_template_name = "emails/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    @property
    def extra_email_context(self) -> dict[str, Any]:  # type: ignore[override]
        return {"valid_for": duration_in_words(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))}

    def form_valid(self, form: ResetPasswordForm) -> HttpResponse:
        """Over a limit the email is not sent, and the answer is the same (accounts.throttle).

        Every request is audited as ``password.reset_requested``, about the account asked for if there
        is one: the email typed, whether it was within the limits and whether an email went out.
        Repeats from one address are limited (``audit.repeats``), like the emails themselves."""
        email = form.cleaned_data["email"]
        now = timezone.now()
        allowed = reset_email_allowed(email, client_address(self.request), now=now)
        recipients = list(form.get_users(email)) if allowed else []
        record_repeatable(
            AuditEventType.PASSWORD_RESET_REQUESTED,
            self.request,
            at=now,
            subject=recipients[0] if recipients else User.objects.filter(email__iexact=email).first(),
            data={"email": email.strip().lower(), "within_limits": allowed, "emailed": bool(recipients)},
        )
        if allowed:
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(PasswordPagesMixin, auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(PasswordPagesMixin, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = ChoosePasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(PasswordPagesMixin, auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class InvitationView(PasswordPagesMixin, auth_views.PasswordResetConfirmView):
    """The link of an invitation email: choose a password, then arrive signed in on the home page.

    The reset-confirm flow fits exactly (the token moves from the URL into the session before the
    form is shown, so it never leaks in a Referer header), with the invitation's token generator.
    """

    template_name = "accounts/invitation.html"
    form_class = ChoosePasswordForm
    token_generator = invitation_token_generator
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND
    success_url = reverse_lazy("home")

    def get_user(self, uidb64: str) -> User | None:
        """Only active logins: signing in with an explicit backend skips the is_active check."""
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    @transaction.atomic
    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        """The password, the sign-in and its audit event are written in one transaction."""
        response = super().form_valid(form)
        # A staff login invited this way meets the second factor at its first staff page (roles.py).
        self.request.session[SIGN_IN_METHOD] = Method.PASSWORD
        name = form.user.first_name or form.user.email
        messages.success(
            self.request,
            f"Welcome to the SOXP Portal, {name}. Your password is set and you are signed in. "
            "Next time, sign in with your email address and this password.",
        )
        return response
