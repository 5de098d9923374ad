from django.contrib import admin, messages
from django.utils.translation import ngettext

from access.admin import HidesSensitiveFields
from visits.models import Visit, VisitPolicy
from visits.services import save_visit_policy


@admin.register(Visit)
class VisitAdmin(HidesSensitiveFields, admin.ModelAdmin):
    # Visit.SENSITIVE_FIELDS (the concerns) are never shown here.
    list_display = ("id", "placement", "kind", "planned_on", "done_on", "worker", "child_condition", "family_condition")
    list_filter = ("kind", "child_condition", "family_condition", "child_seen")
    search_fields = ("=placement__id", "placement__child__last_name", "worker__username")
    list_select_related = ("worker",)
    raw_id_fields = ("placement", "worker")
    date_hierarchy = "planned_on"
    show_full_result_count = False


@admin.register(VisitPolicy)
class VisitPolicyAdmin(admin.ModelAdmin):
    """Editing a policy re-plans the visits not done yet of every open placement of that form of care."""

    list_display = ("form_of_care", "first_visits_months", "repeat_every_months", "repeat_until_months", "horizon_months",
                    "annual_report_every_months", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        planned = save_visit_policy(policy=obj, actor=request.user)
        messages.info(request, ngettext("%(n)s visit re-planned for open placements.", "%(n)s visits re-planned for open placements.",
                                               planned) % {"n": planned})
