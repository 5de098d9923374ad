from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        # A document's expiry feeds the daily reminder sweep (documents/reminders.py).
        from documents.reminders import register_sweep_step

        register_sweep_step()
