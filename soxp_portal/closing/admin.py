"""Django's admin, for superusers' repairs. The close is run from the console; its rows show here."""

from django.contrib import admin

from soxp_portal.closing.models import (
    AcceptedGrant,
    Closing,
    ExportFile,
    NewGrant,
    PromiseLetter,
    StepRun,
    Tender,
)


@admin.register(Closing)
class ClosingAdmin(admin.ModelAdmin[Closing]):
    list_display = ("offer", "accepted_at", "cancelled_at", "letters_requested_at", "new_grants_created_at")


class AcceptedGrantInline(admin.TabularInline[AcceptedGrant, Tender]):
    model = AcceptedGrant
    extra = 0
    raw_id_fields = ("grant",)


@admin.register(Tender)
class TenderAdmin(admin.ModelAdmin[Tender]):
    inlines = (AcceptedGrantInline,)
    list_display = ("employee", "offer", "outcome", "forfeited_on")
    list_filter = ("offer", "outcome")
    search_fields = ("employee__employee_id", "employee__last_name", "employee__email")
    raw_id_fields = ("employee", "election")


@admin.register(AcceptedGrant)
class AcceptedGrantAdmin(admin.ModelAdmin[AcceptedGrant]):
    list_display = ("grant", "tender", "shares", "new_shares")
    raw_id_fields = ("tender", "grant")


@admin.register(PromiseLetter)
class PromiseLetterAdmin(admin.ModelAdmin[PromiseLetter]):
    list_display = ("tender", "issued_at", "emailed_at")
    raw_id_fields = ("tender",)


@admin.register(NewGrant)
class NewGrantAdmin(admin.ModelAdmin[NewGrant]):
    list_display = ("grant_id", "employee", "grant_date", "shares", "exercise_price")
    search_fields = ("grant_id", "employee__employee_id")
    raw_id_fields = ("accepted_grant", "employee")


@admin.register(StepRun)
class StepRunAdmin(admin.ModelAdmin[StepRun]):
    list_display = ("offer", "step", "state", "requested_by", "requested_at", "attempts", "finished_at")
    list_filter = ("offer", "step", "state")
    raw_id_fields = ("requested_by", "restarted_by")


@admin.register(ExportFile)
class ExportFileAdmin(admin.ModelAdmin[ExportFile]):
    list_display = ("offer", "export", "fmt", "state", "requested_by", "requested_at", "as_of", "size")
    list_filter = ("offer", "export", "state")
    raw_id_fields = ("requested_by", "restarted_by")
