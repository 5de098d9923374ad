from django.contrib import admin

from visits.models import Visit


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("id", "placement", "kind", "planned_on", "done_on", "worker", "child_condition", "family_condition")
    list_filter = ("kind", "child_condition", "family_condition", "child_seen")
    search_fields = ("=placement__id", "placement__child__last_name", "worker__username")
    list_select_related = ("worker",)
    raw_id_fields = ("placement", "worker")
    date_hierarchy = "planned_on"
    show_full_result_count = False
