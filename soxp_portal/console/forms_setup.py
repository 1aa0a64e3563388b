"""Forms of the offer set-up pages: terms, contacts, documents, decision support, extension, census and
invitations.

Times are typed as wall-clock times in the offer's own time zone and turned into aware datetimes here
(OFFER.md decision 3: stored in UTC, read in the offer's zone). Every price, whole number and date is
kept within ``offers.limits`` (a date's range is checked before it is read in a zone, which a year
such as 9999 could not survive). The forms check what a person typed;
whether a change is allowed at this moment (the offer not yet open, a later deadline) is for the
actions, which check it again on the locked row.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from soxp_portal.console.fields import (
    BoundedDateField,
    BoundedDateTimeField,
    RowsChoiceField,
    price_validator,
)
from soxp_portal.offers.actions import DECIMAL_PLACES, TERM_FIELDS
from soxp_portal.offers.adapters import price_band
from soxp_portal.offers.limits import (
    MAX_CLIFF_MONTHS,
    MAX_INSTALLMENTS,
    MAX_PRICE,
    THRESHOLD,
    WHOLE_NUMBER_TERMS,
    offer_length_problem,
    term_problems,
)
from soxp_portal.offers.models import MAX_RISK_FREE_RATE, MAX_VOLATILITY, Offer, Plan
from soxp_portal.offers.models import PriceBand as PriceBandRow
from soxp_portal.rules import window
from soxp_portal.rules.terms import AWARD_NAMES, AwardType, PriceBand, award_problems, band_problems
from soxp_portal.rules.wording import format_date, format_money, format_price_input

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_CENSUS_BYTES = 100 * 1024 * 1024
MAX_CONTACTS = 20
MIN_VOLATILITY_PERCENT = Decimal(1)
COMMON_ZONES = (
    ("America/Los_Angeles", "Pacific (America/Los_Angeles)"),
    ("America/Denver", "Mountain (America/Denver)"),
    ("America/Phoenix", "Arizona (America/Phoenix)"),
    ("America/Chicago", "Central (America/Chicago)"),
    ("America/New_York", "Eastern (America/New_York)"),
    ("America/Anchorage", "Alaska (America/Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Pacific/Honolulu)"),
    ("UTC", "UTC"),
    ("Europe/London", "London (Europe/London)"),
    ("Europe/Berlin", "Central Europe (Europe/Berlin)"),
    ("Asia/Tokyo", "Tokyo (Asia/Tokyo)"),
)
_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(BoundedDateTimeField):
    """A wall-clock date and time with no zone: the form gives it the offer's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_LOCAL_FORMAT)

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(UTC):
            result = super().to_python(value)
        if result is None:
            return None
        return result.astimezone(UTC).replace(tzinfo=None) if timezone.is_aware(result) else result


def in_zone(local: datetime, zone_name: str) -> datetime:
    """`local` read in `zone_name`; a time skipped by a daylight-saving change does not exist there."""
    zone = zoneinfo.ZoneInfo(zone_name)
    aware = local.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise ValidationError(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone_name} (the clocks skip it for daylight "
            "saving time); choose another time."
        )
    return aware


def local_value(instant: datetime | None, zone_name: str) -> str | None:
    if instant is None:
        return None
    return instant.astimezone(zoneinfo.ZoneInfo(zone_name)).strftime(_LOCAL_FORMAT)


def _aware(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) and timezone.is_aware(value) else None


def _switch(false_label: str, true_label: str, label: str) -> forms.TypedChoiceField:
    """A reading of the offer where its documents disagree, as two worded choices (OFFER.md)."""
    return forms.TypedChoiceField(
        label=label,
        choices=((False, false_label), (True, true_label)),
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
    )


#: The flat ratio stays required with bands: the offer's column holds one, and it is the ratio at every
#: price again if the bands are all removed, so it is always one an employee could be given.
FLAT_RATIO_HELP = (
    "New shares per tendered share, such as 0.75, at every price. Unused for an offer with price bands "
    "(below), each of which states its own ratio; still required, as the ratio at every price should the "
    "bands be removed."
)
BANDED_RATIO_HELP = (
    "Unused: this offer has price bands (below), each with its own ratio. Still required, as the ratio "
    "at every price should the bands be removed."
)


