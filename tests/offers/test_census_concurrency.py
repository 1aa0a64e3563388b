"""Two census imports at once, and an import racing a change of terms (issue 12, item 7).

On PostgreSQL an import holds a transaction-scoped advisory lock from its comparison to its commit: a
second import is refused at once with a clear message, and nothing of it is written. An import also
holds the offers' rows while it judges their verdicts, so a change of terms waits for it and judges the
census the import wrote: the stored verdicts are current whoever commits last. On SQLite one writer
runs at a time; an import that cannot get the write lock is refused with the same message.

Each thread has its own database connection and closes it when done; ``transaction=True`` makes the
test's rows committed, so the threads can see them.
"""

import io
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from soxp_portal.accounts.models import User
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers import census
from soxp_portal.offers.actions import update_offer_terms
from soxp_portal.offers.census import BUSY_MESSAGE, CensusImportError, import_census
from soxp_portal.offers.models import Employee, Grant, Offer
from soxp_portal.offers.participation import eligibility_census
from soxp_portal.offers.verdicts import is_current
from tests.conftest import load_soxp_2003
from tests.factories import UserFactory
from tests.offers.census_data import EMPLOYEES, EMPLOYEES_HEADER, GRANTS, GRANTS_HEADER, csv_bytes

BEFORE_OPENING = datetime(2002, 12, 1, 18, 0, tzinfo=UTC)
DURING_OFFER = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
TIMEOUT = 60


def run_import(employees: list[str], grants: list[str]) -> census.CensusPlan:
    return import_census(
        io.BytesIO(csv_bytes(EMPLOYEES_HEADER, employees)), io.BytesIO(csv_bytes(GRANTS_HEADER, grants))
    )


class Paused:
    """Runs `work` in a thread that stops inside the import's transaction, as it judges the verdicts
    (after its writes, holding its locks), until released."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.inside, self.release = threading.Event(), threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(work,), name="paused-import")

    def _run(self, work: Callable[[], object]) -> None:
        try:
            work()
        except BaseException as error:  # asserted by the test
            self.errors.append(error)
        finally:
            self.inside.set()
            connection.close()

    def __enter__(self) -> "Paused":
        judge = census.judge_offers

        def paused_judge(*args: object, **kwargs: object) -> None:
            if threading.current_thread() is self.thread:
                self.inside.set()
                assert self.release.wait(TIMEOUT), "never released"
            judge(*args, **kwargs)  # type: ignore[arg-type]

        self.patch = mock.patch.object(census, "judge_offers", paused_judge)
        self.patch.start()
        self.thread.start()
        assert self.inside.wait(TIMEOUT), "the import never reached its judgement"
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(TIMEOUT)
        self.patch.stop()
        assert not self.thread.is_alive(), "the paused import hung"


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's locks (run under scripts/with-postgres)"
)


@pytest.fixture
def offer(transactional_db: None) -> Offer:
    return load_soxp_2003()


@pytest.mark.postgres
@on_postgresql
def test_a_second_import_while_one_runs_is_refused_and_writes_nothing(offer: Offer) -> None:
    second = [*GRANTS, "G9,E1,2000 Stock Option Plan,NSO,2001-01-02,10,0,0,4.00,2011-01-02,"]
    with Paused(lambda: run_import(EMPLOYEES, GRANTS)) as first:
        with pytest.raises(CensusImportError) as refused:
            run_import(EMPLOYEES, second)
        with pytest.raises(CensusImportError) as dry_run_refused:
            import_census(
                io.BytesIO(csv_bytes(EMPLOYEES_HEADER, EMPLOYEES)),
                io.BytesIO(csv_bytes(GRANTS_HEADER, second)),
                dry_run=True,
            )
    assert first.errors == []
    assert [str(error) for error in refused.value.errors] == [BUSY_MESSAGE]
    assert [str(error) for error in dry_run_refused.value.errors] == [BUSY_MESSAGE]
    assert sorted(Grant.objects.values_list("grant_id", flat=True)) == ["G1", "G2", "G3"]
    assert AuditEvent.objects.filter(event_type=AuditEventType.CENSUS_IMPORTED).count() == 1

    run_import(EMPLOYEES, second)  # once the first has committed, the next import runs
    assert Grant.objects.filter(grant_id="G9").exists()


@pytest.mark.postgres
@on_postgresql
def test_a_change_of_terms_during_an_import_waits_and_judges_the_imported_census(offer: Offer) -> None:
    """The import holds soxp-2003's row while it judges; the change of terms waits for its commit, then
    judges the census it wrote under the new terms. The verdicts stored last are current."""
    admin = UserFactory(email="admin@example.com")
    changed = threading.Event()
    errors: list[BaseException] = []

    def change_terms() -> None:
        try:
            update_offer_terms(
                Offer.objects.get(pk=offer.pk),
                {"price_threshold": Decimal("6.00")},
                covered_plans=list(offer.covered_plans.all()),
                actor=User.objects.get(pk=admin.pk),
                now=BEFORE_OPENING,
            )
        except BaseException as error:  # asserted below
            errors.append(error)
        finally:
            changed.set()
            connection.close()

    with Paused(lambda: run_import(EMPLOYEES, GRANTS)) as importing:
        terms = threading.Thread(target=change_terms)
        terms.start()
        assert not changed.wait(1), "the change of terms must wait for the import's commit"
    terms.join(TIMEOUT)
    assert importing.errors == errors == []

    offer.refresh_from_db()
    assert offer.price_threshold == Decimal("6.00")
    assert is_current(offer)
    # Sam's $6.00 grant and his lookback grant; Lena's $5.60 is below the new threshold.
    census_now = eligibility_census(offer, now=DURING_OFFER)
    assert (census_now.employee_ids, census_now.shares) == (frozenset({"E1"}), 1300)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's single writer")
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_an_import_that_cannot_get_the_write_lock_is_refused_clearly() -> None:
    """Another connection holds SQLite's write lock (an election being saved, another import) for longer
    than the import waits: the import is refused with the same message, not a server error."""
    name = connection.settings_dict["NAME"]
    other = sqlite3.connect(name, uri=name.startswith("file:"), timeout=0.1, isolation_level=None)
    with mock.patch.dict(connection.settings_dict["OPTIONS"], {"timeout": 0.2}):
        connection.close()  # reconnects with the short wait
        try:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(CensusImportError) as refused:
                run_import(EMPLOYEES, GRANTS)
        finally:
            other.execute("ROLLBACK")
            other.close()
            connection.close()
    assert [str(error) for error in refused.value.errors] == [BUSY_MESSAGE]
    assert Employee.objects.count() == 0
    run_import(EMPLOYEES, GRANTS)
    assert Employee.objects.count() == 3
