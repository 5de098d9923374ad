"""Consents and transfer overrides in the admin: read-only (recorded through the API's services)."""

from django.contrib import admin

from access.admin import ReadOnlyAdmin
from consents.models import Consent, TransferOverride


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "given_by", "given_on", "agrees", "revoked_on", "recorded_by")
    list_filter = ("kind", "agrees")
    list_select_related = ("case", "recorded_by")
    search_fields = ("given_by", "scope")
    raw_id_fields = ("case", "document", "recorded_by", "revoked_by")


@admin.register(TransferOverride)
class TransferOverrideAdmin(ReadOnlyAdmin):
    list_display = ("case", "actor", "decided_at")
    list_select_related = ("case", "actor")
    search_fields = ("reason",)
    raw_id_fields = ("case", "actor")
