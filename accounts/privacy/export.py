"""The answer to a request for access (DSGVO Art. 15): everything Lernstatt holds about one
person, as one JSON document.

The keys are English, like the API's; the document starts with `erlaeuterung`, which says
in German what each part holds, so the file can be handed to the person or their guardians
as it is. An initial password is never in it, only whether one is waiting.
"""

import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.models import AccessAction, AccessVia, Person
from accounts.people.selectors import person_get
from accounts.privacy.access_log import access_log_record
from core.models import User
from core.permissions import Perm

FORMAT_VERSION = 1

EXPLANATION = {
    "person": "Die Angaben zur Person: Name, Geburtsdatum, Kennung der Schulverwaltung "
    "(ID), Kürzel, Rolle, Schule und Klasse.",
    "account": "Das Benutzerkonto im Verzeichnis (LDAP): Anmeldename, Zustand, Eintrag "
    "(DN), Benutzernummer und letzter Abgleich.",
    "status_history": "Wann der Datensatz angelegt wurde und seit wann die Person geduldet, "
    "gesperrt, gelöscht oder ihre Daten gelöscht sind.",
    "initial_password_waiting": "Ob ein Erstpasswort auf den Ausdruck der Klassenliste "
    "wartet (das Passwort selbst steht nie in dieser Auskunft).",
    "loans": "Die Ausleihen von Geräten: Zeitraum, Gerät, Zubehör, Zustand bei Ausgabe und "
    "Rückgabe, Erziehungsberechtigte, Erinnerungen und die Einträge in der Geräte-Historie.",
    "access_log": "Wer die Daten der Person angesehen oder geändert hat, wann und auf welchem "
    "Weg (Webseite, API, Kommandozeile).",
}


def person_export(*, actor: User, person_id: int, via: AccessVia | str) -> dict[str, Any]:
    """Everything held about the person as a JSON-ready dict (see the module docstring),
    for an actor allowed to export (IT admins; 403 for everyone else, 404 for an unknown
    person). The export is itself recorded in the access log, and is in the document."""
    from scheduling.models import Loan

    person = person_get(actor=actor, person_id=person_id, perm=Perm.PERSON_EXPORT)
    access_log_record(actor=actor, action=AccessAction.EXPORT, via=via, people=[person])
    loans = list(
        Loan.objects.filter(student=person)
        .select_related("device__model", "requested_by", "decided_by")
        .select_related("handed_out_by", "returned_by")
        .prefetch_related("reminders")
        .order_by("requested_at", "pk")
    )
    history = _loan_history(loans)
    return {
        "erlaeuterung": EXPLANATION,
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(timezone.now()),
        "exported_by": actor.get_username(),
        "person": _person(person),
        "account": {
            "login": person.login,
            "status": person.status,
            "working_account": person.has_working_account,
            "dn": person.dn,
            "uid_number": person.uid_number,
            "last_synced_at": _iso(person.last_synced_at),
        },
        "status_history": {
            "created_at": _iso(person.created_at),
            "tolerated_at": _iso(person.tolerated_at),
            "disabled_at": _iso(person.disabled_at),
            "deleted_at": _iso(person.deleted_at),
            "erased_at": _iso(person.erased_at),
            "updated_at": _iso(person.updated_at),
        },
        "initial_password_waiting": _has_initial_password(person),
        "loans": [_loan(loan, history.get(loan.pk, [])) for loan in loans],
        "access_log": [
            {
                "at": _iso(entry.at),
                "actor": entry.actor_name,
                "action": entry.action,
                "via": entry.via,
                "detail": entry.detail,
            }
            for entry in person.access_log.order_by("at", "id")
        ],
    }


def _person(person: Person) -> dict[str, Any]:
    school_class = person.school_class
    return {
        "id": person.pk,
        "role": person.role,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "birth_date": _iso(person.birth_date),
        "external_id": person.external_id,
        "short_code": person.short_code,
        "school": {"number": person.school.number, "name": person.school.name},
        "class": (
            None
            if school_class is None
            else {
                "id": school_class.pk,
                "name": school_class.name,
                "school_year": school_class.school_year_label,
            }
        ),
    }


def _has_initial_password(person: Person) -> bool:
    from accounts.models import InitialPassword

    return InitialPassword.objects.filter(person=person).exists()


def _loan_history(loans: list) -> dict[int, list[dict[str, Any]]]:
    """The rows each loan's events wrote into its device's history (scheduling.history),
    for all loans in one query."""
    from inventory.models import DeviceHistory
    from scheduling.history import LOAN_FIELD

    wanted = Q(pk__in=[])
    for loan in loans:
        if loan.device_id is not None:
            wanted |= Q(device_id=loan.device_id, new__startswith=f"loan {loan.pk} ")
    rows = DeviceHistory.objects.filter(wanted, field=LOAN_FIELD).select_related("actor")
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows.order_by("at", "id"):
        loan_id = int(row.new.split(" ", 2)[1])
        found.setdefault(loan_id, []).append(
            {
                "at": _iso(row.at),
                "asset_tag": row.asset_tag,
                "action": row.action,
                "field": row.field,
                "old": row.old,
                "new": row.new,
                "by": row.actor.get_username() if row.actor else "",
            }
        )
    return found


def _loan(loan, history: list[dict[str, Any]]) -> dict[str, Any]:
    device = loan.device
    return {
        "id": loan.pk,
        "status": loan.status,
        "category": loan.category,
        "reason": loan.reason,
        "note": loan.note,
        "starts_on": _iso(loan.starts_on),
        "ends_on": _iso(loan.ends_on),
        "requested_at": _iso(loan.requested_at),
        "requested_by": _username(loan.requested_by),
        "decided_at": _iso(loan.decided_at),
        "decided_by": _username(loan.decided_by),
        "rejection_reason": loan.rejection_reason,
        "device": None
        if device is None
        else {
            "asset_tag": device.asset_tag,
            "serial_number": device.serial_number,
            "model": f"{device.model.manufacturer} {device.model.name}",
        },
        "handed_out_at": _iso(loan.handed_out_at),
        "handed_out_by": _username(loan.handed_out_by),
        "guardian_name": loan.guardian_name,
        "agreement_signed": loan.agreement_signed,
        "accessories_out": list(loan.accessories_out),
        "condition_out": loan.condition_out,
        "returned_at": _iso(loan.returned_at),
        "returned_by": _username(loan.returned_by),
        "accessories_in": list(loan.accessories_in),
        "condition_in": loan.condition_in,
        "reminders": [
            {
                "kind": reminder.kind,
                "due_on": _iso(reminder.due_on),
                "sent_on": _iso(reminder.sent_on),
                "recipients": list(reminder.recipients),
            }
            for reminder in sorted(loan.reminders.all(), key=lambda r: (r.sent_on, r.pk))
        ],
        "device_history": history,
    }


def _username(user: User | None) -> str:
    return user.get_username() if user is not None else ""


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()
