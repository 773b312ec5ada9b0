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

from accounts.access_log import access_log_record
from accounts.models import AccessAction, AccessVia, InitialPassword, Person
from accounts.people.selectors import person_get
from accounts.rosters.columns import STUDENTS, TEACHERS
from accounts.rosters.report import LIFECYCLE
from core.models import User
from core.permissions import Perm
from imports.models import ImportJob
from inventory.models import DeviceHistory
from scheduling.history import LOAN_FIELD, loan_event_prefix, loan_event_read
from scheduling.models import Loan

# 2: roster_imports added.
FORMAT_VERSION = 2

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
    "roster_imports": "Eingelesene Schüler- und Lehrerlisten der Schulverwaltung, die die "
    "Person noch nennen: Datei, wann und von wem hochgeladen, Stand, und die Zeilen zur "
    "Person (Ergebnis und Änderungen, erkannt am Anmeldenamen) sowie ob ihr Konto dabei "
    "geduldet, gesperrt oder gelöscht wurde (erkannt an der Nummer des Datensatzes). Nach "
    "einigen Tagen bleiben von einer Einlesung nur die Zahlen, ohne Namen.",
    "access_log": "Wer die Daten der Person angesehen, angelegt, geändert oder ausgedruckt "
    "hat, wann und auf welchem Weg (Webseite, API, Kommandozeile).",
}


def person_export(*, actor: User, person_id: int, via: AccessVia | str) -> dict[str, Any]:
    """Everything held about the person as a JSON-ready dict (see the module docstring),
    for an actor allowed to export (IT admins; 403 for everyone else, 404 for an unknown
    person). The export is itself recorded in the access log, and is in the document."""
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
        "roster_imports": _roster_imports(person),
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
    return InitialPassword.objects.filter(person=person).exists()


def _roster_imports(person: Person) -> list[dict[str, Any]]:
    """The roster import jobs of the person's school whose report still names them (one
    query; the uploaded files are not read), oldest first, each with the parts that name
    them. Matched only on stable links, never on a name: a lifecycle step (tolerate,
    disable, delete) by the person's id, a row of the file by the login or the id. A login
    is unique across the city and stays when the name changes; a report keeps its rows
    LERNSTATT_IMPORT_KEEP_DAYS, far less than the LERNSTATT_LOGIN_REUSE_DAYS before a
    login can go to someone else. A row without either (a new person in a preview that was
    never applied) holds nothing but a name, which would find a namesake as well, and is
    left out."""
    jobs = (
        ImportJob.objects.filter(
            kind__in=[STUDENTS, TEACHERS],
            options__school=person.school_id,
        )
        .exclude(report=None)
        .defer("content")
        .select_related("created_by", "confirmed_by")
        .order_by("created_at", "id")
    )
    found = []
    for job in jobs:
        report = job.report if isinstance(job.report, dict) else {}
        rows = [
            {**row, "matched_on": matched}
            for row in report.get("rows") or ()
            if (matched := _row_names(row, person))
        ]
        steps = [
            {"step": step, **entry, "matched_on": "person_id"}
            for step in LIFECYCLE
            for entry in report.get(step) or ()
            if entry.get("person_id") == person.pk
        ]
        if not rows and not steps:
            continue
        found.append(
            {
                "id": job.pk,
                "kind": job.kind,
                "file_name": job.filename,
                "uploaded_at": _iso(job.created_at),
                "uploaded_by": _username(job.created_by),
                "confirmed_by": _username(job.confirmed_by),
                "status": job.status,
                "updated_at": _iso(job.updated_at),
                "school_year": report.get("school_year"),
                "rows": rows,
                "lifecycle": steps,
            }
        )
    return found


def _row_names(row: dict[str, Any], person: Person) -> str:
    """How a report's row names the person: by login, or by id (a deleted person's login
    is gone; the rows of older reports have no id); "" when it does not."""
    if person.login and row.get("login") == person.login:
        return "login"
    if row.get("person_id") == person.pk:
        return "person_id"
    return ""


def _loan_history(loans: list) -> dict[int, list[dict[str, Any]]]:
    """The rows each loan's events wrote into its device's history (loan_event_write),
    for all loans in one query."""
    wanted = Q(pk__in=[])
    for loan in loans:
        if loan.device_id is not None:
            wanted |= Q(device_id=loan.device_id, new__startswith=loan_event_prefix(loan.pk))
    rows = DeviceHistory.objects.filter(wanted, field=LOAN_FIELD).select_related("actor")
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows.order_by("at", "id"):
        read = loan_event_read(row.new)
        if read is None:
            continue
        loan_id = read.loan_id
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
