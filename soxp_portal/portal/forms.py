"""Employee forms. The grants an employee tenders are posted as ``tender-<grant id>`` = shares.

Each eligible grant offers two values: all its outstanding shares (Exchange) or 0 (Keep), so a grant
is tendered whole or not at all. Whatever is posted is passed on, unknown grants and split grants
included, so that the offer's rules (not the form) refuse them with their reasons; a key that is no
grant id at all (a NUL, 10,000 characters) is refused here, so it never reaches a message or the audit
trail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from soxp_portal.offers.identifiers import identifier_problem
from soxp_portal.offers.models import MAX_RISK_FREE_RATE, MAX_VOLATILITY
from soxp_portal.offers.queries import EmployeeStatus, GrantStatus
from soxp_portal.portal.awards import NewAward, new_award
from soxp_portal.rules.corporate_actions import MAX_SPLIT_RATIO
from soxp_portal.rules.wording import countries_in_words

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
        "I receive the new option only if I am still employed {employed_where} on the new grant date; "
        "otherwise I receive nothing for the cancelled grants.",
    ),
    (
        "ack_blackout",
        "I will receive no other option grant before the new grant date, and the new exercise price may be "
        "higher than my current ones.",
    ),
)


def _acknowledgement(name: str, text: str, award: NewAward, employed_where: str) -> str:
    """An acknowledgement as the employee's award and grant date make it true: soxp-2003's words for an
    offer worded as it is (``NewAward.is_2003_wording``); RSUs have no exercise price, and an award granted
    at the close leaves no gap in which other grants would wait."""
    if name == "ack_condition" and award.is_rsu:
        text = text.replace("the new option", "the RSUs")
    if name == "ack_blackout" and (award.is_rsu or award.at_close):
        parts = []
        if not award.at_close:
            parts.append("I will receive no other option grant before the new grant date")
        if award.is_rsu:
            parts.append(
                "the RSUs have no exercise price and deliver shares only as they vest"
                if parts
                else "I understand that the RSUs have no exercise price and deliver shares only as they vest"
            )
        else:
            parts.append("I understand that the new exercise price may be higher than my current ones")
        text = ", and ".join(parts) + "."
    return text.format(employed_where=employed_where)


class TenderField(forms.TypedChoiceField):
    """Exchange (all outstanding shares) or Keep (0). Any other whole number is passed on as posted, so
    that the offer's rules refuse a split grant with their own reason (all or none)."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class TenderForm(forms.Form):
    """The grants chosen for exchange, and the election version the page was built on.

    Nothing is chosen for the employee, a lookback grant included: it may be kept while no other grant
    is tendered, and the rules (not the form) refuse it kept beside another tender (decision 2).
    """

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
                error_messages={"required": "Choose Exchange or Keep for this grant."},
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        extra = {key: value for key, value in self.data.items() if key.startswith(TENDER_PREFIX)}
        for key, value in extra.items():
            if key in self.fields:
                continue
            if identifier_problem(key.removeprefix(TENDER_PREFIX)):  # no grant has such an id
                self.add_error(None, "A grant was posted that is not one of yours; reload the page.")
                continue
            try:  # not one of this employee's eligible grants: the rules say why
                cleaned[key] = int(value)
            except ValueError:
                self.add_error(None, f"{value[:20]!r} is not a number of shares.")
        return cleaned

    def tendered(self) -> dict[str, int]:
        """Grant id -> shares posted, as the rules read an election (0 = kept)."""
        return {
            key.removeprefix(TENDER_PREFIX): shares
            for key, shares in self.cleaned_data.items()
            if key.startswith(TENDER_PREFIX)
        }

    def rows(self) -> list[TenderRow]:
        """Each eligible grant with its field and its two choices, for the election page.

        The choices are worked out here rather than by iterating the bound field in the template, which
        builds each radio button's widget context (attributes copied, an option dictionary per choice):
        the page of an employee with 256 grants paid for 512 of them on every view.
        """
        rows = []
        for status in self.status.eligible_grants:
            field = self[TENDER_PREFIX + status.grant.grant_id]
            value = field.value()
            chosen = "" if value is None else str(value)
            choices = tuple(
                TenderChoice(
                    id=f"{field.auto_id}_{index}",
                    value=str(shares),
                    is_keep=shares == 0,
                    is_chosen=str(shares) == chosen,
                )
                for index, (shares, _label) in enumerate(field.field.choices)
            )
            rows.append(TenderRow(status=status, field=field, choices=choices))
        return rows

    def hidden_inputs(self) -> list[tuple[str, str, str]]:
        """(name, id, value) of each hidden field, as the review carries the choices on: what rendering
        each field's widget writes, without a widget template per grant."""
        inputs = []
        for field in self.hidden_fields():
            value = field.value()
            inputs.append((field.html_name, field.auto_id, "" if value is None else str(value)))
        return inputs


