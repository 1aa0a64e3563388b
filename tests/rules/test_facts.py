"""The employee and grant facts the rules judge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from soxp_portal.rules.facts import EmployeeFacts, GrantFacts

JANUARY_20 = date(2003, 1, 20)


@pytest.mark.parametrize(
    ("status", "termination_date", "employed"),
    [
        pytest.param("active", None, True, id="active"),
        pytest.param("leave", None, True, id="on leave"),
        pytest.param("terminated", None, False, id="terminated without a date"),
        pytest.param("terminated", date(2003, 1, 10), False, id="left before"),
        pytest.param("terminated", JANUARY_20, False, id="left that day"),
        pytest.param("terminated", date(2003, 1, 21), True, id="left the day after"),
        pytest.param("active", date(2003, 1, 31), True, id="notice given, still working"),
    ],
)
def test_is_employed_on(
    make_employee: Callable[..., EmployeeFacts], status: str, termination_date: date | None, employed: bool
) -> None:
    employee = make_employee(status=status, termination_date=termination_date)
    assert employee.is_employed_on(JANUARY_20) is employed


def test_unknown_status_is_refused(make_employee: Callable[..., EmployeeFacts]) -> None:
    with pytest.raises(ValueError, match="Unknown employment status 'retired'"):
        make_employee(status="retired")


def test_outstanding_shares_are_granted_less_exercised_and_cancelled(
    make_grant: Callable[..., GrantFacts],
) -> None:
    assert (
        make_grant(shares_granted=1000, shares_exercised=200, shares_cancelled=50).outstanding_shares == 750
    )


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"shares_exercised": -1}, id="negative"),
        pytest.param({"shares_exercised": 600, "shares_cancelled": 500}, id="more used than granted"),
    ],
)
def test_impossible_share_counts_are_refused(
    make_grant: Callable[..., GrantFacts], changes: dict[str, int]
) -> None:
    with pytest.raises(ValueError, match="Grant G-1"):
        make_grant(**changes)
