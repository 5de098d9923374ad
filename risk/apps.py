from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk of return")

    def ready(self) -> None:
        from risk import receivers
        from visits.signals import visit_recorded, visits_scheduled

        visits_scheduled.connect(receivers.assess_at_placement_start, dispatch_uid="risk.assess_at_placement_start")
        visit_recorded.connect(receivers.assess_after_visit, dispatch_uid="risk.assess_after_visit")