class OfferTermsForm(forms.ModelForm):
    """Every term of an offer. The slug is chosen when the offer is created and not changed after."""

    opens_at = LocalDateTimeField(label="Opens", help_text="In the offer's time zone.")
    expires_at = LocalDateTimeField(
        label="Deadline", help_text="In the offer's time zone: an election counts if received before it."
    )
    time_zone = forms.ChoiceField(label="Time zone", choices=COMMON_ZONES, initial="America/Los_Angeles")
    hire_cutoff_inclusive = _switch(
        "Hired strictly before the cut-off date (the presentation's reading)",
        "Hired on or before the cut-off date (the Offer to Exchange's reading)",
        "Hire date",
    )
    price_threshold_inclusive = _switch(
        "Only prices above the threshold (the Offer to Exchange's reading, 'above')",
        "A price equal to the threshold is eligible (the presentation's reading, 'or higher')",
        "Price threshold",
    )
    award_by_country = forms.CharField(
        label="Other awards by work country",
        required=False,
        help_text='Countries whose employees receive another award, as "GB: rsu, DE: rsu"; empty: everyone '
        "receives the award above.",
    )
    covered_plans = RowsChoiceField(
        queryset=Plan.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Old plans whose grants may be tendered; none ticked means every plan.",
    )

    class Meta:
        model = Offer
        fields = (*TERM_FIELDS, "covered_plans")
        field_classes = {
            "hire_cutoff_date": BoundedDateField,
            "lookback_start": BoundedDateField,
            "lookback_end": BoundedDateField,
        }
        labels = {
            "slug": "Short name (in addresses)",
            "company_name": "Company",
            "eligible_countries": "Eligible work countries",
            "hire_cutoff_date": "Hire cut-off date",
            "lookback_start": "Lookback window: first grant date",
            "lookback_end": "Lookback window: last grant date",
            "rounding": "Rounding of each grant's new shares",
            "award_type": "New award",
            "grant_date_rule": "New grant date",
            "new_grant_delay_months": "New grant: months after cancellation",
            "new_grant_delay_days": "New grant: and days after that",
            "pricing_basis": "New exercise price",
            "new_option_type": "New option type",
            "new_option_plan": "New options granted under",
            "new_term_years": "New option term (years)",
            "vesting_cliff_months": "Vesting cliff (months)",
            "vesting_cliff_fraction": "Share vesting at the cliff",
            "vesting_monthly_installments": "Monthly instalments after the cliff",
        }
        help_texts = {
            "lookback_end": "Inclusive. Empty: every grant on or after the first date (the Offer to "
            "Exchange's reading); a date: the window ends there (the presentation's reading).",
            "exchange_ratio": FLAT_RATIO_HELP,
            "price_threshold": "In dollars; a grant below it is eligible only inside the lookback window. "
            f"At most {format_money(MAX_PRICE)}.",
        }
        widgets = {"pricing_basis": forms.RadioSelect, "grant_date_rule": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price_threshold"].validators.append(price_validator(THRESHOLD, zero_allowed=True))
        for name, (_label, low, high, unit) in WHOLE_NUMBER_TERMS.items():
            field = self.fields[name]
            field.widget.attrs.update(min=low, max=high)
            field.help_text = f"From {low} to {high} {unit}."
        if self.instance.pk:
            del self.fields["slug"]
            zone = self.instance.time_zone
            self.initial["opens_at"] = local_value(self.instance.opens_at, zone)
            self.initial["expires_at"] = local_value(self.instance.expires_at, zone)
            for name in ("price_threshold", "exchange_ratio", "vesting_cliff_fraction"):
                self.initial[name] = f"{getattr(self.instance, name).normalize():f}"  # 0.75, not 0.750000
            if self.instance.price_bands.exists():
                self.fields["exchange_ratio"].help_text = BANDED_RATIO_HELP
            self.initial["award_by_country"] = ", ".join(
                f"{country}: {award}" for country, award in sorted(self.instance.award_by_country.items())
            )
            if zone not in dict(COMMON_ZONES):
                self.fields["time_zone"].choices = [*COMMON_ZONES, (zone, zone)]  # type: ignore[attr-defined]

    def clean_exchange_ratio(self) -> Decimal:
        ratio: Decimal = self.cleaned_data["exchange_ratio"]
        if not Decimal(0) < ratio <= Decimal(1):
            raise ValidationError(
                "The exchange ratio must be more than 0 and at most 1 (new shares per tendered share, "
                "such as 0.75)."
            )
        return ratio

    def clean_award_by_country(self) -> dict[str, str]:
        """ "GB: rsu, DE: rsu" as {"GB": "rsu", "DE": "rsu"}, each entry checked and named when wrong."""
        awards: dict[str, str] = {}
        for entry in filter(
            None, (part.strip() for part in self.cleaned_data["award_by_country"].split(","))
        ):
            country, _, award = (piece.strip() for piece in entry.partition(":"))
            country, award = country.upper(), award.lower()
            if not (len(country) == 2 and country.isalpha()) or award not in Offer.AwardTypeChoice.values:
                choices = " or ".join(Offer.AwardTypeChoice.values)
                raise ValidationError(
                    f'"{entry}" is not a country and an award: write it as "GB: rsu" (an award is {choices}).'
                )
            if country in awards:
                raise ValidationError(f"{country} is named twice.")
            awards[country] = award
        return awards

    def clean_eligible_countries(self) -> str:
        return ",".join(code.strip().upper() for code in self.cleaned_data["eligible_countries"].split(","))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        zone = data.get("time_zone")
        for name in ("opens_at", "expires_at"):
            if not (isinstance(data.get(name), datetime) and timezone.is_naive(data[name])):
                continue
            try:
                if not zone:
                    raise ValidationError("Choose the time zone this time is read in.")
                data[name] = in_zone(data[name], zone)
            except ValidationError as error:
                data.pop(name)
                if name not in self.errors:
                    self.add_error(name, error)
        opens, expires = _aware(data.get("opens_at")), _aware(data.get("expires_at"))
        if opens and expires and expires <= opens:
            self.add_error("expires_at", "The deadline must be after the opening.")
        self._clean_lookback(data, opens)
        for name, problem in term_problems(data).items():
            if name not in self.errors:
                self.add_error(name, problem)
        return data

    def _clean_lookback(self, data: dict[str, Any], opens: datetime | None) -> None:
        start: date | None = data.get("lookback_start")
        end: date | None = data.get("lookback_end")
        if end and not start and "lookback_start" not in self.errors:
            self.add_error("lookback_start", "A lookback window with a last date needs a first date.")
        if start and end and end < start:
            self.add_error("lookback_end", "The lookback window must end on or after its first date.")
            return
        if opens is None:
            return
        opening_date = opens.astimezone(zoneinfo.ZoneInfo(data["time_zone"])).date()
        for name, day in (("lookback_start", start), ("lookback_end", end)):
            if day and day > opening_date and name not in self.errors:
                self.add_error(
                    name,
                    f"{format_date(day)} is after the opening date, {format_date(opening_date)}: the "
                    "lookback window covers grants made before the offer.",
                )

    def term_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in TERM_FIELDS if name in self.fields}


