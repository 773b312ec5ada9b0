"""What an applied device import made, for what is done with it next (printing the labels
of the devices it created)."""

from django.utils.translation import gettext as _

from core.errors import NotFound
from core.models import User
from imports.models import ImportJob
from imports.selectors import import_job_get
from inventory.importing.kind import DEVICES
from inventory.models import Device
from inventory.selectors import device_selection


def import_created_devices(*, actor: User, job_id: int) -> list[Device]:
    """The devices an applied device import created, in the file's order. NotFound when the
    actor may not see the import, when it is no device import or not applied, when it
    created nothing, or when one of its devices is no longer in the actor's schools (named,
    as device_selection names it)."""
    job = import_job_get(actor=actor, job_id=job_id)
    nothing = NotFound(_("This import created no devices."))
    if job.kind != DEVICES or job.status != ImportJob.Status.APPLIED:
        raise nothing
    rows = (job.report or {}).get("rows") or []
    tags = [row["asset_tag"] for row in rows if row.get("outcome") == "create"]
    if not tags:
        raise nothing
    return device_selection(actor=actor, asset_tags=tags)
