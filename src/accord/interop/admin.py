"""EWP links in Django's admin, to look at only: `accord ewp import` writes them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import EwpIiaLink


@admin.register(EwpIiaLink)
class EwpIiaLinkAdmin(admin.ModelAdmin):
    list_display = ("hei_id", "iia_id", "agreement", "last_imported_at")
    search_fields = ("hei_id", "iia_id", "agreement__title")
    list_select_related = ("agreement",)
    readonly_fields = ("agreement", "hei_id", "iia_id", "iia_hash", "last_imported_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
