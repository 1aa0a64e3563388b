"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the audit table, even in raw SQL.

The model already refuses through the ORM; the trigger closes the other door (a shell, a script, a
careless migration). TRUNCATE is deliberately left alone: Django's test flush and `manage.py flush`
empty every table with TRUNCATE, and anyone able to truncate can also drop the trigger, so blocking
it would only break the tests. ``verify_audit`` is what detects tampering by the table's owner.
SQLite gets no trigger, because Django's flush there uses DELETE.
"""

from typing import Any

from django.db import migrations

TABLE = "audit_auditevent"
FUNCTION = "audit_event_append_only"
TRIGGER = "audit_event_append_only"

CREATE = [
    f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit events are append-only: % on % is refused', TG_OP, TG_TABLE_NAME
            USING HINT = 'Record a new event instead of changing or removing one.';
    END;
    $$
    """,
    f"""
    CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()
    """,
]
DROP = [f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}", f"DROP FUNCTION IF EXISTS {FUNCTION}()"]


def _run_on_postgresql(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)  # None: the "%" in RAISE is not a placeholder

    return run


create_trigger = _run_on_postgresql(CREATE)
drop_trigger = _run_on_postgresql(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
