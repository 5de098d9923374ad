from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import OrganisationalUnit, User


@admin.register(OrganisationalUnit)
class OrganisationalUnitAdmin(admin.ModelAdmin):
    list_display = ("__str__", "code", "kind", "region")
    list_filter = ("kind", "region")
    # The autocomplete (users' unit, a unit's parent) finds a district by its own name or its
    # department's, and shows the full path ("department → district").
    search_fields = ("code", "name_en", "name_ru", "name_kk", "parent__name_en", "parent__name_ru", "parent__name_kk")
    list_select_related = ("region", "parent")
    autocomplete_fields = ("parent",)
    ordering = ("region__name_en", "kind", "name_en", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrganisationalUnit]:
        return super().get_queryset(request).select_related("parent")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "unit", "is_active")
    list_filter = ("role", "is_active", "unit__kind", "unit__region")
    search_fields = ("username", "first_name", "last_name", "email", "unit__name_en", "unit__name_ru", "unit__name_kk")
    list_select_related = ("unit__parent",)
    autocomplete_fields = ("unit",)
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Work"), {"fields": ("role", "unit")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("Work"), {"fields": ("role", "unit")}))
    actions = ("deactivate",)

    @admin.action(description=_("Deactivate the selected accounts (their open cases then need a new worker)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        from accounts.services import deactivate_user

        done = 0
        for user in queryset.filter(is_active=True):
            deactivate_user(user=user, actor=request.user)
            done += 1
        self.message_user(request, ngettext("%(n)s account deactivated.", "%(n)s accounts deactivated.", done) % {"n": done},
                          messages.SUCCESS)
