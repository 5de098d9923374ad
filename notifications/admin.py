from django.contrib import admin

from notifications.models import Notification, SweepStep


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "due_on", "created_at", "read_at", "emailed_at")
    list_filter = ("kind", "read_at", "emailed_at")
    search_fields = ("title", "recipient__username", "subject_key")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient", "case", "placement")
    show_full_result_count = False


@admin.register(SweepStep)
class SweepStepAdmin(admin.ModelAdmin):
    list_display = ("day", "step", "created", "finished_at")
    list_filter = ("step",)
    date_hierarchy = "day"
