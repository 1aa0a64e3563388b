"""Forms of the close pages: the review before accepting, a termination, the closing price, the list filter.

The forms check what a person typed; whether a step may be taken now (after the deadline, on or after
the new grant date, once only) is for ``closing.actions``, which checks it on the locked row.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from soxp_portal.closing.actions import ClosingError, parse_closing_price
from soxp_portal.closing.queries import TenderShown
from soxp_portal.console.fields import BoundedDateField
from soxp_portal.offers.limits import MAX_PRICE
from soxp_portal.offers.models import Employee, Offer
from soxp_portal.rules.terms import AwardType, PricingBasis
from soxp_portal.rules.wording import format_date, format_money


class AcceptForm(forms.Form):
    reviewed = forms.BooleanField(
        label="I have reviewed the elections whose basis changed and the totals above.",
        error_messages={
            "required": "Nothing was accepted: tick “I have reviewed…” once you have checked the changed "
            "elections and the totals."
        },
    )


class TerminationForm(forms.Form):
    """An accepted participant who left after the deadline: their promised grant is forfeited (decision 7)."""

    employee_id = forms.CharField(label="Employee id", max_length=64)
    termination_date = BoundedDateField(
        label="Termination date",
        help_text="The first day without employment, as in the census.",
    )

    def clean_employee_id(self) -> str:
        employee_id: str = self.cleaned_data["employee_id"].strip()
        self.employee = Employee.objects.filter(employee_id=employee_id).first()
        if self.employee is None:
            raise ValidationError(f"No employee has the id {employee_id} in the census; check the id.")
        return employee_id


class TerminationCorrectionForm(forms.Form):
    """A termination recorded with a wrong date, or in error: corrected before the new grants are made."""

    WITHDRAW = "withdraw"
    CORRECT_DATE = "date"

    action = forms.ChoiceField(
        choices=[(CORRECT_DATE, "Correct the date"), (WITHDRAW, "Withdraw: recorded in error")]
    )
    termination_date = BoundedDateField(label="Termination date", required=False)
    reason = forms.CharField(label="Why", max_length=500)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("action") == self.CORRECT_DATE and not cleaned.get("termination_date"):
            self.add_error("termination_date", "Give the right termination date, or withdraw it.")
        return cleaned

    @property
    def corrected_date(self) -> date | None:
        """The right date, or None when the termination is withdrawn."""
        if self.cleaned_data["action"] == self.WITHDRAW:
            return None
        return self.cleaned_data["termination_date"]


#: A price typed for an offer granting only RSUs (the action refuses one too).
NO_PRICE_FOR_RSUS = "This offer grants only RSUs, which have no exercise price: enter no closing price."


class NewGrantsForm(forms.Form):
    """The closing price, typed as the exchange reports it; checked on a confirmation page first."""

    closing_price = forms.CharField(
        label="Closing price",
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=f"In dollars, for example 1.25; at most {format_money(MAX_PRICE)}.",
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, offer: Offer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        what = (
            "Closing price"
            if offer.pricing_basis == PricingBasis.CLOSE_BEFORE_GRANT_DATE
            else "Fair market value"
        )
        field = self.fields["closing_price"]
        field.label = f"{what} on {format_date(offer.pricing_date())}"
        awards = offer.terms.award_types
        #: An offer granting only RSUs takes no price (RSUs have no exercise price); one granting both
        #: takes the options' price and says the RSUs need none.
        self.asks_price = AwardType.OPTION in awards
        field.required = self.asks_price
        if self.asks_price and AwardType.RSU in awards:
            field.help_text = (
                f"{field.help_text} It is the new options' exercise price; the RSUs need none: they have "
                "no exercise price."
            )

    def clean_closing_price(self) -> Decimal | None:
        typed = self.cleaned_data["closing_price"]
        if not self.asks_price:
            if typed.strip():
                raise ValidationError(NO_PRICE_FOR_RSUS)
            return None
        try:
            return parse_closing_price(typed)
        except ClosingError as error:
            raise ValidationError(str(error)) from None


class PriceCorrectionForm(NewGrantsForm):
    """A closing price typed wrong, corrected on every new option: the right price and why."""

    reason = forms.CharField(
        label="Why it is corrected",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For the audit trail, e.g. the exchange's record of the close.",
        error_messages={"required": "Say why the price is corrected: the reason is kept in the audit trail."},
    )

    def __init__(self, *args: Any, offer: Offer, **kwargs: Any) -> None:
        super().__init__(*args, offer=offer, **kwargs)
        field = self.fields["closing_price"]
        field.label = f"Corrected {str(field.label)[0].lower()}{str(field.label)[1:]}"
        self.asks_price = field.required = True  # a correction is of the options' price, always given
        if AwardType.RSU in offer.terms.award_types:
            field.help_text = (
                f"In dollars, for example 1.25; at most {format_money(MAX_PRICE)}. It corrects the new "
                "options only: the RSUs have no exercise price."
            )


class TenderSearchForm(forms.Form):
    q = forms.CharField(label="Name, employee id or email", required=False, max_length=200)
    shown = forms.ChoiceField(label="Show", required=False, choices=TenderShown.choices)
