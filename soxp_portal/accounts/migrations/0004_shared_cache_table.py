"""The database table of the shared cache (settings.CACHES, soxp_portal.env.CACHE_TABLE).

Django creates a cache table with `manage.py createcachetable`; doing it here means every place that
migrates a database (make run, a deployment, the tests, a restore) has it. The command is idempotent
and does nothing for a cache that is not in the database (CACHE_URL set to a cache server).
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor) -> None:
    from soxp_portal.env import CACHE_TABLE

    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_password_reset_requests")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
