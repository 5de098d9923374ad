from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from risk.models import (
    FamilyEvent,
    PlacementRisk,
    RiskAssessment,
    RiskBacktest,
    RiskFactorWeight,
    RiskPolicy,
    RiskScoringRun,
)
from risk.selectors import risk_as_seen


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


class RiskWithoutSensitiveFactors:
    """The administrator never holds view_sensitive: score, band and factors are shown as
    risk.selectors.risk_as_seen gives them without it (factors from sensitive fields and their
    points left out), and the stored band is not offered as a filter."""

    @admin.display(description=_("score (without sensitive factors)"))
    def score_seen(self, obj: Any) -> Any:
        return self._seen(obj).score

    @admin.display(description=_("band (without sensitive factors)"))
    def band_seen(self, obj: Any) -> Any:
        return self._seen(obj).band

    @admin.display(description=_("factors (without sensitive factors)"))
    def factors_seen(self, obj: Any) -> Any:
        return ", ".join(f"{f.get('factor')} +{f.get('contribution')}" for f in self._seen(obj).factors)

    def _seen(self, obj: Any) -> Any:
        return risk_as_seen(score=obj.score, band=obj.band, factors=obj.factors, sensitive=False)


@admin.register(PlacementRisk)
class PlacementRiskAdmin(RiskWithoutSensitiveFactors, admin.ModelAdmin):
    list_display = ("placement", "score_seen", "band_seen", "computed_on")
    raw_id_fields = ("placement",)
    fields = readonly_fields = ("placement", "score_seen", "band_seen", "factors_seen", "computed_on")
    show_full_result_count = False


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(RiskWithoutSensitiveFactors, admin.ModelAdmin):
    list_display = ("placement", "assessed_on", "reason", "score_seen", "band_seen")
    list_filter = ("reason",)
    raw_id_fields = ("placement", "visit")
    fields = readonly_fields = ("placement", "assessed_on", "reason", "visit", "score_seen", "band_seen", "factors_seen")
    show_full_result_count = False


@admin.register(FamilyEvent)
class FamilyEventAdmin(admin.ModelAdmin):
    list_display = ("family", "kind", "occurred_on", "recorded_by")
    list_filter = ("kind",)
    raw_id_fields = ("family", "recorded_by")


@admin.register(RiskBacktest)
class RiskBacktestAdmin(admin.ModelAdmin):
    """Read only: rows are written by ``manage.py evaluate_risk --backtest``. National aggregates."""

    list_display = ("created_at", "from_date", "to_date", "returns", "returns_flagged_early", "placements",
                    "placements_flagged", "auc_60", "auc_180")
    readonly_fields = [f.name for f in RiskBacktest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RiskScoringRun)
class RiskScoringRunAdmin(admin.ModelAdmin):
    """Read only: one row per nightly scoring run (full or incremental, how many, how long)."""

    list_display = ("run_on", "started_at", "full", "why", "placements_scored", "moved_into_high", "seconds")
    readonly_fields = [f.name for f in RiskScoringRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
