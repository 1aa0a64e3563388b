"""Django's admin app with the portal's admin site (``accounts.admin_site``), in a module of its own because
it is read while the apps load, before any model can be imported."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "soxp_portal.accounts.admin_site.PortalAdminSite"
