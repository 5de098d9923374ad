"""Read-only admin views of the statistics snapshots and releases: they are written by the refresh
and by the first release of a noisy table, never by hand."""

from django.contrib import admin

from stats.models import CaseFact, FactsRefresh, FirstPlacementFact, PlacementFact, PrivacySpend, PrivateRelease, RecordKey


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PrivateRelease)
class PrivateReleaseAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "epsilon", "created_at")
    list_filter = ("indicator",)
    search_fields = ("indicator", "key")


@admin.register(FactsRefresh)
class FactsRefreshAdmin(ReadOnlyAdmin):
    list_display = ("finished_at", "started_at", "cases", "placements")


@admin.register(CaseFact)
class CaseFactAdmin(ReadOnlyAdmin):
    list_display = ("case_id", "region_id", "sex", "opened_on", "closed_on", "outcome", "moves")
    list_filter = ("outcome", "sex")
    search_fields = ("=case_id",)


@admin.register(PlacementFact)
class PlacementFactAdmin(ReadOnlyAdmin):
    list_display = ("placement_id", "case_id", "form_of_care", "started_on", "ended_on", "end_reason")
    list_filter = ("form_of_care", "end_reason")
    search_fields = ("=placement_id", "=case_id")


@admin.register(FirstPlacementFact)
class FirstPlacementFactAdmin(ReadOnlyAdmin):
    list_display = ("case_id", "region_id", "form_of_care", "started_on", "age_band", "days_from_registration")
    list_filter = ("form_of_care", "age_band", "year")
    search_fields = ("=case_id",)


@admin.register(PrivacySpend)
class PrivacySpendAdmin(ReadOnlyAdmin):
    list_display = ("user", "period", "epsilon", "spent_at")
    list_filter = ("period",)
    search_fields = ("user__username",)


@admin.register(RecordKey)
class RecordKeyAdmin(ReadOnlyAdmin):
    # The keys themselves are not shown: knowing a child's key would let one undo the perturbation
    # of the cells that child is in (stats.cellkey).
    list_display = ("child_id",)
    fields = ("child_id",)
    search_fields = ("=child_id",)
