from django.contrib import admin

from regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_ru", "name_kk", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name_en", "name_ru", "name_kk")
