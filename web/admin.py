"""The dashboard figures in the admin: read only (web.figures rebuilds them), ids and counts only."""

from django.contrib import admin

from access.admin import ReadOnlyAdmin
from web.models import UnitFigures


@admin.register(UnitFigures)
class UnitFiguresAdmin(ReadOnlyAdmin):
    list_display = ("unit", "day", "computed_at")
    list_select_related = ("unit",)
    raw_id_fields = ("unit",)
    search_fields = ("unit__code", "unit__name_en", "unit__name_ru", "unit__name_kk")
    ordering = ("unit_id",)
