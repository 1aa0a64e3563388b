"""client_address: the client behind TRUSTED_PROXY_COUNT proxies, never an address the client chose."""

import pytest
from django.test import RequestFactory

from soxp_portal.client import client_address

PROXY = "10.0.0.1"


def address(rf: RequestFactory, forwarded: str | None, remote: str = PROXY) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(rf.get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_connection_is_the_client(rf: RequestFactory, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    assert address(rf, "198.51.100.7", remote="203.0.113.9") == "203.0.113.9"


@pytest.mark.parametrize(
    ("count", "forwarded", "client"),
    [
        (1, "198.51.100.7", "198.51.100.7"),  # one proxy: what it saw
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own header is ignored
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),  # two proxies
        (1, " 2001:db8::1 ", "2001:db8::1"),
        (2, "198.51.100.7", PROXY),  # fewer addresses than proxies: the connection's
        (1, "", PROXY),
        (1, "not-an-address", None),
    ],
)
def test_behind_trusted_proxies(rf: RequestFactory, settings, count: int, forwarded: str, client) -> None:
    settings.TRUSTED_PROXY_COUNT = count
    assert address(rf, forwarded) == client
