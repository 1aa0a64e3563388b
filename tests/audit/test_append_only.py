"""Events are never changed or removed: the model, the queryset and (on PostgreSQL) a trigger refuse."""

import importlib

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from soxp_portal.audit.models import AuditEvent
from tests.audit.conftest import TABLE, TRIGGER

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger exists only on PostgreSQL (run under scripts/with-postgres)",
)


def test_saving_a_stored_event_again_is_refused(chain: list[AuditEvent]) -> None:
    event = AuditEvent.objects.get(sequence=2)
    event.data = {"n": 99}

    with pytest.raises(TypeError, match="AuditEvent rows are append-only and cannot be changed"):
        event.save()

    assert AuditEvent.objects.get(sequence=2).data == {"n": 2}


def test_deleting_an_event_is_refused(chain: list[AuditEvent]) -> None:
    with pytest.raises(TypeError, match="AuditEvent rows are append-only and cannot be deleted"):
        chain[0].delete()

    assert AuditEvent.objects.count() == 5


def test_queryset_and_manager_refuse_update_and_delete(chain: list[AuditEvent]) -> None:
    with pytest.raises(TypeError, match="cannot be updated"):
        AuditEvent.objects.filter(sequence=2).update(data={})
    with pytest.raises(TypeError, match="cannot be updated"):
        AuditEvent.objects.update(data={})
    with pytest.raises(TypeError, match="cannot be deleted"):
        AuditEvent.objects.filter(sequence=2).delete()
    with pytest.raises(TypeError, match="cannot be deleted"):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.count() == 5


def test_the_database_refuses_a_second_event_with_the_same_sequence_or_predecessor(
    chain: list[AuditEvent],
) -> None:
    last = chain[-1]
    copy = AuditEvent.objects.get(pk=last.pk)
    copy.pk = None
    copy._state.adding = True

    copy.hash = "f" * 64
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save(force_insert=True)  # same sequence and previous_hash as the last event: a fork

    copy.sequence = last.sequence + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save(force_insert=True)  # a new number, but still the same predecessor: still a fork


@on_postgresql
@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE {table} SET data = '{{}}' WHERE sequence = 2",
        "UPDATE {table} SET sequence = sequence + 100",
        "DELETE FROM {table} WHERE sequence = 5",
        "DELETE FROM {table}",
    ],
)
def test_postgresql_trigger_refuses_raw_update_and_delete(chain: list[AuditEvent], sql: str) -> None:
    with (
        pytest.raises(DatabaseError, match="audit events are append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.format(table=TABLE))

    assert list(AuditEvent.objects.values_list("data", flat=True)) == [{"n": n} for n in range(1, 6)]


@on_postgresql
@pytest.mark.postgres
def test_postgresql_trigger_leaves_truncate_to_the_test_flush(chain: list[AuditEvent]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred FK checks
        cursor.execute(f"TRUNCATE {TABLE}")

    assert not AuditEvent.objects.exists()


@on_postgresql
@pytest.mark.postgres
def test_migration_0002_drops_and_recreates_the_trigger(chain: list[AuditEvent]) -> None:
    migration = importlib.import_module("soxp_portal.audit.migrations.0002_append_only_trigger")

    def trigger_names() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE]
            )
            return [name for (name,) in cursor.fetchall()]

    assert trigger_names() == [TRIGGER]
    with connection.schema_editor() as editor:
        migration.drop_trigger(None, editor)
    assert trigger_names() == []
    with connection.schema_editor() as editor:
        migration.create_trigger(None, editor)
    assert trigger_names() == [TRIGGER]
