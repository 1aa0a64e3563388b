"""The default cache is a table of the database, so every worker of every server shares it and it
survives a restart; CACHE_URL names a Redis server instead."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from soxp_portal.env import CACHE_TABLE, cache_from_url


@pytest.mark.django_db
def test_a_cached_value_is_a_row_of_the_cache_table() -> None:
    cache.set("census-fingerprint", {"grants": 400_000}, 60)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {connection.ops.quote_name(CACHE_TABLE)}")  # noqa: S608 (a constant)
        keys = [row[0] for row in cursor.fetchall()]
    assert any(key.endswith("census-fingerprint") for key in keys)
    assert cache.get("census-fingerprint") == {"grants": 400_000}


def test_cache_url_chooses_the_backend() -> None:
    assert cache_from_url("") == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
    }
    assert cache_from_url("redis://127.0.0.1:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must be empty"):
        cache_from_url("memcached://127.0.0.1:11211")
