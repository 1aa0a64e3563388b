"""Forms of the watch pages: the paper (fax or hand) election and withdrawal, and the reminder's confirmation.

The time a paper form was received is typed in the offer's time zone (the fax machine's clock, the
stamp on the envelope): the form reads it in that zone, and refuses a wall-clock time that does not
exist there or happens twice (the hours when daylight saving time starts or ends), rather than guess.
"""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone

from soxp_portal.console.fields import BoundedDateTimeField
from soxp_portal.offers.models import Election, Employee
from soxp_portal.offers.participation import Standing
from soxp_portal.portal.forms import TenderForm

RECEIVED_FORMAT = "%Y-%m-%dT%H:%M"
PAPER_CHANNELS = [(Election.Channel.FAX.value, "Fax"), (Election.Channel.HAND.value, "By hand")]


class PaperDeliveryForm(forms.Form):
    """How and when the signed paper form arrived, and the name signed on it."""

    channel = forms.ChoiceField(label="Delivered by", choices=PAPER_CHANNELS, widget=forms.RadioSelect)
    received_at = BoundedDateTimeField(
        label="Received at",
        input_formats=[RECEIVED_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format=RECEIVED_FORMAT),
    )
    signature = forms.CharField(
        label="Name as signed on the form",
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "signature-input"}),
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    evidence_only = forms.BooleanField(
        label="Record it as evidence only: it does not take effect",
        help_text=(
            "The form stays in the employee's history and the audit trail, marked as received before "
            "the version in force; the election in force does not change."
        ),
        required=False,
    )

    def __init__(self, *args: Any, zone: zoneinfo.ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields[
            "received_at"
        ].help_text = f"In the offer's time zone ({zone.key}), as on the fax or the receipt stamp."

    def full_clean(self) -> None:
        # DateTimeField reads a wall-clock time in the current time zone: make that the offer's.
        with timezone.override(self.zone):
            super().full_clean()


class PaperElectionForm(PaperDeliveryForm, TenderForm):
    """The grants the paper form tenders (Exchange or Keep each, as online) and its delivery."""


class PaperWithdrawalForm(PaperDeliveryForm):
    pass


class ReminderForm(forms.Form):
    """The confirmation of the reminder: one batch, so a double click sends it once."""

    batch = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class EmployeeSearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    standing = forms.ChoiceField(label="Show", required=False, choices=[("", "Everyone"), *Standing.choices])


class PreviewForm(forms.Form):
    """Whose pages to preview: an employee of the census, by employee id."""

    employee = forms.CharField(label="Employee id", max_length=64)

    def clean_employee(self) -> Employee:
        employee_id = self.cleaned_data["employee"].strip()
        employee = Employee.objects.filter(employee_id=employee_id).first()
        if employee is None:
            raise forms.ValidationError(f"No employee {employee_id} in the census.")
        return employee
