"""Employee and grant identifiers: what the census accepts, and how any stored one (and an election's
confirmation number) travels in a URL.

OFFER.md, "Further rules of the files": 1 to 64 characters of letters, digits, ``-``, ``_`` and ``.``,
not starting with ``.``. Such an id is a path segment as it stands. A row written before the rule or
by hand may hold anything ("E/3001", "..", "E 3004"); the URL converter carries those as ``~`` and the
base64url of their UTF-8, so no stored value can break a link or make a page unreachable.
"""

import base64
import binascii
import re

MAX_LENGTH = 64
IDENTIFIER = re.compile(rf"[A-Za-z0-9_-][A-Za-z0-9._-]{{0,{MAX_LENGTH - 1}}}")
RULE = f"1 to {MAX_LENGTH} letters, digits, '-', '_' and '.', not starting with '.'"
_ENCODED_PREFIX = "~"


def identifier_problem(value: str) -> str | None:
    """Why ``value`` is not an identifier the census accepts, or None if it is one."""
    if IDENTIFIER.fullmatch(value):
        return None
    return f"{value!r} is not an identifier: use {RULE}."


class IdentifierConverter:
    """``<identifier:employee_id>``: a valid id as it is, anything else base64url-encoded behind ``~``."""

    regex = r"[A-Za-z0-9_-][A-Za-z0-9._-]*|~[A-Za-z0-9_-]+"

    def to_python(self, value: str) -> str:
        if not value.startswith(_ENCODED_PREFIX):
            return value
        encoded = value[len(_ENCODED_PREFIX) :]
        try:
            decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError(value) from None  # the URL does not resolve: a 404
        if "\x00" in decoded:  # no stored id holds one (PostgreSQL refuses them in a query): a 404
            raise ValueError(value)
        return decoded

    def to_url(self, value: str) -> str:
        if IDENTIFIER.fullmatch(value):
            return value
        return _ENCODED_PREFIX + base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


class ConfirmationConverter:
    """``<confirmation:confirmation>``: an election's confirmation number (``7QJ3M-XR2PD``: letters,
    digits and dashes, at most 32). Anything else does not resolve, a 404, and never reaches a query."""

    regex = r"[A-Za-z0-9-]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
