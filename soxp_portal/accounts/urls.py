from django.urls import path

from soxp_portal.accounts import second_factor_views, sso_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("sso/", sso_views.start, name="sso-start"),
    path("sso/callback/", sso_views.callback, name="sso-callback"),
    path("two-factor/", second_factor_views.second_factor, name="second-factor"),
    path("two-factor/enrol/", second_factor_views.enrol, name="second-factor-enrol"),
    path("two-factor/recovery-codes/", second_factor_views.recovery_codes, name="recovery-codes"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/complete/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"
    ),
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
]