#: The most price bands the terms page takes, whatever the post claims (`absolute_max`): a crafted
#: TOTAL_FORMS would otherwise have the page built with 1,000 rows.
MAX_BANDS = 24
#: A band gives at most this many new shares per tendered share (the database's limit).
MAX_NEW_PER_TENDERED = Decimal(10)
_RATIO = {"max_digits": 9, "decimal_places": 6}
_PRICE = {"max_digits": 12, "decimal_places": 4}


def _included(end: str) -> SafeString:
    """A band end's tick, "included" beside the end it reads, its whole name for a screen reader."""
    return format_html('<span class="visually-hidden">{} </span>included', end)


class PriceBandForm(forms.Form):
    """One price band: the award its ratio gives, its ends as stated ("above $19.00", "up to and including
    $22.50"), its ratio as "new for tendered" (1 for 1.88) and optionally the new award's own vesting.

    A row whose prices, tendered shares and vesting are all empty is no band (an extra row left alone, or
    a band cleared to remove it), whatever its award and its ticks say."""

    award_type = forms.ChoiceField(
        label="Award",
        choices=((Offer.AwardTypeChoice.OPTION, "Options"), (Offer.AwardTypeChoice.RSU, "RSUs")),
        initial=Offer.AwardTypeChoice.OPTION,
    )
    lower = forms.DecimalField(
        label="Lower end ($)",
        **_PRICE,
        validators=[price_validator("The lower end", zero_allowed=True)],
    )
    lower_inclusive = forms.BooleanField(label=_included("Lower end"), required=False, initial=True)
    upper = forms.DecimalField(
        label="Upper end ($)",
        required=False,
        **_PRICE,
        validators=[price_validator("The upper end")],
    )
    upper_inclusive = forms.BooleanField(label=_included("Upper end"), required=False)
    ratio_new = forms.DecimalField(label="New shares", **_RATIO, initial=1)
    ratio_tendered = forms.DecimalField(
        label="For tendered",
        **_RATIO,
    )
    vesting_cliff_months = forms.IntegerField(
        label="Cliff (months)", required=False, min_value=0, max_value=MAX_CLIFF_MONTHS
    )
    vesting_cliff_fraction = forms.DecimalField(
        label="Share at the cliff",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(1),
        max_digits=5,
        decimal_places=4,
    )
    vesting_monthly_installments = forms.IntegerField(
        label="Monthly instalments", required=False, min_value=0, max_value=MAX_INSTALLMENTS
    )

    _FILLED = (
        "lower",
        "upper",
        "ratio_tendered",
        "vesting_cliff_months",
        "vesting_cliff_fraction",
        "vesting_monthly_installments",
    )
    _VESTING = ("vesting_cliff_months", "vesting_cliff_fraction", "vesting_monthly_installments")
    #: The fields as an error names them, out of the row's layout (where "included" sits under its end).
    NAMES = {
        "lower_inclusive": "Lower end included",
        "upper_inclusive": "Upper end included",
        "ratio_new": "New shares",
        "ratio_tendered": "For tendered shares",
        "vesting_cliff_months": "Own vesting: cliff (months)",
        "vesting_cliff_fraction": "Own vesting: share at the cliff",
        "vesting_monthly_installments": "Own vesting: monthly instalments",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.empty_permitted = True  # a saved band cleared is removed, as an extra row left empty is unused
        self.use_required_attribute = False
        #: The band's name as the band checks word it ("Band 2", "RSU band 1"), once the set is checked.
        self.band_name = ""

    def has_changed(self) -> bool:
        """Whether the row states a band: anything typed in its prices, tendered shares or vesting."""
        return any(str(self[name].data or "").strip() for name in self._FILLED)

    def _positive(self, name: str, what: str) -> Decimal:
        value: Decimal = self.cleaned_data[name]
        if not value.is_finite() or value <= 0:
            raise ValidationError(f"{what} must be more than 0.")
        return value

    def clean_ratio_new(self) -> Decimal:
        return self._positive("ratio_new", "The new shares of the ratio")

    def clean_ratio_tendered(self) -> Decimal:
        return self._positive("ratio_tendered", "The tendered shares of the ratio")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lower, upper = data.get("lower"), data.get("upper")
        if lower is not None and upper is not None and upper <= lower:
            self.add_error("upper", f"The upper end must be above the lower end, {format_money(lower)}.")
        new, tendered = data.get("ratio_new"), data.get("ratio_tendered")
        if new is not None and tendered is not None and new > tendered * MAX_NEW_PER_TENDERED:
            self.add_error("ratio_new", f"At most {MAX_NEW_PER_TENDERED} new shares for each tendered share.")
        if any(name in self.errors for name in self._VESTING):
            return data
        vesting = [data.get(name) for name in self._VESTING]
        if any(part is None for part in vesting) and any(part is not None for part in vesting):
            raise ValidationError(
                "Give the band's own vesting whole (the cliff in months, the share vesting at the cliff and "
                "the monthly instalments), or leave all three empty for the offer's vesting."
            )
        _, fraction, installments = vesting
        if installments == 0 and fraction != 1:
            self.add_error(
                "vesting_monthly_installments",
                "Without monthly instalments the whole award vests at the cliff: set the share vesting at "
                "the cliff to 1, or give the number of instalments.",
            )
        return data

    def sort_key(self) -> tuple[str, Decimal, Decimal]:
        """By award type, then lower end (then upper end, no top last): the order the bands are kept in."""
        upper = self.cleaned_data.get("upper")
        return (
            self.cleaned_data["award_type"],
            self.cleaned_data["lower"],
            Decimal("Infinity") if upper is None else upper,
        )

    def band(self) -> PriceBand:
        """The row as the rules read a band (``offers.adapters.price_band``, the admin's conversion)."""
        fields = ("award_type", "lower", "lower_inclusive", "upper", "upper_inclusive", "ratio_new")
        return price_band(
            PriceBandRow(
                **{name: self.cleaned_data[name] for name in (*fields, "ratio_tendered", *self._VESTING)}
            )
        )


def band_initial(band: PriceBand) -> dict[str, Any]:
    """A band of the terms as its row shows it for editing: prices as typed ("19.00"), ratios and the
    share at the cliff without trailing zeros (1.88, not 1.880000)."""
    vesting = band.vesting
    return {
        "award_type": band.award_type.value,
        "lower": format_price_input(band.lower),
        "lower_inclusive": band.lower_inclusive,
        "upper": None if band.upper is None else format_price_input(band.upper),
        "upper_inclusive": band.upper_inclusive,
        "ratio_new": f"{band.new_shares.normalize():f}",
        "ratio_tendered": f"{band.for_tendered.normalize():f}",
        "vesting_cliff_months": vesting and vesting.cliff_months,
        "vesting_cliff_fraction": vesting and f"{vesting.cliff_fraction.normalize():f}",
        "vesting_monthly_installments": vesting and vesting.monthly_installments,
    }


class BasePriceBandFormSet(forms.BaseFormSet):
    """The offer's price bands, on the terms page. Its own check reads the terms form's award and awards
    by country, so the band problems the action refuses (``rules.terms.band_problems`` and
    ``award_problems``) are shown here, naming the band, before anything is tried."""

    def __init__(self, *args: Any, terms: OfferTermsForm, **kwargs: Any) -> None:
        self.terms = terms
        super().__init__(*args, **kwargs)

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this band"

    @staticmethod
    def name_rows(rows: Sequence[forms.Form], bands: Sequence[PriceBand]) -> None:
        """Names each row's band as the band checks word it: "Band 2", or "RSU band 1" when the offer has
        bands for more than one award."""
        several = len({band.award_type for band in bands}) > 1
        positions: dict[AwardType, int] = {}
        for row, band in zip(rows, bands, strict=True):
            positions[band.award_type] = positions.get(band.award_type, 0) + 1
            name = f"{AWARD_NAMES[band.award_type]} band" if several else "Band"
            row.band_name = f"{name} {positions[band.award_type]}"  # type: ignore[attr-defined]

    def kept_forms(self) -> list[PriceBandForm]:
        """The rows that state a band and are not ticked for removal, by award type and lower end."""
        kept = [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        return sorted(kept, key=PriceBandForm.sort_key)

    def bands(self) -> tuple[PriceBand, ...]:
        """The bands for ``create_offer``/``update_offer_terms``' `price_bands` (none: the flat ratio)."""
        return tuple(form.band() for form in self.kept_forms())

    def row_errors(self) -> list[str]:
        """Each row's problems, naming the row and the field as the page labels them."""
        messages: list[str] = []
        if not self.is_bound:
            return messages
        for number, form in enumerate(self.forms, start=1):
            row_errors = form.errors  # cleans the row first, if the formset has not
            if self._should_delete_form(form):
                continue
            for name, errors in row_errors.items():
                where = f"Row {number}"
                if name != "__all__":
                    where += f", {PriceBandForm.NAMES.get(name) or form.fields[name].label}"
                messages.extend(f"{where}: {error}" for error in errors)
        return messages

    def clean(self) -> None:
        if any(form.errors for form in self.forms if not self._should_delete_form(form)):
            return
        kept = self.kept_forms()
        bands = [form.band() for form in kept]
        self.name_rows(kept, bands)
        problems = band_problems(bands)
        self.terms.is_valid()
        terms = self.terms.cleaned_data
        if not {"award_type", "award_by_country"} & set(self.terms.errors) and "award_type" in terms:
            by_country = [
                (country, AwardType(award)) for country, award in sorted(terms["award_by_country"].items())
            ]
            problems += award_problems(AwardType(terms["award_type"]), by_country, bands)
        if problems:
            raise ValidationError(problems)


PriceBandFormSet = forms.formset_factory(
    PriceBandForm,
    formset=BasePriceBandFormSet,
    extra=2,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_BANDS,
    absolute_max=MAX_BANDS,
)


def short_window_warning(offer: Offer) -> str | None:
    """Tender-offer rules: open at least 20 business days. A warning, not an error (the administrator
    and counsel decide); counted with the opening day, as `rules.window.business_days_open` does."""
    from soxp_portal.offers.actions import MINIMUM_BUSINESS_DAYS_OPEN

    days = window.business_days_open(offer.terms)
    if days >= MINIMUM_BUSINESS_DAYS_OPEN:
        return None
    return (
        f"The offer would be open for {days} business day{'s' if days != 1 else ''}; tender-offer rules "
        f"require at least {MINIMUM_BUSINESS_DAYS_OPEN} (the opening day counts, weekends and federal "
        "holidays do not). Check the dates with counsel."
    )


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    role = forms.CharField(max_length=200, required=False, label="Role (what to ask them about)")
    phone = forms.CharField(max_length=50, required=False)
    fax = forms.CharField(max_length=50, required=False)
    email = forms.EmailField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("name") and any(data.get(key) for key in ("role", "phone", "fax", "email")):
            self.add_error("name", "A contact needs a name.")
        return data


class BaseContactFormSet(forms.BaseFormSet):
    def contacts(self) -> list[dict[str, str]]:
        """The filled rows in order, each with only the keys that have a value (blank rows dropped)."""
        rows = []
        for form in self.forms:
            row = {key: value.strip() for key, value in form.cleaned_data.items() if value and value.strip()}
            if row.get("name"):
                rows.append(row)
        return rows


#: At most 20 contacts, and never more forms than that whatever the post claims (`absolute_max`): a
#: crafted TOTAL_FORMS would otherwise have the page built and shown with 1,020 of them.
ContactFormSet = forms.formset_factory(
    ContactForm, formset=BaseContactFormSet, extra=2, max_num=MAX_CONTACTS, absolute_max=MAX_CONTACTS
)


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="What employees see, e.g. Offer to Exchange.")
    file = forms.FileField(help_text="A PDF of at most 20 MB.")

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_DOCUMENT_BYTES:
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; at most 20 MB can be uploaded."
            )
        if not (upload.name or "").lower().endswith(".pdf"):
            raise ValidationError("Only PDF files can be posted: the file name must end in .pdf.")
        upload.seek(0)
        if upload.read(5) != b"%PDF-":
            raise ValidationError("The file is not a PDF (it does not start as one); export it as PDF.")
        upload.seek(0)
        return upload


