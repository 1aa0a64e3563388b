from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "soxp_portal.portal"
    label = "portal"
    verbose_name = "Employee portal"
