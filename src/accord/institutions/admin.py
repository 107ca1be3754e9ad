from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from .models import Contact, Institution, Unit


class UnitInline(admin.TabularInline):
    model = Unit
    fk_name = "institution"
    fields = ("name", "kind", "parent")
    extra = 0
    show_change_link = True


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ("name", "position", "email", "phone", "unit")
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "kind", "city", "schac_code", "ror_id")
    list_filter = ("kind", "country")
    search_fields = ("search_text", "schac_code", "ror_id", "erasmus_code")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("parent",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (UnitInline, ContactInline)
    list_select_related = ("parent",)
    show_full_result_count = False
    # A website typed without its scheme is taken as https://, as on Accord's own form.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Institution, form, change) -> None:  # type: ignore[no-untyped-def]
        obj.search_text = obj.compute_search_text()
        super().save_model(request, obj, form, change)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "institution", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "institution__name")
    raw_id_fields = ("institution", "parent")
    list_select_related = ("institution", "parent")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "position", "email", "phone", "institution", "unit")
    search_fields = ("name", "email", "institution__name")
    raw_id_fields = ("institution", "unit")
    list_select_related = ("institution", "unit")
