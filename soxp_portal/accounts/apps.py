from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "soxp_portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"
