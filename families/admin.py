from django.contrib import admin

from families.models import Applicant, ApprovalDecision, Family


class ApplicantInline(admin.TabularInline):
    model = Applicant
    extra = 0
    max_num = 2


@admin.register(Family)
class FamilyAdmin(admin.ModelAdmin):
    list_display = ("id", "__str__", "form_of_care", "region", "approval_status", "approval_expires_on", "applied_on")
    list_filter = ("approval_status", "suspension_kind", "form_of_care", "region")
    search_fields = ("applicants__last_name", "applicants__first_name", "=applicants__iin", "address")
    list_select_related = ("region",)
    autocomplete_fields = ("responsible_unit",)
    # The applicant who left, by id: a select of every applicant would load them all.
    raw_id_fields = ("suspension_applicant", "carer_check_failed_applicant")
    date_hierarchy = "applied_on"
    inlines = [ApplicantInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("applicants")


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "birth_date", "sex", "iin", "family")
    list_filter = ("sex",)
    search_fields = ("last_name", "first_name", "=iin")
    raw_id_fields = ("family",)


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(admin.ModelAdmin):
    """Read-only: a supervisor's decision on a family is kept as it was made."""

    list_display = ("family", "approved", "decided_by", "decided_at", "approval_expires_on")
    list_filter = ("approved",)
    search_fields = ("=family__id", "reason")
    raw_id_fields = ("family", "decided_by")
    show_full_result_count = False

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
