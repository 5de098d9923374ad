"""Families chosen for acquaintance, read-only: they are written by matching.services only (which
also tells the family's unit)."""

from django.contrib import admin

from access.admin import ReadOnlyAdmin
from matching.models import Acquaintance


@admin.register(Acquaintance)
class AcquaintanceAdmin(ReadOnlyAdmin):
    list_display = ("case_id", "family_id", "chosen_by", "chosen_at")
    list_select_related = ("chosen_by",)
    raw_id_fields = ("case", "family", "chosen_by")
    show_full_result_count = False
