from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "soxp_portal.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from soxp_portal.audit import checks  # noqa: F401  (registers the system check)
        from soxp_portal.audit.signals import connect  # sign-in, failed sign-in and lock-out events

        connect()