@dataclass(frozen=True)
class TenderChoice:
    """One radio button of a grant: Exchange (all its outstanding shares) or Keep (0)."""

    id: str
    value: str
    is_keep: bool
    is_chosen: bool


@dataclass(frozen=True)
class TenderRow:
    status: GrantStatus
    field: forms.BoundField
    choices: tuple[TenderChoice, ...]


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
        employed_where = countries_in_words(self.status.offer.eligible_countries)
        award = new_award(self.status.offer.terms, self.status.award)
        for name, text in ACKNOWLEDGEMENTS:
            self.fields[name] = forms.BooleanField(
                label=_acknowledgement(name, text, award, employed_where), required=True
            )
        # "The offer's documents" are listed on the review page, "How the exchange works" first.
        self.fields["ack_terms"].help_text = format_html(
            'The offer\'s documents are <a href="#offer-documents">listed above</a>, starting with '
            '<a href="{}" target="_blank" rel="noopener">How the exchange works</a>.',
            reverse("portal:how-it-works", args=[self.status.offer.slug]),
        )
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


#: The highest share price the Compare page accepts as an assumption.
MAX_ASSUMED_PRICE = Decimal(100_000)
#: The yearly growth rates it accepts, in percent: from a 90% fall to a quadrupling every year.
MIN_GROWTH_PERCENT, MAX_GROWTH_PERCENT = Decimal(-90), Decimal(300)
#: The volatility an employee may assume, in percent: as the administrator's limits.
MIN_VOLATILITY_PERCENT = Decimal(1)


class TypedNumberField(forms.DecimalField):
    """A number as people type it: "$1.50", "1,000" and "50%" are read as 1.50, 1000 and 50."""

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().removeprefix("$").removesuffix("%").replace(",", "").strip()
        return super().to_python(value)


class CompareForm(forms.Form):
    """The Compare page's assumptions, sent by GET. An empty field keeps the default."""

    price = TypedNumberField(
        label="Assumed new exercise price ($)",
        required=False,
        max_digits=12,
        decimal_places=4,
        max_value=MAX_ASSUMED_PRICE,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "Enter the price as a number of dollars, such as 1.50."},
    )
    growth = TypedNumberField(
        label="Yearly growth (%)",
        required=False,
        min_value=MIN_GROWTH_PERCENT,
        max_value=MAX_GROWTH_PERCENT,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": "Enter the growth as a percentage a year, such as 25 (or -10 for a fall)."
        },
    )

    spot = TypedNumberField(
        label="Share price today ($)",
        required=False,
        max_digits=12,
        decimal_places=4,
        max_value=MAX_ASSUMED_PRICE,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "Enter the price as a number of dollars, such as 1.50."},
    )
    volatility = TypedNumberField(
        label="Volatility (% a year)",
        required=False,
        min_value=MIN_VOLATILITY_PERCENT,
        max_value=MAX_VOLATILITY * 100,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "Enter the volatility as a percentage a year, such as 80."},
    )
    rate = TypedNumberField(
        label="Risk-free rate (% a year)",
        required=False,
        min_value=Decimal(0),
        max_value=MAX_RISK_FREE_RATE * 100,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "Enter the rate as a percentage a year, such as 4."},
    )
    split = forms.IntegerField(
        label="Reverse split: 1 new share for every",
        required=False,
        min_value=1,
        max_value=MAX_SPLIT_RATIO,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": "Enter a whole number of shares, such as 3 for a 1-for-3 split (1: none)."
        },
    )

    def clean_price(self) -> Decimal | None:
        price: Decimal | None = self.cleaned_data["price"]
        if price is not None and price <= 0:
            raise ValidationError("The assumed price must be more than $0.")
        return price

    def clean_spot(self) -> Decimal | None:
        spot: Decimal | None = self.cleaned_data["spot"]
        if spot is not None and spot <= 0:
            raise ValidationError("Today's share price must be more than $0.")
        return spot
