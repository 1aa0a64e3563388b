"""Employee forms. The grants an employee tenders are posted as ``tender-<grant id>`` = shares.

Each eligible grant offers two values: all its outstanding shares (Exchange) or 0 (Keep), so a grant
is tendered whole or not at all. Whatever is posted is passed on, unknown grants and split grants
included, so that the offer's rules (not the form) refuse them with their reasons.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from soxp_portal.offers.queries import EmployeeStatus

TENDER_PREFIX = "tender-"

ACKNOWLEDGEMENTS = (
    (
        "ack_terms",
        "I have read the offer's documents and I accept its terms. The offer to exchange governs if anything "
        "here differs from it.",
    ),
    (
        "ack_cancellation",
        "The grants I exchange will be cancelled right after the offer expires, and I give up every right "
        "to them.",
    ),
    (
        "ack_condition",
        "I receive the new option only if I am still employed in the United States on the new grant date; "
        "otherwise I receive nothing for the cancelled grants.",
    ),
    (
        "ack_blackout",
        "I will receive no other option grant before the new grant date, and the new exercise price may be "
        "higher than my current ones.",
    ),
)


class TenderField(forms.TypedChoiceField):
    """Exchange (all outstanding shares) or Keep (0). Any other whole number is passed on as posted, so
    that the offer's rules refuse a split grant with their own reason (all or none)."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class TenderForm(forms.Form):
    """The grants chosen for exchange, and the election version the page was built on."""

    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, status: EmployeeStatus, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status = status
        for grant_status in status.eligible_grants:
            grant = grant_status.grant
            self.fields[TENDER_PREFIX + grant.grant_id] = TenderField(
                label=grant.grant_id,
                choices=[(grant.outstanding_shares, "Exchange"), (0, "Keep")],
                coerce=int,
                widget=forms.RadioSelect,
                initial=grant.outstanding_shares if grant_status.is_required else None,
                error_messages={"required": "Choose Exchange or Keep for this grant."},
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        extra = {key: value for key, value in self.data.items() if key.startswith(TENDER_PREFIX)}
        for key, value in extra.items():
            if key not in self.fields:  # not one of this employee's eligible grants: the rules say why
                try:
                    cleaned[key] = int(value)
                except ValueError:
                    self.add_error(None, f"{value!r} is not a number of shares.")
        return cleaned

    def tendered(self) -> dict[str, int]:
        """Grant id -> shares posted, as the rules read an election (0 = kept)."""
        return {
            key.removeprefix(TENDER_PREFIX): shares
            for key, shares in self.cleaned_data.items()
            if key.startswith(TENDER_PREFIX)
        }

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        """(grant status, bound field) for each eligible grant, for the election page."""
        return [
            (status, self[TENDER_PREFIX + status.grant.grant_id]) for status in self.status.eligible_grants
        ]


class ConfirmElectionForm(TenderForm):
    """The review step: the same choices (hidden), the acknowledgements and the typed signature."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput)
    signature = forms.CharField(
        label="Type your full name to sign",
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "name", "class": "signature-input"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name.startswith(TENDER_PREFIX):
                field.widget = forms.HiddenInput()
        for name, text in ACKNOWLEDGEMENTS:
            self.fields[name] = forms.BooleanField(label=text, required=True)
        self.order_fields([name for name, _ in ACKNOWLEDGEMENTS] + ["signature"])


class WithdrawForm(forms.Form):
    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    confirm = forms.BooleanField(
        label="I withdraw my election: none of my grants will be exchanged and each keeps its terms.",
        required=True,
    )
    signature = forms.CharField(
        label="Type your full name to sign",
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "name", "class": "signature-input"}),
    )
