"""Keeping the initial passwords of new accounts until they are handed out.

The directory sync sets a new account's password and keeps it here, encrypted with a key
the database does not hold (LERNSTATT_PASSWORD_KEY, or one derived from Django's
SECRET_KEY), so that the admin can print the class list after the sync. Taking them for a
class list removes them: each initial password is handed out once. Those nobody took are
deleted after LERNSTATT_INITIAL_PASSWORD_DAYS (30 by default); a student whose list was
lost gets a new password by a reset.
"""

import base64
import datetime
from collections.abc import Iterable, Mapping

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import InitialPassword

BATCH = 1000


def _fernet() -> Fernet:
    secret = (settings.LERNSTATT_PASSWORD_KEY or settings.SECRET_KEY).encode()
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"lernstatt initial passwords"
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def initial_passwords_keep(passwords: Mapping[int, str]) -> None:
    """Keep the initial password of each person (id → password), encrypted, replacing one
    kept earlier for the same person."""
    if not passwords:
        return
    fernet = _fernet()
    rows = [
        InitialPassword(person_id=person_id, secret=fernet.encrypt(password.encode()).decode())
        for person_id, password in passwords.items()
    ]
    with transaction.atomic():
        ids = list(passwords)
        for start in range(0, len(ids), BATCH):
            InitialPassword.objects.filter(person_id__in=ids[start : start + BATCH]).delete()
        InitialPassword.objects.bulk_create(rows, batch_size=BATCH)


def initial_passwords_take(person_ids: Iterable[int]) -> dict[int, str]:
    """The kept initial passwords of these people (id → password), removed as they are
    read: call it inside the transaction that hands them out, so a failure keeps them.
    A password encrypted with another key (the key was changed) cannot be read and is
    left out, and removed all the same."""
    ids = list(person_ids)
    fernet = _fernet()
    taken: dict[int, str] = {}
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            rows = InitialPassword.objects.select_for_update().filter(person_id__in=batch)
            for person_id, secret in rows.values_list("person_id", "secret"):
                try:
                    taken[person_id] = fernet.decrypt(secret.encode()).decode()
                except InvalidToken:
                    continue
            InitialPassword.objects.filter(person_id__in=batch).delete()
    return taken


def initial_passwords_drop(person_ids: Iterable[int]) -> None:
    """Forget kept passwords that are no longer valid (the password was reset)."""
    ids = list(person_ids)
    for start in range(0, len(ids), BATCH):
        InitialPassword.objects.filter(person_id__in=ids[start : start + BATCH]).delete()


def initial_passwords_purge(now: datetime.datetime | None = None) -> int:
    """Delete the passwords nobody took within LERNSTATT_INITIAL_PASSWORD_DAYS; returns how
    many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(
        days=settings.LERNSTATT_INITIAL_PASSWORD_DAYS
    )
    deleted, _ = InitialPassword.objects.filter(created_at__lt=cutoff).delete()
    return deleted
