from django.contrib import admin

from access.admin import HidesSensitiveFields
from children.models import Child, ChildrensHome, SiblingGroup


@admin.register(ChildrensHome)
class ChildrensHomeAdmin(admin.ModelAdmin):
    list_display = ("name_ru", "name_kk", "name_en", "home_type", "region", "capacity")
    list_filter = ("home_type", "region")
    search_fields = ("name_kk", "name_ru", "name_en", "address")
    list_select_related = ("region",)


class ChildInline(admin.TabularInline):
    model = Child
    fields = ("last_name", "first_name", "birth_date", "sex", "legal_status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(SiblingGroup)
class SiblingGroupAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at")
    search_fields = ("children__last_name", "notes")
    inlines = [ChildInline]


@admin.register(Child)
class ChildAdmin(HidesSensitiveFields, admin.ModelAdmin):
    # Child.SENSITIVE_FIELDS are not in the form, the list, the filters or the search (HidesSensitiveFields).
    list_display = ("last_name", "first_name", "birth_date", "sex", "iin", "legal_status", "region", "current_home")
    list_filter = ("legal_status", "sex", "health_needs", "region", "current_home__home_type")
    search_fields = ("last_name", "first_name", "patronymic", "=iin")
    list_select_related = ("region", "current_home")
    autocomplete_fields = ("current_home", "sibling_group")
    date_hierarchy = "birth_date"
    show_full_result_count = False  # a count over a national registry is slow and not needed
