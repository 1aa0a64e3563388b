"""The portal's roles. Employees are people with an Employee record; the two staff roles are groups."""

import enum


class Role(enum.StrEnum):
    STOCK_ADMINISTRATOR = "Stock administrators"
    AUDITOR = "Auditors"
