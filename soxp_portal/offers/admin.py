"""Django's admin, for superusers' repairs. Administrators run the offer from the console.

Elections and their tendered grants are append-only, so the admin shows them read-only; so are the
stored eligibility verdicts, which only ``offers/verdicts.py`` writes.
"""

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from soxp_portal.offers.adapters import price_band
from soxp_portal.offers.models import (
    Announcement,
    ConfirmationEmail,
    Election,
    Employee,
    Grant,
    JudgedCensus,
    Offer,
    OfferDocument,
    Plan,
    PriceBand,
    RatioChangeEmail,
    RatioSetting,
    TenderableHolding,
    TenderedGrant,
)
from soxp_portal.rules.terms import band_problems


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin[Plan]):
    search_fields = ("name",)


class AnnouncementInline(admin.StackedInline[Announcement, Offer]):
    model = Announcement
    extra = 0


class OfferDocumentInline(admin.TabularInline[OfferDocument, Offer]):
    model = OfferDocument
    extra = 0


class PriceBandFormSet(BaseInlineFormSet[PriceBand, Offer, Any]):
    """Refuses bands that overlap or leave a gap, naming the band (``rules.terms.band_problems``)."""

    def clean(self) -> None:
        super().clean()
        kept = [
            form.instance
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        kept.sort(key=lambda band: (band.award_type, band.position))
        if problems := band_problems([price_band(band) for band in kept]):
            raise ValidationError(problems)


class PriceBandInline(admin.TabularInline[PriceBand, Offer]):
    model = PriceBand
    formset = PriceBandFormSet
    extra = 0


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin[Offer]):
    inlines = (PriceBandInline, AnnouncementInline, OfferDocumentInline)
    list_display = ("slug", "name", "opens_at", "expires_at", "closed_at")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("covered_plans",)
    search_fields = ("slug", "name", "company_name")


class GrantInline(admin.TabularInline[Grant, Employee]):
    model = Grant
    extra = 0
    fields = (
        "grant_id",
        "plan",
        "option_type",
        "grant_date",
        "shares_granted",
        "shares_exercised",
        "shares_cancelled",
        "exercise_price",
        "expiration_date",
        "performance_condition",
    )


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin[Employee]):
    list_display = ("employee_id", "last_name", "first_name", "email", "work_country", "status", "hire_date")
    list_filter = ("status", "work_country", "is_executive_officer", "is_director")
    search_fields = ("employee_id", "first_name", "last_name", "email")
    raw_id_fields = ("user",)
    inlines = (GrantInline,)


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin[Grant]):
    list_display = ("grant_id", "employee", "plan", "grant_date", "shares_granted", "exercise_price")
    list_filter = ("plan", "option_type")
    search_fields = ("grant_id", "employee__employee_id", "employee__last_name")
    list_select_related = ("employee", "plan")
    raw_id_fields = ("employee",)


class ReadOnlyAdmin[
    M: Election
    | TenderedGrant
    | ConfirmationEmail
    | TenderableHolding
    | JudgedCensus
    | RatioSetting
    | RatioChangeEmail
](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TenderedGrantInline(admin.TabularInline[TenderedGrant, Election]):
    model = TenderedGrant
    extra = 0
    can_delete = False
    readonly_fields = ("grant", "shares_tendered", "new_shares")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Election)
class ElectionAdmin(ReadOnlyAdmin[Election]):
    list_display = ("confirmation_number", "offer", "employee", "version", "kind", "channel", "received_at")
    list_filter = ("offer", "kind", "channel")
    search_fields = ("confirmation_number", "employee__employee_id", "employee__last_name")
    list_select_related = ("offer", "employee")
    inlines = (TenderedGrantInline,)


@admin.register(TenderedGrant)
class TenderedGrantAdmin(ReadOnlyAdmin[TenderedGrant]):
    list_display = ("election", "grant", "shares_tendered", "new_shares")
    list_select_related = ("election__employee", "grant")


@admin.register(ConfirmationEmail)
class ConfirmationEmailAdmin(ReadOnlyAdmin[ConfirmationEmail]):
    """Read-only: the worker delivers them, and a failed one is sent again from the console."""

    list_display = ("election", "owed_since", "attempts", "next_attempt_at", "sent_at", "failed_at")
    list_filter = ("election__offer",)
    search_fields = ("election__confirmation_number", "election__employee__employee_id")
    list_select_related = ("election__employee",)


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin[Announcement]):
    list_display = ("title", "offer", "published_at")
    list_filter = ("offer",)


@admin.register(OfferDocument)
class OfferDocumentAdmin(admin.ModelAdmin[OfferDocument]):
    list_display = ("title", "offer", "uploaded_at")
    list_filter = ("offer",)


@admin.register(PriceBand)
class PriceBandAdmin(admin.ModelAdmin[PriceBand]):
    list_display = ("offer", "position", "lower", "upper", "ratio_new", "ratio_tendered")
    list_filter = ("offer",)
    list_select_related = ("offer",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # added with the offer, where the bands are checked against each other

    def has_change_permission(self, request: HttpRequest, obj: PriceBand | None = None) -> bool:
        return False


@admin.register(TenderableHolding)
class TenderableHoldingAdmin(ReadOnlyAdmin[TenderableHolding]):
    list_display = ("offer", "employee", "grants", "shares")
    list_filter = ("offer",)
    search_fields = ("employee__employee_id",)
    list_select_related = ("offer", "employee")


@admin.register(JudgedCensus)
class JudgedCensusAdmin(ReadOnlyAdmin[JudgedCensus]):
    list_display = ("offer", "judged_at")


@admin.register(RatioSetting)
class RatioSettingAdmin(ReadOnlyAdmin[RatioSetting]):
    """Read-only: the record of each setting of ratios from value, written by ``set_band_ratios``."""

    list_display = ("offer", "set_at", "stage_before", "stage", "set_by")
    list_filter = ("offer", "stage")
    list_select_related = ("offer", "set_by")


@admin.register(RatioChangeEmail)
class RatioChangeEmailAdmin(ReadOnlyAdmin[RatioChangeEmail]):
    """Read-only: the worker delivers them (``offers.ratio_emails``)."""

    list_display = ("employee", "setting", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("setting__offer",)
    search_fields = ("employee__employee_id",)
    list_select_related = ("employee", "setting__offer")
