"""The auditor's pages (URLs under /console/audit/)."""

urlpatterns: list = []
