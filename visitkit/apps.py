from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitKitConfig(AppConfig):
    name = "visitkit"
    verbose_name = _("Visit kit (offline visits)")
