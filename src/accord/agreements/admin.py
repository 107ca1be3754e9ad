"""Agreements in Django's admin, to look at only: every change goes through the services
(with its checks and audit event), that is through the pages or the API."""

from django.contrib import admin

from accord.core.readonly_admin import ReadOnlyMixin

from .models import (
    Agreement,
    AgreementDocument,
    AgreementParty,
    ExpiryReminder,
    FormerParty,
    Provision,
)


class PartyInline(ReadOnlyMixin, admin.TabularInline):
    model = AgreementParty
    fields = ("institution", "signatory_name", "signatory_position", "signed_on", "coordinator")
    extra = 0


class FormerPartyInline(ReadOnlyMixin, admin.TabularInline):
    model = FormerParty
    fields = ("institution", "left_at")
    extra = 0


class ProvisionInline(ReadOnlyMixin, admin.TabularInline):
    model = Provision
    fields = ("kind", "terms")
    extra = 0


class DocumentInline(ReadOnlyMixin, admin.TabularInline):
    model = AgreementDocument
    fields = ("kind", "version", "original_name", "content_type", "size", "sha256", "uploaded_at")
    readonly_fields = ("uploaded_at",)  # set on upload, so not a field of the admin's form
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "status", "valid_from", "valid_to", "is_public")
    list_filter = ("status", "kind", "is_public", "auto_renew")
    search_fields = ("title", "search_text")
    date_hierarchy = "created_at"
    inlines = (PartyInline, FormerPartyInline, ProvisionInline, DocumentInline)
    list_select_related = True


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("agreement", "party", "days_before", "valid_to", "sent_at")
    list_select_related = ("agreement", "party")
