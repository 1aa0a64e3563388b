"""What ``PRODUCTION=true`` refuses to start with.

Each of these would serve employees' elections unsafely, and none shows until it is exploited, so
settings.py stops at import with every problem listed rather than warning in `check --deploy`.
"""

from django.core.exceptions import ImproperlyConfigured

#: The key settings.py falls back to outside production: it is in this repository, so it is public.
DEVELOPMENT_SECRET_KEY = "insecure-development-key"  # noqa: S105
#: Keys that are published: the development key and the README's placeholder.
KNOWN_SECRET_KEYS = frozenset({DEVELOPMENT_SECRET_KEY, "...", "changeme", "secret"})
#: Django's own bar for a key (check security.W009): long and not a repeated character.
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARACTERS = 5


def secret_key_problem(secret_key: str) -> str | None:
    """Why ``secret_key`` cannot sign production sessions and links, or None if it can."""
    if not secret_key:
        return "SECRET_KEY must be set."
    if secret_key in KNOWN_SECRET_KEYS or secret_key.startswith("django-insecure-"):
        return "SECRET_KEY is a published key; generate a new one."
    if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < MIN_SECRET_KEY_CHARACTERS:
        return (
            f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters long "
            f"with at least {MIN_SECRET_KEY_CHARACTERS} different ones."
        )
    return None


def refuse_unsafe_production(*, debug: bool, secret_key: str, secure_cookies: bool) -> None:
    """Raises ImproperlyConfigured naming every unsafe setting; returns if there is none."""
    problems = []
    if debug:
        problems.append("DEBUG must be false: Django's debug pages show settings and code to anyone.")
    key_problem = secret_key_problem(secret_key)
    if key_problem:
        problems.append(
            f"{key_problem} For example: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if not secure_cookies:
        problems.append("SECURE_COOKIES must not be false: sign-in cookies would travel over plain HTTP.")
    if problems:
        raise ImproperlyConfigured("PRODUCTION is true, but:\n- " + "\n- ".join(problems))
