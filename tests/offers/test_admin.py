"""Django's admin (for superusers' repairs) has every model, and history rows are read-only there."""

import pytest
from django.apps import apps
from django.contrib import admin

from tests.factories import ElectionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("app_label", ["offers", "accounts", "audit"])
def test_every_model_is_registered(app_label: str) -> None:
    missing = [
        model.__name__
        for model in apps.get_app_config(app_label).get_models()
        if not admin.site.is_registered(model)
    ]
    assert missing == []


def test_admin_pages_open_for_a_superuser(client) -> None:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    election = ElectionFactory()
    for path in [
        "/admin/offers/offer/",
        "/admin/offers/employee/",
        "/admin/offers/grant/",
        "/admin/offers/election/",
        f"/admin/offers/election/{election.pk}/change/",
        "/admin/offers/announcement/",
        "/admin/offers/offerdocument/",
        "/admin/accounts/user/",
    ]:
        assert client.get(path).status_code == 200, path


def test_elections_cannot_be_changed_or_deleted_in_the_admin(client) -> None:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    election = ElectionFactory()
    page = client.get(f"/admin/offers/election/{election.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert client.post(f"/admin/offers/election/{election.pk}/delete/", {"post": "yes"}).status_code == 403
