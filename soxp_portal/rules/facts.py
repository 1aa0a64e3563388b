"""The facts about one employee and one grant that the rules judge (OFFER.md, "Data the portal exchanges").

They are plain frozen values so the rules never see a model row: `offers/` builds them from the census
with one small adapter per shape.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class EmploymentStatus(enum.StrEnum):
    """The census `status` column. An employee on leave is still employed."""

    ACTIVE = "active"
    LEAVE = "leave"
    TERMINATED = "terminated"


@dataclass(frozen=True, slots=True)
class EmployeeFacts:
    """One row of `employees.csv`, reduced to what the offer's eligibility and conditions depend on."""

    employee_id: str
    hire_date: date
    #: ISO 3166-1 alpha-2, e.g. "US".
    work_country: str
    #: One of :class:`EmploymentStatus` ("active", "leave", "terminated").
    status: str
    #: The first day the employee is no longer employed; None while employed with no end in sight.
    termination_date: date | None
    is_executive_officer: bool
    is_director: bool

    def __post_init__(self) -> None:
        if self.status not in set(EmploymentStatus):
            allowed = ", ".join(EmploymentStatus)
            raise ValueError(f"Unknown employment status {self.status!r}: expected one of {allowed}.")

    def is_employed_on(self, day: date) -> bool:
        """Whether the employee still works for the company on `day` (OFFER.md decision 7).

        Leave counts as employment. A termination date is the first day without employment, so the
        employee is employed on `day` only if it is later than `day`. The termination date decides over
        the status, because the census is a snapshot taken later than the day judged: someone who left
        after the new grant date was still employed on it. A "terminated" row without a date is read as
        never employed on any day judged, the only safe reading of a termination nobody dated.
        """
        if self.termination_date is not None:
            return self.termination_date > day
        return self.status != EmploymentStatus.TERMINATED


@dataclass(frozen=True, slots=True)
class GrantFacts:
    """One row of `grants.csv`: an old option grant as the census reports it today."""

    grant_id: str
    plan: str
    grant_date: date
    shares_granted: int
    shares_exercised: int
    shares_cancelled: int
    exercise_price: Decimal
    expiration_date: date

    def __post_init__(self) -> None:
        counts = (self.shares_granted, self.shares_exercised, self.shares_cancelled)
        if min(counts) < 0:
            raise ValueError(f"Grant {self.grant_id}: share counts cannot be negative.")
        if self.outstanding_shares < 0:
            raise ValueError(
                f"Grant {self.grant_id}: more shares exercised and cancelled than granted "
                f"({self.shares_exercised} + {self.shares_cancelled} > {self.shares_granted})."
            )

    @property
    def outstanding_shares(self) -> int:
        """What can still be tendered: granted minus exercised minus cancelled (OFFER.md, grants.csv)."""
        return self.shares_granted - self.shares_exercised - self.shares_cancelled
