from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Synthetic demo and national-scale data: ``seed_demo`` and ``demo_setup``. Owns no tables."""

    name = "demo"
    verbose_name = _("demo data")
