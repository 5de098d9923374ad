from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationalUnit, User


@admin.register(OrganisationalUnit)
class OrganisationalUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_ru", "kind", "region", "parent")
    list_filter = ("kind", "region")
    search_fields = ("code", "name_en", "name_ru", "name_kk")
    list_select_related = ("region", "parent")
    autocomplete_fields = ("parent",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "unit", "is_active")
    list_filter = ("role", "is_active", "unit__kind", "unit__region")
    search_fields = ("username", "first_name", "last_name", "email")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Work"), {"fields": ("role", "unit")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("Work"), {"fields": ("role", "unit")}))
