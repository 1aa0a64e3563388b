"""How many password-reset emails the portal sends: per account and per address, in a rolling hour.

Every request gets the same answer ("if an account exists, an email is on its way"), whether an
email was sent, the account does not exist, or a limit was reached: the page reveals neither who has
an account nor that someone is being flooded. Counts live in the database, so every worker of every
server sees the same ones.
"""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from soxp_portal.accounts.models import PasswordResetRequest

WINDOW = timedelta(hours=1)


def email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()


def reset_email_allowed(email: str, ip_address: str | None, *, now: datetime) -> bool:
    """Records the request; True while its account and its address are under their hourly limits.

    Two requests racing on PostgreSQL may both be counted under the limit: the limit can be passed by
    the number of requests in flight at once, never by a flood sent one after another.
    """
    digest = email_digest(email)
    since = now - WINDOW
    with transaction.atomic():
        PasswordResetRequest.objects.filter(requested_at__lt=since).delete()
        recent = PasswordResetRequest.objects.filter(requested_at__gte=since)
        for_account = recent.filter(email_digest=digest).count()
        from_address = recent.filter(ip_address=ip_address).count() if ip_address else 0
        PasswordResetRequest.objects.create(email_digest=digest, ip_address=ip_address, requested_at=now)
    return (
        for_account < settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT
        and from_address < settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    )
