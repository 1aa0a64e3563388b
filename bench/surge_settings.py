"""bench/surge.py's settings: the portal's own, plus two reference views served by the same gunicorn.

Only the URLs differ (surge_urls adds /bench/a/ and /bench/b/ to the portal's); everything else,
middleware included, is what a deployment runs, read from the same environment.
"""

from soxp_portal.settings import *  # noqa: F403

ROOT_URLCONF = "surge_urls"
