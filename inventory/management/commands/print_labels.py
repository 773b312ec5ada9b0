"""manage.py print_labels --output FILE.pdf|FILE.zpl [--school N] [--room ID]
[--asset-tag TAG ...] [--import-job ID] [--template KEY] [--start N] [--copies N]
[--fields qr,tag,...] [--user USERNAME] [--language de|en]"""

from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import LernstattError
from core.formats import count_text
from core.management.actors import command_actor
from core.management.base import LernstattCommand
from inventory.importing.results import import_created_devices
from inventory.labels.printing import FORMATS, LabelSelection, label_options, labels_print
from inventory.labels.templates import ALL_FIELDS, DEFAULT_TEMPLATE, TEMPLATES


class Command(LernstattCommand):
    help = (
        "Print the asset labels of devices to a PDF (or ZPL for a Zebra label printer): the "
        "devices named with --asset-tag, those of a room or a school, or those an import "
        "created. Without --user, "
        "every school's devices can be printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--output", required=True, help="File to write; .pdf or .zpl decides the format"
        )
        parser.add_argument("--school", help="The devices of this school (6-digit number)")
        parser.add_argument("--room", type=int, help="The devices of this room (its id)")
        parser.add_argument(
            "--asset-tag",
            action="append",
            default=[],
            dest="asset_tags",
            help="A device by its asset tag; repeat for more devices",
        )
        parser.add_argument(
            "--import-job",
            type=int,
            help="The devices this applied device import created (the import's number)",
        )
        parser.add_argument(
            "--template",
            default=DEFAULT_TEMPLATE,
            choices=list(TEMPLATES),
            help="The label sheet or label printer (default: %(default)s)",
        )
        parser.add_argument(
            "--start", type=int, default=1, help="The first free label of the sheet (default 1)"
        )
        parser.add_argument(
            "--copies", type=int, default=1, help="Labels of each device (default 1)"
        )
        parser.add_argument(
            "--fields",
            help="What each label shows, comma-separated, of: "
            + ", ".join(ALL_FIELDS)
            + " (default: the template's)",
        )
        parser.add_argument(
            "--user", help="Print as this user, for their schools (default: every school)"
        )

    def run(self, options: dict) -> None:
        output = Path(options["output"])
        fmt = output.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError(_("The output file must end in .pdf or .zpl."))
        named = [
            options["asset_tags"],
            options["room"] is not None,
            options["school"],
            options["import_job"] is not None,
        ]
        if sum(bool(each) for each in named) != 1:
            raise CommandError(
                _(
                    "Name the devices with --asset-tag, --room, --school or --import-job "
                    "(one of them)."
                )
            )
        fields = None
        if options["fields"]:
            fields = [name.strip() for name in options["fields"].split(",") if name.strip()]
        actor = command_actor(options["user"])
        try:
            if options["import_job"] is not None:
                created = import_created_devices(actor=actor, job_id=options["import_job"])
                selection = LabelSelection(device_ids=tuple(device.pk for device in created))
            else:
                selection = LabelSelection(
                    asset_tags=tuple(options["asset_tags"]),
                    room=options["room"],
                    school=options["school"],
                )
            label_file = labels_print(
                actor=actor,
                selection=selection,
                options=label_options(
                    template=options["template"],
                    fields=fields,
                    start=options["start"],
                    copies=options["copies"],
                    fmt=fmt,
                ),
            )
        except LernstattError as exc:
            details = [error["message"] for error in exc.errors if "asset_tag" not in error]
            raise CommandError(" ".join([exc.message, *details])) from exc
        try:
            output.write_bytes(label_file.content)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(reason)s") % {"path": output, "reason": exc.strerror}
            ) from exc
        self.stdout.write(
            ngettext(
                "%(count)s label written to %(path)s.",
                "%(count)s labels written to %(path)s.",
                label_file.labels,
            )
            % {"count": count_text(label_file.labels), "path": output}
        )