class DecisionSupportForm(forms.Form):
    """The reference price, the volatility and the risk-free rate of the Compare page, and the vesting
    schedule it assumes for the current grants; the volatility, the rate and the share vesting at the
    cliff are typed as percentages (80 for 80%) and cleaned to the fractions the offer stores (0.80).
    Each may be left empty, the schedule's three parts only together."""

    reference_price = forms.DecimalField(
        label="Reference share price ($)",
        required=False,
        max_digits=12,
        decimal_places=DECIMAL_PLACES,
        validators=[price_validator("The reference price")],
        help_text="Employees see it as the assumed exercise price of the new options until they type "
        "another. It illustrates only: the real price is set on the new grant date. Empty: employees "
        f"type a price themselves. At most {format_money(MAX_PRICE)}.",
    )
    volatility_percent = forms.DecimalField(
        label="Volatility (% a year)",
        required=False,
        min_value=MIN_VOLATILITY_PERCENT,
        max_value=MAX_VOLATILITY * 100,
        decimal_places=2,
        help_text="How much the share price typically moves in a year, e.g. 80. Employees see a band "
        "one standard deviation either side of each growth path, marked as your assumption, and it enters "
        "the options' model values. Empty: no band and no values until an employee types one.",
    )
    risk_free_rate_percent = forms.DecimalField(
        label="Risk-free rate (% a year)",
        required=False,
        min_value=Decimal(0),
        max_value=MAX_RISK_FREE_RATE * 100,
        decimal_places=2,
        help_text="A yearly interest rate without risk, e.g. 4 (a Treasury yield for about the options' "
        "term), continuously compounded. Employees see the options' Black-Scholes values with it, marked "
        "as your assumption. Empty: 0% until an employee types one.",
    )
    current_vesting_cliff_months = forms.IntegerField(
        label="Current grants: vesting cliff (months)",
        required=False,
        min_value=0,
        max_value=MAX_CLIFF_MONTHS,
        help_text="The census holds no vesting schedule for the current grants. To show employees what "
        "keeping would have vested during the gap, give the schedule you assume, e.g. 12 months, 25% and "
        "36 instalments for the usual four years; employees see it as your assumption, their grant "
        "agreement governing. Empty (all three): the page shows no vested shares.",
    )
    current_vesting_cliff_percent = forms.DecimalField(
        label="Current grants: share vesting at the cliff (%)",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
    )
    current_vesting_installments = forms.IntegerField(
        label="Current grants: monthly instalments after the cliff",
        required=False,
        min_value=0,
        max_value=MAX_INSTALLMENTS,
    )

    _SCHEDULE = (
        "current_vesting_cliff_months",
        "current_vesting_cliff_percent",
        "current_vesting_installments",
    )

    def __init__(self, *args: Any, offer: Offer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if offer.reference_price is not None:
            self.initial["reference_price"] = format_price_input(offer.reference_price)
        if offer.volatility is not None:
            self.initial["volatility_percent"] = f"{(offer.volatility * 100).normalize():f}"
        if offer.risk_free_rate is not None:
            self.initial["risk_free_rate_percent"] = f"{(offer.risk_free_rate * 100).normalize():f}"
        schedule = offer.current_grant_vesting
        if schedule is not None:
            self.initial["current_vesting_cliff_months"] = schedule.cliff_months
            self.initial["current_vesting_cliff_percent"] = f"{(schedule.cliff_fraction * 100).normalize():f}"
            self.initial["current_vesting_installments"] = schedule.installments

    def clean(self) -> dict[str, Any]:
        """The schedule's three parts come together, and add up as the new options' must."""
        cleaned = super().clean() or {}
        if any(name in self.errors for name in self._SCHEDULE):
            return cleaned
        parts = [cleaned.get(name) for name in self._SCHEDULE]
        if any(part is None for part in parts) and any(part is not None for part in parts):
            raise ValidationError(
                "Give the current grants' vesting cliff, the share vesting at it and the monthly "
                "instalments, or leave all three empty."
            )
        _, percent, installments = parts
        if installments == 0 and percent != 100:
            self.add_error(
                "current_vesting_installments",
                "Without monthly instalments a current grant vests whole at the cliff: set the share vesting "
                "at the cliff to 100, or give the number of instalments.",
            )
        return cleaned

    def values(self) -> dict[str, Decimal | int | None]:
        """The offer's fields: the price as typed, the volatility, the rate and the share vesting at the
        cliff as fractions (80 -> 0.80)."""
        percent: Decimal | None = self.cleaned_data["volatility_percent"]
        rate: Decimal | None = self.cleaned_data["risk_free_rate_percent"]
        cliff: Decimal | None = self.cleaned_data["current_vesting_cliff_percent"]
        return {
            "reference_price": self.cleaned_data["reference_price"],
            "volatility": None if percent is None else percent / 100,
            "risk_free_rate": None if rate is None else rate / 100,
            "current_vesting_cliff_months": self.cleaned_data["current_vesting_cliff_months"],
            "current_vesting_cliff_fraction": None if cliff is None else cliff / 100,
            "current_vesting_installments": self.cleaned_data["current_vesting_installments"],
        }


class ExtensionForm(forms.Form):
    """A later deadline and why. The announcement is written on the preview, once the effect is shown."""

    new_expires_at = LocalDateTimeField(label="New deadline")
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For the audit trail: why the offer is extended.",
    )
    announcement = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Shown on every employee's home page and emailed to every eligible employee.",
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, offer: Offer, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer, self.now = offer, now
        self.fields["new_expires_at"].help_text = f"In the offer's time zone, {offer.time_zone}."
        #: Why the offer's rules refuse the new deadline (not a typing mistake): the view audits it.
        self.deadline_refusal: list[str] = []

    def clean_new_expires_at(self) -> datetime:
        expires_at = in_zone(self.cleaned_data["new_expires_at"], self.offer.time_zone)
        problems = window.can_move_deadline(self.offer.terms, expires_at, self.now)
        if self.offer.closed_at is not None:
            problems.insert(0, "The offer is closed; its deadline can no longer move.")
        too_long = offer_length_problem(self.offer.opens_at, expires_at, self.offer.zone)
        if too_long:
            problems.append(too_long)
        if problems:
            self.deadline_refusal = problems
            raise ValidationError(problems)
        return expires_at


