"""Locking users out at once, and letting them back in: for people who leave a school
(the roster lifecycle) and for IT admins closing an account."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import ApiToken, User


def users_lock_out(*, user_ids: Iterable[int]) -> int:
    """Deactivate the users, end every session they have and revoke every API token they
    hold, in one transaction: the next request of any of their browsers is logged out and
    every token answers 401. Returns how many users were still active."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    with transaction.atomic():
        active = User.objects.filter(pk__in=ids, is_active=True).update(is_active=False)
        # A session is bound to the epoch (User._get_session_auth_hash): raising it ends
        # every session, wherever it is stored, and keeps it ended after reactivation.
        User.objects.filter(pk__in=ids).update(session_epoch=F("session_epoch") + 1)
        ApiToken.objects.filter(user_id__in=ids, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    return active


def users_restore(*, user_ids: Iterable[int]) -> int:
    """Let locked-out users log in again. Their old sessions and tokens stay ended: a
    returning user logs in anew and makes new tokens. Returns how many were restored."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    return User.objects.filter(pk__in=ids, is_active=False).update(is_active=True)
