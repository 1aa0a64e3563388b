from django.apps import AppConfig


class ClosingConfig(AppConfig):
    name = "soxp_portal.closing"
    label = "closing"
    verbose_name = "Closing the offer"
