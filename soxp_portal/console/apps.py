from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "soxp_portal.console"
    label = "console"
    verbose_name = "Administrator console"
