"""What Lernstatt's management commands share: the user's language (and no service log
lines in its output), a progress bar and reading an import file."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import LernstattError
from core.sheets.read import ensure_size


class LernstattCommand(BaseCommand):
    """A command that speaks the language chosen with --language (default: the product's)
    and can show progress on stderr. Subclasses implement `run(options)`."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of messages, headers and labels (default: %(default)s)",
        )

    def handle(self, *args, **options) -> None:
        # The service's log lines (in English, for whoever runs the server) stay out of
        # the command's output, which speaks the user's language; -v 2 shows them.
        quiet = options.get("verbosity", 1) < 2
        before = logging.root.manager.disable
        if quiet:
            logging.disable(logging.INFO)
        try:
            with translation.override(options["language"]):
                self.run(options)
        finally:
            logging.disable(before)

    def run(self, options: dict) -> None:
        raise NotImplementedError

    def progress(self, done: int, total: int) -> None:
        """A progress bar on stderr, redrawn in place."""
        percent = min(100, done * 100 // max(total, 1))
        bar = "#" * (percent // 4)
        self.stderr.write(f"\r[{bar:<25}] {percent:3d} %", ending="")
        self.stderr.flush()

    def read_import_file(self, path: Path) -> bytes:
        """The file's content; CommandError when it cannot be read or is too large (the
        size is checked before reading)."""
        try:
            ensure_size(path.stat().st_size)
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from exc
        except LernstattError as exc:
            raise CommandError(exc.message) from exc
