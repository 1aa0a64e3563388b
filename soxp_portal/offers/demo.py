"""The demo offers: `demo`, the 2003 terms, and `demo-2009`, the banded exchange-2009 terms, each moved
forward by whole weeks so that it is open today.

Moving by whole weeks keeps every weekday as it was; the demo census moves by the same number of
weeks, so each case of the census (a hire on the cut-off day, a lookback grant, a grant expiring on
the cancellation date...) keeps its place relative to the offer. Wall-clock times are moved in the
offer's time zone, so a 9:00 pm Pacific deadline stays 9:00 pm Pacific across daylight saving.

The census is one for the whole portal (an employee id and an email belong to one person, whatever the
offer), so the two demo censuses are two sets of people, each imported with its own offer's shift, and
every offer judges them all: each offer's covered plans keep them apart (the 2003 grants are under
Lantronix's plans, the 2009 ones under the 2005 plan), so each demo's employees may tender in their own
offer only and read the other as "a plan this offer does not cover".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.offers.census import EMPLOYEE_COLUMNS, GRANT_COLUMNS, CensusPlan, import_census
from soxp_portal.offers.models import Employee, Offer, PriceBand
from soxp_portal.rules.calendar import next_business_day_on_or_after
from soxp_portal.rules.terms import RatioStage

DEMO_SLUG = "demo"
DEMO_CENSUS = Path(settings.BASE_DIR) / "fixtures" / "demo"
#: The banded demo: exchange-2009's terms, its census of fixtures/demo-2009.
BANDED_SOURCE = "exchange-2009"
BANDED_SLUG = "demo-2009"
BANDED_CENSUS = Path(settings.BASE_DIR) / "fixtures" / "demo-2009"
DEMO_PASSWORD = "soxp-demo-2026"  # noqa: S105  # printed by `make run` and written in the README
OPENED_DAYS_AGO = 10
STAFF = (
    ("admin@example.com", "Ada", "Administrator", Role.STOCK_ADMINISTRATOR),
    ("auditor@example.com", "Aldo", "Auditor", Role.AUDITOR),
)
_DATE_COLUMNS = {"hire_date", "termination_date", "grant_date", "expiration_date"}


@dataclass(frozen=True)
class DemoSetup:
    offer: Offer
    weeks: int
    census: CensusPlan
    logins: list[tuple[str, str]]  # (email, what the account is for)


def weeks_to_shift(source_opens_on: date, today: date) -> int:
    """Whole weeks that bring the source offer's opening nearest to `OPENED_DAYS_AGO` days before today."""
    target = today - timedelta(days=OPENED_DAYS_AGO)
    return round((target - source_opens_on).days / 7)


def shift_instant(instant: datetime, weeks: int, zone: ZoneInfo) -> datetime:
    local = instant.astimezone(zone).replace(tzinfo=None) + timedelta(weeks=weeks)
    return local.replace(tzinfo=zone)


def shift_date(day: date | None, weeks: int) -> date | None:
    return None if day is None else day + timedelta(weeks=weeks)


def shifted_csv(path: Path, columns: tuple[str, ...], weeks: int) -> bytes:
    """The CSV file at `path` with every date column moved by `weeks` weeks."""
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        for column in _DATE_COLUMNS & row.keys():
            if row[column]:
                row[column] = shift_date(date.fromisoformat(row[column]), weeks).isoformat()  # type: ignore[union-attr]
        writer.writerow(row)
    return out.getvalue().encode()


def _copy_offer(source: Offer, weeks: int, slug: str = DEMO_SLUG) -> Offer:
    zone = source.zone
    offer = Offer.objects.filter(slug=slug).first() or Offer(slug=slug)
    for field in Offer._meta.concrete_fields:
        if field.name not in {"id", "slug", "created_at", "updated_at", "closed_at"}:
            setattr(offer, field.attname, getattr(source, field.attname))
    offer.name = f"Demo: {source.name}"
    offer.opens_at = shift_instant(source.opens_at, weeks, zone)
    offer.expires_at = shift_instant(source.expires_at, weeks, zone)
    offer.original_expires_at = shift_instant(source.original_expires_at, weeks, zone)
    offer.hire_cutoff_date = shift_date(source.hire_cutoff_date, weeks)  # type: ignore[assignment]
    offer.lookback_start = shift_date(source.lookback_start, weeks)
    offer.lookback_end = shift_date(source.lookback_end, weeks)
    offer.closed_at = None
    offer.full_clean()
    offer.save()
    offer.covered_plans.set(source.covered_plans.all())
    _copy_bands(source, offer)
    return offer


