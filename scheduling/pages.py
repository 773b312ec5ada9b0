"""The loans on the pages of the apps below: a device's loans on the device page, a
person's loans and the devices they had on the person page (registered in
SchedulingConfig.ready through core.pages)."""

from typing import Any

from accounts.models import Person
from core.errors import PermissionDenied
from core.models import User
from core.permissions import Perm, has
from inventory.models import Device
from scheduling.selectors import LoanFilters, loan_list

DEVICE_LOANS_LIMIT = 50
PERSON_LOANS_LIMIT = 100


def device_loans(actor: User, device: Device) -> dict[str, Any]:
    """The device's loans for those who manage loans (they see the students' names);
    None for everyone else."""
    if not has(actor, Perm.LOAN_MANAGE):
        return {"loans": None}
    loans = loan_list(actor=actor, perm=Perm.LOAN_MANAGE).filter(device=device)
    return {"loans": list(loans[:DEVICE_LOANS_LIMIT])}


def person_loans(actor: User, person: Person) -> dict[str, Any]:
    """The person's loans the actor may see (all of them for those who manage loans, else
    the actor's own requests; None for a role that sees no loans) and their devices."""
    perm = Perm.LOAN_MANAGE if has(actor, Perm.LOAN_MANAGE) else Perm.LOAN_REQUEST
    try:
        found = loan_list(actor=actor, filters=LoanFilters(student=person.pk), perm=perm)
    except PermissionDenied:
        return {"loans": None, "devices": []}
    loans = list(found[:PERSON_LOANS_LIMIT])
    devices: list[Device] = []
    for loan in loans:
        if loan.device is not None and loan.device not in devices:
            devices.append(loan.device)
    return {"loans": loans, "devices": devices}
