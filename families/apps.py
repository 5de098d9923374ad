from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamiliesConfig(AppConfig):
    name = "families"
    verbose_name = _("Prospective families")

    def ready(self) -> None:
        # The carers' periodic check feeds the daily reminder sweep (families/reminders.py).
        from families.reminders import register_sweep_step

        register_sweep_step()
