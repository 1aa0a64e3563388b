"""Small helpers shared by the accounts tests."""

import re

from django.contrib.auth import SESSION_KEY
from django.core.mail import EmailMessage
from django.test import Client

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
NEW_PASSWORD = "stock-option-tender-2003"


def signed_in_pk(client: Client) -> int | None:
    """The pk of the user the client is signed in as, or None."""
    value = client.session.get(SESSION_KEY)
    return None if value is None else int(value)


def link_in(message: EmailMessage, containing: str = "") -> str:
    """The one http(s) link in an email's text that contains ``containing``."""
    links = [link for link in re.findall(r"https?://\S+", str(message.body)) if containing in link]
    assert len(links) == 1, links
    return links[0]


def invitation_link(message: EmailMessage) -> str:
    return link_in(message, "/accounts/invitation/")


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)
