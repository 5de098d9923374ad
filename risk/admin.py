from django.contrib import admin

from risk.models import FamilyEvent, PlacementRisk, RiskAssessment, RiskFactorWeight, RiskPolicy


@admin.register(RiskFactorWeight)
class RiskFactorWeightAdmin(admin.ModelAdmin):
    """The weights are policy: changes take effect at the next recomputation (event or nightly)."""

    list_display = ("factor", "weight", "threshold", "cap", "enabled", "updated_at")
    list_editable = ("weight", "threshold", "cap", "enabled")


@admin.register(RiskPolicy)
class RiskPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "medium_from", "high_from", "extra_visit_within_days")

    def has_add_permission(self, request) -> bool:
        return not RiskPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PlacementRisk)
class PlacementRiskAdmin(admin.ModelAdmin):
    list_display = ("placement", "score", "band", "computed_on", "high_since")
    list_filter = ("band",)
    raw_id_fields = ("placement",)
    readonly_fields = ("placement", "score", "band", "factors", "computed_on", "high_since")
    show_full_result_count = False


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(admin.ModelAdmin):
    list_display = ("placement", "assessed_on", "reason", "score", "band")
    list_filter = ("reason", "band")
    raw_id_fields = ("placement", "visit")
    readonly_fields = ("placement", "assessed_on", "reason", "visit", "score", "band", "factors")
    show_full_result_count = False


@admin.register(FamilyEvent)
class FamilyEventAdmin(admin.ModelAdmin):
    list_display = ("family", "kind", "occurred_on", "recorded_by")
    list_filter = ("kind",)
    raw_id_fields = ("family", "recorded_by")
