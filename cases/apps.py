from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases and placements")

    def ready(self) -> None:
        # The age rules feed the daily reminder sweep (cases/reminders.py).
        from cases.reminders import register_sweep_steps

        register_sweep_steps()
