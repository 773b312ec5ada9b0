"""Background tasks of the privacy duties: each calls one service."""

from celery import shared_task

from privacy.retention import privacy_retention_run


@shared_task(ignore_result=True)
def privacy_nightly() -> dict[str, int]:
    """The nightly privacy work (privacy_retention_run): deleted people past
    LERNSTATT_PERSON_ERASE_DAYS are erased, old access log entries, released logins and
    sync-run error texts are purged. Returns the counts."""
    return privacy_retention_run()
