"""How passwords are stored: Argon2id with parameters chosen for a deadline hour of sign-ins.

Django's default, PBKDF2-SHA256 at 1,500,000 iterations, costs about 0.5 s of CPU a check here, so
sign-ins alone capped a 2-core server near 4 a second. Argon2id is memory-hard (a guess costs an
attacker memory as well as time), and OWASP's password storage cheat sheet gives equivalent minimum
settings; we use its first one, 19 MiB of memory, 2 passes, 1 lane: about 26 ms of CPU a check on this
machine, so one core checks about 38 passwords a second (docs/performance.md, "Sign-in").

A password stored by an earlier hasher (PBKDF2) still signs in, and is stored again with these
settings at that sign-in (Django's hasher upgrade).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m = 19 MiB, t = 2, p = 1 (OWASP's minimum)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
