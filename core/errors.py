"""The domain errors. Every entry point turns them into one shape for the user:
`{"message": ..., "code": ..., "errors": [{"field"|"row"+"column": ..., "message": ...}]}`."""

from typing import Any


class LernstattError(Exception):
    """An error a user can read and act on."""

    status = 400
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, errors: list[dict] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.errors = errors or []

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "code": self.code, "errors": self.errors}


class NotFound(LernstattError):
    status = 404
    code = "not_found"


class PermissionDenied(LernstattError):
    status = 403
    code = "permission_denied"


class ValidationFailed(LernstattError):
    status = 422
    code = "validation_failed"


class Conflict(LernstattError):
    status = 409
    code = "conflict"


class FileRejected(LernstattError):
    """An uploaded file that cannot be read at all: not a spreadsheet, corrupt, too big."""

    status = 422
    code = "file_rejected"


class DirectoryNotConfigured(LernstattError):
    """No LDAP directory is configured (LDAP_URL is empty)."""

    status = 503
    code = "directory_not_configured"


class DirectoryUnavailable(LernstattError):
    """The directory cannot be reached, or refuses Lernstatt's bind."""

    status = 503
    code = "directory_unavailable"


class BrokerUnavailable(LernstattError):
    """The task queue (Celery's broker) cannot be reached, so background work cannot start."""

    status = 503
    code = "broker_unavailable"