def _copy_bands(source: Offer, offer: Offer) -> None:
    """The source's price bands, in place of the demo's (none for a flat offer)."""
    PriceBand.objects.filter(offer=offer).delete()
    bands = list(PriceBand.objects.filter(offer=source))
    for band in bands:
        band.pk, band.offer = None, offer
    PriceBand.objects.bulk_create(bands)


def _import_demo_census(directory: Path, weeks: int) -> CensusPlan:
    return import_census(
        io.BytesIO(shifted_csv(directory / "employees.csv", EMPLOYEE_COLUMNS, weeks)),
        io.BytesIO(shifted_csv(directory / "grants.csv", GRANT_COLUMNS, weeks)),
        employees_name=f"fixtures/{directory.name}/employees.csv",
        grants_name=f"fixtures/{directory.name}/grants.csv",
    )


def set_up_demo(*, today: date, source_slug: str = "soxp-2003") -> DemoSetup:
    """Creates or refreshes the demo offer, its census and the demo accounts. Safe to run again."""
    source = Offer.objects.get(slug=source_slug)
    weeks = weeks_to_shift(source.opens_at.astimezone(source.zone).date(), today)
    with transaction.atomic():
        offer = _copy_offer(source, weeks)
        census = _import_demo_census(DEMO_CENSUS, weeks)
        logins = _demo_accounts(census)
    return DemoSetup(offer=offer, weeks=weeks, census=census, logins=logins)


def set_up_banded_demo(*, today: date) -> DemoSetup:
    """Creates or refreshes `demo-2009`: exchange-2009's bands, RSUs in GB and grant at the close, open
    today, with its ratios preliminary (so the administrator can set them final, at least 10 business days
    before its deadline, and its employees read them as preliminary), and fixtures/demo-2009's census.
    Safe to run again."""
    source = Offer.objects.get(slug=BANDED_SOURCE)
    weeks = weeks_to_shift(source.opens_at.astimezone(source.zone).date(), today)
    with transaction.atomic():
        offer = _copy_offer(source, weeks, slug=BANDED_SLUG)
        offer.ratio_stage = RatioStage.PRELIMINARY.value
        offer.ratios_set_at = offer.opens_at
        offer.expires_at = offer.original_expires_at = _on_a_business_day(offer.expires_at, offer.zone)
        offer.save(
            update_fields=["ratio_stage", "ratios_set_at", "expires_at", "original_expires_at", "updated_at"]
        )
        census = _import_demo_census(BANDED_CENSUS, weeks)
        logins = _demo_accounts(census)
    return DemoSetup(offer=offer, weeks=weeks, census=census, logins=logins)


def _on_a_business_day(instant: datetime, zone: ZoneInfo) -> datetime:
    """The same local time on the next business day when moving by whole weeks put a deadline on a
    holiday (Christmas Day 2026): a company does not end its offer, and grant its new awards, on one."""
    local = instant.astimezone(zone)
    day = next_business_day_on_or_after(local.date())
    return instant if day == local.date() else datetime.combine(day, local.time(), zone)


def _demo_accounts(census: CensusPlan) -> list[tuple[str, str]]:
    logins = []
    for email, first_name, last_name, role in STAFF:
        user = User.objects.filter(email=email).first() or User(email=email)
        # The console is their place; staff status would open Django's admin site to them.
        user.first_name, user.last_name, user.is_staff = first_name, last_name, False
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
        logins.append((email, role.value))
    ids = list(census.employee_ids)
    for employee in (
        Employee.objects.filter(employee_id__in=ids).select_related("user").order_by("employee_id")
    ):
        employee.user.set_password(DEMO_PASSWORD)  # type: ignore[union-attr]
        employee.user.save(update_fields=["password"])  # type: ignore[union-attr]
        logins.append((employee.email, f"employee {employee.employee_id}, {employee.full_name}"))
    return logins
