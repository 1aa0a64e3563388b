"""The client's address, behind the reverse proxies the deployment trusts (TRUSTED_PROXY_COUNT).

Each proxy appends to X-Forwarded-For the address it received the request from, and gunicorn sees
the innermost proxy as REMOTE_ADDR. With N trusted proxies the client is therefore the N-th address
from the right of X-Forwarded-For; whatever stands left of it came from the client and proves
nothing. Sign-in lock-out (django-axes, on the pair account and address) and the audit trail both
use this, so neither keys on the proxy, which every client shares.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address as text, or None when the request carries none that reads as one.

    A request with fewer forwarded addresses than trusted proxies did not come through all of them
    (or the proxies are not set up as configured): its REMOTE_ADDR is the best address it has.
    """
    address = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            address = forwarded[-count]
    try:
        return str(ipaddress.ip_address(str(address)))
    except ValueError:
        return None