class CensusUploadForm(forms.Form):
    employees = forms.FileField(label="employees.csv", help_text="One row per employee, UTF-8.")
    grants = forms.FileField(label="grants.csv", help_text="One row per option grant, UTF-8.")

    def _clean_csv(self, name: str) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data[name]
        if upload.size and upload.size > MAX_CENSUS_BYTES:
            raise ValidationError(f"The file is larger than {MAX_CENSUS_BYTES // 1024 // 1024} MB.")
        return upload

    def clean_employees(self) -> UploadedFile:
        return self._clean_csv("employees")

    def clean_grants(self) -> UploadedFile:
        return self._clean_csv("grants")


class CensusConfirmForm(forms.Form):
    upload = forms.UUIDField(widget=forms.HiddenInput)


class InvitationsForm(forms.Form):
    """The number of invitations the administrator saw: if it has changed, they look again."""

    count = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


#: The longest expected term, in years, either option may be assumed to have.
MAX_TERM_YEARS = Decimal(30)


def _years_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0.01"),
        max_value=MAX_TERM_YEARS,
        decimal_places=2,
        help_text=help_text,
    )


class RatiosForm(forms.Form):
    """The valuation inputs of the ratios from value (``rules.ratios``): percentages typed as 55 for 55%,
    cleaned to the fractions the rules read; an expected remaining term for every band, and one per band
    where it differs."""

    share_price = forms.DecimalField(
        label="Share price today ($)",
        max_digits=12,
        decimal_places=DECIMAL_PLACES,
        validators=[price_validator("The share price")],
        help_text="The new option is valued at the money, at this price; an RSU is worth this price.",
    )
    volatility_percent = forms.DecimalField(
        label="Volatility (% a year)",
        min_value=MIN_VOLATILITY_PERCENT,
        max_value=MAX_VOLATILITY * 100,
        decimal_places=2,
    )
    risk_free_rate_percent = forms.DecimalField(
        label="Risk-free rate (% a year)",
        min_value=Decimal(0),
        max_value=MAX_RISK_FREE_RATE * 100,
        decimal_places=2,
        help_text="Continuously compounded, e.g. a Treasury yield for about the options' expected term.",
    )
    new_term_years = _years_field(
        "Expected term of the new option (years)",
        help_text="Not used for RSUs, which are worth the share price.",
    )
    old_term_years = _years_field(
        "Expected remaining term of the surrendered options (years)",
        help_text="For every band below without a term of its own.",
    )
    target_percent = forms.DecimalField(
        label="Target share of value (%)",
        min_value=Decimal(1),
        max_value=Decimal(200),
        decimal_places=2,
        initial=Decimal(100),
        help_text="The new award is worth this share of the options surrendered for it: 100 is value for "
        "value, 90 as eBay (2009).",
    )
    stage = forms.ChoiceField(
        label="Save the ratios as",
        choices=Offer.RatioStageChoice.choices,
        widget=forms.RadioSelect,
        initial=Offer.RatioStageChoice.PRELIMINARY,
        required=False,
        help_text="Preliminary ratios are announced and may still change; final ones are those the exchange "
        "is made at.",
    )

    def clean_stage(self) -> str:
        """Chosen only once the proposal is shown: until then the proposal is only looked at."""
        return self.cleaned_data["stage"] or Offer.RatioStageChoice.PRELIMINARY

    def __init__(self, *args: Any, offer: Offer, initial_inputs: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from soxp_portal.offers.ratios import band_name
        from soxp_portal.rules.ratios import band_keys

        self.offer = offer
        self.keys = band_keys(offer.terms.price_bands)
        for key in self.keys:
            self.fields[self.band_field(key)] = _years_field(
                f"{band_name(key)}: its own remaining term (years)", required=False
            )
        saved = initial_inputs or {}
        percent = {"volatility": "volatility_percent", "risk_free_rate": "risk_free_rate_percent"}
        if saved:
            self.initial["share_price"] = saved["share_price"]
            for name, field in (*percent.items(), ("target", "target_percent")):
                self.initial[field] = f"{(Decimal(saved[name]) * 100).normalize():f}"
            self.initial["new_term_years"] = saved["new_term_years"]
            self.initial["old_term_years"] = saved["old_term_years"]
            by_band = saved.get("old_term_years_by_band", {})
            for key in self.keys:
                if band_name(key) in by_band:
                    self.initial[self.band_field(key)] = by_band[band_name(key)]
            return
        if offer.reference_price is not None:
            self.initial["share_price"] = format_price_input(offer.reference_price)
        for name, field in percent.items():
            value = getattr(offer, name)
            if value is not None:
                self.initial[field] = f"{(value * 100).normalize():f}"

    @staticmethod
    def band_field(key: tuple[Any, int]) -> str:
        return f"old_term_{key[0].value}_{key[1]}"

    def band_fields(self) -> list[forms.BoundField]:
        return [self[self.band_field(key)] for key in self.keys]

    def inputs(self) -> Any:
        from soxp_portal.rules.ratios import ValuationInputs

        data = self.cleaned_data
        return ValuationInputs(
            share_price=data["share_price"],
            volatility=data["volatility_percent"] / 100,
            risk_free_rate=data["risk_free_rate_percent"] / 100,
            new_term_years=data["new_term_years"],
            old_term_years=data["old_term_years"],
            target=data["target_percent"] / 100,
        )

    def old_terms(self) -> dict[Any, Decimal]:
        return {
            key: self.cleaned_data[self.band_field(key)]
            for key in self.keys
            if self.cleaned_data.get(self.band_field(key)) is not None
        }

    def expected(self) -> dict[Any, Decimal] | None:
        """The X shown for each band when the proposal was looked at (hidden fields), or None if absent."""
        expected = {}
        for key in self.keys:
            value = self.data.get(f"expected_{key[0].value}_{key[1]}")
            if not value:
                return None
            try:
                expected[key] = Decimal(value)
            except ArithmeticError:
                return None
        return expected
