from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        # The services send the tasks by name: they must be known in every process.
        from imports import tasks  # noqa: F401
