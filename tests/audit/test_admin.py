"""The admin shows the audit trail and offers no way to add, change or delete an event."""

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_superuser_can_list_search_and_view_events(admin_client: Client, chain: list[AuditEvent]) -> None:
    changelist = reverse("admin:audit_auditevent_changelist")

    listed = admin_client.get(changelist)
    searched = admin_client.get(changelist, {"q": "E-ALICE"})
    missed = admin_client.get(changelist, {"q": "E-NOBODY"})
    filtered = admin_client.get(changelist, {"event_type__exact": "election.submitted"})
    detail = admin_client.get(reverse("admin:audit_auditevent_change", args=[chain[0].pk]))

    assert listed.status_code == searched.status_code == filtered.status_code == detail.status_code == 200
    assert len(searched.context["cl"].result_list) == 5
    assert len(missed.context["cl"].result_list) == 0
    assert chain[0].hash in detail.text
    assert b'name="_save"' not in detail.content


def test_superuser_cannot_add_or_delete_events(admin_client: Client, chain: list[AuditEvent]) -> None:
    add = admin_client.get(reverse("admin:audit_auditevent_add"))
    delete = admin_client.post(reverse("admin:audit_auditevent_delete", args=[chain[0].pk]), {"post": "yes"})
    change = admin_client.post(
        reverse("admin:audit_auditevent_change", args=[chain[0].pk]), {"user_agent": "forged"}
    )

    assert (add.status_code, delete.status_code, change.status_code) == (403, 403, 403)
    assert AuditEvent.objects.get(pk=chain[0].pk).user_agent == ""
