from django.contrib import admin

from cases.models import (
    Case,
    CaseNote,
    DecisionReview,
    FormOfCareRule,
    Placement,
    SiblingSeparationDecision,
    StageChange,
    StageTimeLimit,
)


class StageChangeInline(admin.TabularInline):
    model = StageChange
    fields = ("from_stage", "to_stage", "reason", "actor", "changed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # the history is written by the workflow service only


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("id", "child", "stage", "stage_entered_at", "assigned_worker", "responsible_unit", "outcome")
    list_filter = ("stage", "outcome", "decision_status", "form_of_care", "responsible_unit__region")
    search_fields = ("=id", "child__last_name", "child__first_name", "=child__iin", "assigned_worker__username")
    list_select_related = ("child", "assigned_worker", "responsible_unit")
    raw_id_fields = ("child", "decision_family")
    autocomplete_fields = ("assigned_worker", "responsible_unit")
    inlines = [StageChangeInline]
    show_full_result_count = False


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ("case", "from_stage", "to_stage", "actor", "changed_at")
    list_filter = ("to_stage", "from_stage")
    search_fields = ("=case__id", "reason")
    raw_id_fields = ("case", "actor")
    date_hierarchy = "changed_at"
    show_full_result_count = False


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ("id", "child", "family", "form_of_care", "carer_relationship", "started_on", "ended_on", "end_reason",
                    "return_reason")
    list_filter = ("form_of_care", "carer_relationship", "end_reason", "return_reason", "siblings_separated")
    search_fields = ("=id", "child__last_name", "=child__iin", "family__applicants__last_name")
    list_select_related = ("child",)
    raw_id_fields = ("case", "child", "family")
    date_hierarchy = "started_on"
    show_full_result_count = False


@admin.register(SiblingSeparationDecision)
class SiblingSeparationDecisionAdmin(admin.ModelAdmin):
    list_display = ("case", "decided_by", "decided_at")
    search_fields = ("=case__id", "reason")
    raw_id_fields = ("case", "decided_by")
    date_hierarchy = "decided_at"


@admin.register(StageTimeLimit)
class StageTimeLimitAdmin(admin.ModelAdmin):
    """Policy data: how long a case may stay in each stage before the "stuck case" reminder."""

    list_display = ("stage", "max_days")
    list_editable = ("max_days",)
    search_fields = ("stage",)


@admin.register(FormOfCareRule)
class FormOfCareRuleAdmin(admin.ModelAdmin):
    """Policy data: the ages and capacities the law sets for each form of care, with their source."""

    list_display = ("form_of_care", "min_age", "max_age", "max_children", "siblings_count_as_one",
                    "requires_psychological_training")



@admin.register(CaseNote)
class CaseNoteAdmin(admin.ModelAdmin):
    """Read only: notes are written on the case page or through the API, never edited."""

    list_display = ("case", "kind", "written_on", "author", "sensitive")
    list_filter = ("kind", "sensitive")
    raw_id_fields = ("case",)
    readonly_fields = ("case", "kind", "written_on", "text", "sensitive", "author", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        # Administrators never see sensitive fields; a sensitive note is one (docs/permissions.md).
        return super().get_queryset(request).filter(sensitive=False)

@admin.register(DecisionReview)
class DecisionReviewAdmin(admin.ModelAdmin):
    """Read-only: a review is part of the case's history."""

    list_display = ("case", "approved", "actor", "reviewed_at")
    list_filter = ("approved",)
    search_fields = ("=case__id", "reason")
    raw_id_fields = ("case", "family", "actor")
    date_hierarchy = "reviewed_at"
    show_full_result_count = False

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
